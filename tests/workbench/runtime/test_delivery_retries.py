"""runtime.deliveries: a failed attempt is recorded and retried with exponential back-off and
jitter until the target's RetryPolicy runs out, then dead-lettered with AWS's attributes.

Behaviour followed: "How EventBridge retries delivering events" (EventBridge User Guide:
by default 24 hours and up to 185 times, exponential back-off and jitter), RetryPolicy
(MaximumRetryAttempts 0..185, MaximumEventAgeInSeconds 60..86400), and "Using dead-letter
queues" (message attributes ERROR_CODE, ERROR_MESSAGE, EXHAUSTED_RETRY_CONDITION,
RETRY_ATTEMPTS, RULE_ARN, TARGET_ARN). The clock is passed explicitly (``now``).
"""

from __future__ import annotations

import json
import random
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from tests.support.events import entry, record_enqueued, rule_with_targets
from workbench.accounts.models import Workspace
from workbench.accounts.services import default_workspace
from workbench.core.arns import function_arn
from workbench.events import services as events
from workbench.events import trace
from workbench.events.models import Delivery, DeliveryAttempt
from workbench.functions import services as functions
from workbench.runtime import deliveries, routing
from workbench.sqs import services as sqs
from workbench.sqs.models import Message

DLQ = "arn:aws:sqs:us-east-1:123456789012:dlq"


def _function_target(ws: Workspace, outcomes: list[dict[str, Any]], **target: Any) -> None:
    functions.save_mock(ws, "flaky", outcomes)
    arn = function_arn(ws.region, ws.account_id, "flaky")
    rule_with_targets(ws, [{"Id": "fn", "Arn": arn, **target}])


def _accept(ws: Workspace, monkeypatch: pytest.MonkeyPatch, capture: Any) -> int:
    sent = record_enqueued(monkeypatch)
    with capture(execute=True):
        routing.put_events(ws, [entry(n=1)])
    [delivery_id] = sent
    return delivery_id


