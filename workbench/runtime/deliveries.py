"""Delivering an accepted event to one matched target, once.

EventBridge delivers each matched event to each target at least once ("Event retry policy",
EventBridge User Guide); a Step Functions target is started with StartExecution, whose name
makes it idempotent: the same name and input for a running execution return that execution
(StartExecution, AWS Step Functions API Reference). Here a delivery is the pending row that
``runtime.routing`` wrote with the event; the task takes it under a row lock, renders the
input, invokes the target and records the outcome in the same transaction, so running it
twice (a redelivered message, ``recover``) changes nothing, and a state-machine target is
started under a name derived from the (event, target) key.

A failed attempt is recorded (a ``DeliveryAttempt``) and retried, as EventBridge does, with
exponential back-off and jitter until the target's RetryPolicy runs out: MaximumRetryAttempts
retries (default 185) or MaximumEventAgeInSeconds since the event was accepted (default 86400)
("How EventBridge retries delivering events", EventBridge User Guide). The next try's time is
stored on the row (``next_attempt_at``), so ``recover`` re-queues it after a crash. A delivery
whose retries or age ran out ends FAILED and, with a dead-letter queue on its target or bus,
goes to ``dead_letter``: a message on that workbench SQS queue with AWS's attributes
ERROR_CODE, ERROR_MESSAGE, EXHAUSTED_RETRY_CONDITION, RETRY_ATTEMPTS, RULE_ARN and
TARGET_ARN ("Using dead-letter queues to process undelivered events in EventBridge"). A
target input that cannot be rendered is not retriable: it fails at once.
"""

from __future__ import annotations

import hashlib
import json
import random
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from engine.events.transform import TargetInputError, render_target_input
from workbench.accounts.models import Workspace
from workbench.celery import durable_task
from workbench.core.arns import Arn, execution_arn
from workbench.core.errors import AwsError
from workbench.events.models import Delivery, DeliveryAttempt
from workbench.functions import services as functions
from workbench.live import publish
from workbench.runtime import executions, queue
from workbench.runtime.queue import DELIVER_EVENT
from workbench.runtime.routing import enqueue_deliveries, recover_replays
from workbench.sqs import services as sqs
from workbench.stepfunctions import services as stepfunctions
from workbench.stepfunctions.errors import ExecutionAlreadyExists
from workbench.stepfunctions.models import StateMachine

RECOVERY_MIN_AGE = timedelta(seconds=5)
"""A delivery younger than this is still on its way from the commit that wrote it."""
BACKOFF_CAP = timedelta(minutes=5)
"""The longest wait between two attempts."""


def backoff_base() -> float:
    """Seconds before the first retry; later ones double. ``STEPBRIDGE_RETRY_BASE_SECONDS``
    shortens it for tests."""
    return float(settings.STEPBRIDGE_RETRY_BASE_SECONDS)


def retry_delay(failed_attempts: int, rng: random.Random | None = None) -> timedelta:
    """Exponential back-off with "equal jitter": half the doubled delay, plus up to as much at
    random, capped (AWS Architecture Blog, "Exponential Backoff And Jitter")."""
    ceiling = min(BACKOFF_CAP.total_seconds(), backoff_base() * 2 ** max(failed_attempts - 1, 0))
    return timedelta(seconds=ceiling / 2 + (rng or random).uniform(0, ceiling / 2))


@durable_task(DELIVER_EVENT)
def deliver_event(delivery_id: int) -> None:
    deliver(delivery_id)


