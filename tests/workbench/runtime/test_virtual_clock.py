"""The workspace's virtual clock (issue 12 item 6, issue 13 item 2): every timer follows it
(Wait, Retry back-off, delivery retries), so do the dates the workbench records, and nothing
fires before the clock reaches it, whoever delivers the message (the ETA message, the recovery
sweep, an advance)."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.support.inprocess import Broker, machine
from tests.support.mocks import mock_functions

pytestmark = pytest.mark.django_db(transaction=True)

T0 = datetime(2030, 1, 1, 9, 0, tzinfo=UTC)
FN = "arn:aws:lambda:us-east-1:123456789012:function:flaky"
BACKOFF = {
    "StartAt": "Charge",
    "States": {
        "Charge": {
            "Type": "Task",
            "Resource": FN,
            "Retry": [
                {"ErrorEquals": ["States.ALL"], "IntervalSeconds": 2, "BackoffRate": 2, "MaxAttempts": 3}
            ],
            "End": True,
        }
    },
}


def _settle(broker: Broker) -> None:
    """Deliver every message, timers included (an early one must change nothing)."""
    for _ in range(200):
        if not broker.sent:
            return
        broker.deliver(broker.sent.pop(0))
    raise AssertionError(f"still sending: {broker.names()[:10]}")


def _workspace() -> Any:
    from workbench.accounts.services import default_workspace

    return default_workspace()


def _start(definition: dict[str, Any], name: str, input_text: str = "{}") -> Any:
    from workbench.runtime import executions

    started = executions.start_execution(machine(definition, name=name), input_text=input_text)
    assert started.execution is not None
    return started.execution


def _history(execution: Any) -> list[tuple[str, datetime]]:
    return list(execution.history.order_by("event_id").values_list("type", "timestamp"))


def test_the_course_back_off_runs_in_virtual_time_with_the_clock_advancing_to_each_timer(
    broker: Broker,
) -> None:
    """2 s, 4 s, 8 s of back-off, then success: under a second of wall time, and the retries'
    TaskScheduled events 2, 4 and 8 virtual seconds apart."""
    from workbench.runtime import clock_control

    mock_functions(
        {
            "warm": [{"output": "warm"}],
            "flaky": [{"error": "Boom", "cause": "down"}] * 3 + [{"output": {"paid": True}}],
        }
    )
    clock_control.freeze(_workspace(), T0)
    # The first call of a process imports and caches what it needs: not the clock's doing.
    _start(json.loads(json.dumps(BACKOFF).replace(":flaky", ":warm")), "warm-up")
    _settle(broker)
    began = time.monotonic()
    execution = _start(BACKOFF, "backoff")
    _settle(broker)
    jumps = []
    for _ in range(10):
        execution.refresh_from_db()
        if execution.status != "RUNNING":
            break
        [fired] = clock_control.advance_to_next(_workspace())
        assert fired["kind"] == "timer"
        jumps.append(fired["dueAt"])
        _settle(broker)
    assert time.monotonic() - began < 1.0
    assert execution.status == "SUCCEEDED" and json.loads(execution.output) == {"paid": True}
    assert jumps == ["2030-01-01T09:00:02.000Z", "2030-01-01T09:00:06.000Z", "2030-01-01T09:00:14.000Z"]
    scheduled = [
        at for kind, at in _history(execution) if kind in ("TaskScheduled", "LambdaFunctionScheduled")
    ]
    assert [(at - T0).total_seconds() for at in scheduled] == [0.0, 2.0, 6.0, 14.0]
    assert execution.stop_date == T0 + timedelta(seconds=14)


def test_a_seven_day_wait_ends_when_the_clock_is_advanced_seven_days_and_not_before(broker: Broker) -> None:
    from workbench.runtime import clock_control, recovery
    from workbench.stepfunctions.models import Timer

    week = {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 7 * 86400, "End": True}}}
    clock_control.freeze(_workspace(), T0)
    execution = _start(week, "week")
    timer = Timer.objects.get(execution=execution)
    assert timer.fire_at == T0 + timedelta(days=7) and not timer.armed

    assert clock_control.advance_by(_workspace(), (6 * 24 + 23) * 3600) == []
    # Whoever asks, it does not fire early: a stray message, the sweep.
    broker.sent.append(("stepbridge.fire_timer", (execution.id, timer.timer_id), None))
    recovery.sweep()
    _settle(broker)
    execution.refresh_from_db()
    assert execution.status == "RUNNING" and Timer.objects.filter(execution=execution).exists()

    fired = clock_control.advance_by(_workspace(), 3600)
    assert [f["timerId"] for f in fired] == [timer.timer_id]
    execution.refresh_from_db()
    assert execution.status == "SUCCEEDED"
    assert _history(execution)[-1] == ("ExecutionSucceeded", T0 + timedelta(days=7))


def test_start_and_entered_times_history_and_dates_are_the_workspace_time(broker: Broker) -> None:
    from workbench.runtime import clock_control

    times = {
        "StartAt": "First",
        "States": {
            "First": {
                "Type": "Pass",
                "Parameters": {"entered.$": "$$.State.EnteredTime", "start.$": "$$.Execution.StartTime"},
                "ResultPath": "$.first",
                "Next": "W",
            },
            "W": {"Type": "Wait", "Seconds": 3600, "Next": "Last"},
            "Last": {
                "Type": "Pass",
                "Parameters": {"entered.$": "$$.State.EnteredTime"},
                "ResultPath": "$.last",
                "End": True,
            },
        },
    }
    clock_control.freeze(_workspace(), T0)
    execution = _start(times, "times")
    assert execution.start_date == T0
    clock_control.advance_by(_workspace(), 7200)  # past the Wait: fired at its due time
    execution.refresh_from_db()
    output = json.loads(execution.output)
    assert output["first"] == {"entered": "2030-01-01T09:00:00.000Z", "start": "2030-01-01T09:00:00.000Z"}
    assert output["last"] == {"entered": "2030-01-01T10:00:00.000Z"}
    stamps = dict(_history(execution))
    assert stamps["ExecutionStarted"] == T0 and stamps["WaitStateExited"] == T0 + timedelta(hours=1)
    assert execution.stop_date == T0 + timedelta(hours=1)
    assert clock_control.describe(_workspace())["now"] == "2030-01-01T11:00:00.000Z"


def test_advancing_fires_what_is_due_in_order_of_due_time(broker: Broker) -> None:
    from workbench.runtime import clock_control

    clock_control.freeze(_workspace(), T0)
    for seconds, name in ((300, "late"), (60, "early"), (120, "middle")):
        _start({"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": seconds, "End": True}}}, name)
    fired = clock_control.advance_by(_workspace(), 200)
    names = [f["executionArn"].split(":")[-2] for f in fired]
    assert names == ["early", "middle"]
    assert clock_control.describe(_workspace())["next"]["dueAt"] == "2030-01-01T09:05:00.000Z"


def test_a_running_clock_arms_timers_for_the_real_moment_it_reaches_them(broker: Broker) -> None:
    from workbench.accounts.models import VirtualClock
    from workbench.runtime import clock_control, queue
    from workbench.stepfunctions.models import Timer

    clock_control.run(_workspace(), 10)
    execution = _start(
        {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 50, "End": True}}}, "fast"
    )
    timer = Timer.objects.get(execution=execution)
    stored = VirtualClock.objects.get()
    [(_, _, eta)] = broker.take(queue.FIRE_TIMER)
    # 50 virtual seconds after the Wait was entered (the clock moves on while the step runs).
    assert timedelta(seconds=50) <= timer.fire_at - execution.start_date < timedelta(seconds=60)
    assert timer.armed
    assert eta == stored.real_at + (timer.fire_at - stored.virtual_at) / 10
    clock_control.real_time(_workspace())
    [(_, _, eta)] = broker.take(queue.FIRE_TIMER)  # re-armed for real time
    assert eta == timer.fire_at


def test_the_clock_cannot_go_back(broker: Broker) -> None:
    from workbench.core.errors import AwsError
    from workbench.runtime import clock_control

    clock_control.freeze(_workspace(), T0)
    with pytest.raises(AwsError) as refused:
        clock_control.freeze(_workspace(), T0 - timedelta(seconds=1))
    assert refused.value.code == "ValidationException" and "cannot go back" in refused.value.message


def test_a_delivery_retry_follows_the_virtual_clock(broker: Broker) -> None:
    from tests.support.events import rule_with_targets
    from workbench.events.models import Delivery
    from workbench.runtime import clock_control, routing

    ws = _workspace()
    mock_functions({"flaky": [{"error": "Boom", "cause": "down"}, {"output": "ok"}]})
    rule_with_targets(ws, [{"Id": "fn", "Arn": FN}])
    clock_control.freeze(ws, T0)
    routing.put_events(ws, [{"Source": "shop", "DetailType": "OrderPlaced", "Detail": "{}"}])
    _settle(broker)
    delivery = Delivery.objects.get()
    assert delivery.status == Delivery.PENDING and delivery.attempts == 1
    assert delivery.next_attempt_at is not None and delivery.next_attempt_at > T0
    assert delivery.event.received == T0

    due = delivery.next_attempt_at
    fired = clock_control.advance_to_next(_workspace())
    assert [f["kind"] for f in fired] == ["delivery"]
    delivery.refresh_from_db()
    assert delivery.status == Delivery.DELIVERED
    # The second try was made at the virtual moment it was due, not at real time.
    assert (delivery.attempts, delivery.attempted) == (2, due)


def test_task_heartbeat_and_execution_timeouts_follow_the_clock(broker: Broker) -> None:
    from workbench.runtime import clock_control

    mock_functions({"approver": [{"output": "sent"}]})
    waiting = {
        "StartAt": "Approve",
        "States": {
            "Approve": {
                "Type": "Task",
                "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
                "Parameters": {"FunctionName": "approver", "Payload": {"token.$": "$$.Task.Token"}},
                "TimeoutSeconds": 86400,
                "HeartbeatSeconds": 3600,
                "End": True,
            }
        },
    }
    clock_control.freeze(_workspace(), T0)
    task = _start(waiting, "heartbeat")
    _settle(broker)
    clock_control.advance_by(_workspace(), 3599)
    task.refresh_from_db()
    assert task.status == "RUNNING"
    clock_control.advance_by(_workspace(), 1)
    task.refresh_from_db()
    assert task.status == "FAILED" and task.error == "States.Timeout"
    assert task.stop_date == T0 + timedelta(hours=1)

    whole = {
        "TimeoutSeconds": 600,
        **{"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 900, "End": True}}},
    }
    execution = _start(whole, "bounded")
    clock_control.advance_by(_workspace(), 599)
    execution.refresh_from_db()
    assert execution.status == "RUNNING"
    clock_control.advance_by(_workspace(), 1)
    execution.refresh_from_db()
    assert execution.status == "TIMED_OUT"
    assert execution.stop_date == T0 + timedelta(hours=1, minutes=10)


def test_an_express_execution_waits_on_the_virtual_clock_until_it_is_advanced() -> None:
    """Express runs in one thread (StartSyncExecution answers when it ends): its Wait of two
    minutes (within Express's five) holds while the clock is frozen and ends when the clock is
    advanced by two minutes, and its start and stop dates are virtual (issue 12 item 6: every
    timer follows the clock)."""
    import threading

    from workbench.runtime import clock_control, executions

    two_minutes = {
        "StartAt": "Later",
        "States": {"Later": {"Type": "Wait", "Seconds": 120, "Next": "Done"}, "Done": {"Type": "Succeed"}},
    }
    express = machine(two_minutes, name="express-wait", type="EXPRESS")
    clock_control.freeze(_workspace(), T0)
    results: list[Any] = []

    def run() -> None:
        from django.db import connection

        try:
            try:
                results.append(executions.start_sync_execution(express, input_text="{}"))
            except Exception as exc:
                results.append(exc)
        finally:
            connection.close()

    runner = threading.Thread(target=run)
    runner.start()
    runner.join(1.0)
    assert runner.is_alive(), f"the Wait ended while the clock stood still: {results}"
    clock_control.advance_by(_workspace(), 120)
    runner.join(10)
    assert not runner.is_alive()
    [(context, result)] = results
    assert result.status == "SUCCEEDED"
    assert (context.start_time, result.stopped) == (T0, T0 + timedelta(minutes=2))
