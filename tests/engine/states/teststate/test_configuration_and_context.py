"""TestState's stateConfiguration and context members, and a state tested inside a Map.

Sources: the TestState page of the developer guide (test-state-isolation: "Specifying error
source with errorCausedByState", "Automatic Context population", "Testing retry and error
handling") and LocalStack's AWS-validated snapshots (localstack/localstack,
tests/aws/services/stepfunctions/v2/test_state/test_state_configuration.snapshot.json and
test_state_context_object.snapshot.json).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from engine.states.model import Environment
from tests.engine.states.teststate import support
from tests.engine.states.teststate.support import DOC_MAP, MOCK_ERROR, data

ENV = Environment(now=datetime(2025, 11, 13, 17, 7, tzinfo=UTC), new_token=lambda: "token-1")


def run(definition: Any, **kwargs: Any) -> dict[str, Any]:
    return support.run(definition, ENV, **kwargs)


def refused(definition: Any, **kwargs: Any) -> str:
    return support.refused(definition, ENV, **kwargs)


# --- stateConfiguration checks -----------------------------------------------------------------


def test_state_configuration_must_fit_the_state() -> None:
    task = {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": True}
    assert "applies to a Map state" in refused(
        task, mock={"result": {}}, state_configuration={"mapIterationFailureCount": 1}
    )
    assert "with an ItemReader" in refused(
        DOC_MAP, input={"items": []}, mock={"result": []}, state_configuration={"mapItemReaderData": "[]"}
    )
    assert "mocked error" in refused(
        DOC_MAP,
        input={"items": []},
        mock={"result": []},
        state_configuration={"errorCausedByState": "ProcessItem"},
    )
    assert "no state 'Elsewhere' inside the Map state 'StateName'" in refused(
        DOC_MAP, input={"items": []}, mock=MOCK_ERROR, state_configuration={"errorCausedByState": "Elsewhere"}
    )
    assert "cannot exceed the number of items" in refused(
        DOC_MAP,
        input={"items": [1]},
        mock={"result": [1]},
        state_configuration={"mapIterationFailureCount": 2},
    )


def test_error_caused_by_state_in_a_parallel_branch() -> None:
    # "Specifying error source with errorCausedByState": the parent's Catch handles the error.
    parallel = {
        "Type": "Parallel",
        "Branches": [
            {"StartAt": "ProcessItem", "States": {"ProcessItem": {"Type": "Pass", "End": True}}},
        ],
        "Catch": [{"ErrorEquals": ["States.TaskFailed"], "Next": "Recover"}],
        "Next": "Done",
    }
    response = run(
        parallel,
        input={"x": 1},
        mock={"errorOutput": {"error": "States.TaskFailed", "cause": "Task execution failed"}},
        state_configuration={"errorCausedByState": "ProcessItem"},
        inspection_level="DEBUG",
    )
    assert (response["status"], response["nextState"]) == ("CAUGHT_ERROR", "Recover")
    assert data(response)["errorDetails"] == {"catchIndex": 0}


def test_jsonata_parallel_shows_its_arguments() -> None:
    parallel = {
        "Type": "Parallel",
        "QueryLanguage": "JSONata",
        "Arguments": {"order": "{% $states.input.id %}"},
        "Branches": [{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}}],
        "End": True,
    }
    shaped = data(run(parallel, input={"id": 7}, mock={"result": [{"ok": True}]}, inspection_level="DEBUG"))
    assert shaped["afterArguments"] == {"order": 7}


# --- a state inside a Map, and the retry attempt from the context ------------------------------------


def test_state_inside_a_map_sees_iteration_zero() -> None:
    # "Automatic Context population": $$.Map.Item.Index = 0 and $$.Map.Item.Value = the input.
    machine = {
        "StartAt": "Each",
        "States": {
            "Each": {
                "Type": "Map",
                "ItemProcessor": {
                    "StartAt": "Show",
                    "States": {
                        "Show": {
                            "Type": "Pass",
                            "Parameters": {"at.$": "$$.Map.Item.Index", "item.$": "$$.Map.Item.Value"},
                            "End": True,
                        }
                    },
                },
                "End": True,
            }
        },
    }
    response = run(machine, state_name="Show", input={"sku": "A-1"})
    assert json.loads(response["output"]) == {"at": 0, "item": {"sku": "A-1"}}


def test_context_retry_count_picks_the_attempt() -> None:
    # "Simulating retry attempts": IntervalSeconds 2, BackoffRate 2.0 and one retry done -> 4 s;
    # the page adds that RetryCount in the context object exhausts retries the same way.
    task = {
        "Type": "Task",
        "Resource": "arn:aws:states:::lambda:invoke",
        "Arguments": {"FunctionName": "MyFunction"},
        "QueryLanguage": "JSONata",
        "Retry": [
            {
                "ErrorEquals": ["Lambda.ServiceException"],
                "IntervalSeconds": 2,
                "MaxAttempts": 3,
                "BackoffRate": 2.0,
            }
        ],
        "End": True,
    }
    error = {"errorOutput": {"error": "Lambda.ServiceException", "cause": "Service error"}}
    configured = run(
        task,
        input={"data": "value"},
        mock=error,
        state_configuration={"retrierRetryCount": 1},
        inspection_level="DEBUG",
    )
    assert configured["status"] == "RETRIABLE"
    assert data(configured)["errorDetails"] == {"retryBackoffIntervalSeconds": 4, "retryIndex": 0}
    by_context = run(
        task, input={}, mock=error, context={"State": {"RetryCount": 1}}, inspection_level="DEBUG"
    )
    assert data(by_context)["errorDetails"] == {"retryBackoffIntervalSeconds": 4, "retryIndex": 0}
    exhausted = run(task, input={}, mock=error, context={"State": {"RetryCount": 3}})
    assert (exhausted["status"], exhausted["error"]) == ("FAILED", "Lambda.ServiceException")


# --- the context member ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("context", "message"),
    [
        ({"Execution": {"Id": 1}}, "Execution.Id must be a string"),
        ({"Map": {}}, "'Map' field is not supported when mocking a Context object"),
        ({"Execution": {"pokemon": "squirtle"}}, "Field 'pokemon' is not allowed"),
        ({"Pokedex": {}}, "Field 'Pokedex' is not allowed"),
        (
            {"Task": {"Token": "abcd123"}},
            "Context object contains 'Task' when state is not a Task state with a '.sync' or "
            "'.waitForTaskToken' service integration pattern",
        ),
    ],
    ids=[
        "INVALID_EXECUTION_ID_TYPE",
        "INVALID_MAP",
        "INVALID_EXECUTION_FIELD",
        "INVALID_FIELD",
        "TOKEN_TASK_NOT_SYNC",
    ],
)
def test_invalid_context_objects(context: dict[str, Any], message: str) -> None:
    # test_state_context_object_validation_failures and _invalid_states
    # (test_state_context_object.snapshot.json).
    task = {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": True}
    assert (
        refused(task, context=context, mock={"result": {}}) == "Invalid Context object provided: " + message
    )


def test_wait_for_token_task_takes_the_token_from_the_context() -> None:
    # io_sqs_service_task_wait.json5 with context Task.Token "abcd123" (test_state_wait_task_context_object).
    task = {
        "Type": "Task",
        "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
        "Parameters": {"QueueUrl": "q", "MessageBody": {"Message": "Hello", "TaskToken.$": "$$.Task.Token"}},
        "ResultPath": "$.SQS",
        "End": True,
    }
    response = run(
        task, context={"Task": {"Token": "abcd123"}}, mock={"result": {"ok": 1}}, inspection_level="DEBUG"
    )
    assert data(response)["afterParameters"]["MessageBody"]["TaskToken"] == "abcd123"