def deliver(delivery_id: int, now: datetime | None = None) -> None:
    """Make one attempt at a pending delivery that is due; record it; retry, or end it.

    One that is gone, no longer pending or not yet due is left alone.
    """
    moment = now or timezone.now()
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update()
            .select_related("event__bus__workspace")
            .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=moment))
            .filter(id=delivery_id, status=Delivery.PENDING)
            .first()
        )
        if delivery is None:
            return
        delivery.attempts += 1
        retriable = True
        try:
            delivery.input = render_target_input(
                delivery.target_input,
                delivery.event.body,
                rule_arn=delivery.rule_arn,
                rule_name=delivery.rule_name,
                ingestion_time=delivery.event.received,
            )
        except TargetInputError as exc:
            status, detail, retriable = Delivery.FAILED, f"{exc.code}: {exc.message}", False
        else:
            status, detail, retriable = _invoke(delivery, delivery.event.bus.workspace)
        DeliveryAttempt.objects.create(
            delivery=delivery,
            number=delivery.attempts,
            at=moment,
            outcome=DeliveryAttempt.SUCCEEDED if status == Delivery.DELIVERED else DeliveryAttempt.FAILED,
            error="" if status == Delivery.DELIVERED else detail,
        )
        delivery.status, delivery.detail = status, detail
        if status == Delivery.FAILED:
            _after_failure(delivery, moment, retriable)
        delivery.save(
            update_fields=[
                "attempts",
                "input",
                "status",
                "detail",
                "next_attempt_at",
                "dead_letter",
                "updated",
            ]
        )
        _tell_pages(delivery)


def _tell_pages(delivery: Delivery) -> None:
    """After the commit: the event's bus page shows each delivery's status; the dashboard counts
    failed ones."""
    if delivery.status == Delivery.PENDING:
        return  # a retry is scheduled: nothing a page shows has ended
    bus = delivery.event.bus
    failed = delivery.status == Delivery.FAILED
    transaction.on_commit(lambda: publish.bus_changed(bus.id, ["deliveries"]))
    if failed:
        transaction.on_commit(lambda: publish.workspace_changed(bus.workspace_id, ["deliveries"]))


def _after_failure(delivery: Delivery, moment: datetime, retriable: bool) -> None:
    """Schedule the next attempt, or end the delivery FAILED (and dead-letter it)."""
    retries_made = delivery.attempts - 1
    next_at = moment + retry_delay(delivery.attempts)
    if not retriable:
        exhausted = "NonRetriableError"
    elif retries_made >= delivery.max_retry_attempts:
        exhausted = "MaximumRetryAttempts"
    elif next_at > delivery.event.received + timedelta(seconds=delivery.max_event_age):
        exhausted = "MaximumEventAgeInSeconds"
    else:
        delivery.status, delivery.next_attempt_at = Delivery.PENDING, next_at
        delivery_id = delivery.id
        transaction.on_commit(lambda: queue.enqueue(DELIVER_EVENT, delivery_id, eta=next_at))
        return
    delivery.next_attempt_at = None
    if delivery.dead_letter_arn:
        dead_letter(delivery, exhausted)


def dead_letter(delivery: Delivery, exhausted: str) -> None:
    """Send the event to the delivery's dead-letter queue with AWS's message attributes, and
    record them on the row (the caller saves it, in the same transaction as the send).

    The message body is the event, as EventBridge sends it. A queue that does not exist (or a
    send it refuses) leaves the attributes recorded with ``Sent: false`` and the reason.
    """
    code, _, message = delivery.detail.partition(": ")
    attributes = {
        "ERROR_CODE": code if message else "TargetInvocationFailed",
        "ERROR_MESSAGE": message or delivery.detail,
        "EXHAUSTED_RETRY_CONDITION": exhausted,
        "RETRY_ATTEMPTS": str(delivery.attempts - 1),
        "RULE_ARN": delivery.rule_arn,
        "TARGET_ARN": delivery.target_arn,
    }
    record: dict[str, Any] = {"Arn": delivery.dead_letter_arn, **attributes}
    dlq = sqs.queue_for_arn(delivery.event.bus.workspace, delivery.dead_letter_arn or "")
    if dlq is None:
        record.update(Sent=False, Reason="the dead-letter queue does not exist")
    else:
        try:
            sent = sqs.send_message(
                dlq,
                json.dumps(delivery.event.body, separators=(",", ":")),
                message_attributes={
                    key: {"DataType": "String", "StringValue": value} for key, value in attributes.items()
                },
                group_id=delivery.event.event_id if dlq.fifo else None,
                deduplication_id=f"{delivery.id}" if dlq.fifo else None,
            )
        except AwsError as exc:
            record.update(Sent=False, Reason=f"{exc.code}: {exc.message}")
        else:
            record.update(Sent=True, MessageId=sent.message_id)
    delivery.dead_letter = record


