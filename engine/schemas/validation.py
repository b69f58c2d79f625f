"""Checking schema content (CreateSchema/UpdateSchema) and events against a schema version.

Content: EventBridge accepts ``OpenApi3`` and ``JSONSchemaDraft4`` (schemas API, ``Type``) and
answers malformed content with BadRequestException; the fault named here becomes its message.
Events: the check a bus runs before accepting an entry (a workbench addition beyond AWS); each
problem names the field (``detail.amount``) and the JSON Schema rule it broke (``type``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from jsonschema import Draft4Validator
from jsonschema.exceptions import SchemaError

from engine.schemas.errors import SchemaContentError
from engine.schemas.layout import OPENAPI_REF, JsonSchema, as_draft4, component_schemas, draft4_node

OPENAPI3 = "OpenApi3"
DRAFT4 = "JSONSchemaDraft4"
TYPES = (OPENAPI3, DRAFT4)


@dataclass(frozen=True)
class Problem:
    """Why an event does not fit: the field path, the rule, and a sentence for people."""

    field: str
    rule: str
    message: str


def parse_content(schema_type: str, content: str) -> JsonSchema:
    """The parsed document, or SchemaContentError naming the first fault found."""
    if schema_type not in TYPES:
        raise SchemaContentError(f"Type must be one of {', '.join(TYPES)}, not {schema_type!r}")
    try:
        document = json.loads(content)
    except json.JSONDecodeError as exc:
        raise SchemaContentError(
            f"Content is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno}"
        ) from exc
    if not isinstance(document, dict):
        raise SchemaContentError("Content must be a JSON object")
    if schema_type == OPENAPI3:
        _check_openapi(document)
    else:
        _check_schema(document, "Content")
    return document


def _check_openapi(document: JsonSchema) -> None:
    version = document.get("openapi")
    if not isinstance(version, str) or not version.startswith("3."):
        raise SchemaContentError("Content is not OpenAPI 3: 'openapi' must be a version string 3.x.y")
    info = document.get("info")
    if (
        not isinstance(info, dict)
        or not isinstance(info.get("title"), str)
        or not isinstance(info.get("version"), str)
    ):
        raise SchemaContentError(
            "Content is not OpenAPI 3: 'info' must be an object with 'title' and 'version'"
        )
    if not isinstance(document.get("paths"), dict):
        raise SchemaContentError("Content is not OpenAPI 3: 'paths' must be an object")
    components = document.get("components", {})
    if not isinstance(components, dict) or not isinstance(components.get("schemas", {}), dict):
        raise SchemaContentError("Content is not OpenAPI 3: 'components.schemas' must be an object")
    schemas = component_schemas(document)
    for name, schema in schemas.items():
        where = f"components.schemas.{name}"
        if not isinstance(schema, dict):
            raise SchemaContentError(f"{where} must be an object")
        _check_refs(schema, where, schemas)
    for name, schema in schemas.items():
        _check_schema(draft4_node(schema), f"components.schemas.{name}")


def _check_refs(node: Any, where: str, schemas: dict[str, Any]) -> None:
    if isinstance(node, list):
        for index, item in enumerate(node):
            _check_refs(item, f"{where}[{index}]", schemas)
    elif isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and (
            not ref.startswith(OPENAPI_REF) or ref[len(OPENAPI_REF) :] not in schemas
        ):
            raise SchemaContentError(f"{where}: $ref {ref!r} does not name a schema in components.schemas")
        for key, value in node.items():
            _check_refs(value, f"{where}.{key}", schemas)


def _check_schema(schema: JsonSchema, where: str) -> None:
    try:
        Draft4Validator.check_schema(schema)
    except SchemaError as exc:
        location = ".".join(str(part) for part in exc.absolute_path)
        raise SchemaContentError(
            f"{where}{'.' + location if location else ''} is not valid JSON Schema Draft 4: {exc.message}"
        ) from exc


def validate_event(document: JsonSchema, event: Any) -> list[Problem]:
    """Every way ``event`` breaks the document's root class, in field order."""
    validator = Draft4Validator(as_draft4(document))
    problems = [
        Problem(_field(error), str(error.validator), error.message) for error in validator.iter_errors(event)
    ]
    return sorted(problems, key=lambda problem: (problem.field, problem.rule))


def _field(error: Any) -> str:
    """The dotted path of the field at fault; for a missing member, the member itself."""
    parts = [f"[{part}]" if isinstance(part, int) else f".{part}" for part in error.absolute_path]
    path = "".join(parts).lstrip(".")
    if error.validator == "required" and isinstance(error.instance, dict):
        missing = [name for name in error.validator_value if name not in error.instance]
        if missing:
            return f"{path}.{missing[0]}" if path else str(missing[0])
    return path or "(event)"


def describe(problem: Problem) -> str:
    """One line for a PutEvents entry error: field, rule, what was wrong."""
    return f"{problem.field}: {problem.message} (rule: {problem.rule})"
