"""ASL definition validation: Wait, Fail and Task fields, Retry and Catch.

Expected texts are AWS's own, from the reports named in ``support``.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.engine.states.definition.support import (
    LAMBDA,
    PASS_END,
    errors,
    found,
    machine,
)

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
