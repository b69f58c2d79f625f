"""Task states: scheduling, results, Retry/Catch, timeouts, heartbeats, tokens and stops."""

from __future__ import annotations

import json
from typing import Any

import pytest

from engine.states.interpreter import advance
from engine.states.model import Environment, ExecutionStartRequested, TaskStarted, TaskSucceeded, TimerFired
from tests.engine.states.interpreter_harness import Harness, lambda_arn


def one_task(task: dict[str, Any], **extra_states: Any) -> dict[str, Any]:
    return {"StartAt": "T", "States": {"T": {"Type": "Task", "End": True, **task}, **extra_states}}


def retry_delays(run: Harness, state_name: str, failures: int, error: str = "Boom") -> list[float]:
    delays = []
    for _ in range(failures):
        failed_at = run.now
        run.fail(state_name, error)
        if run.status != "RUNNING" or not run.timers:
            break
        timer, _ = run.fire_next_timer()
        delays.append((timer.fire_at - failed_at).total_seconds())
    return delays


def test_retry_defaults_are_1s_backoff_2_and_3_attempts() -> None:
    run = Harness(one_task({"Resource": lambda_arn("f"), "Retry": [{"ErrorEquals": ["States.ALL"]}]}))
    run.start({})
    assert retry_delays(run, "T", 4) == [1, 2, 4]
    assert run.finished[-1].error == "Boom"


def test_max_attempts_zero_never_retries() -> None:
    run = Harness(
        one_task({"Resource": lambda_arn("f"), "Retry": [{"ErrorEquals": ["Boom"], "MaxAttempts": 0}]})
    )
    run.start({})
    run.fail("T", "Boom")
    assert run.status == "FAILED"


def test_max_delay_caps_and_full_jitter_scales_the_back_off() -> None:
    retrier = {
        "ErrorEquals": ["Boom"],
        "IntervalSeconds": 10,
        "BackoffRate": 3,
        "MaxAttempts": 3,
        "MaxDelaySeconds": 50,
    }
    run = Harness(one_task({"Resource": lambda_arn("f"), "Retry": [retrier]}))
    run.start({})
    assert retry_delays(run, "T", 3) == [10, 30, 50]
    jittered = Harness(
        one_task({"Resource": lambda_arn("f"), "Retry": [{**retrier, "JitterStrategy": "FULL"}]}),
        random=lambda: 0.25,
    )
    jittered.start({})
    assert retry_delays(jittered, "T", 2) == [2.5, 7.5]


def test_retriers_keep_separate_counts_and_first_match_decides() -> None:
    retry = [
        {"ErrorEquals": ["A"], "MaxAttempts": 1, "IntervalSeconds": 1},
        {"ErrorEquals": ["B"], "MaxAttempts": 2, "IntervalSeconds": 5, "BackoffRate": 1},
    ]
    run = Harness(one_task({"Resource": lambda_arn("f"), "Retry": retry}))
    run.start({})
    assert retry_delays(run, "T", 1, "A") == [1]
    assert retry_delays(run, "T", 2, "B") == [5, 5]
    run.fail("T", "A")  # retrier A is exhausted: no third retrier, no catch
    assert run.finished[-1].error == "A"


def test_task_failed_does_not_match_timeout_but_timeout_retrier_does() -> None:
    task = {
        "Resource": lambda_arn("f"),
        "TimeoutSeconds": 30,
        "Retry": [{"ErrorEquals": ["States.TaskFailed"]}],
        "Catch": [{"ErrorEquals": ["States.Timeout"], "ResultPath": "$.error", "Next": "Late"}],
    }
    run = Harness(one_task(task, Late={"Type": "Pass", "End": True}))
    run.start({"id": 1})
    assert run.task("T").timeout_seconds == 30
    timer, _ = run.fire_next_timer()
    assert (timer.fire_at - run.context.start_time).total_seconds() == 30
    assert run.status == "SUCCEEDED"
    assert run.output() == {"id": 1, "error": {"Error": "States.Timeout", "Cause": ""}}
    assert "LambdaFunctionTimedOut" in run.types()
    assert run.cancelled_tasks  # the timed-out invocation is abandoned


