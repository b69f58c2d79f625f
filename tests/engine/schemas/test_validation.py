"""Schema content checks (CreateSchema/UpdateSchema answer BadRequestException with the fault)
and event validation naming the field and the JSON Schema rule."""

from __future__ import annotations

import json
from typing import Any

import pytest

from engine.schemas import inference
from engine.schemas.errors import SchemaContentError
from engine.schemas.validation import describe, parse_content, validate_event


def openapi(schemas: dict[str, Any], **top: Any) -> str:
    document = {
        "openapi": "3.0.0",
        "info": {"title": "T", "version": "1"},
        "paths": {},
        "components": {"schemas": schemas},
    }
    document.update(top)
    return json.dumps(document)


@pytest.mark.parametrize(
    ("schema_type", "content", "fault"),
    [
        (
            "OpenApi3",
            "{oops",
            "Content is not valid JSON: Expecting property name enclosed in double quotes at line 1 column 2",
        ),
        ("OpenApi3", "[]", "Content must be a JSON object"),
        ("OpenApi3", openapi({}, openapi="2.0"), "'openapi' must be a version string 3.x.y"),
        ("OpenApi3", openapi({}, info={"title": "T"}), "'info' must be an object with 'title' and 'version'"),
        ("OpenApi3", openapi({}, paths=[]), "'paths' must be an object"),
        (
            "OpenApi3",
            openapi({"T": {"type": "strin"}}),
            "components.schemas.T.type is not valid JSON Schema Draft 4",
        ),
        (
            "OpenApi3",
            openapi({"T": {"properties": {"a": {"$ref": "#/components/schemas/Gone"}}}}),
            "components.schemas.T.properties.a: $ref '#/components/schemas/Gone' does not name a schema",
        ),
        (
            "JSONSchemaDraft4",
            json.dumps({"properties": {"a": {"type": 5}}}),
            "Content.properties.a.type is not valid",
        ),
        (
            "JSONSchemaDraft4",
            json.dumps({"required": []}),
            "Content.required is not valid JSON Schema Draft 4",
        ),
        ("Avro", "{}", "Type must be one of OpenApi3, JSONSchemaDraft4, not 'Avro'"),
    ],
)
def test_bad_content_names_the_fault(schema_type: str, content: str, fault: str) -> None:
    with pytest.raises(SchemaContentError) as refused:
        parse_content(schema_type, content)
    assert fault in refused.value.fault


def test_good_content_parses() -> None:
    assert parse_content("OpenApi3", openapi({"T": {"type": "object"}}))["info"]["title"] == "T"
    assert parse_content("JSONSchemaDraft4", '{"type": "object"}') == {"type": "object"}


def test_wrong_type_names_field_and_rule(v1_event: dict[str, Any]) -> None:
    _, document = inference.discover("com.myapp.orders", "Order Placed", [v1_event["detail"]])
    assert validate_event(document, v1_event) == []
    v1_event["detail"]["amount"] = "299.99"
    v1_event["detail"]["items"][0]["quantity"] = "one"
    del v1_event["detail"]["orderId"]
    problems = validate_event(document, v1_event)
    assert [(p.field, p.rule) for p in problems] == [
        ("detail.amount", "type"),
        ("detail.items[0].quantity", "type"),
        ("detail.orderId", "required"),
    ]
    assert describe(problems[0]) == "detail.amount: '299.99' is not of type 'number' (rule: type)"


def test_draft4_documents_validate_events_too() -> None:
    document = parse_content("JSONSchemaDraft4", json.dumps({"type": "object", "required": ["id"]}))
    assert [(p.field, p.rule) for p in validate_event(document, {})] == [("id", "required")]
    assert [(p.field, p.rule) for p in validate_event(document, [])] == [("(event)", "type")]
