"""TestState's mock.fieldValidationMode: a mocked Task result checked against the service's model.

The cases and AWS's messages are LocalStack's AWS-validated snapshots of TestState (repository
localstack/localstack, tests/aws/services/stepfunctions/v2/test_state/):
test_field_validation_mode.snapshot.json (STRICT, the default), *_present.snapshot.json,
*_none.snapshot.json and test_test_state_mock_scenarios.snapshot.json, with their state
templates (tests/aws/services/stepfunctions/templates/test_state/statemachines/).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from engine.states import mock_validation as mv
from engine.states import teststate as ts
from engine.states.mock_shapes import SHAPES, Shape
from engine.states.model import Environment

ENV = Environment(now=datetime(2025, 12, 3, 1, 10, tzinfo=UTC), new_token=lambda: "token-1")
PREFIX = "Mock result schema validation error: "

# base_events_put_events.json5, base_lambda_service_task_state.json5,
# base_dynamodb_service_task_state.json5 and base_sfn_start_execution.json5.
PUT_EVENTS = {
    "Type": "Task",
    "Resource": "arn:aws:states:::events:putEvents",
    "Parameters": {"Entries.$": "$.Entries"},
    "End": True,
}
PUT_EVENTS_INPUT = {"Entries": [{"Detail": "detail", "DetailType": "detail_type", "Source": "source"}]}
LAMBDA_INVOKE = {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": True}
PUT_ITEM = {
    "Type": "Task",
    "Resource": "arn:aws:states:::dynamodb:putItem",
    "Parameters": {"TableName.$": "$.TableName", "Item.$": "$.Item"},
    "End": True,
}
PUT_ITEM_INPUT = {"TableName": "table_name", "Item": {"data": {"S": "HelloWorld"}, "id": {"S": "id1"}}}
START_EXECUTION = {
    "Type": "Task",
    "QueryLanguage": "JSONata",
    "Resource": "arn:aws:states:::states:startExecution",
    "Arguments": {
        "Input": "{% $states.input.targetInput %}",
        "StateMachineArn": "{% $states.input.stateMachineArn %}",
        "Name": "{% $states.input.name %}",
    },
    "Output": {"targetExecutionResult": "{% $states.result %}"},
    "End": True,
}
START_INPUT = {
    "stateMachineArn": "arn:aws:states:us-east-1:111111111111:stateMachine:TargetStateMachine",
    "targetInput": None,
    "name": "TestStartTarget",
}


def run(state: dict[str, Any], given: Any, result: Any, mode: str | None = None) -> dict[str, Any]:
    mock: dict[str, Any] = {"result": json.dumps(result)}
    if mode is not None:
        mock["fieldValidationMode"] = mode
    return ts.run(state, input=json.dumps(given), mock=mock, env=ENV)


def refusal(state: dict[str, Any], given: Any, result: Any, mode: str | None = None) -> str:
    with pytest.raises(ts.Refused) as raised:
        run(state, given, result, mode)
    assert raised.value.code == "ValidationException"
    return raised.value.message


# --- STRICT, the default ------------------------------------------------------------------------


@pytest.mark.parametrize("result", [{"random": "json"}, {}], ids=["field_not_part_of_api_spec", "empty_json"])
def test_fields_outside_the_model_pass(result: dict[str, Any]) -> None:
    # test_strict_mode_mock_result_field_not_in_api_spec: SUCCEEDED, the mock is the output.
    response = run(PUT_EVENTS, PUT_EVENTS_INPUT, result)
    assert response["status"] == "SUCCEEDED" and json.loads(response["output"]) == result


@pytest.mark.parametrize(
    ("result", "message"),
    [
        ({"Entries": "Entries value should have been a list"}, "Field 'Entries' must be an array"),
        ({"Entries": [{"EventId": ["should have been a string"]}]}, "Field 'EventId' must be a string"),
        ({"Entries": [{"EventId": "right"}, {"EventId": ["wrong"]}]}, "Field 'EventId' must be a string"),
    ],
    ids=["wrong_type_top_level_field", "wrong_type_nested_field", "wrong_type_2nd_array_element"],
)
@pytest.mark.parametrize("mode", [None, "STRICT", "PRESENT"])
def test_put_events_types_are_checked(result: dict[str, Any], message: str, mode: str | None) -> None:
    # test_strict_mode_eventbridge_task and test_present_mode_eventbridge_task.
    assert refusal(PUT_EVENTS, PUT_EVENTS_INPUT, result, mode) == PREFIX + message


@pytest.mark.parametrize(
    ("result", "message"),
    [
        ({}, "Required field 'ExecutionArn' is missing"),
        ({"executionArn": "arn", "startDate": "date"}, "Required field 'ExecutionArn' is missing"),
        ({"ExecutionArn": "arn", "StartDate": True}, "Field 'StartDate' must be a string"),
        ({"ExecutionArn": "arn", "StartDate": 1764103483}, "Field 'StartDate' must be a string"),
    ],
    ids=[
        "missing_required_fields",
        "field_name_not_in_sfn_case",
        "wrong_timestamp_type_bool",
        "wrong_timestamp_type_number",
    ],
)
def test_strict_start_execution(result: dict[str, Any], message: str) -> None:
    # test_strict_mode_sfn_task: member names are Step Functions' (first letter upper-case).
    assert refusal(START_EXECUTION, START_INPUT, result) == PREFIX + message


def test_lambda_and_dynamodb_numbers() -> None:
    # test_strict_mode_lambda_task and test_strict_mode_dynamodb_task.
    lambda_input = {"FunctionName": "function_name", "Payload": None}
    message = refusal(LAMBDA_INVOKE, lambda_input, {"StatusCode": "200"})
    assert message == PREFIX + "Field 'StatusCode' must be a number"
    message = refusal(PUT_ITEM, PUT_ITEM_INPUT, {"ConsumedCapacity": {"CapacityUnits": "123.45"}})
    assert message == PREFIX + "Field 'CapacityUnits' must be a number"


def test_mocks_that_fit_the_models() -> None:
    # test_test_state_mock_scenarios.snapshot.json: every one SUCCEEDED with the mock as output.
    cases: list[tuple[dict[str, Any], Any, dict[str, Any]]] = [
        (LAMBDA_INVOKE, {}, {"Payload": "function output", "SdkHttpMetadata": {"HttpStatusCode": 200}}),
        (PUT_ITEM, PUT_ITEM_INPUT, {"SdkHttpMetadata": {"HttpStatusCode": 200}}),
        (PUT_EVENTS, PUT_EVENTS_INPUT, {"Entries": [{"EventId": "0b5bd5b9-4a9b-4f6a-9a1c-0b5bd5b94a9b"}]}),
        (
            {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage", "End": True},
            {},
            {"MD5OfMessageBody": "d41d8cd98f00b204e9800998ecf8427e", "MessageId": "m-1"},
        ),
    ]
    for state, given, result in cases:
        response = run(state, given, result)
        assert response["status"] == "SUCCEEDED" and json.loads(response["output"]) == result
    started = {"ExecutionArn": "arn:aws:states:us-east-1:1:execution:T:x", "StartDate": "2025-12-03T00:34:15"}
    response = run(START_EXECUTION, START_INPUT, started)
    assert json.loads(response["output"]) == {"targetExecutionResult": started}


def test_lambda_invoke_payload_may_be_any_json() -> None:
    # The TestState page's own lambda:invoke mock ("Basic mocking syntax", STRICT by default):
    # {"Payload": {"statusCode": 200, "body": "Success"}}.
    result = {"Payload": {"statusCode": 200, "body": "Success"}}
    assert json.loads(run(LAMBDA_INVOKE, {"key": "value"}, result)["output"]) == result


def test_enum_and_length_constraints() -> None:
    # AWS's words for an unknown enum value and a too-short string, from its S3 StorageClass and
    # KMS CiphertextBlob answers, on the models this workbench carries.
    sync = dict(START_EXECUTION, Resource="arn:aws:states:::states:startExecution.sync:2")
    described = {"ExecutionArn": "a", "StateMachineArn": "s", "Status": "Papyrus", "StartDate": "d"}
    assert refusal(sync, START_INPUT, described) == PREFIX + "Field 'Status' is not an expected value"
    short = refusal(LAMBDA_INVOKE, {}, {"ExecutedVersion": ""})
    assert short == PREFIX + "Field 'ExecutedVersion' is smaller than the minimum length"


def test_sync_mocks_answer_with_the_polled_describe_execution() -> None:
    # "For testing .sync integrations ... when testing startExecution.sync:2, your mock must match
    # the DescribeExecution response schema" (test-state-isolation page).
    sync = dict(START_EXECUTION, Resource="arn:aws:states:::states:startExecution.sync:2")
    started_only = {"ExecutionArn": "arn", "StartDate": "2025-12-03T00:34:15"}
    assert refusal(sync, START_INPUT, started_only) == PREFIX + "Required field 'StateMachineArn' is missing"


# --- PRESENT and NONE ------------------------------------------------------------------------------


def test_present_checks_only_the_fields_given() -> None:
    # test_present_mode_sfn_task_validation_pass / _fail.
    assert run(START_EXECUTION, START_INPUT, {}, "PRESENT")["status"] == "SUCCEEDED"
    lower = {"executionArn": "stringValueExecutionArn", "startDate": "stringValueStartDate"}
    output = json.loads(run(START_EXECUTION, START_INPUT, lower, "PRESENT")["output"])
    assert output == {"targetExecutionResult": lower}, "unknown keys pass and are not renamed"
    message = refusal(START_EXECUTION, START_INPUT, {"StartDate": True}, "PRESENT")
    assert message == PREFIX + "Field 'StartDate' must be a string"
    message = refusal(START_EXECUTION, START_INPUT, {"ExecutionArn": 1764103483}, "PRESENT")
    assert message == PREFIX + "Field 'ExecutionArn' must be a string"


def test_none_checks_nothing_but_the_json() -> None:
    # test_none_mode_sfn_task; test_base_lambda_service_task_mock_is_not_json_string.
    for result in ({}, {"ExecutionArn": "stringValueExecutionArn", "StartDate": True}):
        assert run(START_EXECUTION, START_INPUT, result, "NONE")["status"] == "SUCCEEDED"
    with pytest.raises(ts.Refused) as raised:
        ts.run(LAMBDA_INVOKE, mock={"result": "not JSON string", "fieldValidationMode": "NONE"}, env=ENV)
    assert raised.value.message == "Mocked result must be valid JSON"


# --- which resources have a model -------------------------------------------------------------------


@pytest.mark.parametrize(
    "resource",
    [
        "arn:aws:lambda:us-east-1:123456789012:function:quote",
        "arn:aws:states:::lambda:invoke.waitForTaskToken",
        "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
        "arn:aws:states:us-east-1:123456789012:activity:review",
        "arn:aws:states:::http:invoke",
    ],
)
def test_free_form_results_are_not_checked(resource: str) -> None:
    # A function's own result, a callback's or an activity's output is no API response; the page
    # says HTTP Task mocks are not validated.
    state = {"Type": "Task", "Resource": resource, "End": True}
    assert json.loads(run(state, {}, "any value at all")["output"]) == "any value at all"


def test_a_resource_with_no_model_anywhere_is_refused_in_aws_words() -> None:
    # No caller's model and none of the engine's: refused with the sentence AWS's validator uses
    # for an unrecognized resource (our validator's INVALID_RESOURCE wording, test_definition.py).
    state = {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:nosuchservice:doThing", "End": True}
    for mode in (None, "STRICT", "PRESENT"):
        message = refusal(state, {}, {"Anything": 1}, mode)
        assert message.startswith(
            "The resource provided arn:aws:states:::aws-sdk:nosuchservice:doThing is not recognized. "
            "The value is not a valid resource ARN, or the resource is not available in this region."
        )
        assert "fieldValidationMode to NONE" in message
    assert run(state, {}, {"Anything": 1}, "NONE")["status"] == "SUCCEEDED"


def test_a_structure_needs_an_object() -> None:
    assert refusal(LAMBDA_INVOKE, {}, ["not", "an", "object"]) == "Mocked result must be a JSON object."


def test_mocked_errors_are_not_checked_against_the_model() -> None:
    response = ts.run(
        START_EXECUTION, mock={"errorOutput": {"error": "States.TaskFailed", "cause": "x"}}, env=ENV
    )
    assert response["status"] == "FAILED"


# --- the shapes themselves ---------------------------------------------------------------------------


def test_every_shape_reference_resolves() -> None:
    for name, shape in SHAPES.items():
        for target in [*shape.members.values(), *([shape.element] if shape.element else [])]:
            assert target in SHAPES, f"{name} refers to a missing shape {target}"
    for resource_shape in mv.OUTPUT_SHAPES.values():
        assert SHAPES[resource_shape].kind == "structure"


def test_recursive_dynamodb_attribute_values() -> None:
    item = {"Item": {"a": {"M": {"b": {"L": [{"N": "1"}, {"BOOL": "yes"}]}}}}}
    with pytest.raises(mv.MockValidationError) as raised:
        mv.validate_mock_result("arn:aws:states:::dynamodb:getItem", item, "STRICT")
    assert raised.value.message == PREFIX + "Field 'BOOL' must be a boolean"
    mv.validate_mock_result("arn:aws:states:::dynamodb:getItem", {"Item": {"a": {"NULL": True}}}, "STRICT")


# --- a model from the caller --------------------------------------------------------------------

# A small hand-made table in the engine's Shape form, shaped like an SDK output: a required string,
# a bounded integer, an enum, and a list of structures that refer back to the table by name.
JOBS: dict[str, Shape] = {
    "jobs.ListJobsOutput": Shape(
        "structure",
        members={"JobId": "jobs.Id", "Jobs": "jobs.JobList", "Count": "jobs.Count"},
        required=("JobId",),
    ),
    "jobs.Id": Shape("string", low=1, high=8),
    "jobs.Count": Shape("integer", low=0, high=10),
    "jobs.JobList": Shape("list", element="jobs.Job"),
    "jobs.Job": Shape("structure", members={"State": "jobs.State", "Tags": "jobs.Tags"}, required=("State",)),
    "jobs.State": Shape("string", enum=("RUNNING", "DONE")),
    "jobs.Tags": Shape("map", element="jobs.Id"),
}
JOBS_MODEL = (JOBS, "jobs.ListJobsOutput")
JOBS_ARN = "arn:aws:states:::aws-sdk:jobs:listJobs"
JOBS_STATE = {"Type": "Task", "Resource": JOBS_ARN, "End": True}


def test_a_callers_model_checks_what_the_engine_has_no_shape_for() -> None:
    fine = {"JobId": "j-1", "Count": 2, "Jobs": [{"State": "DONE", "Tags": {"team": "ops"}}], "Extra": [1]}
    mv.validate_mock_result(JOBS_ARN, fine, "STRICT", JOBS_MODEL)
    cases = [
        ({"JobId": "j-1", "Count": "2"}, "Field 'Count' must be a number"),
        ({"JobId": "j-1", "Count": 11}, "Field 'Count' exceeds the maximum value"),
        ({"JobId": ""}, "Field 'JobId' is smaller than the minimum length"),
        ({"JobId": "j-1", "Jobs": [{"State": "LOST"}]}, "Field 'State' is not an expected value"),
        ({"JobId": "j-1", "Jobs": [{"State": "DONE", "Tags": {"t": 5}}]}, "Field 'Tags' must be a string"),
        ({"JobId": "j-1", "Jobs": [{}]}, "Required field 'State' is missing"),
        ({"Count": 1}, "Required field 'JobId' is missing"),
    ]
    for result, message in cases:
        with pytest.raises(mv.MockValidationError) as raised:
            mv.validate_mock_result(JOBS_ARN, result, "STRICT", JOBS_MODEL)
        assert raised.value.message == PREFIX + message
    # PRESENT leaves out the required members, at every depth, and still checks types.
    mv.validate_mock_result(JOBS_ARN, {"Jobs": [{"Tags": {}}]}, "PRESENT", JOBS_MODEL)
    with pytest.raises(mv.MockValidationError):
        mv.validate_mock_result(JOBS_ARN, {"Count": -1}, "PRESENT", JOBS_MODEL)
    mv.validate_mock_result(JOBS_ARN, {"Count": "many"}, "NONE", JOBS_MODEL)


def test_the_engines_own_shapes_win_over_a_callers_model() -> None:
    # lambda:invoke's Payload is any JSON here, whatever a raw API model says (a blob).
    strict_blob = (
        {"r": Shape("structure", members={"Payload": "b"}, required=("Payload",)), "b": Shape("blob")},
        "r",
    )
    mv.validate_mock_result(
        "arn:aws:states:::lambda:invoke", {"Payload": {"statusCode": 200}}, "STRICT", strict_blob
    )


def test_needs_api_model_only_where_the_engine_has_none_and_the_mode_checks() -> None:
    assert mv.needs_api_model(JOBS_ARN, "STRICT") and mv.needs_api_model(JOBS_ARN, "PRESENT")
    assert mv.needs_api_model("arn:aws:states:::glue:startJobRun")
    assert not mv.needs_api_model(JOBS_ARN, "NONE")
    for resource in (
        "arn:aws:states:::lambda:invoke",
        "arn:aws:states:::states:startExecution.sync:2",
        "arn:aws:lambda:us-east-1:123456789012:function:quote",
        "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
        "arn:aws:states:us-east-1:123456789012:activity:review",
        "arn:aws:states:::http:invoke",
        "arn:aws:states:::eks:runJob",
    ):
        assert not mv.needs_api_model(resource, "STRICT"), resource


def test_test_state_asks_the_caller_only_when_a_model_is_needed() -> None:
    asked: list[str] = []

    def models(resource: str) -> mv.ApiModel | None:
        asked.append(resource)
        return JOBS_MODEL if resource == JOBS_ARN else None

    def call(state: dict[str, Any], result: Any, mode: str = "STRICT") -> dict[str, Any]:
        mock = {"result": json.dumps(result), "fieldValidationMode": mode}
        return ts.run(state, mock=mock, env=ENV, api_models=models)

    assert call(JOBS_STATE, {"JobId": "j-1"})["status"] == "SUCCEEDED"
    with pytest.raises(ts.Refused) as raised:
        call(JOBS_STATE, {"JobId": "j-1", "Count": "2"})
    assert (raised.value.code, raised.value.message) == (
        "ValidationException",
        PREFIX + "Field 'Count' must be a number",
    )
    call(JOBS_STATE, {"Count": "2"}, "NONE")
    call(LAMBDA_INVOKE, {"StatusCode": 200})
    assert asked == [JOBS_ARN, JOBS_ARN], "not asked for NONE nor for the engine's own shapes"
    unknown = {"Type": "Task", "Resource": "arn:aws:states:::aws-sdk:jobs:noSuchAction", "End": True}
    with pytest.raises(ts.Refused) as raised:
        call(unknown, {})
    assert "arn:aws:states:::aws-sdk:jobs:noSuchAction is not recognized" in raised.value.message
