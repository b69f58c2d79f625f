"""Scheduled rules (runtime.schedules): armed from the database, fired exactly once per due
time whatever repeats, never while disabled; the event as AWS sends it ("Creating a rule that
runs on a schedule", EventBridge User Guide)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest

from tests.support.events import ECHO_ARN
from tests.support.inprocess import Broker

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[datetime]:
    """The schedules' one clock, set by the test (clock[0] is "now")."""
    from django.utils import timezone

    from workbench.runtime import schedules

    moment = [timezone.now()]
    monkeypatch.setattr(schedules, "now", lambda: moment[0])
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

        def racing(rule_read: Any, after: datetime) -> Any:
            if not raced:  # the other worker fires between this worker's read and its update
                raced.append(True)
                results.append(schedules.fire_rule(rule.id, due.isoformat()))
            return first_next(rule_read, after)

        with mock.patch.object(schedules, "next_firing", side_effect=racing):
            results.append(schedules.fire_rule(rule.id, due.isoformat()))
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
