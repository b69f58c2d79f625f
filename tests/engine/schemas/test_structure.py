"""Diff verdicts: backward compatible when every event valid under the old version stays valid
under the new one (added optional field, widened type); breaking otherwise (removed or retyped
field, added or newly required field)."""

from __future__ import annotations

from typing import Any

from engine.schemas import layout, structure


def doc(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return layout.discovered_document(
        "s", "T", {"type": "object", "properties": properties, "required": required}
    )


BASE = doc({"orderId": {"type": "string"}, "amount": {"type": "integer"}}, ["orderId", "amount"])


def changes(new: dict[str, Any]) -> list[tuple[str, str, str]]:
    return [(c.path, c.change, c.verdict) for c in structure.diff(BASE, new)]


def test_added_optional_field_is_compatible() -> None:
    new = doc(
        {"orderId": {"type": "string"}, "amount": {"type": "integer"}, "tax": {"type": "number"}},
        ["orderId", "amount"],
    )
    assert changes(new) == [("detail.tax", "added", "compatible")]
    assert structure.verdict(structure.diff(BASE, new)) == "compatible"


def test_added_required_field_is_breaking() -> None:
    new = doc(
        {"orderId": {"type": "string"}, "amount": {"type": "integer"}, "tax": {"type": "number"}},
        ["orderId", "amount", "tax"],
    )
    assert changes(new) == [("detail.tax", "added", "breaking")]


def test_removed_field_is_breaking() -> None:
    assert changes(doc({"orderId": {"type": "string"}}, ["orderId"])) == [
        ("detail.amount", "removed", "breaking")
    ]


def test_retyped_field_is_breaking_but_widening_is_not() -> None:
    assert changes(
        doc({"orderId": {"type": "integer"}, "amount": {"type": "integer"}}, ["orderId", "amount"])
    ) == [("detail.orderId", "retyped", "breaking")]
    assert changes(
        doc({"orderId": {"type": "string"}, "amount": {"type": "number"}}, ["orderId", "amount"])
    ) == [("detail.amount", "retyped", "compatible")]


def test_required_changes() -> None:
    assert changes(doc({"orderId": {"type": "string"}, "amount": {"type": "integer"}}, ["orderId"])) == [
        ("detail.amount", "made-optional", "compatible")
    ]


def test_removed_object_is_reported_once_at_its_path() -> None:
    old = doc({"customer": {"type": "object", "properties": {"id": {"type": "string"}}}}, [])
    new = doc({}, [])
    assert [(c.path, c.change) for c in structure.diff(old, new)] == [("detail.customer", "removed")]
    assert [(c.path, c.change, c.verdict) for c in structure.diff(new, old)] == [
        ("detail.customer", "added", "compatible"),
        ("detail.customer.id", "added", "compatible"),  # required only inside a new, optional parent
    ]


def test_identical_documents_have_no_changes() -> None:
    assert structure.diff(BASE, BASE) == [] and structure.same_structure(BASE, BASE)
