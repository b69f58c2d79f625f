"""Which error, and which cause, AWS reports when an intrinsic function or a payload-template path fails.

Each case replays a definition AWS actually ran and checks the engine's failure word for word.
"Snapshot X" means gabrielmoreira/tiny-asl-machine, tests/conformance/cases/.snapshots/aws/X.json:
a conformance suite's recording of the execution's ``error``/``cause`` on real AWS. The state there
is always a lone Pass state 'Evaluate' with ``Parameters: {"value.$": <expression>}``, entered at
event #2, which is what ``evaluate`` below builds.

None of the recordings shows States.IntrinsicFailure or States.ParameterPathFailure: AWS reports
every one of these failures as the terminal States.Runtime (see the notes on those constants in
engine/states/errors.py).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.engine.states.interpreter_harness import Harness, lambda_arn, started, valid_machine

PREFIX = "An error occurred while executing the state 'Evaluate' (entered at the event id #2). "
EVALUATING = "There was an error while evaluating the intrinsic function: "


def evaluate(expression: str, value: Any) -> tuple[str, str]:
    """Run the snapshot's machine on ``value``; the execution's (error, cause)."""
    definition = valid_machine(
        {"Evaluate": {"Type": "Pass", "Parameters": {"value.$": expression}, "End": True}}
    )
    run = Harness(definition)
    run.start(value)
    assert run.status == "FAILED", run.history
    (finished,) = run.finished
    return finished.error, finished.cause


# --- arguments an intrinsic function rejects ----------------------------------------------------


@pytest.mark.parametrize(
    ("snapshot", "expression", "value", "function"),
    [
        (
            "States.ArrayGetItem-010-index-equals-length",
            "States.ArrayGetItem($.arr, 3)",
            {"arr": [10, 20, 30]},
            "States.ArrayGetItem",
        ),
        (
            "States.ArrayPartition-018-zero-chunk-size",
            "States.ArrayPartition($.arr, 0)",
            {"arr": [1, 2, 3]},
            "States.ArrayPartition",
        ),
        (
            "States.ArrayRange-018-forward-limit-exceeded",
            "States.ArrayRange(1, 1001, 1)",
            {},
            "States.ArrayRange",
        ),
        ("States.MathAdd-017-reject-string-first-operand", "States.MathAdd('a', 1)", {}, "States.MathAdd"),
        ("States.MathAdd-011-fail-sum-overflow-int32", "States.MathAdd(2147483647, 1)", {}, "States.MathAdd"),
        (
            "States.MathAdd-013-fail-first-operand-out-of-range",
            "States.MathAdd(3000000000, 1)",
            {},
            "States.MathAdd",
        ),
        (
            "States.Hash-020-reject-unsupported-algorithm-token",
            "States.Hash('data', 'UNSUPPORTED')",
            {},
            "States.Hash",
        ),
        ("States.Hash-016-reject-numeric-algorithm-argument", "States.Hash('hello', 123)", {}, "States.Hash"),
        (
            "States.Hash-013-reject-10001-char-input",
            "States.Hash($.s, 'SHA-256')",
            {"s": "a" * 10_001},
            "States.Hash",
        ),
        (
            "States.Base64Decode-009-reject-numeric-argument",
            "States.Base64Decode(123)",
            {},
            "States.Base64Decode",
        ),
        (
            "States.Base64Decode-008-reject-10001-char-input",
            "States.Base64Decode($.s)",
            {"s": "A" * 10_001},
            "States.Base64Decode",
        ),
        (
            "States.StringToJson-015-reject-number-input",
            "States.StringToJson($.json)",
            {"json": 123},
            "States.StringToJson",
        ),
    ],
)
def test_rejected_arguments_are_states_runtime_naming_expression_and_function(
    snapshot: str, expression: str, value: Any, function: str
) -> None:
    assert evaluate(expression, value) == (
        "States.Runtime",
        f"{PREFIX}{EVALUATING}{expression}. Invalid arguments in {function}",
    ), snapshot


@pytest.mark.parametrize(
    ("snapshot", "expression", "value", "function"),
    [
        (
            "States.ArrayPartition-021-extra-trailing-arg",
            "States.ArrayPartition($.arr, 2, 999)",
            {"arr": [1, 2, 3]},
            "States.ArrayPartition",
        ),
        ("States.ArrayRange-021-missing-third-arg", "States.ArrayRange(1, 5)", {}, "States.ArrayRange"),
        ("States.MathAdd-022-reject-extra-third-argument", "States.MathAdd(1, 2, 999)", {}, "States.MathAdd"),
        (
            "States.StringToJson-018-reject-zero-argument-invocation",
            "States.StringToJson()",
            {},
            "States.StringToJson",
        ),
    ],
)
def test_a_wrong_argument_count_is_the_same_invalid_arguments_failure(
    snapshot: str, expression: str, value: Any, function: str
) -> None:
    assert evaluate(expression, value) == (
        "States.Runtime",
        f"{PREFIX}{EVALUATING}{expression}. Invalid arguments in {function}",
    ), snapshot


def test_a_nested_failure_names_the_whole_field_and_the_function_that_rejected_its_input() -> None:
    # Snapshot Feature.IntrinsicComposition-003-nested-parameters-failure-surfaces-runtime-error:
    # JsonToString succeeds, then ArrayLength gets a string.
    expression = "States.ArrayLength(States.JsonToString($.items))"
    definition = valid_machine(
        {"FailNestedParameters": {"Type": "Pass", "Parameters": {"value.$": expression}, "End": True}}
    )
    run = Harness(definition)
    run.start({"items": [1, 2, 3]})
    assert (run.finished[-1].error, run.finished[-1].cause) == (
        "States.Runtime",
        "An error occurred while executing the state 'FailNestedParameters' (entered at the event id #2). "
        "There was an error while evaluating the intrinsic function: "
        "States.ArrayLength(States.JsonToString($.items)). Invalid arguments in States.ArrayLength",
    )


# --- the two failures with their own message ----------------------------------------------------


@pytest.mark.parametrize(
    ("snapshot", "expression", "message"),
    [
        (
            "States.Format-018-aws-observe-unmatched-opening-brace-message",
            "States.Format('Hello {', $.a)",
            "matching '}' not found for '{'.",
        ),
        (
            "States.Format-019-aws-observe-doubled-brace-ambiguity-message",
            "States.Format('Hello {{}}', $.a)",
            "matching '}' not found for '{'.",
        ),
        (
            "States.Format-020-aws-observe-lone-closing-brace-message",
            "States.Format('}')",
            "matching '{' not found for '}'.",
        ),
    ],
)
def test_a_broken_format_template_is_an_invalid_template(
    snapshot: str, expression: str, message: str
) -> None:
    assert evaluate(expression, {"a": "x"}) == (
        "States.Runtime",
        f"{PREFIX}{EVALUATING}{expression}. Invalid template in States.Format: {message}",
    ), snapshot


@pytest.mark.parametrize(
    ("snapshot", "text"),
    [
        ("States.StringToJson-011-reject-malformed-object-json", "{bad json}"),
        ("States.StringToJson-012-reject-truncated-object-json", '{"a":1'),
        ("States.StringToJson-014-reject-undefined-identifier-text", "undefined"),
    ],
)
def test_text_that_is_not_json_cannot_be_converted(snapshot: str, text: str) -> None:
    # AWS: "... States.StringToJson($.json). Cannot convert String to Json in States.StringToJson,
    # caused by: <Jackson's message>". The part after "caused by: " is the JSON parser's own
    # complaint; ours comes from Python's parser, so only its presence is checked.
    head = f"{PREFIX}{EVALUATING}States.StringToJson($.json). "
    error, cause = evaluate("States.StringToJson($.json)", {"json": text})
    assert error == "States.Runtime", snapshot
    assert cause.startswith(head + "Cannot convert String to Json in States.StringToJson, caused by: "), cause
    assert cause.split("caused by: ", 1)[1].strip(), cause


# --- paths that match nothing -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("snapshot", "expression", "missing"),
    [
        ("States.StringToJson-020-reject-missing-path-input", "States.StringToJson($.missing)", "$.missing"),
        ("States.ArrayPartition-015-missing-array-path", "States.ArrayPartition($.missing, 2)", "$.missing"),
    ],
)
def test_an_argument_path_that_matches_nothing_is_states_runtime_not_intrinsic_failure(
    snapshot: str, expression: str, missing: str
) -> None:
    assert evaluate(expression, {}) == (
        "States.Runtime",
        f"{PREFIX}The function '{expression}' had the following error: "
        f"The JsonPath argument for the field '{missing}' could not be found in the input '{{}}'",
    ), snapshot


def test_a_parameters_path_that_matches_nothing_is_states_runtime_not_parameter_path_failure() -> None:
    # ExecutionFailed event recorded on AWS (step_functions README of github.com/ryankarlos/aws_etl):
    # {"error": "States.Runtime", "cause": "An error occurred while executing the state 'Glue
    # StartJobRun' (entered at the event id #8). The JSONPath '$.JobName' specified for the field
    # 'JobName.$' could not be found in the input '{}'"}. Here the Task is the first state (#2).
    # The catcher names the error the spec suggests; AWS's name is States.Runtime, which no
    # catcher can handle (concepts-error-handling, States.Runtime).
    task = {
        "Type": "Task",
        "Resource": "arn:aws:states:::glue:startJobRun.sync",
        "Parameters": {"JobName.$": "$.JobName"},
        "Catch": [{"ErrorEquals": ["States.ParameterPathFailure"], "Next": "Caught"}],
        "End": True,
    }
    run = Harness(valid_machine({"Glue StartJobRun": task, "Caught": {"Type": "Succeed"}}))
    run.start({})
    assert run.tasks == {}
    assert (run.finished[-1].error, run.finished[-1].cause) == (
        "States.Runtime",
        "An error occurred while executing the state 'Glue StartJobRun' (entered at the event id #2). "
        "The JSONPath '$.JobName' specified for the field 'JobName.$' could not be found in the input '{}'",
    )


def test_an_intrinsic_failure_in_a_task_is_not_caught_by_its_documented_name_or_by_states_all() -> None:
    # Snapshot States.MathAdd-017-reject-string-first-operand gives the error name (States.Runtime);
    # aws-test-harness/aws-test-harness test_reports_execution_failure asserts the same for
    # States.MathAdd on a deployed machine. States.ALL does not catch States.Runtime
    # (concepts-error-handling), so the execution fails.
    task = {
        "Type": "Task",
        "Resource": lambda_arn("add"),
        "Parameters": {"result.$": "States.MathAdd($.firstNumber, $.secondNumber)"},
        "Catch": [
            {"ErrorEquals": ["States.IntrinsicFailure"], "Next": "Caught"},
            {"ErrorEquals": ["States.ALL"], "Next": "Caught"},
        ],
        "End": True,
    }
    run = Harness(valid_machine({"SetResult": task, "Caught": {"Type": "Succeed"}}))
    run.start({"firstNumber": 1, "secondNumber": "NOT A NUMBER"})
    assert run.status == "FAILED"
    assert run.finished[-1].error == "States.Runtime"
    assert run.finished[-1].cause.endswith(
        "There was an error while evaluating the intrinsic function: "
        "States.MathAdd($.firstNumber, $.secondNumber). Invalid arguments in States.MathAdd"
    )


def test_string_to_json_refuses_nan_and_infinity() -> None:
    # RFC 8259 has no NaN or Infinity; AWS's JSON parser refuses them (Python's would not).
    for text in ("NaN", "[1, Infinity]", "-Infinity"):
        definition = valid_machine(
            {"Parse": {"Type": "Pass", "Parameters": {"v.$": "States.StringToJson($.text)"}, "End": True}}
        )
        harness = started(definition, {"text": text})
        assert harness.status == "FAILED"
        assert "Cannot convert String to Json in States.StringToJson" in (harness.finished[-1].cause or "")
