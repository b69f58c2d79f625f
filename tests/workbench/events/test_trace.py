"""events.trace.journey: one event from received, through the rules it matched, to every
delivery attempt and what it caused (issue 13 item 5, modelled on EventBridge's event-bus
logs: received, rule matched, invocation attempt failed/succeeded, dead-lettered)."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from tests.support.events import entry, machine, record_enqueued, rule_with_targets
from workbench.accounts.services import default_workspace
from workbench.core.arns import function_arn
from workbench.core.jsonio import epoch
from workbench.events.models import Delivery, DeliveryAttempt, ReceivedEvent
from workbench.events.trace import journey, started_by
from workbench.functions import services as functions
from workbench.runtime import deliveries, routing
from workbench.stepfunctions.models import Execution


@pytest.mark.django_db
def test_a_journey_shows_each_attempt_and_what_the_delivery_caused(
    monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    ws = default_workspace()
    functions.save_mock(ws, "flaky", [{"error": "Boom", "cause": "once"}, {"output": 1}])
    target = machine(ws)
    rule_with_targets(
        ws,
        [
            {"Id": "fn", "Arn": function_arn(ws.region, ws.account_id, "flaky")},
            {"Id": "sm", "Arn": target.arn},
        ],
    )
    sent = record_enqueued(monkeypatch)
    with django_capture_on_commit_callbacks(execute=True):
        [result] = routing.put_events(ws, [entry(n=1)])
    fn_id, sm_id = sent
    now = timezone.now()
    deliveries.deliver(fn_id, now=now)
    deliveries.deliver(sm_id, now=now)
    event = ReceivedEvent.objects.get(event_id=result["EventId"])
    before_retry = journey(event)
    fn, sm = before_retry["deliveries"]
    assert (fn["target_id"], fn["status"], fn["caused"]) == ("fn", "pending", None)
    assert [(a["number"], a["outcome"], a["error"]) for a in fn["attempts"]] == [(1, "failed", "Boom: once")]
    assert fn["next_attempt_at"] is not None
    execution = Execution.objects.get()
    assert (sm["status"], sm["caused"]) == ("delivered", execution.arn)
    assert started_by(execution.arn) == ReceivedEvent.objects.get(event_id=result["EventId"])
    assert started_by(execution.arn + "-other") is None
    deliveries.deliver(fn_id, now=now + timezone.timedelta(minutes=10))
    after = journey(event)
    assert after["event_id"] == result["EventId"] and after["matched_rules"] == ["orders"]
    assert (after["bus"], after["source"], after["detail_type"], after["replay_name"]) == (
        "default",
        "shop",
        "order",
        None,
    )
    fn, sm = after["deliveries"]
    assert [a["outcome"] for a in fn["attempts"]] == ["failed", "succeeded"]
    # The try that succeeded is the delivery's own row, at the moment it was made.
    assert fn["attempts"][1]["at"] == epoch(now + timezone.timedelta(minutes=10))
    assert [(a["number"], a["outcome"], a["at"]) for a in sm["attempts"]] == [(1, "succeeded", epoch(now))]
    assert list(DeliveryAttempt.objects.values_list("number", "outcome")) == [(1, "failed")]
    assert (fn["status"], fn["caused"], fn["dead_letter"]) == ("delivered", "flaky", None)


@pytest.mark.django_db
def test_a_successful_try_written_as_an_attempt_row_is_shown_once(
    monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    """Deliveries made before successful tries stopped having rows of their own hold one."""
    ws = default_workspace()
    rule_with_targets(ws, [{"Id": "sm", "Arn": machine(ws).arn}])
    sent = record_enqueued(monkeypatch)
    with django_capture_on_commit_callbacks(execute=True):
        [result] = routing.put_events(ws, [entry(n=1)])
    now = timezone.now()
    deliveries.deliver(sent[0], now=now)
    delivery = Delivery.objects.get()
    DeliveryAttempt.objects.create(delivery=delivery, number=1, at=now, outcome=DeliveryAttempt.SUCCEEDED)
    [sm] = journey(ReceivedEvent.objects.get(event_id=result["EventId"]))["deliveries"]
    assert [(a["number"], a["outcome"]) for a in sm["attempts"]] == [(1, "succeeded")]
