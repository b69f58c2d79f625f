"""Pass, Choice, Wait, Succeed and Fail, the data-flow fields and their AWS error wording."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from engine.states.history import MAX_HISTORY_EVENTS
from tests.engine.states.interpreter_harness import START, Harness, lambda_arn


def machine(states: dict[str, Any], start: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"StartAt": start or next(iter(states)), "States": states, **extra}


def test_pass_chain_runs_in_one_call_with_aws_event_links() -> None:
    run = Harness(
        machine(
            {f"S{i}": {"Type": "Pass", "Next": f"S{i + 1}"} for i in range(3)}
            | {"S3": {"Type": "Pass", "End": True}}
        )
    )
    decision = run.start({"a": 1})
    assert decision.status == "SUCCEEDED"
    assert [e.id for e in run.history] == list(range(1, 11))
    # AWS links the first state to event 0 and each later event to the one before it
    # (see recorded histories in the "GetExecutionHistory" examples).
    assert [e.previous_event_id for e in run.history] == [0, 0, 2, 3, 4, 5, 6, 7, 8, 9]
    assert run.output() == {"a": 1}


def test_pass_result_keeps_dollar_keys_literal_and_result_path_merges() -> None:
    # "Pass workflow state" page: Result with ResultPath "$.coords".
    definition = machine(
        {
            "No-op": {
                "Type": "Pass",
                "Result": {"x-datum": 0.381018, "y-datum": 622.2269926397355, "keep.$": "$.literal"},
                "ResultPath": "$.coords",
                "End": True,
            }
        }
    )
    run = Harness(definition)
    run.start({"georefOf": "Home"})
    assert run.output() == {
        "georefOf": "Home",
        "coords": {"x-datum": 0.381018, "y-datum": 622.2269926397355, "keep.$": "$.literal"},
    }


def test_aws_inputpath_resultpath_outputpath_example() -> None:
    # "InputPath, ResultPath, and OutputPath Examples" (step-functions/latest/dg/input-output-example.html).
    definition = machine(
        {
            "HelloWorld": {
                "Type": "Task",
                "Resource": lambda_arn("HelloFunction"),
                "InputPath": "$.lambda",
                "ResultPath": "$.data.lambdaresult",
                "OutputPath": "$.data",
                "End": True,
            }
        }
    )
    run = Harness(definition)
    run.start(
        {
            "comment": "An input comment.",
            "data": {"val1": 23, "val2": 17},
            "extra": "foo",
            "lambda": {"who": "AWS Step Functions"},
        }
    )
    assert run.task("HelloWorld").payload == {"who": "AWS Step Functions"}
    run.succeed("HelloWorld", "Hello, AWS Step Functions!")
    assert run.output() == {"val1": 23, "val2": 17, "lambdaresult": "Hello, AWS Step Functions!"}


@pytest.mark.parametrize(
    ("result_path", "expected"),
    [
        # "Specifying state output using ResultPath" (input-output-resultpath.html).
        (None, {"comment": "This is a test", "details": "Default example", "who": "Step Functions"}),
        ("$", "Hello, Step Functions!"),
        (
            "$.taskresult",
            {
                "comment": "This is a test",
                "details": "Default example",
                "who": "Step Functions",
                "taskresult": "Hello, Step Functions!",
            },
        ),
        (
            "$.who",
            {"comment": "This is a test", "details": "Default example", "who": "Hello, Step Functions!"},
        ),
    ],
)
def test_aws_result_path_examples(result_path: str | None, expected: Any) -> None:
    definition = machine(
        {"T": {"Type": "Task", "Resource": lambda_arn("hello"), "ResultPath": result_path, "End": True}}
    )
    run = Harness(definition)
    run.start({"comment": "This is a test", "details": "Default example", "who": "Step Functions"})
    run.succeed("T", "Hello, Step Functions!")
    assert run.output() == expected


def test_result_selector_then_result_path_and_context_object() -> None:
    definition = machine(
        {
            "T": {
                "Type": "Task",
                "Resource": lambda_arn("f"),
                "Parameters": {
                    "execution.$": "$$.Execution.Id",
                    "name.$": "$$.Execution.Name",
                    "state.$": "$$.State.Name",
                    "entered.$": "$$.State.EnteredTime",
                    "machine.$": "$$.StateMachine.Name",
                    "input.$": "$$.Execution.Input",
                    "retries.$": "$$.State.RetryCount",
                    "static": {"nested.$": "$.a"},
                },
                "ResultSelector": {"kept.$": "$.body.value"},
                "ResultPath": "$.out",
                "End": True,
            }
        }
    )
    run = Harness(definition)
    run.start({"a": 5})
    payload = run.task("T").payload
    assert payload == {
        "execution": run.context.execution_arn,
        "name": "run-1",
        "state": "T",
        "entered": "2024-05-01T12:00:00.000Z",
        "machine": "OrderMachine",
        "input": {"a": 5},
        "retries": 0,
        "static": {"nested": 5},
    }
    run.succeed("T", {"body": {"value": "v", "noise": 1}})
    assert run.output() == {"a": 5, "out": {"kept": "v"}}


def test_result_path_creates_missing_objects_and_null_discards() -> None:
    definition = machine(
        {
            "Make": {"Type": "Pass", "Result": 1, "ResultPath": "$.a.b.c", "Next": "Drop"},
            "Drop": {"Type": "Pass", "Result": 2, "ResultPath": None, "End": True},
        }
    )
    run = Harness(definition)
    run.start({"x": 0})
    assert run.output() == {"x": 0, "a": {"b": {"c": 1}}}


def test_input_and_output_path_null_give_empty_object() -> None:
    run = Harness(machine({"P": {"Type": "Pass", "InputPath": None, "OutputPath": None, "End": True}}))
    run.start({"x": 1})
    assert run.output() == {}


def test_missing_input_path_is_runtime_error_that_catch_all_does_not_catch() -> None:
    definition = machine(
        {
            "T": {
                "Type": "Task",
                "Resource": lambda_arn("f"),
                "InputPath": "$.missing",
                "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Handled"}],
                "End": True,
            },
            "Handled": {"Type": "Succeed"},
        }
    )
    run = Harness(definition)
    run.start({})
    assert run.status == "FAILED"
    assert run.finished[-1].error == "States.Runtime"
    assert run.finished[-1].cause == (
        "An error occurred while executing the state 'T' (entered at the event id #2). "
        "Invalid path '$.missing' : No results for path: $['missing']"
    )


def test_missing_parameter_path_uses_aws_wording() -> None:
    # The cause AWS reports, as quoted in the Step Functions workshop ("Check Address" example).
    definition = machine(
        {
            "Check Address": {
                "Type": "Pass",
                "Parameters": {"address.$": "$.application.address"},
                "End": True,
            }
        }
    )
    run = Harness(definition)
    run.start({"flagged": False})
    assert run.finished[-1].error == "States.Runtime"
    assert run.finished[-1].cause == (
        "An error occurred while executing the state 'Check Address' (entered at the event id #2). "
        "The JSONPath '$.application.address' specified for the field 'address.$' could not be found "
        "in the input '{\"flagged\":false}'"
    )


def test_result_path_into_a_string_is_result_path_match_failure_and_catchable() -> None:
    definition = machine(
        {
            "P": {"Type": "Pass", "Result": 1, "ResultPath": "$.name.first", "Next": "Done"},
            "Done": {"Type": "Succeed"},
        }
    )
    run = Harness(definition)
    run.start({"name": "text"})
    assert run.finished[-1].error == "States.ResultPathMatchFailure"


def test_output_larger_than_256_kb_fails_with_data_limit_exceeded() -> None:
    definition = machine({"P": {"Type": "Pass", "Result": "x" * 262_145, "End": True}})
    run = Harness(definition)
    run.start({})
    assert run.finished[-1].error == "States.DataLimitExceeded"


def test_choice_loop_with_intrinsic_counter() -> None:
    definition = machine(
        {
            "Init": {"Type": "Pass", "Result": 0, "ResultPath": "$.count", "Next": "Check"},
            "Check": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.count", "NumericGreaterThanEquals": 5, "Next": "Done"}],
                "Default": "Increment",
            },
            "Increment": {
                "Type": "Pass",
                "Parameters": {"count.$": "States.MathAdd($.count, 1)"},
                "Next": "Check",
            },
            "Done": {"Type": "Succeed"},
        }
    )
    run = Harness(definition)
    run.start({})
    assert run.output() == {"count": 5}
    assert run.types().count("ChoiceStateEntered") == 6


def test_choice_without_match_or_default_fails_no_choice_matched() -> None:
    definition = machine(
        {
            "C": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.kind", "StringEquals": "a", "Next": "A"}],
            },
            "A": {"Type": "Succeed"},
        }
    )
    run = Harness(definition)
    run.start({"kind": "b"})
    assert run.finished[-1].error == "States.NoChoiceMatched"


def test_choice_on_missing_variable_is_runtime_error() -> None:
    definition = machine(
        {
            "C": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.n", "NumericEquals": 1, "Next": "A"}],
                "Default": "A",
            },
            "A": {"Type": "Succeed"},
        }
    )
    run = Harness(definition)
    run.start({})
    assert run.finished[-1].error == "States.Runtime"
    assert run.finished[-1].cause and "(entered at the event id #2)" in run.finished[-1].cause


def test_wait_seconds_sets_a_timer_then_exits() -> None:
    definition = machine({"W": {"Type": "Wait", "Seconds": 10, "Next": "Done"}, "Done": {"Type": "Succeed"}})
    run = Harness(definition)
    run.start({"k": 1})
    timer = next(iter(run.timers.values()))
    assert timer.fire_at == START + timedelta(seconds=10)
    assert run.types()[-1] == "WaitStateEntered"
    run.fire_next_timer()
    assert run.output() == {"k": 1}
    assert "WaitStateExited" in run.types()


@pytest.mark.parametrize(
    ("field", "value", "expected_wait"),
    [
        ("SecondsPath", 30, 30),
        ("TimestampPath", "2024-05-01T12:05:00Z", 300),
        ("TimestampPath", "2024-05-01T14:01:00+02:00", 60),
    ],
)
def test_wait_paths(field: str, value: Any, expected_wait: int) -> None:
    definition = machine({"W": {"Type": "Wait", field: "$.when", "End": True}})
    run = Harness(definition)
    run.start({"when": value})
    timer = next(iter(run.timers.values()))
    assert (timer.fire_at - START).total_seconds() == expected_wait


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("SecondsPath", -1),
        ("SecondsPath", "10"),
        ("SecondsPath", 1.5),
        ("TimestampPath", "2024-05-01T12:05:00"),
    ],
)
def test_wait_rejects_bad_path_values_with_runtime_error(field: str, value: Any) -> None:
    run = Harness(machine({"W": {"Type": "Wait", field: "$.when", "End": True}}))
    run.start({"when": value})
    assert run.status == "FAILED"
    assert run.finished[-1].error == "States.Runtime"


def test_wait_timestamp_in_the_past_does_not_wait() -> None:
    run = Harness(machine({"W": {"Type": "Wait", "Timestamp": "2020-01-01T00:00:00Z", "End": True}}))
    run.start({})
    assert run.status == "SUCCEEDED"
    assert not run.timers


def test_fail_state_error_path_and_cause_path() -> None:
    definition = machine(
        {"F": {"Type": "Fail", "ErrorPath": "$.code", "CausePath": "States.Format('order {} failed', $.id)"}}
    )
    run = Harness(definition)
    run.start({"code": "Broken", "id": 7})
    assert (run.finished[-1].error, run.finished[-1].cause) == ("Broken", "order 7 failed")
    failed = run.last()
    assert failed.type == "ExecutionFailed"
    assert failed.details == {"error": "Broken", "cause": "order 7 failed"}
    assert failed.previous_event_id == run.events("FailStateEntered")[0].id


def test_execution_that_would_pass_25000_events_fails_at_event_25000() -> None:
    # "Avoid reaching the history quota" (bp-history-limit): event 25,000 must be the last.
    definition = machine(
        {
            "Loop": {"Type": "Pass", "Next": "Again"},
            "Again": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.stop", "BooleanEquals": True, "Next": "End"}],
                "Default": "Loop",
            },
            "End": {"Type": "Succeed"},
        }
    )
    run = Harness(definition)
    run.start({"stop": False})
    assert run.status == "FAILED"
    assert len(run.history) == MAX_HISTORY_EVENTS
    assert run.last().id == MAX_HISTORY_EVENTS
    assert run.last().type == "ExecutionFailed"
    assert len(run.finished) == 1


def test_state_blob_is_plain_json_with_iso_strings() -> None:
    definition = machine({"W": {"Type": "Wait", "Seconds": 5, "End": True}})
    run = Harness(definition)
    run.start({"a": [1, 2]})
    assert run.state is not None
    assert json.loads(json.dumps(run.state)) == run.state
    assert run.state["ctx"]["start_time"] == "2024-05-01T12:00:00.000Z"
