"""Inferring a discovered schema from events, with genson doing the JSON Schema inference.

EventBridge schema discovery (eb-schema.html, "Schema discovery") writes one schema per
source and detail-type and "creates a new version when the structure changes". Samples are
merged with what the previous version already knew, so a field seen in older events but not
in a new batch becomes optional rather than vanishing.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from genson import SchemaBuilder

from engine.schemas.layout import JsonSchema, detail_schema, discovered_document, schema_name


def infer_detail(details: Iterable[Any], seed: JsonSchema | None = None) -> JsonSchema:
    """One JSON Schema covering every ``detail`` given (and the seed, when there is one)."""
    builder = SchemaBuilder(schema_uri=None)
    if seed:
        builder.add_schema(seed)
    for detail in details:
        builder.add_object(detail)
    schema: JsonSchema = builder.to_schema()
    return schema


def group_by_type(events: Iterable[Mapping[str, Any]]) -> dict[tuple[str, str], list[Any]]:
    """Events' details keyed by (source, detail-type), the unit EventBridge discovers."""
    groups: dict[tuple[str, str], list[Any]] = {}
    for event in events:
        source, detail_type = event.get("source"), event.get("detail-type")
        if isinstance(source, str) and isinstance(detail_type, str):
            groups.setdefault((source, detail_type), []).append(event.get("detail", {}))
    return groups


def discover(
    source: str, detail_type: str, details: Iterable[Any], previous: JsonSchema | None = None
) -> tuple[str, JsonSchema]:
    """The schema name and the OpenAPI document for these details merged with ``previous``."""
    seed = detail_schema(previous) if previous else None
    inferred = infer_detail(details, seed)
    return schema_name(source, detail_type), discovered_document(source, detail_type, inferred)


def discover_events(events: Iterable[Mapping[str, Any]]) -> JsonSchema:
    """GetDiscoveredSchema: one OpenAPI document for sample events of one source/detail-type.

    AWS answers events of differing types with BadRequestException; so does the shell when
    this raises ValueError.
    """
    groups = group_by_type(events)
    if len(groups) != 1:
        raise ValueError(
            "Events must share one source and detail-type"
            if groups
            else "Events must carry a source and detail-type"
        )
    (source, detail_type), details = next(iter(groups.items()))
    return discover(source, detail_type, details)[1]
