"""Scheduled rules (runtime.schedules): armed from the database, fired exactly once per due
time whatever repeats, never while disabled; the event as AWS sends it ("Creating a rule that
runs on a schedule", EventBridge User Guide); on a virtual clock each run fires, in order, as
the clock reaches it, never before."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.support.events import ECHO_ARN
from tests.support.inprocess import Broker, hold_off_live_sweepers
from tests.support.mocks import mock_functions

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _sweeper_held_off() -> None:
    """This test owns the recovery lease: a live sweeper would arm or fire its rules behind its
    back (before the test's fake clock is set: the lease runs on real time)."""
    hold_off_live_sweepers()


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[datetime]:
    """Real time as the workbench reads it (``timezone.now``), set by the test (clock[0] is "now")."""
    from django.utils import timezone

    moment = [timezone.now()]
    monkeypatch.setattr(timezone, "now", lambda: moment[0])  # real time, as the workbench reads it
    return moment


def _scheduled_rule(expression: str = "rate(1 minute)", name: str = "tick") -> Any:
    from workbench.accounts.services import default_workspace
    from workbench.events import services as events

    ws = default_workspace()
    rule = events.put_rule(ws, name=name, schedule_expression=expression)
    assert events.put_targets(ws, name, None, [{"Id": "echo", "Arn": ECHO_ARN}]) == []
    return rule


def _fired(rule: Any) -> list[dict[str, Any]]:
    from workbench.events.models import Delivery, ReceivedEvent

    bodies = [row.body for row in ReceivedEvent.objects.order_by("id")]
    assert Delivery.objects.filter(rule_arn=rule.arn).count() == len(bodies)
    return bodies


def test_a_rate_rule_is_armed_one_period_after_its_creation(broker: Broker, clock: list[datetime]) -> None:
    from workbench.runtime import queue, schedules

    rule = _scheduled_rule()
    clock[0] = rule.created + timedelta(seconds=5)
    due = schedules.arm(rule)
    assert due == rule.created + timedelta(minutes=1)
    assert schedules.arm(rule) is None  # armed already: nothing moves, nothing is sent twice
    [(name, args, eta)] = broker.take(queue.FIRE_RULE)
    assert (name, args, eta) == (queue.FIRE_RULE, (rule.id, due.isoformat()), due)


def test_a_firing_delivered_twice_and_swept_again_fires_once(broker: Broker, clock: list[datetime]) -> None:
    from workbench.events.models import Delivery
    from workbench.runtime import queue, recovery, schedules

    rule = _scheduled_rule()
    due = schedules.arm(rule, rule.created)
    assert due is not None
    [message] = broker.take(queue.FIRE_RULE)
    clock[0] = due + timedelta(seconds=10)  # the worker is late; the sweep sees it overdue
    broker.deliver(message)
    broker.deliver(message)  # redelivered after a lost acknowledgement
    recovery.sweep()
    for resent in broker.take(queue.FIRE_RULE):
        if resent[1] == message[1]:
            broker.deliver(resent)
    [event] = _fired(rule)
    shown = ("detail-type", "source", "resources", "detail", "account", "region")
    assert {key: event[key] for key in shown} == {
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "resources": [rule.arn],
        "detail": {},
        "account": "123456789012",
        "region": "us-east-1",
    }
    assert event["time"] == due.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert Delivery.objects.get().target_id == "echo"
    rule.refresh_from_db()
    assert rule.next_fire_at == due + timedelta(minutes=1)  # the next firing after "now"


def test_two_workers_racing_for_one_firing_store_one_event(clock: list[datetime]) -> None:
    """Both read the rule before either moves its timer: the compare-and-set lets one through."""
    from unittest import mock

    from workbench.runtime import schedules

    rule = _scheduled_rule()
    with mock.patch("workbench.runtime.queue.enqueue"):
        due = schedules.arm(rule, rule.created)
        assert due is not None
        clock[0] = due
        first_next = schedules.next_firing
        results: list[bool] = []
        raced: list[bool] = []

        def racing(rule_read: Any, after: datetime, anchor: datetime | None = None) -> Any:
            if not raced:  # the other worker fires between this worker's read and its update
                raced.append(True)
                results.append(schedules.fire_rule(rule.id, due))
            return first_next(rule_read, after, anchor)

        with mock.patch.object(schedules, "next_firing", side_effect=racing):
            results.append(schedules.fire_rule(rule.id, due))
    assert results == [True, False]
    assert len(_fired(rule)) == 1


def test_a_disabled_rule_does_not_fire_and_is_armed_afresh_when_enabled(
    broker: Broker, clock: list[datetime]
) -> None:
    from workbench.accounts.services import default_workspace
    from workbench.events import services as events
    from workbench.events.models import Rule
    from workbench.runtime import queue, recovery, schedules

    rule = _scheduled_rule()
    due = schedules.arm(rule, rule.created)
    assert due is not None
    [message] = broker.take(queue.FIRE_RULE)
    events.set_rule_state(default_workspace(), "tick", None, Rule.DISABLED)
    clock[0] = due + timedelta(minutes=5)
    broker.deliver(message)
    recovery.sweep()
    assert broker.take(queue.FIRE_RULE) == []
    assert _fired(rule) == []
    assert Rule.objects.get().next_fire_at is None
    events.set_rule_state(default_workspace(), "tick", None, Rule.ENABLED)
    recovery.sweep()
    assert Rule.objects.get().next_fire_at == due + timedelta(minutes=6)  # strictly after "now"
    [again] = broker.take(queue.FIRE_RULE)
    broker.deliver(again)  # early: sent again for its due time, nothing fired
    assert _fired(rule) == [] and broker.take(queue.FIRE_RULE) == [again]
    clock[0] = due + timedelta(minutes=6)
    broker.deliver(again)
    assert len(_fired(rule)) == 1


def test_a_far_timer_gets_its_message_from_the_sweep_when_it_comes_within_reach(
    broker: Broker, clock: list[datetime]
) -> None:
    from workbench.runtime import queue, recovery, schedules

    rule = _scheduled_rule("rate(1 day)")
    clock[0] = rule.created
    due = schedules.arm(rule)
    assert due == rule.created + timedelta(days=1)
    assert broker.take(queue.FIRE_RULE) == []
    recovery.sweep()
    assert broker.take(queue.FIRE_RULE) == []
    clock[0] = due - timedelta(seconds=30)
    recovery.sweep()
    recovery.sweep()
    assert broker.take(queue.FIRE_RULE) == [(queue.FIRE_RULE, (rule.id, due.isoformat()), due)]


@pytest.mark.parametrize("expression", ["rate(1 minutes)", "cron(0 10 * * * *)", "rate(10 seconds)"])
def test_put_rule_refuses_what_aws_refuses(db: Any, expression: str) -> None:
    from workbench.accounts.services import default_workspace
    from workbench.core.errors import ValidationError
    from workbench.events import services as events
    from workbench.events.models import Rule

    with pytest.raises(ValidationError) as refused:
        events.put_rule(default_workspace(), name="bad", schedule_expression=expression)
    assert refused.value.message == "Parameter ScheduleExpression is not valid."
    assert not Rule.objects.exists()


def test_a_worker_dying_mid_firing_leaves_the_timer_for_the_sweep(
    broker: Broker, clock: list[datetime]
) -> None:
    """The event and the timer's move commit together: a crash before the commit stores
    nothing and moves nothing, and the sweep's resent message fires it once."""
    from unittest import mock

    from workbench.events.models import Rule
    from workbench.runtime import queue, recovery, routing, schedules

    rule = _scheduled_rule()
    due = schedules.arm(rule, rule.created)
    assert due is not None
    [message] = broker.take(queue.FIRE_RULE)
    clock[0] = due + timedelta(seconds=30)
    killed = mock.patch.object(routing, "_store_all", side_effect=RuntimeError("worker killed"))
    with killed, pytest.raises(RuntimeError):
        broker.deliver(message)
    assert Rule.objects.get().next_fire_at == due and _fired(rule) == []
    recovery.sweep()
    [resent] = broker.take(queue.FIRE_RULE)
    assert resent[1] == message[1]
    broker.deliver(resent)
    assert len(_fired(rule)) == 1


def test_a_cron_whose_years_are_past_is_never_armed_and_stops_being_looked_at(
    broker: Broker, clock: list[datetime]
) -> None:
    from workbench.events.models import Rule
    from workbench.runtime import queue, recovery

    _scheduled_rule("cron(0 12 * * ? 2020)")
    recovery.sweep()
    assert Rule.objects.get().next_fire_at is None and Rule.objects.get().fire_armed
    assert broker.take(queue.FIRE_RULE) == []


T0 = datetime(2030, 1, 1, 9, 0, tzinfo=UTC)
FN = "arn:aws:lambda:us-east-1:123456789012:function:tick"


def _settle(broker: Broker) -> None:
    for _ in range(200):
        if not broker.sent:
            return
        broker.deliver(broker.sent.pop(0))
    raise AssertionError("still sending")


def _workspace() -> Any:
    from workbench.accounts.services import default_workspace

    return default_workspace()


def _rule_to_lambda(expression: str, name: str = "hourly") -> Any:
    from workbench.events import services as events

    rule = events.put_rule(_workspace(), name=name, schedule_expression=expression)
    assert events.put_targets(_workspace(), name, None, [{"Id": "fn", "Arn": FN}]) == []
    return rule


def test_each_run_puts_a_scheduled_event_to_the_rule_targets_as_the_clock_reaches_it(broker: Broker) -> None:
    from workbench.events.models import Delivery, ReceivedEvent
    from workbench.functions.models import Invocation
    from workbench.runtime import clock_control

    mock_functions({"tick": [{"output": "ok"}]})
    clock_control.freeze(_workspace(), T0)
    rule = _rule_to_lambda("rate(1 hour)")
    assert clock_control.advance_by(_workspace(), 59 * 60) == []  # not before its first run
    assert not ReceivedEvent.objects.exists()

    fired = clock_control.advance_by(_workspace(), 2 * 3600 + 60)
    assert [(f["kind"], f["dueAt"]) for f in fired] == [
        ("schedule", "2030-01-01T10:00:00.000Z"),
        ("schedule", "2030-01-01T11:00:00.000Z"),
        ("schedule", "2030-01-01T12:00:00.000Z"),
    ]
    events = list(ReceivedEvent.objects.order_by("received"))
    assert [e.received for e in events] == [T0 + timedelta(hours=h) for h in (1, 2, 3)]
    body = events[0].body
    assert body == {
        "version": "0",
        "id": body["id"],
        "detail-type": "Scheduled Event",
        "source": "aws.events",
        "account": "123456789012",
        "time": "2030-01-01T10:00:00Z",
        "region": "us-east-1",
        "resources": [rule.arn],
        "detail": {},
    }
    _settle(broker)
    assert Delivery.objects.filter(status=Delivery.DELIVERED).count() == 3
    assert Invocation.objects.count() == 3
    assert clock_control.describe(_workspace())["next"]["dueAt"] == "2030-01-01T13:00:00.000Z"


def test_only_the_scheduled_rule_gets_its_event(broker: Broker) -> None:
    import json

    from workbench.events import services as events
    from workbench.events.models import Delivery
    from workbench.runtime import clock_control

    mock_functions({"tick": [{"output": "ok"}]})
    events.put_rule(_workspace(), name="all-aws", event_pattern=json.dumps({"source": ["aws.events"]}))
    events.put_targets(_workspace(), "all-aws", None, [{"Id": "fn", "Arn": FN}])
    clock_control.freeze(_workspace(), T0)
    _rule_to_lambda("cron(0 10 * * ? *)", name="daily")
    clock_control.advance_to_next(_workspace())
    assert list(Delivery.objects.values_list("rule_name", flat=True)) == ["daily"]


def test_the_sweep_fires_a_due_run_once_and_skips_runs_real_time_missed(broker: Broker) -> None:
    from django.utils import timezone

    from workbench.events.models import ReceivedEvent, Rule
    from workbench.runtime import recovery

    mock_functions({"tick": [{"output": "ok"}]})
    rule = _rule_to_lambda("rate(5 minutes)")
    recovery.sweep()
    rule.refresh_from_db()
    armed = rule.next_fire_at
    assert armed is not None and armed > timezone.now() + timedelta(minutes=4)
    assert not ReceivedEvent.objects.exists()  # not before

    # The workbench was stopped for an hour: one run now, then the next still ahead.
    missed = timezone.now() - timedelta(hours=1)
    Rule.objects.filter(id=rule.id).update(next_fire_at=missed)
    recovery.sweep()
    recovery.sweep()
    _settle(broker)
    assert ReceivedEvent.objects.count() == 1
    rule.refresh_from_db()
    assert rule.next_fire_at is not None and rule.next_fire_at > timezone.now()
    assert (rule.next_fire_at - missed) % timedelta(minutes=5) == timedelta(0)


def test_disabling_stops_the_runs_and_enabling_starts_them_again_from_then(broker: Broker) -> None:
    from workbench.events import services as events
    from workbench.events.models import ReceivedEvent
    from workbench.runtime import clock_control

    mock_functions({"tick": [{"output": "ok"}]})
    clock_control.freeze(_workspace(), T0)
    _rule_to_lambda("rate(1 hour)")
    events.set_rule_state(_workspace(), "hourly", None, "DISABLED")
    assert clock_control.advance_by(_workspace(), 3 * 3600) == []
    events.set_rule_state(_workspace(), "hourly", None, "ENABLED")
    fired = clock_control.advance_by(_workspace(), 3600)
    assert [f["dueAt"] for f in fired] == ["2030-01-01T13:00:00.000Z"]
    assert ReceivedEvent.objects.count() == 1


def test_the_sweep_fires_a_run_a_virtual_clock_has_reached_once(broker: Broker) -> None:
    """A clock moved past a run without an advance (set, or running with its message lost):
    the sweep sends the run now, and firing it twice stores one event."""
    from workbench.events.models import ReceivedEvent
    from workbench.runtime import clock_control, queue, recovery

    mock_functions({"tick": [{"output": "ok"}]})
    clock_control.freeze(_workspace(), T0)
    _rule_to_lambda("rate(1 hour)")
    recovery.sweep()
    assert broker.take(queue.FIRE_RULE) == []  # not reached: a frozen clock sends nothing
    clock_control.freeze(_workspace(), T0 + timedelta(hours=1, minutes=5))
    recovery.sweep()
    [message] = broker.take(queue.FIRE_RULE)
    broker.deliver(message)
    broker.deliver(message)
    assert [e.body["time"] for e in ReceivedEvent.objects.all()] == ["2030-01-01T10:00:00Z"]
    assert clock_control.describe(_workspace())["next"]["dueAt"] == "2030-01-01T11:00:00.000Z"
