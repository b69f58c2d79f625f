"""TestState (engine.states.teststate): one state run once, every data-flow stage shown.

Response shapes follow the TestState API reference (API_TestState, API_InspectionData) and the
developer guide page "Testing state machines with TestState API" (test-state-isolation).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from engine.states import teststate as ts
from engine.states.model import Environment, InvokeTask
from tests.engine.states.teststate import support
from tests.engine.states.teststate.support import data

ENV = Environment(now=datetime(2024, 5, 1, 12, 0, tzinfo=UTC), new_token=lambda: "token-1")

# "Choice" state page of the developer guide (amazon-states-language-choice-state): the example
# rules and the input {"type": "Private", "value": 22}, which goes to ValueInTwenties.
CHOICE = {
    "Type": "Choice",
    "Choices": [
        {"Not": {"Variable": "$.type", "StringEquals": "Private"}, "Next": "Public"},
        {"Variable": "$.value", "NumericEquals": 0, "Next": "ValueIsZero"},
        {
            "And": [
                {"Variable": "$.value", "NumericGreaterThanEquals": 20},
                {"Variable": "$.value", "NumericLessThan": 30},
            ],
            "Next": "ValueInTwenties",
        },
    ],
    "Default": "DefaultState",
}

# "Specifying state output using ResultPath" (input-output-resultpath): the Lambda returns
# "Hello, AWS Step Functions!" and ResultPath "$.taskresult" keeps it beside the input.
RESULT_PATH_INPUT = {
    "comment": "This is a test of the input and output of a Task state.",
    "details": "Default example",
    "who": "AWS Step Functions",
}
HELLO_TASK = {
    "Type": "Task",
    "Resource": "arn:aws:lambda:us-east-1:123456789012:function:HelloFunction",
    "ResultPath": "$.taskresult",
    "Next": "Done",
}

# A lambda:invoke Task with every JSONPath stage, Retry and Catch ("Handling errors in Step
# Functions workflows", concepts-error-handling: the Retrier fields and their defaults).
INVOKE = {
    "Type": "Task",
    "Resource": "arn:aws:states:::lambda:invoke",
    "InputPath": "$.order",
    "Parameters": {"FunctionName": "charge", "Payload": {"amount.$": "$.total"}},
    "ResultSelector": {"receipt.$": "$.Payload.receipt"},
    "ResultPath": "$.charge",
    "OutputPath": "$.charge",
    "Retry": [
        {"ErrorEquals": ["Card.Declined"], "MaxAttempts": 0},
        {"ErrorEquals": ["Gateway.Busy"], "IntervalSeconds": 3, "MaxAttempts": 2, "BackoffRate": 1.5},
    ],
    "Catch": [
        {"ErrorEquals": ["Gateway.Busy"], "Next": "Never"},
        {"ErrorEquals": ["States.ALL"], "ResultPath": "$.failure", "Next": "NotifyFailure"},
    ],
    "Next": "Ship",
}
ORDER = {"order": {"total": 42, "items": 2}}


def run(definition: Any, **kwargs: Any) -> dict[str, Any]:
    return support.run(definition, ENV, **kwargs)


def mocked(result: Any) -> dict[str, Any]:
    return {"result": json.dumps(result)}


def failing(error: str, cause: str = "") -> dict[str, Any]:
    return {"errorOutput": {"error": error, "cause": cause}}


# --- each state type ---------------------------------------------------------------------------


def test_pass_with_parameters_and_result_path_shows_each_stage() -> None:
    state = {
        "Type": "Pass",
        "InputPath": "$.initialData",
        "Parameters": {"staticValue": "some value", "inputValue.$": "$.fieldFromInput"},
        "ResultPath": "$.modifiedData",
        "Next": "Next",
    }
    given = {"initialData": {"fieldFromInput": "from input", "otherField": "x"}, "unrelated": 1}
    response = run(state, input=given, inspection_level="DEBUG")
    modified = {"staticValue": "some value", "inputValue": "from input"}
    assert response["status"] == "SUCCEEDED" and response["nextState"] == "Next"
    assert json.loads(response["output"]) == {**given, "modifiedData": modified}
    assert data(response) == {
        "input": given,
        "afterInputPath": given["initialData"],
        "afterParameters": modified,
        "afterResultSelector": modified,
        "afterResultPath": {**given, "modifiedData": modified},
    }


def test_pass_with_result_shows_the_result_not_the_input_stages() -> None:
    response = run(
        {"Type": "Pass", "Result": {"resultKey": "result value"}, "End": True},
        input={"Value": "HelloWorld"},
        inspection_level="DEBUG",
    )
    assert "nextState" not in response
    assert data(response) == {
        "input": {"Value": "HelloWorld"},
        "result": {"resultKey": "result value"},
        "afterResultSelector": {"resultKey": "result value"},
        "afterResultPath": {"resultKey": "result value"},
    }


def test_choice_documented_example_picks_value_in_twenties() -> None:
    response = run(CHOICE, input={"type": "Private", "value": 22}, inspection_level="DEBUG")
    assert response["status"] == "SUCCEEDED"
    assert response["nextState"] == "ValueInTwenties"
    assert json.loads(response["output"]) == {"type": "Private", "value": 22}
    assert set(data(response)) == {"input", "afterInputPath"}
    assert run(CHOICE, input={"type": "Public", "value": 22})["nextState"] == "Public"
    assert run(CHOICE, input={"type": "Private", "value": 5})["nextState"] == "DefaultState"


def test_choice_without_match_or_default_fails() -> None:
    state = {"Type": "Choice", "Choices": [{"Variable": "$.x", "NumericEquals": 1, "Next": "One"}]}
    response = run(state, input={"x": 2})
    assert response["status"] == "FAILED" and response["error"] == "States.NoChoiceMatched"
    assert "output" not in response and "nextState" not in response


def test_wait_answers_at_once() -> None:
    # A day-long Wait: TestState returns immediately (the engine never reads the clock).
    response = run({"Type": "Wait", "Seconds": 86400, "Next": "Later"}, input={"a": 1})
    assert response == {"output": '{"a":1}', "nextState": "Later", "status": "SUCCEEDED"}


def test_wait_with_output_path() -> None:
    state = {"Type": "Wait", "Timestamp": "2030-01-01T00:00:00Z", "OutputPath": "$.keep", "End": True}
    response = run(state, input={"keep": [1], "drop": 2}, inspection_level="DEBUG")
    assert json.loads(response["output"]) == [1]
    assert "nextState" not in response


def test_succeed_applies_input_and_output_paths() -> None:
    state = {"Type": "Succeed", "InputPath": "$.a", "OutputPath": "$.b"}
    response = run(state, input={"a": {"b": 7}}, inspection_level="DEBUG")
    assert response["status"] == "SUCCEEDED" and json.loads(response["output"]) == 7
    assert data(response) == {"input": {"a": {"b": 7}}, "afterInputPath": {"b": 7}}


def test_fail_reports_error_and_cause_from_paths() -> None:
    state = {"Type": "Fail", "ErrorPath": "$.code", "CausePath": "States.Format('id {}', $.id)"}
    response = run(state, input={"code": "Order.Invalid", "id": 9}, inspection_level="DEBUG")
    assert response["status"] == "FAILED"
    assert (response["error"], response["cause"]) == ("Order.Invalid", "id 9")
    assert "output" not in response


def test_task_result_path_documented_example() -> None:
    calls: list[InvokeTask] = []

    def perform(command: InvokeTask) -> ts.Performed:
        calls.append(command)
        return ts.Performed(output="Hello, AWS Step Functions!")

    response = run(HELLO_TASK, input=RESULT_PATH_INPUT, perform=perform, inspection_level="DEBUG")
    assert [c.resource for c in calls] == [HELLO_TASK["Resource"]]
    assert calls[0].payload == RESULT_PATH_INPUT
    assert json.loads(response["output"]) == {**RESULT_PATH_INPUT, "taskresult": "Hello, AWS Step Functions!"}
    assert response["nextState"] == "Done"
    assert data(response)["result"] == "Hello, AWS Step Functions!"


# --- inspection levels --------------------------------------------------------------------------


@pytest.mark.parametrize("level", ["INFO", "DEBUG", "TRACE"])
def test_inspection_levels(level: str) -> None:
    response = run(INVOKE, input=ORDER, mock=mocked({"Payload": {"receipt": "r-1"}}), inspection_level=level)
    assert response["status"] == "SUCCEEDED"
    assert json.loads(response["output"]) == {"receipt": "r-1"}
    if level == "INFO":
        assert "inspectionData" not in response
        return
    # TRACE adds an HTTP Task's request/response; the workbench has none, so TRACE == DEBUG.
    assert data(response) == {
        "input": ORDER,
        "afterInputPath": ORDER["order"],
        "afterParameters": {"FunctionName": "charge", "Payload": {"amount": 42}},
        "result": {"Payload": {"receipt": "r-1"}},
        "afterResultSelector": {"receipt": "r-1"},
        # ResultPath places the result into the raw state input, not the InputPath selection.
        "afterResultPath": {**ORDER, "charge": {"receipt": "r-1"}},
    }


# --- mocks, Retry and Catch ------------------------------------------------------------------


def test_mocked_lambda_invoke_result_is_the_whole_api_response() -> None:
    # The mock stands for the service's response: lambda:invoke does not wrap it in Payload.
    state = {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": True}
    response = run(state, input={}, mock=mocked({"Payload": "function output", "StatusCode": 200}))
    assert json.loads(response["output"]) == {"Payload": "function output", "StatusCode": 200}


def test_unmocked_lambda_invoke_is_wrapped_like_an_execution() -> None:
    state = {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": True}
    perform = lambda command: ts.Performed(output={"seen": command.payload})  # noqa: E731
    output = json.loads(run(state, input={"k": 1}, perform=perform)["output"])
    assert output["Payload"] == {"seen": {"k": 1}} and output["StatusCode"] == 200


def test_performed_error_goes_through_retry_and_catch() -> None:
    perform = lambda command: ts.Performed(error="Card.Declined", cause="no funds")  # noqa: E731
    response = run(INVOKE, input=ORDER, perform=perform, inspection_level="DEBUG")
    # Retrier 0 matches with MaxAttempts 0, so no retry: the second Catcher takes it.
    assert response["status"] == "CAUGHT_ERROR"
    assert response["nextState"] == "NotifyFailure"
    assert json.loads(response["output"]) == {
        **ORDER,
        "failure": {"Error": "Card.Declined", "Cause": "no funds"},
    }
    assert data(response)["errorDetails"] == {"catchIndex": 1}


def test_mocked_error_matching_a_retrier_is_retriable() -> None:
    response = run(INVOKE, input=ORDER, mock=failing("Gateway.Busy", "try later"), inspection_level="DEBUG")
    assert response["status"] == "RETRIABLE"
    assert (response["error"], response["cause"]) == ("Gateway.Busy", "try later")
    assert "output" not in response and "nextState" not in response
    assert data(response)["errorDetails"] == {"retryIndex": 1, "retryBackoffIntervalSeconds": 3}


def test_retrier_retry_count_picks_the_attempt() -> None:
    # Attempt 1 of 2 waits IntervalSeconds * BackoffRate = 4.5 s; after 2 the Catcher takes it.
    second = run(
        INVOKE,
        input=ORDER,
        mock=failing("Gateway.Busy"),
        inspection_level="DEBUG",
        state_configuration={"retrierRetryCount": 1},
    )
    assert second["status"] == "RETRIABLE"
    assert data(second)["errorDetails"]["retryBackoffIntervalSeconds"] == round(3 * 1.5)
    exhausted = run(
        INVOKE,
        input=ORDER,
        mock=failing("Gateway.Busy"),
        inspection_level="DEBUG",
        state_configuration={"retrierRetryCount": 2},
    )
    assert exhausted["status"] == "CAUGHT_ERROR" and exhausted["nextState"] == "Never"
    assert data(exhausted)["errorDetails"] == {"catchIndex": 0}


def test_unhandled_mocked_error_fails() -> None:
    state = {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage", "End": True}
    response = run(state, input={}, mock=failing("SQS.QueueDoesNotExist", "gone"), inspection_level="DEBUG")
    assert response["status"] == "FAILED"
    assert (response["error"], response["cause"]) == ("SQS.QueueDoesNotExist", "gone")


def test_wait_for_token_task_runs_with_a_mock_only() -> None:
    state = {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken", "End": True}
    with pytest.raises(ts.Refused) as raised:
        run(state, input={})
    assert raised.value.code == "InvalidDefinition"
    assert json.loads(run(state, input={}, mock=mocked({"approved": True}))["output"]) == {"approved": True}


def test_runtime_error_in_parameters_is_caught_like_an_execution() -> None:
    state = {
        "Type": "Task",
        "Resource": "arn:aws:states:::sqs:sendMessage",
        "Parameters": {"MessageBody.$": "$.missing"},
        "End": True,
    }
    response = run(state, input={}, mock=mocked({}))
    assert response["status"] == "FAILED" and response["error"] == "States.Runtime"
    assert "$.missing" in response["cause"]


# --- mock validation (messages as AWS answers them) -------------------------------------------------


@pytest.mark.parametrize(
    ("mock", "message"),
    [
        ({"result": "{not json"}, "Mocked result must be valid JSON"),
        ({"result": 42}, "Mocked result must be valid JSON"),
    ],
)
def test_bad_mocks(mock: dict[str, Any], message: str) -> None:
    # The mock as the API sends it: support.run would turn a non-text result into JSON text.
    with pytest.raises(ts.Refused) as raised:
        ts.run(INVOKE, input=json.dumps(ORDER), mock=mock, env=ENV)
    assert raised.value.code == "ValidationException" and message in raised.value.message


@pytest.mark.parametrize("state_type", ["Pass", "Succeed", "Fail", "Choice", "Wait"])
def test_mock_is_refused_for_states_without_work(state_type: str) -> None:
    states = {
        "Pass": {"Type": "Pass", "End": True},
        "Succeed": {"Type": "Succeed"},
        "Fail": {"Type": "Fail", "Error": "E"},
        "Choice": CHOICE,
        "Wait": {"Type": "Wait", "Seconds": 1, "End": True},
    }
    with pytest.raises(ts.Refused) as raised:
        run(states[state_type], input={}, mock=mocked({}))
    assert raised.value.message == f"State type '{state_type}' is not supported when a mock is specified"


def test_context_replaces_the_context_object() -> None:
    task = {
        "Type": "Task",
        "Resource": "arn:aws:states:::sqs:sendMessage",
        "Parameters": {"name.$": "$$.Execution.Name", "whole.$": "$$"},
        "ResultPath": None,
        "OutputPath": "$",
        "End": True,
    }
    context = {"Execution": {"Name": "my-run"}, "State": {}}
    response = run(task, input={}, context=json.dumps(context), mock=mocked({}), inspection_level="DEBUG")
    # The given object is $$ as it is, nothing built around it: with {"Execution": {}, "State": {},
    # "StateMachine": {}} AWS's $$ is exactly that (test_state_context_object.snapshot.json,
    # test_state_context_object_edge_cases[EMPTY_OBJECTS]).
    assert data(response)["afterParameters"] == {"name": "my-run", "whole": context}


# --- Map and Parallel ---------------------------------------------------------------------------

MAP = {
    "Type": "Map",
    "ItemsPath": "$.Values",
    "MaxConcurrency": 2,
    "ToleratedFailureCount": 1,
    "ItemProcessor": {"StartAt": "Each", "States": {"Each": {"Type": "Pass", "End": True}}},
    "ResultPath": "$.results",
    "Catch": [{"ErrorEquals": ["States.ExceedToleratedFailureThreshold"], "Next": "TooMany"}],
    "End": True,
}
PARALLEL = {
    "Type": "Parallel",
    "Branches": [
        {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}},
        {"StartAt": "B", "States": {"B": {"Type": "Pass", "End": True}}},
    ],
    "ResultSelector": {"first.$": "$[0]"},
    "Next": "Join",
}


def test_map_and_parallel_need_a_mock() -> None:
    for state in (MAP, PARALLEL):
        with pytest.raises(ts.Refused) as raised:
            run(state, input={"Values": [1]})
        assert raised.value.code == "InvalidDefinition"
        assert raised.value.message.startswith("TestState API does not support Map or Parallel states.")


def test_mocked_map_result_goes_through_result_path() -> None:
    response = run(MAP, input={"Values": [1, 2, 3]}, mock=mocked([1, 4, 9]), inspection_level="DEBUG")
    assert response["status"] == "SUCCEEDED"
    assert json.loads(response["output"]) == {"Values": [1, 2, 3], "results": [1, 4, 9]}
    shaped = data(response)
    assert shaped["afterItemsPath"] == [1, 2, 3]
    assert (shaped["maxConcurrency"], shaped["toleratedFailureCount"]) == (2, 1)
    # A mocked Map shows no "result" stage, only what ResultSelector/ResultPath made of it
    # (test_state_context_object.snapshot.json, test_state_map_context_object[EXECUTION_INPUT_VALUES]).
    assert "result" not in shaped and shaped["afterResultSelector"] == [1, 4, 9]
    assert shaped["afterResultPath"] == {"Values": [1, 2, 3], "results": [1, 4, 9]}


def test_map_iteration_failures_above_tolerance_are_caught() -> None:
    response = run(
        MAP,
        input={"Values": [1, 2, 3]},
        mock=mocked([1, 4, 9]),
        state_configuration={"mapIterationFailureCount": 2},
    )
    assert response["status"] == "CAUGHT_ERROR" and response["nextState"] == "TooMany"
    assert response["error"] == "States.ExceedToleratedFailureThreshold"
    within = run(
        MAP, input={"Values": [1]}, mock=mocked([1]), state_configuration={"mapIterationFailureCount": 1}
    )
    assert within["status"] == "SUCCEEDED"


def test_mocked_map_result_must_be_an_array() -> None:
    with pytest.raises(ts.Refused) as raised:
        run(MAP, input={"Values": []}, mock=mocked({"not": "array"}))
    assert raised.value.message == "Mocked result must be an array."


def test_mocked_parallel_result_and_error() -> None:
    response = run(PARALLEL, input={"x": 1}, mock=mocked([{"a": 1}, {"b": 2}]), inspection_level="DEBUG")
    assert response["status"] == "SUCCEEDED" and response["nextState"] == "Join"
    assert json.loads(response["output"]) == {"first": {"a": 1}}
    assert data(response)["afterResultSelector"] == {"first": {"a": 1}}
    failed = run(PARALLEL, input={}, mock=failing("States.BranchFailed", "b"))
    assert failed["status"] == "FAILED" and failed["error"] == "States.BranchFailed"
    with pytest.raises(ts.Refused) as raised:
        run(PARALLEL, input={}, mock=mocked([1]))
    assert "same number of items as number of Parallel branches" in raised.value.message


# --- JSONata and variables -------------------------------------------------------------------------


def test_jsonata_task_with_variables() -> None:
    # "Passing data between states with variables" (workflow-variables): Assign reads the
    # result, Output shapes the state output, and both see the variables the state started with.
    state = {
        "Type": "Task",
        "QueryLanguage": "JSONata",
        "Resource": "arn:aws:states:::lambda:invoke",
        "Arguments": {
            "FunctionName": "price",
            "Payload": {"sku": "{% $states.input.sku %}", "qty": "{% $qty %}"},
        },
        "Assign": {"total": "{% $states.result.Payload.price * $qty %}"},
        "Output": {"sku": "{% $states.input.sku %}", "qtyBefore": "{% $qty %}"},
        "Next": "Bill",
    }
    response = run(
        state,
        input={"sku": "A-1"},
        variables=json.dumps({"qty": 3}),
        mock=mocked({"Payload": {"price": 5}}),
        inspection_level="DEBUG",
    )
    assert response["status"] == "SUCCEEDED" and response["nextState"] == "Bill"
    assert json.loads(response["output"]) == {"sku": "A-1", "qtyBefore": 3}
    shaped = data(response)
    assert shaped["afterArguments"] == {"FunctionName": "price", "Payload": {"sku": "A-1", "qty": 3}}
    assert shaped["result"] == {"Payload": {"price": 5}}
    assert shaped["variables"] == {"qty": 3, "total": 15}
    assert "afterInputPath" not in shaped, "JSONPath stages are not populated for JSONata states"


def test_jsonata_choice_condition_with_variables() -> None:
    state = {
        "Type": "Choice",
        "QueryLanguage": "JSONata",
        "Choices": [{"Condition": "{% $limit < $states.input.amount %}", "Next": "Review"}],
        "Default": "Approve",
    }
    assert run(state, input={"amount": 50}, variables='{"limit": 10}')["nextState"] == "Review"
    assert run(state, input={"amount": 5}, variables='{"limit": 10}')["nextState"] == "Approve"


# --- whole machines and bad requests --------------------------------------------------------------


def test_state_name_picks_a_state_of_a_whole_machine() -> None:
    machine = {
        "StartAt": "First",
        "States": {
            "First": {"Type": "Pass", "Next": "Check"},
            "Check": dict(CHOICE, Default="First"),
            "Public": {"Type": "Succeed"},
            "ValueIsZero": {"Type": "Succeed"},
            "ValueInTwenties": {"Type": "Succeed"},
        },
    }
    response = run(json.dumps(machine), state_name="Check", input={"type": "Private", "value": 0})
    assert response["nextState"] == "ValueIsZero"
    with pytest.raises(ts.Refused) as raised:
        run(machine, state_name="Nope", input={})
    # AWS's words: LocalStack's AWS snapshot test_test_state_machine_scenarios.snapshot.json.
    assert raised.value.code == "ValidationException"
    assert raised.value.message == "State not found in definition"


def test_invalid_definitions_carry_the_validator_message() -> None:
    with pytest.raises(ts.Refused) as raised:
        run({"Type": "Pass", "Bogus": 1, "End": True})
    assert raised.value.code == "InvalidDefinition"
    assert raised.value.message.startswith("Invalid State Machine Definition: 'SCHEMA_VALIDATION_FAILED")
    assert "Bogus" in raised.value.message
    with pytest.raises(ts.Refused) as raised:
        run("{not json")
    assert raised.value.code == "InvalidDefinition"
    broken_machine = {"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "Gone"}}}
    with pytest.raises(ts.Refused) as raised:
        run(broken_machine, state_name="A")
    assert "MISSING_TRANSITION_TARGET" in raised.value.message


def test_bad_input_is_invalid_execution_input() -> None:
    with pytest.raises(ts.Refused) as raised:
        run({"Type": "Pass", "End": True}, input="{oops")
    assert raised.value.code == "InvalidExecutionInput"
    assert raised.value.message.startswith("Invalid State Machine Execution Input:")


def test_task_without_mock_or_perform_is_refused() -> None:
    with pytest.raises(ts.Refused) as raised:
        run(HELLO_TASK, input={})
    assert "needs a mock" in raised.value.message
