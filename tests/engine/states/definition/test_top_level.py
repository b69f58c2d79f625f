"""ASL definition validation: AWS's diagnostic codes, messages and locations.

Expected texts come from what AWS returns, as quoted in public reports: CreateStateMachine's
"Invalid State Machine Definition: 'MISSING_TRANSITION_TARGET: Missing 'Next' target: pass3 at
/States/pass1/Next, MISSING_TRANSITION_TARGET: State "pass2" is not reachable. at
/States/pass2'" (localstack/localstack#12487), ValidateStateMachineDefinition measurements in
floci-io/floci#2735, #2786 and #2968, and the code list of the API reference page
"ValidateStateMachineDefinitionDiagnostic".
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from engine.states.definition import (
    MAX_DEFINITION_CHARS,
    Diagnostic,
    InvalidDefinitionError,
    parse_definition,
    validate,
)
from engine.states.path_syntax import is_input_reference_path, is_path, is_reference_path, parse_path


def machine(states: dict[str, Any], start_at: str | None = None, **top: Any) -> str:
    return json.dumps({"StartAt": start_at or next(iter(states)), "States": states, **top})


def found(text: str) -> list[tuple[str, str, str, str]]:
    return [(d.severity, d.code, d.message, d.location) for d in validate(text)]


def errors(text: str) -> list[tuple[str, str, str]]:
    return [(d.code, d.message, d.location) for d in validate(text) if d.severity == "ERROR"]


def codes(text: str) -> list[str]:
    return [d.code for d in validate(text) if d.severity == "ERROR"]


PASS_END = {"Type": "Pass", "End": True}
STATE_TYPES = "Pass, Task, Choice, Wait, Succeed, Fail, Parallel, Map"


def only_in(language: str, field: str, other: str) -> str:
    """AWS's wording for a field of the other query language (floci-io/floci#2968, measured)."""
    return (
        f"The QueryLanguage is set to '{language}', but field '{field}' is only supported "
        f"for the '{other}' QueryLanguage"
    )


LAMBDA = "arn:aws:lambda:us-east-1:123456789012:function:HelloWorld"


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


# --- transitions ----------------------------------------------------------------------------------


def test_missing_target_and_unreachable_state_in_aws_format() -> None:
    # localstack/localstack#12487 reproduces AWS's exact InvalidDefinition message for this machine.
    text = machine({"pass1": {"Type": "Pass", "Next": "pass3"}, "pass2": PASS_END}, "pass1")
    with pytest.raises(InvalidDefinitionError) as raised:
        parse_definition(text)
    assert raised.value.message == (
        "Invalid State Machine Definition: 'MISSING_TRANSITION_TARGET: Missing 'Next' target: pass3 at "
        '/States/pass1/Next, MISSING_TRANSITION_TARGET: State "pass2" is not reachable. at /States/pass2\''
    )
    assert str(raised.value) == raised.value.message
    assert [d.code for d in raised.value.diagnostics] == ["MISSING_TRANSITION_TARGET"] * 2


def test_dangling_targets_say_next_whatever_the_field() -> None:
    # floci-io/floci#2786: the literal word Next for Choices[].Next, Default and Catch[].Next alike.
    states = {
        "C": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.a", "IsNull": True, "Next": "Nope1"}],
            "Default": "T",
        },
        "T": {
            "Type": "Task",
            "Resource": LAMBDA,
            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Nope2"}],
            "End": True,
        },
        "D": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.a", "IsNull": True, "Next": "T"}],
            "Default": "Nope3",
        },
    }
    result = errors(machine(states, "C"))
    assert (
        "MISSING_TRANSITION_TARGET",
        "Missing 'Next' target: Nope1",
        "/States/C/Choices[0]/Next",
    ) in result
    assert ("MISSING_TRANSITION_TARGET", "Missing 'Next' target: Nope2", "/States/T/Catch[0]/Next") in result
    assert ("MISSING_TRANSITION_TARGET", "Missing 'Next' target: Nope3", "/States/D/Default") in result
    assert ("MISSING_TRANSITION_TARGET", 'State "D" is not reachable.', "/States/D") in result


