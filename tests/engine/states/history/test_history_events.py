"""History events match botocore's Step Functions service model (the ``HistoryEvent`` shape)."""

from __future__ import annotations

import json
from typing import Any

import botocore.session
import pytest

from engine.states.history import describe_resource, error_details
from engine.states.model import HistoryEvent
from tests.engine.states.interpreter_harness import Harness, lambda_arn

_MODEL = botocore.session.get_session().get_service_model("stepfunctions")
_HISTORY_EVENT = _MODEL.shape_for("HistoryEvent")
_EVENT_TYPES = set(_MODEL.shape_for("HistoryEventType").enum)


def _check_value(shape: Any, value: Any, where: str) -> None:
    kind = shape.type_name
    if kind == "structure":
        assert isinstance(value, dict), where
        unknown = set(value) - set(shape.members)
        assert not unknown, f"{where}: members {unknown} are not in {shape.name}"
        missing = set(shape.required_members) - set(value)
        assert not missing, f"{where}: required {missing} missing from {shape.name}"
        for name, member_value in value.items():
            _check_value(shape.members[name], member_value, f"{where}.{name}")
    elif kind == "string":
        assert isinstance(value, str), where
    elif kind in ("integer", "long"):
        assert isinstance(value, int) and not isinstance(value, bool), where
    elif kind == "boolean":
        assert isinstance(value, bool), where
    elif kind == "timestamp":
        assert value.tzinfo is not None, where


def assert_aws_shaped(events: list[HistoryEvent]) -> None:
    for position, event in enumerate(events, start=1):
        assert event.id == position
        assert 0 <= event.previous_event_id < event.id
        assert event.type in _EVENT_TYPES, event.type
        _check_value(_HISTORY_EVENT, event.to_aws(), f"event {event.id} {event.type}")
        details = event.details or {}
        for text_member in ("input", "output", "parameters"):
            if text_member in details:
                json.loads(details[text_member])  # inputs and outputs are JSON strings