def test_heartbeat_restarts_window_and_missing_heartbeat_is_heartbeat_timeout() -> None:
    task = {
        "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
        "HeartbeatSeconds": 60,
        "Parameters": {"QueueUrl": "q", "MessageBody": {"token.$": "$$.Task.Token"}},
        "Catch": [{"ErrorEquals": ["States.HeartbeatTimeout"], "Next": "NoBeat"}],
    }
    run = Harness(one_task(task, NoBeat={"Type": "Succeed"}))
    run.start({})
    first_timer = next(iter(run.timers.values()))
    run.advance_clock(45)
    run.heartbeat("T")
    (second_timer,) = run.timers.values()
    assert second_timer.timer_id != first_timer.timer_id
    assert (second_timer.fire_at - first_timer.fire_at).total_seconds() == 45
    # The old timer firing late is stale and changes nothing.
    before = len(run.history)
    run.send(TimerFired(first_timer.timer_id))
    assert len(run.history) == before
    run.fire_next_timer()
    assert run.status == "SUCCEEDED"
    # The Catch that names States.HeartbeatTimeout fired, yet the event says States.Timeout, as
    # AWS's does (LocalStack's AWS-recorded timeouts/test_heartbeats.snapshot.json).
    timed_out = run.events("TaskTimedOut")[0]
    assert timed_out.details == {
        "resourceType": "sqs",
        "resource": "sendMessage.waitForTaskToken",
        "error": "States.Timeout",
    }


def test_wait_for_task_token_exposes_the_token_and_schedules_with_json_parameters() -> None:
    # The course's "Human-in-the-Loop Pattern" RequestApproval state.
    task = {
        "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
        "Parameters": {
            "QueueUrl": "https://sqs.example/approvals",
            "MessageBody": {"orderId.$": "$.orderId", "amount.$": "$.amount", "taskToken.$": "$$.Task.Token"},
        },
    }
    run = Harness(one_task(task))
    run.start({"orderId": "o-9", "amount": 12000})
    invoke = run.task("T")
    assert invoke.wait_for_token is True
    assert invoke.task_token == "token-1"
    assert invoke.payload["MessageBody"] == {"orderId": "o-9", "amount": 12000, "taskToken": "token-1"}
    scheduled = run.events("TaskScheduled")[0]
    assert scheduled.details is not None
    assert scheduled.details["resourceType"] == "sqs"
    assert scheduled.details["resource"] == "sendMessage.waitForTaskToken"
    assert scheduled.details["region"] == "us-east-1"
    assert json.loads(scheduled.details["parameters"]) == invoke.payload
    run.succeed("T", {"approved": True})
    assert run.output() == {"approved": True}
    assert run.types()[-3:] == ["TaskSucceeded", "TaskStateExited", "ExecutionSucceeded"]


def test_lambda_invoke_integration_wraps_the_function_result() -> None:
    task = {
        "Resource": "arn:aws:states:::lambda:invoke",
        "Parameters": {"FunctionName": lambda_arn("f"), "Payload.$": "$"},
        "ResultSelector": {"body.$": "$.Payload", "code.$": "$.StatusCode"},
    }
    run = Harness(one_task(task))
    run.start({"q": 1})
    assert run.task("T").payload == {"FunctionName": lambda_arn("f"), "Payload": {"q": 1}}
    run.succeed("T", {"answer": 42})
    assert run.output() == {"body": {"answer": 42}, "code": 200}
    succeeded = run.events("TaskSucceeded")[0]
    assert succeeded.details is not None
    assert json.loads(succeeded.details["output"])["ExecutedVersion"] == "$LATEST"


def test_activity_uses_activity_events() -> None:
    run = Harness(
        one_task(
            {"Resource": "arn:aws:states:us-east-1:123456789012:activity:approve", "TimeoutSeconds": 300}
        )
    )
    run.start({"x": 1})
    scheduled = run.events("ActivityScheduled")[0]
    assert scheduled.details is not None and scheduled.details["timeoutInSeconds"] == 300
    run.succeed("T", {"ok": True})
    assert run.types()[-4:] == [
        "ActivityStarted",
        "ActivitySucceeded",
        "TaskStateExited",
        "ExecutionSucceeded",
    ]


def test_an_activity_task_started_by_a_worker_names_it_once() -> None:
    """GetActivityTask: ActivityStarted with workerName when the worker takes the task, not again
    when it answers; the task carries a token for the worker even without .waitForTaskToken."""
    run = Harness(one_task({"Resource": "arn:aws:states:us-east-1:123456789012:activity:approve"}))
    run.start({"x": 1})
    task = run.task("T")
    assert task.task_token and not task.wait_for_token
    run.send(TaskStarted(task_id=task.task_id, worker_name="w1"))
    assert run.events("ActivityStarted")[0].details == {"workerName": "w1"}
    run.send(TaskStarted(task_id=task.task_id, worker_name="w2"))  # stale: nothing happens
    run.fail("T", "Boom", "why")
    assert run.types()[2:] == ["ActivityScheduled", "ActivityStarted", "ActivityFailed", "ExecutionFailed"]