def test_no_terminal_state_suppresses_reachability() -> None:
    # floci-io/floci#2786: a loop gives MISSING_END_STATE with no location, and nothing else.
    loop = {"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Pass", "Next": "A"}}
    assert found(machine(loop)) == [("ERROR", "MISSING_END_STATE", "Workflow has no terminal state", "")]
    assert found(machine({**loop, "X": {"Type": "Pass", "Next": "A"}})) == [
        ("ERROR", "MISSING_END_STATE", "Workflow has no terminal state", "")
    ]
    with_terminal = errors(machine({**loop, "C": PASS_END}))
    assert with_terminal == [("MISSING_TRANSITION_TARGET", 'State "C" is not reachable.', "/States/C")]


def test_dangling_target_then_missing_end_state() -> None:
    # floci-io/floci#2786: both diagnostics, in this order.
    assert errors(machine({"A": {"Type": "Pass", "Next": "NOPE"}})) == [
        ("MISSING_TRANSITION_TARGET", "Missing 'Next' target: NOPE", "/States/A/Next"),
        ("MISSING_END_STATE", "Workflow has no terminal state", ""),
    ]


def test_branch_is_its_own_scope() -> None:
    branch = {"StartAt": "In", "States": {"In": {"Type": "Pass", "Next": "Out"}}}
    text = machine({"P": {"Type": "Parallel", "Branches": [branch], "Next": "Out"}, "Out": PASS_END})
    assert errors(text) == [
        ("MISSING_TRANSITION_TARGET", "Missing 'Next' target: Out", "/States/P/Branches[0]/States/In/Next"),
        ("MISSING_END_STATE", "Workflow has no terminal state", ""),
    ]


def test_reachability_through_catch_and_choices() -> None:
    states = {
        "T": {
            "Type": "Task",
            "Resource": LAMBDA,
            "Catch": [{"ErrorEquals": ["X"], "Next": "C"}],
            "End": True,
        },
        "C": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.a", "IsNull": True, "Next": "S"}],
            "Default": "F",
        },
        "S": {"Type": "Succeed"},
        "F": {"Type": "Fail"},
    }
    assert errors(machine(states, "T")) == []


# --- Choice ---------------------------------------------------------------------------------------


def choice(*rules: Any, default: str | None = "Z") -> str:
    state: dict[str, Any] = {"Type": "Choice", "Choices": list(rules)}
    if default:
        state["Default"] = default
    return machine({"C": state, "Z": {"Type": "Succeed"}}, "C")


def test_choices_must_be_non_empty() -> None:
    assert errors(choice()) == [
        (
            "SCHEMA_VALIDATION_FAILED",
            "The value for the field 'Choices' must be a non-empty ARRAY",
            "/States/C/Choices",
        )
    ]


def test_top_level_rule_needs_next_nested_rule_must_not_have_it() -> None:
    # cfn-lint#4077 quotes AWS: "These fields are required: [Next] at /States/Choice/Ch...".
    assert errors(choice({"Variable": "$.a", "IsNull": True})) == [
        ("SCHEMA_VALIDATION_FAILED", "These fields are required: [Next]", "/States/C/Choices[0]")
    ]
    nested = {"Not": {"Variable": "$.a", "IsNull": True, "Next": "Z"}, "Next": "Z"}
    assert errors(choice(nested)) == [
        ("SCHEMA_VALIDATION_FAILED", "Field 'Next' is not supported", "/States/C/Choices[0]/Not/Next")
    ]


def test_rule_needs_exactly_one_operator() -> None:
    assert errors(choice({"Variable": "$.a", "Next": "Z"})) == [
        (
            "SCHEMA_VALIDATION_FAILED",
            "A Choice Rule must contain exactly one comparison operator, or one of And, Or, Not",
            "/States/C/Choices[0]",
        )
    ]
    assert errors(choice({"Variable": "$.a", "IsNull": True, "IsString": True, "Next": "Z"})) == [
        (
            "SCHEMA_VALIDATION_FAILED",
            "A Choice Rule must contain only one operator, found: [IsNull, IsString]",
            "/States/C/Choices[0]",
        )
    ]


