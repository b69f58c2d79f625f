"""ASL definition validation: diagnostics in the API's shapes.

Expected texts are AWS's own, from the reports named in ``support``.
"""

from __future__ import annotations

import json

import pytest

from engine.states.definition import (
    Diagnostic,
    InvalidDefinitionError,
    parse_definition,
)
from tests.engine.states.definition.support import (
    PASS_END,
    machine,
)

# --- the API shapes ------------------------------------------------------------------------------


def test_diagnostic_to_aws_shape() -> None:
    located = Diagnostic(
        "ERROR", "SCHEMA_VALIDATION_FAILED", "These fields are required: [Type]", "/States/A"
    )
    assert located.to_aws() == {
        "severity": "ERROR",
        "code": "SCHEMA_VALIDATION_FAILED",
        "message": "These fields are required: [Type]",
        "location": "/States/A",
    }
    assert (
        "location"
        not in Diagnostic("ERROR", "MISSING_END_STATE", "Workflow has no terminal state", "").to_aws()
    )


def test_invalid_definition_lists_only_errors_and_says_null_without_location() -> None:
    # floci-io/floci#2735: 'MISSING_END_STATE: Workflow has no terminal state at null'.
    text = machine({"A": {"Type": "Pass", "Parameters": {"n": "$.n"}, "Next": "A"}})
    with pytest.raises(InvalidDefinitionError) as raised:
        parse_definition(text)
    assert (
        raised.value.message
        == "Invalid State Machine Definition: 'MISSING_END_STATE: Workflow has no terminal state at null'"
    )


def test_parse_definition_returns_the_plain_document() -> None:
    text = machine({"A": PASS_END}, Comment="c")
    document = parse_definition(text)
    assert document == json.loads(text)
    assert type(document) is dict
