"""Scheduled rules (issue 13 item 4): PutRule refuses an expression AWS refuses, with AWS's
message; a rule's runs put AWS's "Scheduled Event" to its own targets, each once, at the
times its schedule falls due on the workspace's clock, never before."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.support.inprocess import Broker
from tests.support.mocks import mock_functions

pytestmark = pytest.mark.django_db(transaction=True)

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


def _scheduled_rule(expression: str, name: str = "hourly") -> Any:
    from workbench.events import services as events

    rule = events.put_rule(_workspace(), name=name, schedule_expression=expression)
    assert events.put_targets(_workspace(), name, None, [{"Id": "fn", "Arn": FN}]) == []
    return rule


@pytest.mark.parametrize("expression", ["rate(1 minutes)", "rate(10 seconds)", "cron(0 10 * * * *)"])
def test_put_rule_refuses_an_expression_aws_refuses(expression: str) -> None:
    from workbench.core.errors import AwsError
    from workbench.events import services as events
    from workbench.events.models import Rule

    with pytest.raises(AwsError) as refused:
        events.put_rule(_workspace(), name="bad", schedule_expression=expression)
    assert refused.value.code == "ValidationException"
    assert refused.value.message == "Parameter ScheduleExpression is not valid."
    assert not Rule.objects.exists()


def test_each_run_puts_a_scheduled_event_to_the_rule_targets_as_the_clock_reaches_it(broker: Broker) -> None:
    from workbench.events.models import Delivery, ReceivedEvent
    from workbench.functions.models import Invocation
    from workbench.runtime import clock_control

    mock_functions({"tick": [{"output": "ok"}]})
    clock_control.freeze(_workspace(), T0)
    rule = _scheduled_rule("rate(1 hour)")
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
    _scheduled_rule("cron(0 10 * * ? *)", name="daily")
    clock_control.advance_to_next(_workspace())
    assert list(Delivery.objects.values_list("rule_name", flat=True)) == ["daily"]


def test_the_sweep_fires_a_due_run_once_and_skips_runs_real_time_missed(broker: Broker) -> None:
    from django.utils import timezone

    from workbench.events.models import ReceivedEvent, Rule
    from workbench.runtime import recovery

    mock_functions({"tick": [{"output": "ok"}]})
    rule = _scheduled_rule("rate(5 minutes)")
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
    _scheduled_rule("rate(1 hour)")
    events.set_rule_state(_workspace(), "hourly", None, "DISABLED")
    assert clock_control.advance_by(_workspace(), 3 * 3600) == []
    events.set_rule_state(_workspace(), "hourly", None, "ENABLED")
    fired = clock_control.advance_by(_workspace(), 3600)
    assert [f["dueAt"] for f in fired] == ["2030-01-01T13:00:00.000Z"]
    assert ReceivedEvent.objects.count() == 1