def test_data_test_needs_a_valid_variable() -> None:
    assert errors(choice({"NumericEquals": 1, "Next": "Z"})) == [
        ("SCHEMA_VALIDATION_FAILED", "These fields are required: [Variable]", "/States/C/Choices[0]")
    ]
    assert errors(choice({"Variable": "$.items[*]", "NumericEquals": 1, "Next": "Z"})) == [
        (
            "SCHEMA_VALIDATION_FAILED",
            "The value for the field 'Variable' must be a valid JSONPath",
            "/States/C/Choices[0]/Variable",
        )
    ]


@pytest.mark.parametrize(
    ("operator", "bad", "good", "kind"),
    [
        ("StringEquals", 1, "x", "a STRING"),
        ("StringMatches", None, "log-*", "a STRING"),
        ("NumericEquals", "1", 1.5, "a NUMBER"),
        ("NumericLessThan", True, 0, "a NUMBER"),
        ("BooleanEquals", "true", False, "a BOOLEAN"),
        (
            "TimestampEquals",
            "2001-01-01",
            "2001-01-01T12:00:00+02:00",
            "a timestamp STRING such as 2016-03-14T01:59:00Z",
        ),
        ("IsPresent", 1, True, "a BOOLEAN"),
        ("StringEqualsPath", "foo", "$.b", "a valid JSONPath"),
        ("NumericGreaterThanPath", "$.b[?(@.x)]", "$$.Execution.Input.n", "a valid JSONPath"),
    ],
)
def test_operator_value_types(operator: str, bad: Any, good: Any, kind: str) -> None:
    assert errors(choice({"Variable": "$.a", operator: good, "Next": "Z"})) == []
    assert errors(choice({"Variable": "$.a", operator: bad, "Next": "Z"})) == [
        (
            "SCHEMA_VALIDATION_FAILED",
            f"The value for the field '{operator}' must be {kind}",
            f"/States/C/Choices[0]/{operator}",
        )
    ]


def test_and_or_need_non_empty_arrays_and_no_variable() -> None:
    assert errors(choice({"And": [], "Next": "Z"})) == [
        (
            "SCHEMA_VALIDATION_FAILED",
            "The value for the field 'And' must be a non-empty ARRAY of Choice Rules",
            "/States/C/Choices[0]/And",
        )
    ]
    rule = {"Variable": "$.a", "Or": [{"Variable": "$.a", "IsNull": True}, {"Variable": "$.b"}], "Next": "Z"}
    assert errors(choice(rule)) == [
        ("SCHEMA_VALIDATION_FAILED", "Field 'Variable' is not supported", "/States/C/Choices[0]/Variable"),
        (
            "SCHEMA_VALIDATION_FAILED",
            "A Choice Rule must contain exactly one comparison operator, or one of And, Or, Not",
            "/States/C/Choices[0]/Or[1]",
        ),
    ]


def test_choice_with_next_or_end_is_refused() -> None:
    text = machine(
        {
            "C": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.a", "IsNull": True, "Next": "Z"}],
                "Next": "Z",
            },
            "Z": PASS_END,
        }
    )
    assert ("SCHEMA_VALIDATION_FAILED", "Field 'Next' is not supported", "/States/C") in errors(text)


def test_jsonata_choice_rules() -> None:
    good = {"QueryLanguage": "JSONata"}
    state = {"Type": "Choice", "Choices": [{"Condition": "{% $x > 1 %}", "Next": "Z"}]}
    assert errors(machine({"C": {**state, **good}, "Z": PASS_END})) == []
    bad = {
        "Type": "Choice",
        "QueryLanguage": "JSONata",
        "Choices": [{"Variable": "$.x", "IsNull": True, "Next": "Z"}],
    }
    assert errors(machine({"C": bad, "Z": PASS_END})) == [
        (
            "SCHEMA_VALIDATION_FAILED",
            only_in("JSONata", "Variable", "JSONPath"),
            "/States/C/Choices[0]",
        ),
        (
            "SCHEMA_VALIDATION_FAILED",
            only_in("JSONata", "IsNull", "JSONPath"),
            "/States/C/Choices[0]",
        ),
        ("SCHEMA_VALIDATION_FAILED", "These fields are required: [Condition]", "/States/C/Choices[0]"),
    ]


# --- Wait, Fail, Task ---------------------------------------------------------------------------


