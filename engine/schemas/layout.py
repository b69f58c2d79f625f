"""EventBridge's discovered-schema layout (OpenAPI 3) and its JSONSchema Draft4 export.

A discovered schema, as EventBridge writes it (eb-schema.html; the AWS Toolkit's recorded
schema content for "EC2 Instance State-change Notification"), is::

    {"openapi": "3.0.0", "info": {"version": "1.0.0", "title": "<DetailTypeInPascalCase>"},
     "paths": {}, "components": {"schemas": {
        "AWSEvent": {"type": "object", "required": [<the nine envelope fields>],
                     "x-amazon-events-detail-type": ..., "x-amazon-events-source": ...,
                     "properties": {"detail": {"$ref": "#/components/schemas/<Title>"}, ...}},
        "<Title>": {...}, "<NestedObject>": {...}}}}

Nested objects become named component schemas referred to by ``$ref``; a discovered schema's
name is ``<source>@<Title>``.
"""

from __future__ import annotations

import copy
import re
from typing import Any

JsonSchema = dict[str, Any]

OPENAPI_REF = "#/components/schemas/"
DRAFT4_REF = "#/definitions/"
DRAFT4_URI = "http://json-schema.org/draft-04/schema#"
ENVELOPE_REQUIRED = [
    "detail-type",
    "resources",
    "id",
    "source",
    "time",
    "detail",
    "region",
    "version",
    "account",
]
_WORD = re.compile(r"[A-Za-z0-9]+")


def pascal(text: str) -> str:
    """``Order Placed`` and ``order-placed`` both give ``OrderPlaced`` (AWS's class names)."""
    name = "".join(word[:1].upper() + word[1:] for word in _WORD.findall(text))
    if not name:
        return "Detail"
    return name if name[0].isalpha() else f"C{name}"


def schema_name(source: str, detail_type: str) -> str:
    """The discovered schema's name: ``<source>@<DetailType>`` as EventBridge names them."""
    return f"{source}@{pascal(detail_type)}"


def discovered_document(source: str, detail_type: str, detail: JsonSchema) -> JsonSchema:
    """Shape an inferred JSON Schema of an event's ``detail`` into the discovered layout."""
    title = pascal(detail_type)
    components: dict[str, JsonSchema] = {}
    envelope: JsonSchema = {
        "type": "object",
        "required": list(ENVELOPE_REQUIRED),
        "x-amazon-events-detail-type": detail_type,
        "x-amazon-events-source": source,
        "properties": {
            "detail": {},  # the detail class's name is known once it is placed
            "account": {"type": "string"},
            "detail-type": {"type": "string"},
            "id": {"type": "string"},
            "region": {"type": "string"},
            "resources": {"type": "array", "items": {"type": "string"}},
            "source": {"type": "string"},
            "time": {"type": "string", "format": "date-time"},
            "version": {"type": "string"},
        },
    }
    components["AWSEvent"] = envelope
    detail_class = _name_object(
        detail if detail.get("type") == "object" else {"type": "object"}, title, components
    )
    envelope["properties"]["detail"] = {"$ref": OPENAPI_REF + detail_class}
    return {
        "openapi": "3.0.0",
        "info": {"version": "1.0.0", "title": title},
        "paths": {},
        "components": {"schemas": components},
    }


def _name_object(schema: JsonSchema, name: str, components: dict[str, JsonSchema]) -> str:
    """Store an object schema under a free component name; return that name."""
    unique, n = name, 2
    while unique in components:
        unique, n = f"{name}{n}", n + 1
    components[unique] = {}  # reserve before descending, so children pick other names
    shaped: JsonSchema = {"type": "object"}
    properties = schema.get("properties") or {}
    if schema.get("required"):
        shaped["required"] = sorted(schema["required"])
    if properties:
        shaped["properties"] = {
            key: _shape(value, pascal(key), components) for key, value in sorted(properties.items())
        }
    components[unique] = shaped
    return unique


