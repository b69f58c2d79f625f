"""Scheduler schedules' timers (runtime.schedules): a firing invokes the target once through a
delivery (with the target's Input, RetryPolicy and DeadLetterConfig); a one-time at() fires
once and, with ActionAfterCompletion DELETE, is deleted; a disabled schedule never fires;
EndDate ends a recurring one (EventBridge Scheduler API Reference, CreateSchedule)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.utils import timezone

from tests.support.events import ECHO_ARN
from tests.support.inprocess import Broker, hold_off_live_sweepers

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _sweeper_held_off() -> None:
    """This test owns the recovery lease: a live sweeper would arm or fire its rules behind its
    back (before the test's fake clock is set: the lease runs on real time)."""
    hold_off_live_sweepers()


ROLE = "arn:aws:iam::123456789012:role/scheduler"
DLQ = "arn:aws:sqs:us-east-1:123456789012:dead"


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[datetime]:
    from django.utils import timezone

    moment = [timezone.now()]
    monkeypatch.setattr(timezone, "now", lambda: moment[0])  # real time, as the workbench reads it
    return moment


def _schedule(expression: str, **extra: Any) -> Any:
    from workbench.accounts.services import default_workspace
    from workbench.events import scheduler

    target = {
        "Arn": ECHO_ARN,
        "RoleArn": ROLE,
        "Input": '{"n": 1}',
        "RetryPolicy": {"MaximumRetryAttempts": 3, "MaximumEventAgeInSeconds": 120},
        "DeadLetterConfig": {"Arn": DLQ},
    }
    params = {"ScheduleExpression": expression, "FlexibleTimeWindow": {"Mode": "OFF"}, "Target": target}
    params.update(extra)
    return scheduler.create_schedule(default_workspace(), "job", params)


def _deliveries() -> list[Any]:
    from workbench.events.models import Delivery

    return list(Delivery.objects.order_by("id"))


def test_an_at_schedule_fires_once_with_its_target_settings_and_deletes_itself(
    broker: Broker, clock: list[datetime]
) -> None:
    from workbench.events.models import Schedule
    from workbench.runtime import queue, recovery, schedules

    schedule = _schedule(
        "at(2031-05-01T09:00:00)", ScheduleExpressionTimezone="Europe/Paris", ActionAfterCompletion="DELETE"
    )
    due = schedules.arm_schedule(schedule)
    assert due is not None and due.isoformat() == "2031-05-01T07:00:00+00:00"
    assert broker.take(queue.FIRE_SCHEDULE) == []  # beyond the horizon: the sweep sends it later
    clock[0] = due - timedelta(seconds=10)
    recovery.sweep()
    [message] = broker.take(queue.FIRE_SCHEDULE)
    clock[0] = due
    broker.deliver(message)
    broker.deliver(message)
    [delivery] = _deliveries()
    assert (
        delivery.target_arn,
        delivery.target_input,
        delivery.max_retry_attempts,
        delivery.max_event_age,
    ) == (
        ECHO_ARN,
        {"Input": '{"n": 1}'},
        3,
        120,
    )
    assert delivery.dead_letter_arn == DLQ and delivery.rule_arn == schedule.arn
    assert delivery.event.body["source"] == "aws.scheduler" and delivery.event.body["resources"] == [
        schedule.arn
    ]
    assert not Schedule.objects.exists()


def test_a_spent_at_schedule_without_delete_stays_and_never_fires_again(
    broker: Broker, clock: list[datetime]
) -> None:
    from workbench.events.models import Schedule
    from workbench.runtime import queue, recovery, schedules

    at = (clock[0] + timedelta(seconds=30)).replace(microsecond=0)
    schedule = _schedule(f"at({at.strftime('%Y-%m-%dT%H:%M:%S')})")
    due = schedules.arm_schedule(schedule)
    [message] = broker.take(queue.FIRE_SCHEDULE)
    assert due is not None
    clock[0] = due + timedelta(minutes=10)
    broker.deliver(message)
    recovery.sweep()
    recovery.sweep()
    assert broker.take(queue.FIRE_SCHEDULE) == []
    assert len(_deliveries()) == 1
    assert Schedule.objects.get().next_fire_at is None


def test_a_disabled_schedule_does_not_fire(broker: Broker, clock: list[datetime]) -> None:
    from workbench.events import scheduler
    from workbench.runtime import queue, recovery, schedules

    schedule = _schedule("rate(1 minute)")
    due = schedules.arm_schedule(schedule, schedule.created)
    [message] = broker.take(queue.FIRE_SCHEDULE)
    scheduler.set_state(schedule, "DISABLED")
    assert due is not None
    clock[0] = due + timedelta(minutes=3)
    broker.deliver(message)
    recovery.sweep()
    assert broker.take(queue.FIRE_SCHEDULE) == [] and _deliveries() == []


def test_a_rate_schedule_stops_at_its_end_date(broker: Broker, clock: list[datetime]) -> None:
    from workbench.events.models import Schedule
    from workbench.runtime import queue, schedules

    start = clock[0].replace(microsecond=0) + timedelta(seconds=5)
    schedule = _schedule(
        "rate(1 minute)", StartDate=start.timestamp(), EndDate=(start + timedelta(seconds=90)).timestamp()
    )
    due = schedules.arm_schedule(schedule, clock[0])
    assert due == start
    for expected in (start, start + timedelta(minutes=1)):
        [message] = broker.take(queue.FIRE_SCHEDULE)
        assert message[1][1] == expected.isoformat()
        clock[0] = expected
        broker.deliver(message)
    assert broker.take(queue.FIRE_SCHEDULE) == []
    assert len(_deliveries()) == 2 and Schedule.objects.get().next_fire_at is None


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"ScheduleExpression": "rate(1 minutes)"}, "Invalid Schedule Expression rate(1 minutes)."),
        (
            {"ScheduleExpression": "cron(0 10 * * ? *)", "ScheduleExpressionTimezone": "Mars/Base"},
            "Invalid time zone: Mars/Base.",
        ),
        (
            {"FlexibleTimeWindow": {"Mode": "FLEXIBLE"}},
            "MaximumWindowInMinutes is required when Mode is FLEXIBLE.",
        ),
        (
            {"StartDate": (timezone.now() - timedelta(minutes=6)).timestamp()},
            "The StartDate you specify cannot be earlier than 5 minutes ago.",
        ),
        (
            {"Target": {"Arn": "sched-q", "RoleArn": ROLE}},
            "Invalid Arn 'sched-q' in Target: it is not an ARN.",
        ),
    ],
)
def test_create_schedule_refuses_bad_settings_and_stores_nothing(
    db: Any, changes: dict[str, Any], message: str
) -> None:
    from workbench.core.errors import ValidationError
    from workbench.events.models import Schedule

    with pytest.raises(ValidationError) as refused:
        _schedule("rate(1 hour)", **changes)
    assert refused.value.message == message
    assert not Schedule.objects.exists()