def test_wait_needs_exactly_one_of_its_four_fields() -> None:
    assert errors(machine({"W": {"Type": "Wait", "End": True}})) == [
        (
            "SCHEMA_VALIDATION_FAILED",
            "One of these fields is required: [Seconds, SecondsPath, Timestamp, TimestampPath]",
            "/States/W",
        )
    ]
    two = machine({"W": {"Type": "Wait", "Seconds": 1, "TimestampPath": "$.t", "End": True}})
    assert errors(two) == [
        (
            "SCHEMA_VALIDATION_FAILED",
            "Only one of these fields may be set: [Seconds, TimestampPath]",
            "/States/W",
        )
    ]


def test_wait_values() -> None:
    assert errors(machine({"W": {"Type": "Wait", "Seconds": -1, "End": True}}))[0][2] == "/States/W/Seconds"
    assert errors(machine({"W": {"Type": "Wait", "Timestamp": "2016-03-14T01:59:00Z", "End": True}})) == []
    assert (
        errors(machine({"W": {"Type": "Wait", "Timestamp": "tomorrow", "End": True}}))[0][2]
        == "/States/W/Timestamp"
    )
    assert (
        errors(machine({"W": {"Type": "Wait", "SecondsPath": "$..x", "End": True}}))[0][2]
        == "/States/W/SecondsPath"
    )


def test_fail_error_and_error_path_are_exclusive() -> None:
    text = machine(
        {"F": {"Type": "Fail", "Error": "E", "ErrorPath": "$.e", "Cause": "c", "CausePath": "$.c"}}
    )
    assert errors(text) == [
        ("SCHEMA_VALIDATION_FAILED", "Only one of these fields may be set: [Error, ErrorPath]", "/States/F"),
        ("SCHEMA_VALIDATION_FAILED", "Only one of these fields may be set: [Cause, CausePath]", "/States/F"),
    ]
    ok = machine({"F": {"Type": "Fail", "ErrorPath": "$.e", "CausePath": "States.Format('bad {}', $.c)"}})
    assert errors(ok) == []


def test_fail_error_that_looks_like_a_path_warns_no_path() -> None:
    assert found(machine({"F": {"Type": "Fail", "Error": "$.error"}})) == [
        (
            "WARNING",
            "NO_PATH",
            "The value for the field 'Error' looks like a path, but the field name does not end with 'Path'",
            "/States/F/Error",
        )
    ]


@pytest.mark.parametrize(
    ("resource", "valid"),
    [
        (LAMBDA, True),
        ("arn:aws:lambda:us-east-1:123456789012:function:HelloWorld:prod", True),
        ("arn:aws:states:::lambda:invoke", True),
        ("arn:aws:states:::sqs:sendMessage.waitForTaskToken", True),
        ("arn:aws:states:::states:startExecution.sync:2", True),
        ("arn:aws:states:::aws-sdk:s3:getObject", True),
        ("arn:aws:states:us-east-1:123456789012:activity:Approve", True),
        ("arn:aws-us-gov:states:::dynamodb:putItem", True),
        ("HelloWorld", False),
        ("arn:aws:sqs:us-east-1:123456789012:queue", False),
        ("arn:aws:lambda:::function:NoRegion", False),
        ("arn:aws:states:::lambda", False),
    ],
)
def test_task_resource_must_be_a_valid_arn(resource: str, valid: bool) -> None:
    result = errors(machine({"T": {"Type": "Task", "Resource": resource, "End": True}}))
    if valid:
        assert result == []
    else:
        assert result == [
            (
                "INVALID_RESOURCE",
                f"The resource provided {resource} is not recognized. The value is not a valid resource ARN, "
                "or the resource is not available in this region.",
                "/States/T/Resource",
            )
        ]