def _every_kind_of_event() -> list[Harness]:
    branch = {
        "StartAt": "B",
        "States": {
            "B": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Parameters": {"FunctionName": "f", "Payload.$": "$"},
                "End": True,
            }
        },
    }
    definition = {
        "StartAt": "Start",
        "TimeoutSeconds": 999,
        "States": {
            "Start": {"Type": "Pass", "Next": "Work"},
            "Work": {
                "Type": "Task",
                "Resource": lambda_arn("work"),
                "TimeoutSeconds": 10,
                "Retry": [{"ErrorEquals": ["States.Timeout"], "MaxAttempts": 1}],
                "Next": "Pick",
            },
            "Pick": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.n", "NumericEquals": 1, "Next": "Pause"}],
                "Default": "Pause",
            },
            "Pause": {"Type": "Wait", "Seconds": 1, "Next": "Fan"},
            "Fan": {"Type": "Parallel", "Branches": [branch], "Next": "Each"},
            "Each": {
                "Type": "Map",
                "ItemProcessor": {"StartAt": "I", "States": {"I": {"Type": "Pass", "End": True}}},
                "Next": "Activity",
            },
            "Activity": {
                "Type": "Task",
                "Resource": "arn:aws:states:us-east-1:123456789012:activity:a",
                "Next": "Done",
            },
            "Done": {"Type": "Succeed"},
        },
    }
    ok = Harness(definition)
    ok.start({"n": 1})
    ok.fire_next_timer()  # Work times out once, is retried
    ok.fire_next_timer()  # the retry back-off
    ok.succeed("Work", {"n": 1})
    ok.fire_next_timer()  # the Wait
    ok.succeed("B", [1, 2])
    ok.succeed("Activity", {"done": True})
    assert ok.status == "SUCCEEDED"

    failing = Harness(
        {
            "StartAt": "T",
            "States": {"T": {"Type": "Task", "Resource": "arn:aws:states:::dynamodb:getItem", "End": True}},
        }
    )
    failing.start({})
    failing.fail("T", "DynamoDB.ResourceNotFoundException", "no table")

    stopped = Harness({"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 5, "End": True}}})
    stopped.start({})
    stopped.stop()

    fail_state = Harness({"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "E", "Cause": "C"}}})
    fail_state.start({})
    return [ok, failing, stopped, fail_state]


def test_every_event_matches_the_service_model() -> None:
    runs = _every_kind_of_event()
    seen: set[str] = set()
    for run in runs:
        assert_aws_shaped(run.history)
        seen.update(run.types())
    expected = {
        "ExecutionStarted", "PassStateEntered", "PassStateExited", "TaskStateEntered", "TaskStateExited",
        "LambdaFunctionScheduled", "LambdaFunctionStarted",
        "LambdaFunctionTimedOut", "LambdaFunctionSucceeded",
        "ChoiceStateEntered", "ChoiceStateExited", "WaitStateEntered", "WaitStateExited",
        "ParallelStateEntered", "ParallelStateStarted", "ParallelStateSucceeded", "ParallelStateExited",
        "TaskScheduled", "TaskStarted", "TaskSucceeded", "TaskFailed",
        "MapStateEntered", "MapStateStarted", "MapIterationStarted",
        "MapIterationSucceeded", "MapStateSucceeded", "MapStateExited",
        "ActivityScheduled", "ActivityStarted", "ActivitySucceeded",
        "SucceedStateEntered", "SucceedStateExited",
        "ExecutionSucceeded", "ExecutionFailed", "ExecutionAborted", "FailStateEntered",
    }  # fmt: skip
    assert expected <= seen, expected - seen


def test_execution_started_details() -> None:
    run = Harness({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}})
    run.start({"k": "v"})
    started = run.history[0].to_aws()
    assert started["executionStartedEventDetails"] == {
        "input": '{"k":"v"}',
        "inputDetails": {"truncated": False},
        "roleArn": "arn:aws:iam::123456789012:role/StepFunctionsRole",
    }
    assert started["previousEventId"] == 0
    assert started["timestamp"] == run.context.start_time


def test_lambda_function_events_follow_aws_links() -> None:
    # Links as in AWS-recorded histories: Scheduled <- Entered, Started <- Scheduled, ...
    run = Harness(
        {"StartAt": "T", "States": {"T": {"Type": "Task", "Resource": lambda_arn("f"), "End": True}}}
    )
    run.start({})
    run.succeed("T", "r")
    shaped = [(e.id, e.previous_event_id, e.type) for e in run.history]
    assert shaped == [
        (1, 0, "ExecutionStarted"),
        (2, 0, "TaskStateEntered"),
        (3, 2, "LambdaFunctionScheduled"),
        (4, 3, "LambdaFunctionStarted"),
        (5, 4, "LambdaFunctionSucceeded"),
        (6, 5, "TaskStateExited"),
        (7, 6, "ExecutionSucceeded"),
    ]


@pytest.mark.parametrize(
    ("arn", "kind", "resource_type", "resource", "waits"),
    [
        ("arn:aws:lambda:us-east-1:123456789012:function:f", "lambda-function", "lambda", "function", False),
        ("arn:aws:states:::lambda:invoke", "service", "lambda", "invoke", False),
        (
            "arn:aws:states:::lambda:invoke.waitForTaskToken",
            "service",
            "lambda",
            "invoke.waitForTaskToken",
            True,
        ),
        (
            "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
            "service",
            "sqs",
            "sendMessage.waitForTaskToken",
            True,
        ),
        ("arn:aws:states:::aws-sdk:dynamodb:getItem", "service", "aws-sdk:dynamodb", "getItem", False),
        (
            "arn:aws:states:::states:startExecution.sync:2",
            "service",
            "states",
            "startExecution.sync:2",
            False,
        ),
        ("arn:aws:states:us-east-1:123456789012:activity:approve", "activity", "activity", "approve", False),
    ],
)
def test_describe_resource(arn: str, kind: str, resource_type: str, resource: str, waits: bool) -> None:
    info = describe_resource(arn)
    assert (info.kind, info.resource_type, info.resource_name, info.wait_for_token) == (
        kind,
        resource_type,
        resource,
        waits,
    )
    assert info.is_lambda_invoke == (arn == "arn:aws:states:::lambda:invoke")


def test_error_details_leave_out_empty_members() -> None:
    assert error_details("E", "") == {"error": "E"}
    assert error_details("", "") == {}