def execution_name(delivery: Delivery) -> str:
    """The execution name a state-machine target gets: the event id and a digest of the target
    (rule and target id), 53 characters of StartExecution's allowed 80."""
    parts = [delivery.rule_arn, delivery.target_id]
    replay = delivery.event.body.get("replay-name")
    if replay:  # a replayed event keeps its id: its executions are new ones
        parts.append(str(replay))
    target_key = "\n".join(parts).encode()
    return f"{delivery.event.event_id}_{hashlib.sha256(target_key).hexdigest()[:16]}"


def _invoke(delivery: Delivery, workspace: Workspace) -> tuple[str, str, bool]:
    """(status, detail, retriable): the execution ARN or function name delivered to, or why
    it failed. A target that does not exist or cannot be a target is not retried: AWS sends
    such events to the dead-letter queue at once ("Using dead-letter queues to process
    undelivered events in EventBridge": a target resource that no longer exists is not
    retried); a target that ran and failed is."""
    arn = Arn.parse(delivery.target_arn)
    try:
        if arn is not None and arn.service == "states" and arn.resource.startswith("stateMachine:"):
            machine = stepfunctions.get_machine(workspace, delivery.target_arn)
            return Delivery.DELIVERED, _start_machine(delivery, machine), True
        if arn is not None and arn.service == "lambda":
            function = functions.resolve(workspace, delivery.target_arn)
            outcome = functions.invoke(
                function,
                _as_payload(delivery.input),
                caller=f"{delivery.rule_arn}#{delivery.target_id}",
                attempt=delivery.attempts,
            )
            if outcome.error:
                return Delivery.FAILED, f"{outcome.error}: {outcome.cause}", True
            return Delivery.DELIVERED, function.name, True
    except AwsError as exc:
        return Delivery.FAILED, f"{exc.code}: {exc.message}", False
    return Delivery.FAILED, f"target type of {delivery.target_arn} is not supported yet", False


def _start_machine(delivery: Delivery, machine: StateMachine) -> str:
    """Start the target under the delivery's own name; the ARN of the execution it names.

    A second run for the same delivery meets the execution the first one started: AWS answers
    a running one with itself, and a finished one with ExecutionAlreadyExists, which here
    means this delivery was already made.
    """
    name = execution_name(delivery)
    try:
        return executions.start_execution(machine, name=name, input_text=delivery.input).arn
    except AwsError as exc:
        if exc.code != ExecutionAlreadyExists.code:
            raise
        ws = machine.workspace
        return execution_arn(ws.region, ws.account_id, machine.name, name)


def _as_payload(text: str) -> Any:
    """What a function receives: the JSON value, or the text itself for a plain-text template."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def recover(min_age: timedelta = RECOVERY_MIN_AGE, now: datetime | None = None) -> None:
    """Re-enqueue every pending delivery owed: never tried and at least ``min_age`` old, or
    whose next attempt is due; and every active replay (``routing.recover_replays``).

    Safe at any time and from any process: a delivery that is no longer pending or not yet
    due when its task runs is left alone.
    """
    moment = now or timezone.now()
    cutoff = moment - min_age
    pending = Delivery.objects.filter(
        Q(next_attempt_at__isnull=True, created__lte=cutoff) | Q(next_attempt_at__lte=moment),
        status=Delivery.PENDING,
    ).order_by("id")
    enqueue_deliveries(pending.values_list("id", flat=True).iterator())
    recover_replays(min_age)