def test_task_needs_resource_and_sane_timeouts() -> None:
    assert errors(machine({"T": {"Type": "Task", "End": True}})) == [
        ("SCHEMA_VALIDATION_FAILED", "These fields are required: [Resource]", "/States/T")
    ]
    both = {"Type": "Task", "Resource": LAMBDA, "TimeoutSeconds": 5, "TimeoutSecondsPath": "$.t", "End": True}
    assert errors(machine({"T": both})) == [
        (
            "SCHEMA_VALIDATION_FAILED",
            "Only one of these fields may be set: [TimeoutSeconds, TimeoutSecondsPath]",
            "/States/T",
        )
    ]
    heartbeat = {"Type": "Task", "Resource": LAMBDA, "TimeoutSeconds": 5, "HeartbeatSeconds": 5, "End": True}
    assert errors(machine({"T": heartbeat})) == [
        (
            "SCHEMA_VALIDATION_FAILED",
            "The value for the field 'HeartbeatSeconds' must be smaller than the field 'TimeoutSeconds'",
            "/States/T/HeartbeatSeconds",
        )
    ]
    zero = {"Type": "Task", "Resource": LAMBDA, "TimeoutSeconds": 0, "End": True}
    assert errors(machine({"T": zero}))[0][2] == "/States/T/TimeoutSeconds"


# --- Retry and Catch ----------------------------------------------------------------------------


def task_with(**fields: Any) -> str:
    """A Task with ``fields``, plus the handler state H when it has catchers to route there."""
    states: dict[str, Any] = {"T": {"Type": "Task", "Resource": LAMBDA, "End": True, **fields}}
    if "Catch" in fields:
        states["H"] = PASS_END
    return machine(states, "T")


def test_error_equals_rules() -> None:
    assert errors(task_with(Retry=[{"ErrorEquals": []}])) == [
        (
            "SCHEMA_VALIDATION_FAILED",
            "The value for the field 'ErrorEquals' must be a non-empty ARRAY of STRINGs",
            "/States/T/Retry[0]/ErrorEquals",
        )
    ]
    assert errors(task_with(Retry=[{"ErrorEquals": ["States.ALL", "X"]}])) == [
        (
            "SCHEMA_VALIDATION_FAILED",
            "'States.ALL' must appear alone in the field 'ErrorEquals'",
            "/States/T/Retry[0]/ErrorEquals",
        )
    ]
    assert errors(task_with(Retry=[{"ErrorEquals": ["States.ALL"]}, {"ErrorEquals": ["X"]}])) == [
        (
            "SCHEMA_VALIDATION_FAILED",
            "A Retrier with 'States.ALL' must be the last Retrier",
            "/States/T/Retry[0]",
        )
    ]
    catchers = [{"ErrorEquals": ["States.ALL"], "Next": "H"}, {"ErrorEquals": ["X"], "Next": "H"}]
    assert errors(task_with(Catch=catchers)) == [
        (
            "SCHEMA_VALIDATION_FAILED",
            "A Catcher with 'States.ALL' must be the last Catcher",
            "/States/T/Catch[0]",
        )
    ]
    assert errors(task_with(Catch=[{"ErrorEquals": ["X"]}])) == [
        ("SCHEMA_VALIDATION_FAILED", "These fields are required: [Next]", "/States/T/Catch[0]"),
        ("MISSING_TRANSITION_TARGET", 'State "H" is not reachable.', "/States/H"),
    ]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("MaxAttempts", -1, "The value for the field 'MaxAttempts' must be an integer from 0 to 99999999"),
        (
            "IntervalSeconds",
            0,
            "The value for the field 'IntervalSeconds' must be an integer from 1 to 99999999",
        ),
        ("BackoffRate", 0.5, "The value for the field 'BackoffRate' must be a number at least 1.0"),
        (
            "MaxDelaySeconds",
            0,
            "The value for the field 'MaxDelaySeconds' must be an integer from 1 to 31622400",
        ),
        ("JitterStrategy", "SOME", "The value for the field 'JitterStrategy' must be one of: FULL, NONE"),
    ],
)
def test_retrier_numbers(field: str, value: Any, message: str) -> None:
    assert errors(task_with(Retry=[{"ErrorEquals": ["X"], field: value}])) == [
        ("SCHEMA_VALIDATION_FAILED", message, f"/States/T/Retry[0]/{field}")
    ]


def test_retrier_accepts_boundaries() -> None:
    retrier = {
        "ErrorEquals": ["X"],
        "MaxAttempts": 0,
        "IntervalSeconds": 1,
        "BackoffRate": 1.0,
        "JitterStrategy": "NONE",
    }
    assert errors(task_with(Retry=[retrier])) == []


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


# --- paths and payload templates -----------------------------------------------------------------


