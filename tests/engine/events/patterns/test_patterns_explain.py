"""explain(): every failed field with the event's value beside it; nothing when the event matches."""

from __future__ import annotations

import json
from typing import Any

from engine.events.patterns import Miss, explain, parse_pattern

ORDER_RULE = {
    "source": ["com.myapp.orders"],
    "detail-type": ["Order Placed"],
    "detail": {"amount": [{"numeric": [">", 1000]}], "status": [{"anything-but": ["cancelled", "failed"]}]},
}


def explain_json(pattern: dict[str, Any], event: dict[str, Any]) -> list[Miss]:
    return explain(parse_pattern(json.dumps(pattern)), event)


def test_a_match_explains_nothing() -> None:
    event = {
        "source": "com.myapp.orders",
        "detail-type": "Order Placed",
        "detail": {"amount": 1500, "status": "paid"},
    }
    assert explain_json(ORDER_RULE, event) == []


def test_each_failed_field_is_listed_with_its_value() -> None:
    event = {
        "source": "com.myapp.orders",
        "detail-type": "Order Placed",
        "detail": {"amount": 200, "status": "failed"},
    }
    misses = explain_json(ORDER_RULE, event)
    assert misses == [
        Miss("detail.amount", "numeric > 1000", 200, True),
        Miss("detail.status", 'anything-but ["cancelled", "failed"]', "failed", True),
    ]
    assert misses[0].to_dict() == {
        "path": "detail.amount",
        "expected": "numeric > 1000",
        "actual": 200,
        "present": True,
        "alternative": None,
    }


def test_missing_and_object_valued_fields_are_not_present() -> None:
    misses = explain_json(
        {"detail": {"state": [{"exists": True}], "x": ["a"]}}, {"detail": {"state": {"a": 1}}}
    )
    assert misses == [
        Miss("detail.state", "exists", {"a": 1}, False),
        Miss("detail.x", '"a"', None, False),
    ]


def test_or_explains_each_alternative() -> None:
    pattern = {"$or": [{"source": ["a"]}, {"detail": {"n": [{"numeric": ["<", 5]}]}}]}
    misses = explain_json(pattern, {"source": "b", "detail": {"n": 7}})
    assert misses == [
        Miss("source", '"a"', "b", True, alternative=0),
        Miss("detail.n", "numeric < 5", 7, True, alternative=1),
    ]


def test_array_values_and_array_consistency() -> None:
    pattern = {"detail": {"items": {"sku": ["A"], "qty": [2]}}}
    misses = explain_json(pattern, {"detail": {"items": [{"sku": "A", "qty": 1}, {"sku": "B", "qty": 2}]}})
    assert {m.path for m in misses} == {"detail.items.sku", "detail.items.qty"}
    assert all("same array element" in m.expected for m in misses)
    wrong = explain_json({"resources": ["x"]}, {"resources": ["a", "b"]})
    assert wrong == [Miss("resources", '"x"', ["a", "b"], True)]


def test_descriptions_of_other_operators() -> None:
    pattern = {
        "a": [{"prefix": {"equals-ignore-case": "Ab"}}],
        "b": [{"cidr": "10.0.0.0/24"}],
        "c": [{"wildcard": "*.png"}],
        "d": [{"numeric": [">=", 0, "<", 1.5]}],
        "e": [{"exists": False}],
    }
    misses = explain_json(pattern, {"a": "x", "b": "1.1.1.1", "c": "a.jpg", "d": 2, "e": 1})
    assert [m.expected for m in misses] == [
        'prefix (ignoring case) "Ab"',
        "cidr 10.0.0.0/24",
        'wildcard "*.png"',
        "numeric >= 0 and < 1.5",
        "does not exist",
    ]