def _shape(schema: JsonSchema, name: str, components: dict[str, JsonSchema]) -> JsonSchema:
    kind = schema.get("type")
    nullable = False
    if isinstance(kind, list):
        kinds = [k for k in kind if k != "null"]
        nullable = len(kinds) < len(kind)
        kind = "number" if set(kinds) == {"integer", "number"} else (kinds[0] if kinds else "null")
    if "anyOf" in schema:  # genson's answer for values of several kinds: keep the first non-null
        options = [option for option in schema["anyOf"] if option.get("type") != "null"]
        nullable = len(options) < len(schema["anyOf"])
        return _with_nullable(_shape(options[0], name, components) if options else {}, nullable)
    if kind == "object":
        if not schema.get("properties"):
            return _with_nullable({"type": "object"}, nullable)
        return _with_nullable({"$ref": OPENAPI_REF + _name_object(schema, name, components)}, nullable)
    if kind == "array":
        items = schema.get("items")
        shaped_items = _shape(items, f"{name}Item", components) if items else {"type": "object"}
        return _with_nullable({"type": "array", "items": shaped_items}, nullable)
    if kind == "null" or kind is None:
        return {"type": "object", "nullable": True} if kind == "null" else {}
    out: JsonSchema = {"type": kind}
    if "format" in schema:
        out["format"] = schema["format"]
    return _with_nullable(out, nullable)


def _with_nullable(schema: JsonSchema, nullable: bool) -> JsonSchema:
    return {**schema, "nullable": True} if nullable and schema else schema


def component_schemas(document: JsonSchema) -> dict[str, JsonSchema]:
    found = document.get("components", {}).get("schemas", {})
    return found if isinstance(found, dict) else {}


def root_name(document: JsonSchema) -> str | None:
    """The class an event is checked against: ``AWSEvent`` if present, else the first one."""
    schemas = component_schemas(document)
    if "AWSEvent" in schemas:
        return "AWSEvent"
    return next(iter(schemas), None)


def event_source(document: JsonSchema) -> tuple[str | None, str | None]:
    root = component_schemas(document).get("AWSEvent", {})
    return root.get("x-amazon-events-source"), root.get("x-amazon-events-detail-type")


def as_draft4(document: JsonSchema) -> JsonSchema:
    """ExportSchema's JSONSchemaDraft4: the root class inline, the others under ``definitions``.

    A Draft4 document passes through unchanged; an OpenAPI one has its ``$ref``s rewritten
    and OpenAPI's ``nullable`` turned into a type list.
    """
    if "openapi" not in document:
        return copy.deepcopy(document)
    schemas = {name: draft4_node(value) for name, value in component_schemas(document).items()}
    root = root_name(document)
    out: JsonSchema = {"$schema": DRAFT4_URI, "title": root or document.get("info", {}).get("title", "")}
    if root is not None:
        out.update(schemas[root])
        out["definitions"] = {name: value for name, value in schemas.items() if name != root}
    return out


def draft4_node(node: Any) -> Any:
    if isinstance(node, list):
        return [draft4_node(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: draft4_node(value) for key, value in node.items() if key != "nullable"}
    ref = out.get("$ref")
    if isinstance(ref, str) and ref.startswith(OPENAPI_REF):
        out["$ref"] = DRAFT4_REF + ref[len(OPENAPI_REF) :]
    if node.get("nullable") and isinstance(out.get("type"), str):
        out["type"] = [out["type"], "null"]
    return out


def inline(schema: JsonSchema, definitions: dict[str, JsonSchema], depth: int = 0) -> JsonSchema:
    """A Draft4 schema with every local ``$ref`` replaced by its target (for seeding inference)."""
    if depth > 32:
        return {}
    ref = schema.get("$ref")
    if isinstance(ref, str):
        target = definitions.get(ref.rsplit("/", 1)[-1], {})
        return inline(target, definitions, depth + 1)
    out: JsonSchema = {}
    for key, value in schema.items():
        if key in ("definitions", "$schema", "title"):
            continue
        if key == "properties" and isinstance(value, dict):
            out[key] = {name: inline(sub, definitions, depth + 1) for name, sub in value.items()}
        elif key == "items" and isinstance(value, dict):
            out[key] = inline(value, definitions, depth + 1)
        else:
            out[key] = value
    return out


def detail_schema(document: JsonSchema) -> JsonSchema:
    """The ``detail`` of a discovered document as one inline Draft4 schema."""
    draft4 = as_draft4(document)
    definitions = draft4.get("definitions", {})
    detail = draft4.get("properties", {}).get("detail", {"type": "object"})
    return inline(detail, definitions)