def test_input_output_and_result_paths() -> None:
    good = {
        "Type": "Pass",
        "InputPath": "$.items[?(@.price < 10)]",
        "OutputPath": None,
        "ResultPath": "$.a['b'][0]",
        "End": True,
    }
    assert errors(machine({"A": good})) == []
    assert errors(machine({"A": {"Type": "Pass", "InputPath": "items", "End": True}})) == [
        (
            "SCHEMA_VALIDATION_FAILED",
            "The value for the field 'InputPath' must be a valid JSONPath",
            "/States/A/InputPath",
        )
    ]
    for bad in ("$.a[*]", "$..a", "$$.Execution", "$var.a"):
        result = errors(machine({"A": {"Type": "Pass", "ResultPath": bad, "End": True}}))
        assert result == [
            (
                "SCHEMA_VALIDATION_FAILED",
                "The value for the field 'ResultPath' must be a valid ReferencePath",
                "/States/A/ResultPath",
            )
        ], bad


def test_dollar_fields_need_paths_or_intrinsics() -> None:
    parameters = {
        "ok1.$": "$.a",
        "ok2.$": "$$.Execution.Id",
        "ok3.$": "$myVariable.field",
        "ok4.$": "States.Format('Hello, {}', $.name)",
        "nested": {"bad.$": "not a path"},
        "bad.$": "States.NotAFunction($.a)",
        "broken.$": "States.Array(",
        "number.$": 5,
    }
    result = errors(machine({"A": {"Type": "Pass", "Parameters": parameters, "End": True}}))
    message = "The value for the field '{}' must be a valid JSONPath or a valid intrinsic function call"
    assert result == [
        ("SCHEMA_VALIDATION_FAILED", message.format("bad.$"), "/States/A/Parameters/nested"),
        ("SCHEMA_VALIDATION_FAILED", message.format("bad.$"), "/States/A/Parameters"),
        ("SCHEMA_VALIDATION_FAILED", message.format("broken.$"), "/States/A/Parameters"),
        ("SCHEMA_VALIDATION_FAILED", message.format("number.$"), "/States/A/Parameters"),
    ]


def test_path_value_without_dollar_key_warns_no_dollar() -> None:
    text = machine({"A": {"Type": "Pass", "Parameters": {"name": "$.name", "plain": "hello"}, "End": True}})
    assert found(text) == [
        (
            "WARNING",
            "NO_DOLLAR",
            "The value for the field 'name' looks like a JSONPath or intrinsic function, "
            "but the field name does not end with '.$'",
            "/States/A/Parameters/name",
        )
    ]
    assert parse_definition(text)["States"]["A"]["Parameters"]["name"] == "$.name"


def test_pass_result_with_dollar_keys_warns() -> None:
    text = machine({"A": {"Type": "Pass", "Result": {"x.$": "$.a"}, "End": True}})
    assert [(d.severity, d.code) for d in validate(text)] == [("WARNING", "PASS_RESULT_IS_STATIC")]


def test_parameters_must_be_an_object() -> None:
    assert errors(machine({"A": {"Type": "Pass", "Parameters": "x", "End": True}})) == [
        (
            "SCHEMA_VALIDATION_FAILED",
            "The value for the field 'Parameters' must be an OBJECT",
            "/States/A/Parameters",
        )
    ]


def test_assign_variable_names() -> None:
    state = {"Type": "Pass", "Assign": {"good": 1, "alsoGood.$": "$.x", "9bad": 2, "states": 3}, "End": True}
    assert [location for _, _, location in errors(machine({"A": state}))] == [
        "/States/A/Assign/9bad",
        "/States/A/Assign/states",
    ]


# --- query languages -----------------------------------------------------------------------------


def test_jsonpath_only_fields_in_jsonata_state() -> None:
    # floci-io/floci: "The QueryLanguage is set to 'JSONata', but field 'X' is only supported for
    # the 'JSONPath' QueryLanguage" at /States/<state>.
    state = {"Type": "Pass", "QueryLanguage": "JSONata", "Parameters": {}, "ResultPath": "$.x", "End": True}
    assert errors(machine({"A": state})) == [
        (
            "SCHEMA_VALIDATION_FAILED",
            only_in("JSONata", field, "JSONPath"),
            "/States/A",
        )
        for field in ("Parameters", "ResultPath")
    ]