def test_an_activity_heartbeat_window_opens_when_a_worker_takes_the_task() -> None:
    arn = "arn:aws:states:us-east-1:123456789012:activity:approve"
    run = Harness(one_task({"Resource": arn, "HeartbeatSeconds": 5, "TimeoutSeconds": 100}))
    run.start({})
    assert len(run.timers) == 1  # TimeoutSeconds only: nobody has taken the task
    run.advance_clock(50)
    taken_at = run.now
    run.send(TaskStarted(task_id=run.task("T").task_id, worker_name="w"))
    assert len(run.timers) == 2
    timer, _ = run.fire_next_timer()
    assert (timer.fire_at - taken_at).total_seconds() == 5  # five seconds after the worker took it
    assert run.types()[-2:] == ["ActivityTimedOut", "ExecutionFailed"]


def test_a_missing_activity_is_a_runtime_error_before_anything_is_scheduled() -> None:
    arn = "arn:aws:states:us-east-1:123456789012:activity:gone"
    definition = one_task({"Resource": arn, "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "C"}]})
    definition["States"]["C"] = {"Type": "Pass", "End": True}
    decision = advance(
        definition,
        None,
        ExecutionStartRequested(input={}, context=Harness(definition).context),
        Environment(now=Harness(definition).now, new_token=lambda: "t", activity_exists=lambda _: False),
    )
    types = [event.type for event in decision.history]
    assert types == ["ExecutionStarted", "TaskStateEntered", "ExecutionFailed"]  # not caught
    assert decision.status == "FAILED"
    assert decision.history[-1].details == {
        "error": "States.Runtime",
        "cause": "An error occurred while executing the state 'T' (entered at the event id #2). "
        f"The activity {arn} does not exist.",
    }


def test_stop_aborts_and_cancels_pending_work() -> None:
    definition = {
        "StartAt": "P",
        "TimeoutSeconds": 3600,
        "States": {
            "P": {
                "Type": "Parallel",
                "Branches": [
                    {
                        "StartAt": "A",
                        "States": {"A": {"Type": "Task", "Resource": lambda_arn("a"), "End": True}},
                    },
                    {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 60, "End": True}}},
                ],
                "End": True,
            }
        },
    }
    run = Harness(definition)
    run.start({})
    pending = run.task("A").task_id
    timers = set(run.timers)
    decision = run.stop("Operator", "changed my mind")
    assert decision.status == "ABORTED"
    assert run.last().type == "ExecutionAborted"
    assert run.last().details == {"error": "Operator", "cause": "changed my mind"}
    assert pending in run.cancelled_tasks
    assert not run.timers and len(timers) == 2
    # Anything after the end is stale.
    late = run.send(TaskSucceeded(pending, {}))
    assert (late.commands, late.history, late.status) == ([], [], "ABORTED")


def test_execution_timeout_times_out_and_cancels_the_task() -> None:
    run = Harness(
        {
            "StartAt": "T",
            "TimeoutSeconds": 90,
            "States": {"T": {"Type": "Task", "Resource": lambda_arn("slow"), "End": True}},
        }
    )
    run.start({})
    task_id = run.task("T").task_id
    timer, decision = run.fire_next_timer()
    assert (timer.fire_at - run.context.start_time).total_seconds() == 90
    assert decision.status == "TIMED_OUT"
    assert run.last().type == "ExecutionTimedOut"
    assert task_id in run.cancelled_tasks
    assert run.finished[-1].status == "TIMED_OUT"


def test_unknown_task_id_is_ignored_and_state_is_returned_as_is() -> None:
    run = Harness(one_task({"Resource": lambda_arn("f")}))
    run.start({})
    assert run.state is not None
    decision = advance(run.definition, run.state, TaskSucceeded("no-such-task", 1), run.env)
    assert decision.state is run.state
    assert (decision.commands, decision.history, decision.status) == ([], [], "RUNNING")


@pytest.mark.parametrize("path_field", ["TimeoutSecondsPath", "HeartbeatSecondsPath"])
def test_timeout_paths_read_the_input(path_field: str) -> None:
    run = Harness(one_task({"Resource": lambda_arn("f"), path_field: "$.limit"}))
    run.start({"limit": 12})
    invoke = run.task("T")
    assert (invoke.timeout_seconds if path_field.startswith("Timeout") else invoke.heartbeat_seconds) == 12