@pytest.mark.django_db
def test_a_target_failing_five_times_gets_its_event_on_the_sixth_attempt(
    monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    ws = default_workspace()
    _function_target(ws, [{"error": "Boom", "cause": "down"}] * 5 + [{"output": "ok"}])
    delivery_id = _accept(ws, monkeypatch, django_capture_on_commit_callbacks)
    sent = record_enqueued(monkeypatch)
    now = timezone.now()
    for failed in range(1, 6):
        with django_capture_on_commit_callbacks(execute=True):
            deliveries.deliver(delivery_id, now=now)
        delivery = Delivery.objects.get(id=delivery_id)
        assert (delivery.status, delivery.attempts) == ("pending", failed)
        assert delivery.next_attempt_at is not None
        ceiling = deliveries.backoff_base() * 2 ** (failed - 1)
        wait = (delivery.next_attempt_at - now).total_seconds()
        assert ceiling / 2 <= wait <= ceiling, (failed, wait)
        # A message that arrives before the attempt is due changes nothing.
        deliveries.deliver(delivery_id, now=delivery.next_attempt_at - timedelta(milliseconds=1))
        assert Delivery.objects.get(id=delivery_id).attempts == failed
        now = delivery.next_attempt_at
    assert sent == [delivery_id] * 5  # each retry enqueued after its commit
    deliveries.deliver(delivery_id, now=now)
    delivery = Delivery.objects.get(id=delivery_id)
    assert (delivery.status, delivery.attempts, delivery.detail) == ("delivered", 6, "flaky")
    log = [(attempt["number"], attempt["outcome"], attempt["error"]) for attempt in trace.attempts(delivery)]
    assert log == [(n, "failed", "Boom: down") for n in range(1, 6)] + [(6, "succeeded", "")]
    assert delivery.attempted == now  # the sixth try's moment
    assert DeliveryAttempt.objects.filter(delivery=delivery).count() == 5  # the failed ones


@pytest.mark.django_db
def test_retries_run_out_at_maximum_retry_attempts_and_dead_letter_with_awss_attributes(
    monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    ws = default_workspace()
    dlq = sqs.queue_arn(sqs.create_queue(ws, "dlq"))
    _function_target(
        ws,
        [{"error": "Boom", "cause": "always"}],
        RetryPolicy={"MaximumRetryAttempts": 2},
        DeadLetterConfig={"Arn": dlq},
    )
    delivery_id = _accept(ws, monkeypatch, django_capture_on_commit_callbacks)
    now = timezone.now()
    for _ in range(3):
        deliveries.deliver(delivery_id, now=now)
        now += timedelta(minutes=10)
    delivery = Delivery.objects.select_related("event").get(id=delivery_id)
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == ("failed", 3, None)
    attributes = {
        "ERROR_CODE": "Boom",
        "ERROR_MESSAGE": "always",
        "EXHAUSTED_RETRY_CONDITION": "MaximumRetryAttempts",
        "RETRY_ATTEMPTS": "2",
        "RULE_ARN": delivery.rule_arn,
        "TARGET_ARN": function_arn(ws.region, ws.account_id, "flaky"),
    }
    [message] = Message.objects.filter(queue__name="dlq")
    assert json.loads(message.body) == delivery.event.body  # the body is the event itself
    assert message.message_attributes == {
        key: {"DataType": "String", "StringValue": value} for key, value in attributes.items()
    }
    assert delivery.dead_letter == {"Arn": dlq, **attributes, "Sent": True, "MessageId": message.message_id}
    deliveries.deliver(delivery_id, now=now)  # an ended delivery is left alone
    assert Delivery.objects.get(id=delivery_id).attempts == 3


@pytest.mark.django_db
def test_an_event_delivered_from_its_stored_row_keeps_its_members_in_put_order(
    monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    """A retry reads the event back from the database; the target still gets it as it was put
    (EventBridge User Guide, "Amazon EventBridge events": the envelope's fields in their order,
    the detail as the caller wrote it), which PostgreSQL's jsonb would have sorted by length."""
    ws = default_workspace()
    rule_with_targets(ws, [{"Id": "q", "Arn": sqs.queue_arn(sqs.create_queue(ws, "orders"))}])
    sent = record_enqueued(monkeypatch)
    with django_capture_on_commit_callbacks(execute=True):
        routing.put_events(ws, [entry(zebra=1, a={"yy": 1, "b": 2}, mid=3)])
    [delivery_id] = sent
    deliveries.deliver(delivery_id, now=timezone.now())
    [message] = Message.objects.filter(queue__name="orders")
    event = json.loads(message.body)
    envelope = ["version", "id", "detail-type", "source", "account", "time", "region", "resources", "detail"]
    assert list(event) == envelope
    assert (list(event["detail"]), list(event["detail"]["a"])) == (["zebra", "a", "mid"], ["yy", "b"])


@pytest.mark.django_db
def test_retries_stop_when_the_next_one_would_pass_the_maximum_event_age(
    monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    settings.STEPBRIDGE_RETRY_BASE_SECONDS = 100.0  # the first retry waits 50..100 s
    ws = default_workspace()
    _function_target(ws, [{"error": "Boom"}], RetryPolicy={"MaximumEventAgeInSeconds": 60})
    delivery_id = _accept(ws, monkeypatch, django_capture_on_commit_callbacks)
    received = Delivery.objects.select_related("event").get(id=delivery_id).event.received
    deliveries.deliver(delivery_id, now=received + timedelta(seconds=20))
    delivery = Delivery.objects.get(id=delivery_id)
    assert (delivery.status, delivery.attempts) == ("failed", 1)
    assert delivery.dead_letter is None  # no DeadLetterConfig: the event is dropped, as on AWS


@pytest.mark.django_db
def test_a_bus_dead_letter_queue_takes_no_targets_failure(
    monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    """AWS sends a bus's dead-letter queue only events that fail on the bus itself with a
    non-retriable encryption error ("Using dead-letter queues to capture encrypted event
    errors", EventBridge User Guide); a target without its own DeadLetterConfig drops them."""
    ws = default_workspace()
    _function_target(ws, [{"error": "Boom"}], RetryPolicy={"MaximumRetryAttempts": 0})
    assert events.update_bus(ws, "default", None, {"Arn": DLQ}).dead_letter_arn == DLQ
    delivery_id = _accept(ws, monkeypatch, django_capture_on_commit_callbacks)
    deliveries.deliver(delivery_id)
    delivery = Delivery.objects.get(id=delivery_id)
    assert (delivery.status, delivery.dead_letter_arn, delivery.dead_letter) == ("failed", None, None)


@pytest.mark.django_db
def test_a_dead_letter_queue_that_does_not_exist_keeps_the_attributes_and_says_why(
    monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    ws = default_workspace()
    _function_target(
        ws, [{"error": "Boom"}], RetryPolicy={"MaximumRetryAttempts": 0}, DeadLetterConfig={"Arn": DLQ}
    )
    delivery_id = _accept(ws, monkeypatch, django_capture_on_commit_callbacks)
    deliveries.deliver(delivery_id)
    delivery = Delivery.objects.get(id=delivery_id)
    assert delivery.status == "failed"
    assert delivery.dead_letter is not None
    assert (delivery.dead_letter["Arn"], delivery.dead_letter["RETRY_ATTEMPTS"]) == (DLQ, "0")
    # No such queue: the attributes stay recorded, and why nothing was sent.
    assert (delivery.dead_letter["Sent"], delivery.dead_letter["Reason"]) == (
        False,
        "the dead-letter queue does not exist",
    )


@pytest.mark.django_db
def test_a_missing_target_is_not_retried(
    monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    ws = default_workspace()
    gone = function_arn(ws.region, ws.account_id, "gone")
    rule_with_targets(ws, [{"Id": "fn", "Arn": gone, "DeadLetterConfig": {"Arn": DLQ}}])
    delivery_id = _accept(ws, monkeypatch, django_capture_on_commit_callbacks)
    deliveries.deliver(delivery_id)
    delivery = Delivery.objects.get(id=delivery_id)
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == ("failed", 1, None)
    assert delivery.dead_letter is not None
    assert delivery.dead_letter["ERROR_CODE"] == "ResourceNotFoundException"


@pytest.mark.django_db
def test_recover_requeues_retries_that_are_due_and_not_those_still_waiting(
    monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    ws = default_workspace()
    _function_target(ws, [{"error": "Boom"}])
    due, waiting = (_accept(ws, monkeypatch, django_capture_on_commit_callbacks) for _ in range(2))
    now = timezone.now()
    Delivery.objects.filter(id=due).update(attempts=1, next_attempt_at=now - timedelta(seconds=1))
    Delivery.objects.filter(id=waiting).update(attempts=1, next_attempt_at=now + timedelta(minutes=1))
    Delivery.objects.update(created=now - timedelta(hours=1))
    sent = record_enqueued(monkeypatch)
    deliveries.recover(now=now)
    assert sent == [due]


def test_back_off_doubles_with_jitter_and_is_capped() -> None:
    rng = random.Random(7)
    base = deliveries.backoff_base()
    waits = [deliveries.retry_delay(n, rng).total_seconds() for n in range(1, 30)]
    for n, wait in enumerate(waits, start=1):
        ceiling = min(deliveries.BACKOFF_CAP.total_seconds(), base * 2 ** (n - 1))
        assert ceiling / 2 <= wait <= ceiling
    assert len(set(waits)) == len(waits)  # jittered: no two the same
    assert max(waits) <= deliveries.BACKOFF_CAP.total_seconds()
