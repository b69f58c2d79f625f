"""ASL definition validation: valid machines, the JSON and top level, state names, types and fields.

Expected texts are AWS's own, from the reports named in ``support``.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from engine.states.definition import (
    MAX_DEFINITION_CHARS,
    parse_definition,
    validate,
)
from tests.engine.states.definition.support import (
    LAMBDA,
    PASS_END,
    STATE_TYPES,
    codes,
    errors,
    found,
    machine,
)

# --- valid definitions ------------------------------------------------------------------------


def test_hello_world_is_valid() -> None:
    # Developer Guide "Amazon States Language" example: a single Pass state that ends.
    text = machine(
        {"Hello World": {"Type": "Pass", "Result": "Hello World!", "End": True}}, Comment="A hello"
    )
    assert validate(text) == []
    assert parse_definition(text)["StartAt"] == "Hello World"


def test_full_jsonpath_machine_is_valid() -> None:
    states = {
        "Start": {
            "Type": "Pass",
            "Parameters": {"x.$": "$.input", "id.$": "$$.Execution.Id"},
            "Next": "Work",
        },
        "Work": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"FunctionName": LAMBDA, "Payload.$": "States.JsonMerge($.a, $.b, false)"},
            "ResultSelector": {"body.$": "$.Payload"},
            "ResultPath": "$.result",
            "TimeoutSeconds": 30,
            "HeartbeatSeconds": 10,
            "Retry": [
                {"ErrorEquals": ["Lambda.ServiceException"], "IntervalSeconds": 2, "BackoffRate": 2.0},
                {
                    "ErrorEquals": ["States.ALL"],
                    "MaxAttempts": 0,
                    "JitterStrategy": "FULL",
                    "MaxDelaySeconds": 5,
                },
            ],
            "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Failed"}],
            "Next": "Check",
        },
        "Check": {
            "Type": "Choice",
            "Choices": [
                {"Variable": "$.result.ok", "BooleanEquals": True, "Next": "Wait"},
                {
                    "And": [
                        {"Variable": "$.count", "IsPresent": True},
                        {"Not": {"Variable": "$.count", "NumericLessThanPath": "$.limit"}},
                    ],
                    "Next": "Fan",
                },
            ],
            "Default": "Failed",
        },
        "Wait": {"Type": "Wait", "SecondsPath": "$.delay", "Next": "Fan"},
        "Fan": {
            "Type": "Parallel",
            "Branches": [
                {"StartAt": "B1", "States": {"B1": PASS_END}},
                {"StartAt": "B2", "States": {"B2": {"Type": "Succeed"}}},
            ],
            "Next": "Each",
        },
        "Each": {
            "Type": "Map",
            "ItemsPath": "$.items",
            "ItemSelector": {"item.$": "$$.Map.Item.Value"},
            "MaxConcurrency": 0,
            "ItemProcessor": {
                "ProcessorConfig": {"Mode": "INLINE"},
                "StartAt": "Inner",
                "States": {"Inner": PASS_END},
            },
            "Next": "Done",
        },
        "Done": {"Type": "Succeed"},
        "Failed": {"Type": "Fail", "Error": "Oops", "Cause": "It failed"},
    }
    assert found(machine(states, "Start", TimeoutSeconds=3600, Version="1.0")) == []


def test_jsonata_machine_is_valid() -> None:
    states = {
        "Get": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Arguments": {"FunctionName": LAMBDA, "Payload": "{% $states.input %}"},
            "Assign": {"result": "{% $states.result.Payload %}"},
            "Output": {"status": "{% $states.result.StatusCode %}"},
            "TimeoutSeconds": "{% $timeout %}",
            "Catch": [{"ErrorEquals": ["States.ALL"], "Output": "{% $states.errorOutput %}", "Next": "Fail"}],
            "Next": "Check",
        },
        "Check": {
            "Type": "Choice",
            "Choices": [{"Condition": "{% $result.ok = true %}", "Next": "Done"}],
            "Default": "Fail",
        },
        "Done": {"Type": "Succeed", "Output": "{% $result %}"},
        "Fail": {"Type": "Fail", "Error": "{% 'Bad' %}"},
    }
    assert found(machine(states, QueryLanguage="JSONata")) == []


# --- JSON and top level -----------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "   \n"])
def test_empty_definition_is_missing_description(text: str) -> None:
    assert codes(text) == ["MISSING_DESCRIPTION"]


@pytest.mark.parametrize("text", ['{"StartAt": ', "{'StartAt': 'A'}", '{"a": NaN}', "[1, 2]", '"text"'])
def test_malformed_json_is_invalid_json_description(text: str) -> None:
    assert codes(text) == ["INVALID_JSON_DESCRIPTION"]


def test_invalid_json_message_points_at_the_fault() -> None:
    [(code, message, location)] = errors('{\n  "StartAt": "A",\n  "States": {,}\n}')
    assert code == "INVALID_JSON_DESCRIPTION"
    assert "line 3" in message
    assert location == ""


def test_definition_over_one_megabyte_is_refused() -> None:
    padding = "x" * MAX_DEFINITION_CHARS
    text = machine({"A": PASS_END}, Comment=padding)
    assert codes(text) == ["DEFINITION_TOO_LARGE"]


def test_deeply_nested_json_is_too_deeply_nested() -> None:
    nested: Any = 1
    for _ in range(300):
        nested = {"a": nested}
    assert codes(machine({"A": {"Type": "Pass", "Result": nested, "End": True}})) == ["TOO_DEEPLY_NESTED"]
    assert codes("[" * 100_000 + "]" * 100_000) == ["TOO_DEEPLY_NESTED"]


def test_missing_start_at_and_states() -> None:
    assert errors("{}") == [
        ("SCHEMA_VALIDATION_FAILED", "These fields are required: [StartAt]", "/"),
        ("SCHEMA_VALIDATION_FAILED", "These fields are required: [States]", "/"),
    ]


def test_empty_states() -> None:
    assert errors(json.dumps({"StartAt": "A", "States": {}})) == [
        (
            "SCHEMA_VALIDATION_FAILED",
            "The value for the field 'States' must be an OBJECT with at least one state",
            "/States",
        )
    ]


def test_start_at_naming_no_state() -> None:
    # serverless-step-functions#250 quotes AWS: "Missing 'Next' target: ... at /StartAt" followed by
    # the now unreachable state.
    assert errors(machine({"run_step": PASS_END}, "aws_own.run_step")) == [
        ("MISSING_TRANSITION_TARGET", "Missing 'Next' target: aws_own.run_step", "/StartAt"),
        ("MISSING_TRANSITION_TARGET", 'State "run_step" is not reachable.', "/States/run_step"),
    ]


def test_unknown_top_level_field_and_bad_top_level_values() -> None:
    text = machine({"A": PASS_END}, Coment="typo", TimeoutSeconds=0, QueryLanguage="SQL", Version=1)
    assert errors(text) == [
        ("SCHEMA_VALIDATION_FAILED", 'The field "Coment" is not supported by Step Functions', "/"),
        (
            "SCHEMA_VALIDATION_FAILED",
            "The value for the field 'QueryLanguage' must be one of: JSONPath, JSONata",
            "/QueryLanguage",
        ),
        ("SCHEMA_VALIDATION_FAILED", "The value for the field 'Version' must be a STRING", "/Version"),
        (
            "SCHEMA_VALIDATION_FAILED",
            "The value for the field 'TimeoutSeconds' must be an integer from 1 to 99999999",
            "/TimeoutSeconds",
        ),
    ]


# --- states: names, types, fields ---------------------------------------------------------------


def test_state_name_longer_than_80_characters() -> None:
    long_name = "S" * 81
    assert errors(machine({long_name: PASS_END})) == [
        ("INVALID_STATE_NAME", "State names must be from 1 to 80 characters long", f"/States/{long_name}")
    ]
    assert errors(machine({"S" * 80: PASS_END})) == []


def test_unknown_state_type() -> None:
    assert errors(machine({"A": {"Type": "Sleep", "End": True}})) == [
        (
            "SCHEMA_VALIDATION_FAILED",
            f"The value for the field 'Type' must be one of: {STATE_TYPES}",
            "/States/A/Type",
        ),
    ]


def test_missing_type() -> None:
    assert errors(machine({"A": {"End": True}}))[0] == (
        "SCHEMA_VALIDATION_FAILED",
        "These fields are required: [Type]",
        "/States/A",
    )


def test_unknown_field_is_not_supported_by_step_functions() -> None:
    # The brief's (and AWS's) form: 'The field "Foo" is not supported by Step Functions at /States/A'.
    assert errors(machine({"A": {"Type": "Pass", "Foo": 1, "End": True}})) == [
        ("SCHEMA_VALIDATION_FAILED", 'The field "Foo" is not supported by Step Functions', "/States/A")
    ]


@pytest.mark.parametrize(
    ("state", "field"),
    [
        # floci-io/floci#2735: AWS refuses TimeoutSeconds, Retry and Catch on these types with
        # "Field '<name>' is not supported" at /States/<state>.
        (
            {"Type": "Map", "ItemProcessor": {"StartAt": "I", "States": {"I": PASS_END}}, "End": True},
            "TimeoutSeconds",
        ),
        (
            {"Type": "Parallel", "Branches": [{"StartAt": "I", "States": {"I": PASS_END}}], "End": True},
            "TimeoutSeconds",
        ),
        ({"Type": "Pass", "End": True}, "Catch"),
        ({"Type": "Wait", "Seconds": 1, "End": True}, "Retry"),
        ({"Type": "Fail"}, "ResultPath"),
        ({"Type": "Succeed"}, "Next"),
        ({"Type": "Fail"}, "Next"),
        ({"Type": "Choice", "Choices": [{"Variable": "$.a", "IsNull": True, "Next": "Z"}]}, "End"),
    ],
)
def test_field_not_supported_on_this_state_type(state: dict[str, Any], field: str) -> None:
    value: Any = {
        "TimeoutSeconds": 5,
        "Catch": [],
        "Retry": [],
        "ResultPath": "$.x",
        "Next": "Z",
        "End": True,
    }[field]
    text = machine({"A": {**state, field: value}, "Z": {"Type": "Succeed"}}, "A")
    assert ("SCHEMA_VALIDATION_FAILED", f"Field '{field}' is not supported", "/States/A") in errors(text)


def test_next_and_end_rules() -> None:
    assert errors(machine({"A": {"Type": "Pass"}, "B": PASS_END}))[0] == (
        "SCHEMA_VALIDATION_FAILED",
        "One of these fields is required: [Next, End]",
        "/States/A",
    )
    both = machine({"A": {"Type": "Pass", "Next": "B", "End": True}, "B": PASS_END})
    assert errors(both) == [
        ("SCHEMA_VALIDATION_FAILED", "Only one of these fields may be set: [Next, End]", "/States/A")
    ]
    assert (
        errors(machine({"A": {"Type": "Pass", "End": "yes"}}))[0][1]
        == "The value for the field 'End' must be a BOOLEAN"
    )


def test_duplicate_state_names_in_text_and_across_branches() -> None:
    duplicated = '{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}, "A": {"Type": "Succeed"}}}'
    assert errors(duplicated) == [("DUPLICATE_STATE_NAME", "Duplicate State name: A", "/States/A")]
    branches = [{"StartAt": "X", "States": {"X": PASS_END}}, {"StartAt": "X", "States": {"X": PASS_END}}]
    text = machine({"P": {"Type": "Parallel", "Branches": branches, "End": True}})
    assert errors(text) == [
        ("DUPLICATE_STATE_NAME", "Duplicate State name: X", "/States/P/Branches[1]/States/X")
    ]
