"""The discovered-schema layout EventBridge writes (eb-schema.html; the AWS Toolkit's recorded
content for "EC2 Instance State-change Notification"): AWSEvent with the nine envelope fields
required, x-amazon-events-source/-detail-type, detail as a $ref to a class named after the
detail-type, nested objects as their own component schemas."""

from __future__ import annotations

from typing import Any

from engine.schemas import inference, layout


def test_envelope_and_detail_class(v1_event: dict[str, Any]) -> None:
    name, document = inference.discover("com.myapp.orders", "Order Placed", [v1_event["detail"]])
    assert name == "com.myapp.orders@OrderPlaced"
    assert document["openapi"] == "3.0.0" and document["paths"] == {}
    assert document["info"] == {"version": "1.0.0", "title": "OrderPlaced"}
    schemas = document["components"]["schemas"]
    root = schemas["AWSEvent"]
    assert sorted(root["required"]) == sorted(
        ["detail-type", "resources", "id", "source", "time", "detail", "region", "version", "account"]
    )
    assert root["x-amazon-events-source"] == "com.myapp.orders"
    assert root["x-amazon-events-detail-type"] == "Order Placed"
    assert root["properties"]["detail"] == {"$ref": "#/components/schemas/OrderPlaced"}
    assert root["properties"]["time"] == {"type": "string", "format": "date-time"}
    detail = schemas["OrderPlaced"]
    assert detail["required"] == ["amount", "items", "orderId"]
    assert detail["properties"]["amount"] == {"type": "number"}
    assert detail["properties"]["items"] == {
        "type": "array",
        "items": {"$ref": "#/components/schemas/ItemsItem"},
    }
    assert schemas["ItemsItem"]["properties"]["quantity"] == {"type": "integer"}


def test_class_names_do_not_collide() -> None:
    detail = {
        "type": "object",
        "properties": {"awsEvent": {"type": "object", "properties": {"a": {"type": "string"}}}},
    }
    document = layout.discovered_document("s", "AWS Event", detail)
    schemas = document["components"]["schemas"]
    # The detail class would be "AWSEvent" too: it gets a free name, the envelope keeps its own.
    assert schemas["AWSEvent"]["properties"]["detail"] == {"$ref": "#/components/schemas/AWSEvent2"}
    assert "x-amazon-events-source" in schemas["AWSEvent"]
    assert schemas["AWSEvent2"]["properties"]["awsEvent"] == {"$ref": "#/components/schemas/AwsEvent"}


def test_mixed_and_null_values_become_nullable_or_number() -> None:
    inferred = inference.infer_detail([{"n": 1, "s": None}, {"n": 2.5, "s": "x"}])
    document = layout.discovered_document("s", "T", inferred)
    props = document["components"]["schemas"]["T"]["properties"]
    assert props["n"] == {"type": "number"}
    assert props["s"] == {"type": "string", "nullable": True}


def test_pascal_case_names() -> None:
    assert layout.pascal("EC2 Instance State-change Notification") == "EC2InstanceStateChangeNotification"
    assert layout.pascal("order-placed") == "OrderPlaced"
    assert layout.pascal("3d print") == "C3dPrint"


def test_draft4_export_rewrites_refs_and_nullable(v1_event: dict[str, Any]) -> None:
    _, document = inference.discover("com.myapp.orders", "Order Placed", [{"a": None}, v1_event["detail"]])
    exported = layout.as_draft4(document)
    assert exported["$schema"] == "http://json-schema.org/draft-04/schema#"
    assert exported["properties"]["detail"] == {"$ref": "#/definitions/OrderPlaced"}
    assert "AWSEvent" not in exported["definitions"]
    assert exported["definitions"]["OrderPlaced"]["properties"]["a"]["type"] == ["object", "null"]
