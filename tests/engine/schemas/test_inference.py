"""Discovery writes a new version only when the structure changes (eb-schema.html, "Schema
discovery"); fields missing from some events are optional."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from engine.schemas import inference, structure


def test_same_shape_with_other_values_is_the_same_structure(v1_event: dict[str, Any]) -> None:
    _, first = inference.discover("com.myapp.orders", "Order Placed", [v1_event["detail"]])
    other = copy.deepcopy(v1_event["detail"])
    other.update(orderId="order-999", amount=5.0, items=[])
    _, again = inference.discover("com.myapp.orders", "Order Placed", [other], first)
    assert structure.same_structure(first, again)


def test_course_version_two_adds_optional_currency_and_tax(
    v1_event: dict[str, Any], v2_event: dict[str, Any]
) -> None:
    _, first = inference.discover("com.myapp.orders", "Order Placed", [v1_event["detail"]])
    _, second = inference.discover("com.myapp.orders", "Order Placed", [v2_event["detail"]], first)
    assert not structure.same_structure(first, second)
    detail = second["components"]["schemas"]["OrderPlaced"]
    assert detail["properties"]["currency"] == {"type": "string"}
    assert detail["properties"]["tax"] == {"type": "number"}
    assert "currency" not in detail["required"] and "tax" not in detail["required"]
    assert "orderId" in detail["required"]


def test_a_field_absent_from_new_events_stays_known_but_optional(v1_event: dict[str, Any]) -> None:
    _, first = inference.discover("com.myapp.orders", "Order Placed", [v1_event["detail"]])
    _, second = inference.discover(
        "com.myapp.orders", "Order Placed", [{"orderId": "o", "amount": 1.0}], first
    )
    detail = second["components"]["schemas"]["OrderPlaced"]
    assert "items" in detail["properties"] and "items" not in detail["required"]


def test_grouping_by_source_and_detail_type(v1_event: dict[str, Any]) -> None:
    other = {**v1_event, "detail-type": "Order Shipped"}
    groups = inference.group_by_type([v1_event, other, v1_event, {"detail": {}}])
    assert {key: len(value) for key, value in groups.items()} == {
        ("com.myapp.orders", "Order Placed"): 2,
        ("com.myapp.orders", "Order Shipped"): 1,
    }
    with pytest.raises(ValueError, match="share one source and detail-type"):
        inference.discover_events([v1_event, other])