def test_a_start_date_just_past_or_on_a_one_time_schedule_is_accepted(db: Any) -> None:
    """The five minutes' grace is AWS's; a one-time schedule's StartDate is not checked."""
    from workbench.events.models import Schedule

    assert _schedule("rate(1 hour)", StartDate=(timezone.now() - timedelta(minutes=4)).timestamp())
    Schedule.objects.all().delete()
    past = (timezone.now() - timedelta(hours=1)).timestamp()
    later = (timezone.now() + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S")
    assert _schedule(f"at({later})", StartDate=past).schedule_expression == f"at({later})"


def _report_target(bus_arn: str) -> dict[str, Any]:
    """The EventBridge PutEvents templated target the tests below schedule ("Templated targets",
    Scheduler User Guide): the Input is the detail."""
    return {
        "Arn": bus_arn,
        "RoleArn": ROLE,
        "Input": '{"report": "daily"}',
        "EventBridgeParameters": {"DetailType": "Report due", "Source": "my.scheduler"},
    }


def _fire_report_schedule(broker: Broker, clock: list[datetime], window: dict[str, Any]) -> datetime:
    """Schedule the report target on a new bus ``orders`` in ``window`` and fire it once, at its
    first due time; that time."""
    from workbench.accounts.services import default_workspace
    from workbench.events import scheduler
    from workbench.events import services as events
    from workbench.runtime import queue, schedules

    ws = default_workspace()
    target = _report_target(events.create_bus(ws, "orders").arn)
    params = {"ScheduleExpression": "rate(1 minute)", "FlexibleTimeWindow": window, "Target": target}
    schedule = scheduler.create_schedule(ws, "reports", params)
    due = schedules.arm_schedule(schedule, schedule.created)
    assert due is not None
    [message] = broker.take(queue.FIRE_SCHEDULE)
    clock[0] = due
    broker.deliver(message)
    return due


def test_the_putevents_templated_target_puts_the_input_on_the_bus(
    broker: Broker, clock: list[datetime]
) -> None:
    import json

    from workbench.events.models import ReceivedEvent

    _fire_report_schedule(broker, clock, {"Mode": "OFF"})
    [put] = ReceivedEvent.objects.filter(bus__name="orders")
    assert (put.body["source"], put.body["detail-type"], put.body["detail"]) == (
        "my.scheduler",
        "Report due",
        json.loads('{"report": "daily"}'),
    )
    [delivery] = _deliveries()
    assert (delivery.status, delivery.detail) == ("delivered", put.event_id)


def test_a_flexible_window_spreads_a_putevents_target_too(broker: Broker, clock: list[datetime]) -> None:
    """A PutEvents templated target in a FLEXIBLE window: nothing is put at the scheduled time;
    the entries wait with the delivery and are put, once, at its moment in the window."""
    from workbench.events.models import ReceivedEvent
    from workbench.runtime import queue

    due = _fire_report_schedule(broker, clock, {"Mode": "FLEXIBLE", "MaximumWindowInMinutes": 10})
    [sent] = broker.take(queue.DELIVER_EVENTS)
    [delivery] = _deliveries()
    assert delivery.next_attempt_at is not None
    assert timedelta(0) <= delivery.next_attempt_at - due <= timedelta(minutes=10)
    assert not ReceivedEvent.objects.filter(bus__name="orders").exists(), "not put before its moment"
    clock[0] = delivery.next_attempt_at
    broker.deliver(sent)
    broker.deliver(sent)  # a repeated message puts nothing more
    [put] = ReceivedEvent.objects.filter(bus__name="orders")
    assert (put.body["source"], put.body["detail-type"]) == ("my.scheduler", "Report due")
    [delivery] = _deliveries()
    assert (delivery.status, delivery.detail) == ("delivered", put.event_id)


@pytest.mark.parametrize(
    ("action", "request_body", "target_arn", "payload"),
    [
        (
            "sfn:startExecution",
            {"StateMachineArn": "arn:aws:states:us-east-1:123456789012:stateMachine:m", "Input": '{"a": 1}'},
            "arn:aws:states:us-east-1:123456789012:stateMachine:m",
            '{"a": 1}',
        ),
        ("lambda:invoke", {"FunctionName": "echo", "Payload": {"b": 2}}, ECHO_ARN, '{"b": 2}'),
        ("sqs:sendMessage", {"QueueUrl": "q", "MessageBody": "x"}, None, None),
    ],
)
def test_universal_targets_the_workbench_answers_become_deliveries(
    broker: Broker,
    clock: list[datetime],
    action: str,
    request_body: dict[str, Any],
    target_arn: str | None,
    payload: str | None,
) -> None:
    import json

    from workbench.accounts.services import default_workspace
    from workbench.events import scheduler
    from workbench.runtime import queue, schedules

    universal = f"arn:aws:scheduler:::aws-sdk:{action}"
    target = {"Arn": universal, "RoleArn": ROLE, "Input": json.dumps(request_body)}
    params = {"ScheduleExpression": "rate(1 minute)", "FlexibleTimeWindow": {"Mode": "OFF"}, "Target": target}
    schedule = scheduler.create_schedule(default_workspace(), "universal", params)
    due = schedules.arm_schedule(schedule, schedule.created)
    assert due is not None
    [message] = broker.take(queue.FIRE_SCHEDULE)
    clock[0] = due
    broker.deliver(message)
    [delivery] = _deliveries()
    assert delivery.target_arn == (target_arn or universal)
    assert delivery.target_input == {"Input": payload or target["Input"]}


def test_a_malformed_universal_put_events_fails_its_delivery_and_the_firing_still_counts(
    broker: Broker, clock: list[datetime]
) -> None:
    from workbench.accounts.services import default_workspace
    from workbench.events import scheduler
    from workbench.events.models import Schedule
    from workbench.runtime import queue, schedules

    target = {
        "Arn": "arn:aws:scheduler:::aws-sdk:eventbridge:putEvents",
        "RoleArn": ROLE,
        "Input": '{"Entries": [{}]}',
    }
    params = {"ScheduleExpression": "rate(1 minute)", "FlexibleTimeWindow": {"Mode": "OFF"}, "Target": target}
    schedule = scheduler.create_schedule(default_workspace(), "puts", params)
    due = schedules.arm_schedule(schedule, schedule.created)
    assert due is not None
    [message] = broker.take(queue.FIRE_SCHEDULE)
    clock[0] = due
    broker.deliver(message)
    [delivery] = _deliveries()
    assert delivery.status == "failed" and delivery.detail
    assert Schedule.objects.get().next_fire_at == due + timedelta(minutes=1)


def test_an_advance_fires_schedules_and_scheduled_rules_in_due_order(broker: Broker) -> None:
    """On a frozen virtual clock only an advance reaches a firing: it fires each in due order,
    Scheduler schedules and scheduled rules alike, at the clock's time, each once."""
    from workbench.accounts.services import default_workspace
    from workbench.events import services as events
    from workbench.events.models import ReceivedEvent
    from workbench.runtime import clock_control, queue, recovery

    start = datetime(2030, 1, 1, 9, 0, tzinfo=UTC)
    clock_control.freeze(default_workspace(), start)
    _schedule("rate(40 minutes)")
    events.put_rule(default_workspace(), name="hourly", schedule_expression="rate(1 hour)")
    recovery.sweep()  # arms both; a frozen clock sends no message
    assert broker.take(queue.FIRE_SCHEDULE) == [] and broker.take(queue.FIRE_RULE) == []
    fired = clock_control.advance_by(default_workspace(), 2 * 3600)
    assert [(f["kind"], f["dueAt"][11:16]) for f in fired] == [
        ("scheduler", "09:40"),
        ("schedule", "10:00"),
        ("scheduler", "10:20"),
        ("schedule", "11:00"),  # a tie: the rule's run first
        ("scheduler", "11:00"),
    ]
    times = [e.body["time"][11:16] for e in ReceivedEvent.objects.order_by("id")]
    assert times == ["09:40", "10:00", "10:20", "11:00", "11:00"]
    assert clock_control.advance_by(default_workspace(), 60) == []  # none fires twice


def test_on_a_running_virtual_clock_the_message_arrives_when_the_clock_reaches_the_firing(
    broker: Broker,
) -> None:
    """A clock running 60 times as fast reaches a firing one virtual minute ahead in a real
    second: that is the message's ETA; delivered early (the clock slowed), it fires nothing."""
    from django.utils import timezone

    from workbench.accounts.services import default_workspace
    from workbench.events.models import Schedule
    from workbench.runtime import clock_control, queue, schedules

    clock_control.freeze(default_workspace(), datetime(2030, 1, 1, 9, 0, tzinfo=UTC))
    clock_control.run(default_workspace(), 60)
    schedule = _schedule("rate(1 minute)")
    due = schedules.arm_schedule(schedule)
    [(_, args, eta)] = broker.take(queue.FIRE_SCHEDULE)
    assert due is not None and args == (schedule.id, due.isoformat())
    assert eta is not None and timedelta(0) < eta - timezone.now() <= timedelta(seconds=1)
    clock_control.freeze(default_workspace())  # stopped before it got there
    assert schedules.fire_schedule(schedule.id, due) is False
    assert broker.take(queue.FIRE_SCHEDULE) == []  # frozen: left to an advance
    assert Schedule.objects.get().fire_armed is False and _deliveries() == []


def test_a_flexible_window_delivers_within_the_window_and_keeps_the_grid(
    broker: Broker, clock: list[datetime]
) -> None:
    """FlexibleTimeWindow FLEXIBLE: the target is invoked at a random moment within
    MaximumWindowInMinutes after the scheduled time, and the next firing stays on the
    schedule's grid ("Configuring a flexible time window", EventBridge Scheduler User Guide)."""
    from workbench.functions.models import Invocation
    from workbench.runtime import queue, recovery, schedules

    schedule = _schedule(
        "rate(1 hour)", FlexibleTimeWindow={"Mode": "FLEXIBLE", "MaximumWindowInMinutes": 15}
    )
    due = schedules.arm_schedule(schedule)
    assert due is not None
    spreads = []
    for hour in range(4):
        clock[0] = due + timedelta(hours=hour, seconds=-10)
        recovery.sweep()  # an hour ahead is beyond the timers' horizon: the sweep sends it
        [message] = broker.take(queue.FIRE_SCHEDULE)
        clock[0] = due + timedelta(hours=hour)
        assert message[1][1] == clock[0].isoformat(), "the firing stays on the hourly grid"
        broker.deliver(message)
        [sent] = broker.take(queue.DELIVER_EVENTS)
        delivery = _deliveries()[-1]
        assert delivery.next_attempt_at is not None and sent[2] is not None
        spread = delivery.next_attempt_at - clock[0]
        assert timedelta(0) <= spread <= timedelta(minutes=15)
        assert sent[2] == delivery.next_attempt_at, "its message goes at that moment"
        spreads.append(spread)
        broker.deliver(sent)
        assert Invocation.objects.count() == hour, "not invoked before its moment"
        clock[0] = delivery.next_attempt_at
        broker.deliver(sent)
        assert Invocation.objects.count() == hour + 1
    assert len(set(spreads)) > 1, "the moments are spread, not fixed"


def test_a_name_too_long_is_refused_for_its_length(db: Any) -> None:
    """The model's constraint named as AWS's request validation names it (length, not pattern)."""
    from workbench.accounts.services import default_workspace
    from workbench.core.errors import ValidationError
    from workbench.events import scheduler

    for create in (
        lambda name: scheduler.create_group(default_workspace(), name),
        lambda name: scheduler.create_schedule(default_workspace(), name, {}),
    ):
        with pytest.raises(ValidationError) as refused:
            create("n" * 65)
        assert "Member must have length less than or equal to 64" in refused.value.message