def test_jsonata_only_fields_in_jsonpath_state() -> None:
    # floci-io/floci#2968, measured verbatim.
    assert errors(machine({"A": {"Type": "Pass", "Output": {"a": 1}, "End": True}})) == [
        (
            "SCHEMA_VALIDATION_FAILED",
            only_in("JSONPath", "Output", "JSONata"),
            "/States/A",
        )
    ]


def test_state_cannot_use_jsonpath_under_a_jsonata_machine() -> None:
    # floci-io/floci#2968, measured verbatim.
    text = machine({"A": {"Type": "Pass", "QueryLanguage": "JSONPath", "End": True}}, QueryLanguage="JSONata")
    assert errors(text) == [
        (
            "SCHEMA_VALIDATION_FAILED",
            "'QueryLanguage' can not be 'JSONPath' if set to 'JSONata' for whole state machine",
            "/States/A",
        )
    ]
    jsonata_state = machine({"A": {"Type": "Pass", "QueryLanguage": "JSONata", "Output": 1, "End": True}})
    assert errors(jsonata_state) == []


def test_states_inside_a_map_inherit_the_machine_language_not_the_maps() -> None:
    # floci-io/floci#2968: a JSONata Map does not make its ItemProcessor's states JSONata.
    inner = {"StartAt": "P", "States": {"P": {"Type": "Pass", "Output": 1, "End": True}}}
    text = machine({"M": {"Type": "Map", "QueryLanguage": "JSONata", "ItemProcessor": inner, "End": True}})
    assert errors(text) == [
        (
            "SCHEMA_VALIDATION_FAILED",
            only_in("JSONPath", "Output", "JSONata"),
            "/States/M/ItemProcessor/States/P",
        )
    ]


def test_jsonata_expressions_must_compile() -> None:
    # floci-io/floci#2745 lists AWS's parse messages without the JSONata code, e.g. Expected "]", got ",".
    state = {"Type": "Pass", "Output": {"v": "{% a[1,2) %}", "ok": "{% $states.input %}"}, "End": True}
    assert errors(machine({"A": state}, QueryLanguage="JSONata")) == [
        (
            "INVALID_JSONATA_EXPRESSION",
            'Invalid JSONata expression \'a[1,2)\': Expected "]", got ","',
            "/States/A/Output/v",
        )
    ]
    wait = {"Type": "Wait", "Seconds": "{% 1 + %}", "End": True}
    assert codes(machine({"W": wait}, QueryLanguage="JSONata")) == ["INVALID_JSONATA_EXPRESSION"]


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


# --- path syntax --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    ["$", "$.a", "$.a.b[0]", "$['a b']", "$$", "$$.Map.Item.Value", "$var", "$var.a[1]", "$.a-b",
     "$.a[*]", "$..a", "$.a[0,1]", "$.a['x','y']", "$.a[1:3]", "$.a[-1]", "$.a[?(@.b == 'x]')]",
     "$.a[(@.length-1)]", "$.*"],
)  # fmt: skip
def test_valid_paths(text: str) -> None:
    assert is_path(text)


@pytest.mark.parametrize(
    "text", ["", "a", "$.", "$a b.c[", "$.a[", "$.a]", "$[]", "$.a[?(@.b]", "$1", "$.a..", 5, None]
)
def test_invalid_paths(text: Any) -> None:
    assert not is_path(text)


@pytest.mark.parametrize(
    ("text", "reference"),
    [("$.a.b", True), ("$['a'][0]", True), ("$$.Execution.Id", True), ("$var.x", True), ("$.a[*]", False),
     ("$..a", False), ("$.a[0,1]", False), ("$.a[1:2]", False), ("$.a[?(@.x)]", False), ("$.a[-1]", False)],
)  # fmt: skip
def test_reference_paths(text: str, reference: bool) -> None:
    assert is_reference_path(text) is reference


def test_result_path_roots() -> None:
    assert is_input_reference_path("$.a")
    assert is_input_reference_path("$")
    assert not is_input_reference_path("$$.a")
    assert not is_input_reference_path("$v.a")
    parsed = parse_path("$v.a[0]")
    assert parsed is not None and parsed.root == "variable" and parsed.variable == "v"
