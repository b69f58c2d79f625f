"""ASL definition validation: Parallel branches and Map processors, limits and nesting.

Expected texts are AWS's own, from the reports named in ``support``.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.engine.states.definition.support import (
    PASS_END,
    codes,
    errors,
    machine,
)

# --- Parallel and Map ----------------------------------------------------------------------------


def test_parallel_branches_recurse_as_machines() -> None:
    branch = {"StartAt": "Missing", "States": {"X": {"Type": "Pass", "Bogus": 1, "End": True}}, "Extra": 1}
    text = machine({"P": {"Type": "Parallel", "Branches": [branch], "End": True}})
    assert errors(text) == [
        (
            "SCHEMA_VALIDATION_FAILED",
            'The field "Extra" is not supported by Step Functions',
            "/States/P/Branches[0]",
        ),
        (
            "SCHEMA_VALIDATION_FAILED",
            'The field "Bogus" is not supported by Step Functions',
            "/States/P/Branches[0]/States/X",
        ),
        ("MISSING_TRANSITION_TARGET", "Missing 'Next' target: Missing", "/States/P/Branches[0]/StartAt"),
        ("MISSING_TRANSITION_TARGET", 'State "X" is not reachable.', "/States/P/Branches[0]/States/X"),
    ]
    assert errors(machine({"P": {"Type": "Parallel", "Branches": [], "End": True}})) == [
        (
            "SCHEMA_VALIDATION_FAILED",
            "The value for the field 'Branches' must be a non-empty ARRAY of OBJECTs",
            "/States/P/Branches",
        )
    ]


def map_state(**fields: Any) -> dict[str, Any]:
    return {
        "Type": "Map",
        "ItemProcessor": {"StartAt": "I", "States": {"I": PASS_END}},
        "End": True,
        **fields,
    }


def test_map_processor_rules() -> None:
    assert errors(machine({"M": {"Type": "Map", "End": True}})) == [
        ("SCHEMA_VALIDATION_FAILED", "These fields are required: [ItemProcessor]", "/States/M")
    ]
    iterator = {"StartAt": "J", "States": {"J": PASS_END}}
    assert errors(machine({"M": map_state(Iterator=iterator)})) == [
        (
            "SCHEMA_VALIDATION_FAILED",
            "Only one of these fields may be set: [ItemProcessor, Iterator]",
            "/States/M",
        )
    ]
    assert errors(machine({"M": {"Type": "Map", "Iterator": iterator, "End": True}})) == []
    distributed = {"StartAt": "I", "States": {"I": PASS_END}, "ProcessorConfig": {"Mode": "DISTRIBUTED"}}
    assert errors(machine({"M": map_state(ItemProcessor=distributed)})) == [
        (
            "SCHEMA_VALIDATION_FAILED",
            "These fields are required: [ExecutionType]",
            "/States/M/ItemProcessor/ProcessorConfig",
        )
    ]
    bad_mode = {"StartAt": "I", "States": {"I": PASS_END}, "ProcessorConfig": {"Mode": "FAST"}}
    assert errors(machine({"M": map_state(ItemProcessor=bad_mode)})) == [
        (
            "SCHEMA_VALIDATION_FAILED",
            "The value for the field 'Mode' must be one of: INLINE, DISTRIBUTED",
            "/States/M/ItemProcessor/ProcessorConfig/Mode",
        )
    ]


def test_item_processor_cannot_declare_query_language() -> None:
    # floci-io/floci#2968: "Field 'QueryLanguage' is not supported" at /States/M/ItemProcessor.
    processor = {"StartAt": "I", "States": {"I": PASS_END}, "QueryLanguage": "JSONPath"}
    assert errors(machine({"M": map_state(ItemProcessor=processor)})) == [
        ("SCHEMA_VALIDATION_FAILED", "Field 'QueryLanguage' is not supported", "/States/M/ItemProcessor")
    ]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("MaxConcurrency", -1),
        ("ToleratedFailurePercentage", 101),
        ("ToleratedFailureCount", -2),
        ("ItemsPath", "$.a[*]"),
    ],
)
def test_map_limits(field: str, value: Any) -> None:
    assert errors(machine({"M": map_state(**{field: value})}))[0][2] == f"/States/M/{field}"


def test_map_tolerated_failure_fields_accept_their_ranges() -> None:
    fields = {"MaxConcurrency": 10, "ToleratedFailurePercentage": 12.5, "ToleratedFailureCount": 0}
    assert errors(machine({"M": map_state(**fields)})) == []


def test_too_deeply_nested_parallels() -> None:
    inner: dict[str, Any] = {"StartAt": "Leaf", "States": {"Leaf": PASS_END}}
    for level in range(45):
        inner = {
            "StartAt": f"P{level}",
            "States": {f"P{level}": {"Type": "Parallel", "Branches": [inner], "End": True}},
        }
    assert "TOO_DEEPLY_NESTED" in codes(json.dumps(inner))
