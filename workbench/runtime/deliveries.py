"""Delivering an accepted event to one matched target, once.

EventBridge delivers each matched event to each target at least once ("Event retry policy",
EventBridge User Guide); a Step Functions target is started with StartExecution, whose name
makes it idempotent: the same name and input for a running execution return that execution
(StartExecution, AWS Step Functions API Reference). Here a delivery is the pending row that
``runtime.routing`` wrote with the event; the task takes it under a row lock, renders the
input, invokes the target and records the outcome in the same transaction, so running it
twice (a redelivered message, ``recover``) changes nothing, and a state-machine target is
started under a name derived from the (event, target) key.

Deliveries travel in batches (``queue.deliver_events``: those of one PutEvents call together):
one transaction locks the batch's pending rows with one read, makes each attempt, and writes
every attempt with one insert and every outcome with one update. An API destination's HTTP
call leaves the batch and goes alone, outside any transaction; a target that raises something
unexpected rolls the batch back, which is then delivered one delivery per transaction, so one
bad target does not hold up the rest.

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

import functools
import hashlib
import json
import logging
import random
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from engine.events.transform import TargetInputError, receives_whole_event, render_target_input
from workbench.accounts.models import Workspace
from workbench.celery import RETRIED_DATABASE_ERRORS, durable_task
from workbench.core import rows, together
from workbench.core.arns import Arn, execution_arn
from workbench.core.errors import AwsError, ResourceNotFound
from workbench.core.prepared import Prepared
from workbench.events import bus_logs, bus_policies, log_groups
from workbench.events import services as events
from workbench.events.models import Delivery, DeliveryAttempt, EventBus, ReceivedEvent
from workbench.functions import services as functions
from workbench.live import publish
from workbench.runtime import clock, destination_calls, executions, express, handover, nearby, queue
from workbench.runtime.queue import DELIVER_EVENTS
from workbench.runtime.routing import (
    enqueue_deliveries,
    forward_event,
    is_event_bus_arn,
    put_scheduled_entries,
    recover_replays,
)
from workbench.sns import services as sns
from workbench.sqs import services as sqs
from workbench.sqs.models import Queue
from workbench.stepfunctions import versions
from workbench.stepfunctions.errors import ExecutionAlreadyExists
from workbench.stepfunctions.models import StateMachine
from workbench.stepfunctions.services import UNREAD

log = logging.getLogger(__name__)

RECOVERY_MIN_AGE = timedelta(seconds=5)
"""A delivery younger than this is still on its way from the commit that wrote it."""
BACKOFF_CAP = timedelta(minutes=5)
"""The longest wait between two attempts."""
CALL_LEASE = timedelta(minutes=2)
"""How long an API destination call in flight keeps its delivery from being tried again
(well beyond the call's timeout)."""


def backoff_base() -> float:
    """Seconds before the first retry; later ones double. ``STEPBRIDGE_RETRY_BASE_SECONDS``
    shortens it for tests."""
    return float(settings.STEPBRIDGE_RETRY_BASE_SECONDS)


def retry_delay(failed_attempts: int, rng: random.Random | None = None) -> timedelta:
    """Exponential back-off with "equal jitter": half the doubled delay, plus up to as much at
    random, capped (AWS Architecture Blog, "Exponential Backoff And Jitter")."""
    ceiling = min(BACKOFF_CAP.total_seconds(), backoff_base() * 2 ** max(failed_attempts - 1, 0))
    return timedelta(seconds=ceiling / 2 + (rng or random).uniform(0, ceiling / 2))


OUTCOME_FIELDS = [
    "attempts",
    "attempted",
    "input",
    "status",
    "detail",
    "next_attempt_at",
    "dead_letter",
    "updated",
]
"""The fields an attempt's outcome writes on its delivery."""


@durable_task(DELIVER_EVENTS)
def deliver_events(delivery_ids: list[int]) -> None:
    deliver_all(delivery_ids)


def deliver_all(delivery_ids: list[int], now: datetime | None = None) -> None:
    """Make one attempt at each pending, due delivery of ``delivery_ids``: together in one
    transaction, except API destinations (``deliver``, each alone). Should the batch fail on
    something other than the database, each is delivered in its own transaction instead.

    An Express target that ends at once runs in its delivery's transaction
    (``express.runs_here``); any other is sent to a worker after the commit."""
    with express.runs_here():
        _deliver_all(delivery_ids, now)


def _deliver_all(delivery_ids: list[int], now: datetime | None) -> None:
    if len(delivery_ids) == 1 and not nearby.in_lane():  # in the lane, a call must leave it
        handover.take(delivery_ids)  # delivered alone, from its row: nothing is left kept
        deliver(delivery_ids[0], now)
        return
    kept = handover.take(delivery_ids)
    ahead = _Ahead(now)
    ahead.attempt_all(kept.values())
    try:
        # The batch's Express targets that may wait are sent to a worker after its commit; its
        # writes go to PostgreSQL together (core.together).
        with queue.express_runs_held(), together.atomic():
            alone = _attempt_together(delivery_ids, kept, ahead)
    except RETRIED_DATABASE_ERRORS:
        raise  # the task is retried (durable_task)
    except Exception:
        log.exception("a batch of %d deliveries failed; delivering each alone", len(delivery_ids))
        alone = delivery_ids
    if alone and nearby.in_lane():
        # An API destination's call may wait up to its timeout, and the lane this batch came by
        # holds the process's later batches behind it: each goes as a job of its own.
        queue.deliver_apart(alone)
        return
    failure: Exception | None = None
    for delivery_id in alone:
        try:
            deliver(delivery_id, now)
        except Exception as exc:  # the others still go; the sweep tries this one again
            log.exception("delivery %s failed", delivery_id)
            failure = failure or exc
    if failure is not None and isinstance(failure, RETRIED_DATABASE_ERRORS):
        raise failure


def _attempt_together(delivery_ids: list[int], kept: dict[int, Delivery], ahead: _Ahead) -> list[int]:
    """The attempts of one batch, in the caller's transaction; the ids left to go alone. An
    attempt ``ahead`` made before the transaction is recorded as it was, when its row was
    found as routing handed it over."""
    alone: list[int] = []
    attempted: list[Delivery] = []
    attempts: list[DeliveryAttempt] = []
    for delivery in _pending_rows(delivery_ids, kept, ahead.buses):
        if destination_calls.is_api_destination_arn(delivery.target_arn):
            alone.append(delivery.id)
            continue
        workspace = delivery.event.bus.workspace
        moment = ahead.moment(workspace)
        if delivery.next_attempt_at is not None and delivery.next_attempt_at > moment:
            continue
        delivery.attempts += 1
        outcome = ahead.outcome(delivery) or _attempt(delivery, workspace, moment, ahead.targets)
        attempts.append(_settle(delivery, moment, *outcome))
        attempted.append(delivery)
    if attempted:
        # Only failed tries have rows (DeliveryAttempt); nothing reads their keys.
        rows.insert_all([attempt for attempt in attempts if _failed(attempt)], keys="never")
        rows.update_fields(Delivery, attempted, OUTCOME_FIELDS)
        bus_logs.write_attempts(zip(attempted, attempts, strict=True))
        _tell_pages(attempted)
    return alone


def _pending_query(*delivery_ids: int) -> QuerySet[Delivery]:
    return (
        Delivery.objects.select_for_update(of=("self",))
        .select_related("event")
        .filter(id__in=delivery_ids, status=Delivery.PENDING)
        .order_by("id")
    )


_BUS: Prepared[EventBus] = Prepared(
    lambda bus_id: EventBus.objects.select_related("workspace__virtual_clock").filter(id=bus_id), int
)
"""A batch's bus with its workspace and clock, read once for all its deliveries: joined to
every delivery, they were most of a batch's model instances and converted date-times (issue
10's profile of PutEvents to 300 rules, cProfile in process, 2026-12-05)."""
_EVENT_BUS = ReceivedEvent.bus.field


_PENDING_BY_COUNT: dict[int, Prepared[Delivery]] = {}
"""The pending-deliveries query compiled once per thread for each batch size up to
``PREPARED_BATCH`` (one parameter per id): building it was half of a batch's read (issue 10's
profile of PutEvents to 300 rules, cProfile in process)."""
PREPARED_BATCH = 64


def _pending_rows(
    delivery_ids: list[int], kept: dict[int, Delivery], buses: dict[int, EventBus | None]
) -> list[Delivery]:
    """The batch's pending deliveries, locked (their own rows only), in id order, each event
    with its bus, workspace and clock (read once per bus, unless ``buses`` has it). A delivery
    whose bus is gone is left out: it goes with its bus. Deliveries routing handed over
    (runtime.handover, ``kept``) are not read back while their rows are pending and were never
    attempted; only their ids are locked."""
    # Every row of the batch locked by one statement in id order, as _pending_query locks
    # them, so two batches never wait on each other crosswise.
    states = _lock(sorted(delivery_ids)) if kept else {}
    untouched = {key for key in kept if states.get(key) == (Delivery.PENDING, 0)}
    pending = [kept[delivery_id] for delivery_id in untouched]
    # The others are read whole, but for those the lock found no longer pending.
    still = {key for key, (status, _) in states.items() if status == Delivery.PENDING}
    rest = [key for key in delivery_ids if key not in untouched and (not kept or key in still)]
    if rest:
        pending.extend(_read_pending(rest))
    pending.sort(key=lambda delivery: delivery.pk)
    found = []
    for delivery in pending:
        event = delivery.event
        if event.bus_id not in buses:
            buses[event.bus_id] = _BUS.first(event.bus_id)
        bus = buses[event.bus_id]
        if bus is not None:
            _EVENT_BUS.set_cached_value(event, bus)
            found.append(delivery)
    return found


def _read_pending(delivery_ids: list[int]) -> list[Delivery]:
    """The pending deliveries of ``delivery_ids`` with their events, locked, in id order."""
    count = len(delivery_ids)
    if not 0 < count <= PREPARED_BATCH:
        return list(_pending_query(*delivery_ids))
    prepared = _PENDING_BY_COUNT.get(count)
    if prepared is None:
        prepared = _PENDING_BY_COUNT.setdefault(count, Prepared(_pending_query, *([int] * count)))
    return prepared.all(*delivery_ids)


def _lock(delivery_ids: list[int]) -> dict[int, tuple[str, int]]:
    """The status and attempts of each of ``delivery_ids``, their rows locked in id order: one
    SELECT by key, no instances built. It is the batch's first statement, so on PostgreSQL it
    carries the transaction's BEGIN (``together.returning``). Status and attempts are compared
    by the caller, not in the WHERE clause: there, PostgreSQL chose to go through the status
    index as well (issue 10's pg_stat_statements, 2026-12-05)."""
    meta = Delivery._meta
    quote = connection.ops.quote_name
    key = quote(meta.pk.column)
    status, attempts = (quote(meta.get_field(name).column) for name in ("status", "attempts"))
    marks = ", ".join(["%s"] * len(delivery_ids))
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    found = together.returning(
        f"SELECT {key}, {status}, {attempts} FROM {quote(meta.db_table)} "
        f"WHERE {key} IN ({marks}) ORDER BY {key}{lock}",
        delivery_ids,
    )
    return {delivery_id: (state, tries) for delivery_id, state, tries in found or ()}


class _Targets:
    """The state machines and queues one batch's deliveries go to, each looked up once per
    workspace and ARN (a batch of ten to one machine read it ten times: issue 10's profile of
    PutEvents to Express targets). A version or alias ARN is resolved for every execution: an
    alias picks its version by weight each time."""

    def __init__(self) -> None:
        self._machines: dict[tuple[int, str], versions.StartTarget] = {}
        self._queues: dict[tuple[int, str], Queue | None] = {}

    def start_target(self, workspace: Workspace, arn: str) -> versions.StartTarget:
        key = (workspace.id, arn)
        found = self._machines.get(key)  # only an unqualified ARN's is kept
        if found is not None:
            return found
        if versions.split_arn(arn)[1] is not None:
            return versions.start_target(workspace, arn)
        found = self._machines[key] = versions.start_target(workspace, arn)
        return found

    def queue(self, workspace: Workspace, arn: str) -> Queue | None:
        key = (workspace.id, arn)
        if key not in self._queues:
            self._queues[key] = sqs.queue_for_arn(workspace, arn)
        return self._queues[key]


class _Ahead:
    """A batch's attempts made before its transaction: those at an Express machine whose runs
    touch nothing outside themselves (``express.touches_nothing``), for the deliveries routing
    handed over; and the batch's buses, clocks and targets, read for them and for it.

    On SQLite one write turn serves the whole database, and embedded mode's two processes take
    turns at it (core.sqlite.turns). Issue 10's timing of that turn inside the delivery process
    (served PutEvents to Express targets, 2026-12-06): held 3.5 s of an 8 s run, 0.7 s of it
    SQL and COMMIT, the rest Python, rendering inputs and running the machines the most of it.
    Such a run writes nothing and may be made twice (EventBridge delivers at least once), so it
    is made first and only its outcome is recorded in the transaction; a delivery whose row is
    not as routing handed it over once locked is attempted there again, as any other is."""

    def __init__(self, now: datetime | None) -> None:
        self.now = now
        self.buses: dict[int, EventBus | None] = {}
        self.targets = _Targets()
        self._moments: dict[int, datetime] = {}
        self._outcomes: dict[int, tuple[Delivery, tuple[str, str, bool]]] = {}
        self._verdicts: dict[tuple[int, str], bool] = {}

    def moment(self, workspace: Workspace) -> datetime:
        """The batch's time in the workspace (its virtual clock when on): retries follow it."""
        found = self._moments.get(workspace.id)
        if found is None:
            found = self._moments[workspace.id] = self.now or clock.now(workspace)
        return found

    def attempt_all(self, kept: Iterable[Delivery]) -> None:
        """Attempt each kept delivery whose target's run touches nothing, outside any
        transaction; an attempt that raises is left to the transaction."""
        for delivery in kept:
            event = delivery.event
            if event.bus_id not in self.buses:
                self.buses[event.bus_id] = _BUS.first(event.bus_id)
            bus = self.buses[event.bus_id]
            if bus is None or not self._touches_nothing(bus.workspace, delivery.target_arn):
                continue
            try:
                outcome = _attempt(delivery, bus.workspace, self.moment(bus.workspace), self.targets)
            except Exception:  # attempted again in the transaction, which handles what it raises
                continue
            self._outcomes[delivery.pk] = (delivery, outcome)

    def outcome(self, delivery: Delivery) -> tuple[str, str, bool] | None:
        """The outcome of the attempt made ahead at this very instance, if one was."""
        found = self._outcomes.get(delivery.pk)
        return found[1] if found is not None and found[0] is delivery else None

    def _touches_nothing(self, workspace: Workspace, arn: str) -> bool:
        """An unqualified Express machine's ARN (an alias picks its version at each start);
        asked once per target of the batch."""
        key = (workspace.id, arn)
        verdict = self._verdicts.get(key)
        if verdict is None:
            verdict = self._verdicts[key] = self._machine_touches_nothing(workspace, arn)
        return verdict

    def _machine_touches_nothing(self, workspace: Workspace, arn: str) -> bool:
        if not _is_machine_arn(Arn.parse(arn)) or versions.split_arn(arn)[1] is not None:
            return False
        try:
            machine = self.targets.start_target(workspace, arn).machine
        except AwsError:
            return False
        return machine.type == StateMachine.EXPRESS and express.touches_nothing(machine.definition)


def _attempt(
    delivery: Delivery, workspace: Workspace, moment: datetime, targets: _Targets | None = None
) -> tuple[str, str, bool]:
    """Render the input and invoke the target: (status, detail, retriable)."""
    try:
        delivery.input = _rendered(delivery)
    except TargetInputError as exc:
        return Delivery.FAILED, f"{exc.code}: {exc.message}", False
    return _invoke(delivery, workspace, moment, targets or _Targets())


def deliver(delivery_id: int, now: datetime | None = None) -> None:
    """Make one attempt at a pending delivery that is due; record it; retry, or end it.

    One that is gone, no longer pending or not yet due is left alone. A call to an API
    destination leaves the workbench: it is made outside the transaction (``_call_outside``).
    An Express target's run that goes to a worker is sent after the commit, or not at all.
    """
    with queue.express_runs_held(), transaction.atomic():
        delivery = _pending(delivery_id)
        if delivery is None:
            return
        workspace = delivery.event.bus.workspace
        # The workspace's time (its virtual clock when on): retries follow it, never early.
        moment = now or clock.now(workspace)
        if delivery.next_attempt_at is not None and delivery.next_attempt_at > moment:
            return
        if destination_calls.is_api_destination_arn(delivery.target_arn):
            # InvocationRateLimitPerSecond: too early, the delivery waits for the destination's
            # next slot without spending an attempt.
            slot = destination_calls.wait_until(workspace, delivery.target_arn, moment)
            if slot is not None:
                _wait_for_slot(delivery, slot)
                return
        delivery.attempts += 1
        if not destination_calls.is_api_destination_arn(delivery.target_arn):
            _record(delivery, moment, *_attempt(delivery, workspace, moment))
            return
        try:
            delivery.input = _rendered(delivery)
        except TargetInputError as exc:
            _record(delivery, moment, Delivery.FAILED, f"{exc.code}: {exc.message}", False)
            return
        # The attempt is counted when it is recorded (a call lost with its worker is not).
        lease = moment + CALL_LEASE
        delivery.next_attempt_at = lease
        delivery.save(update_fields=["input", "next_attempt_at", "updated"])
    _call_outside(delivery, workspace, moment, lease)


def _pending(delivery_id: int) -> Delivery | None:
    """The pending delivery, locked (its own row only: the clock is a nullable join)."""
    return (
        Delivery.objects.select_for_update(of=("self",))
        .select_related("event__bus__workspace__virtual_clock")
        .filter(id=delivery_id, status=Delivery.PENDING)
        .first()
    )


def _rendered(delivery: Delivery) -> str:
    return render_target_input(
        delivery.target_input,
        delivery.event.body,
        rule_arn=delivery.rule_arn,
        rule_name=delivery.rule_name,
        ingestion_time=delivery.event.received,
    )


def _call_outside(delivery: Delivery, workspace: Workspace, moment: datetime, lease: datetime) -> None:
    """The HTTP call of an API destination, with no transaction open (no lock is held while it
    waits for the network); the delivery's ``next_attempt_at`` is its lease meanwhile. The
    outcome is recorded only if that lease is still this call's: a worker that died mid-call
    leaves the delivery to be tried again once the lease runs out (EventBridge delivers at
    least once)."""
    status, detail, retriable = destination_calls.deliver(delivery, workspace)
    with transaction.atomic():
        held = _pending(delivery.id)
        if held is None or held.next_attempt_at != lease:
            return
        held.input, held.attempts = delivery.input, held.attempts + 1
        _record(held, moment, status, detail, retriable)


def _record(delivery: Delivery, moment: datetime, status: str, detail: str, retriable: bool) -> None:
    """Record the attempt ``delivery.attempts`` and its outcome; schedule the retry or end the
    delivery."""
    attempt = _settle(delivery, moment, status, detail, retriable)
    if _failed(attempt):
        rows.insert(attempt, keyed=False)
    delivery.save(update_fields=OUTCOME_FIELDS)
    bus_logs.write_attempts([(delivery, attempt)])
    _tell_pages([delivery])


def _settle(
    delivery: Delivery, moment: datetime, status: str, detail: str, retriable: bool
) -> DeliveryAttempt:
    """Set the attempt's outcome on the delivery (retry scheduled, or ended and dead-lettered);
    the attempt, for the bus's logs and, when it failed, for the caller to write with the
    delivery (a successful one is the delivery's own row: DeliveryAttempt)."""
    delivery.status, delivery.detail = status, detail
    delivery.attempted = moment
    delivery.next_attempt_at = None
    delivery.updated = timezone.now()
    if status == Delivery.FAILED:
        _after_failure(delivery, moment, retriable)
    return rows.new(
        DeliveryAttempt,
        delivery=delivery,
        number=delivery.attempts,
        at=moment,
        outcome=DeliveryAttempt.SUCCEEDED if status == Delivery.DELIVERED else DeliveryAttempt.FAILED,
        error="" if status == Delivery.DELIVERED else detail,
    )


def _failed(attempt: DeliveryAttempt) -> bool:
    return attempt.outcome == DeliveryAttempt.FAILED


def _wait_for_slot(delivery: Delivery, slot: datetime) -> None:
    delivery.next_attempt_at = slot
    delivery.save(update_fields=["next_attempt_at", "updated"])
    delivery_id = delivery.id
    transaction.on_commit(lambda: queue.deliver_events([delivery_id], eta=slot))


def _tell_pages(attempted: list[Delivery]) -> None:
    """After the commit, once per bus: its pages show each delivery's status and an event's
    page each attempt, a retry's next try among them; the dashboard counts failed ones."""
    buses = {d.event.bus_id for d in attempted}
    failed = {d.event.bus.workspace_id for d in attempted if d.status == Delivery.FAILED}
    for bus_id in buses:
        transaction.on_commit(lambda bus_id=bus_id: publish.bus_changed(bus_id, ["deliveries"]))
    for workspace_id in failed:
        transaction.on_commit(lambda ws=workspace_id: publish.workspace_changed(ws, ["deliveries"]))


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
        # A frozen virtual clock sends no message: its advances (and the sweep) deliver it.
        eta = clock.eta(delivery.event.bus.workspace, next_at)
        if eta is not None:
            transaction.on_commit(lambda: queue.deliver_events([delivery_id], eta=eta))
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
    replay = delivery.event.body.get("replay-name")
    # A replayed event keeps its id: its executions are new ones.
    digest = _target_digest(delivery.rule_arn, delivery.target_id, str(replay) if replay else None)
    return f"{delivery.event.event_id}_{digest}"


@functools.lru_cache(maxsize=1024)
def _target_digest(rule_arn: str, target_id: str, replay: str | None) -> str:
    """16 hex digits of SHA-256 over the rule, the target and the replay: the same few for
    every event a bus routes, so worked out once each."""
    parts = [rule_arn, target_id] if replay is None else [rule_arn, target_id, replay]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def _invoke(
    delivery: Delivery, workspace: Workspace, moment: datetime, targets: _Targets
) -> tuple[str, str, bool]:
    """(status, detail, retriable): the execution ARN or function name delivered to, or why
    it failed. A target that does not exist or cannot be a target is not retried: AWS sends
    such events to the dead-letter queue at once ("Using dead-letter queues to process
    undelivered events in EventBridge": a target resource that no longer exists is not
    retried); a target that ran and failed is."""
    arn = Arn.parse(delivery.target_arn)
    if destination_calls.is_api_destination_arn(delivery.target_arn):
        return destination_calls.deliver(delivery, workspace)
    entries = delivery.target_input.get("Entries")
    if entries is not None:  # a schedule's PutEvents, at its moment in a flexible window
        put, detail = put_scheduled_entries(workspace, entries)
        return (Delivery.DELIVERED if put else Delivery.FAILED), detail, False
    try:
        if _is_machine_arn(arn):
            target = targets.start_target(workspace, delivery.target_arn)
            return Delivery.DELIVERED, _start_machine(delivery, target), True
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
        if arn is not None and arn.service == "sqs":
            queue_target = targets.queue(workspace, delivery.target_arn)
            return Delivery.DELIVERED, _send_to_queue(delivery, queue_target), True
        if arn is not None and arn.service == "sns":
            topic = sns.topic_for_arn(workspace, delivery.target_arn)
            return Delivery.DELIVERED, sns.publish(topic, delivery.input).message_id, True
        if arn is not None and arn.service == "logs":
            log_groups.write(workspace, delivery.target_arn, delivery.event.body, delivery.input, moment)
            return Delivery.DELIVERED, delivery.target_arn, True
        if is_event_bus_arn(delivery.target_arn):
            return _put_on_bus(delivery, workspace, moment)
    except AwsError as exc:
        return Delivery.FAILED, f"{exc.code}: {exc.message}", False
    return Delivery.FAILED, f"target type of {delivery.target_arn} is not supported yet", False


def _is_machine_arn(arn: Arn | None) -> bool:
    return arn is not None and arn.service == "states" and arn.resource.startswith("stateMachine:")


def _send_to_queue(delivery: Delivery, target: Queue | None) -> str:
    """SendMessage of the rendered input to a workbench queue; the message id.

    A FIFO queue gets the target's SqsParameters.MessageGroupId and no deduplication id: the
    queue must have content-based deduplication on ("SqsParameters", EventBridge API Reference:
    "If you specify an SQS FIFO queue as a target, the queue must have content-based
    deduplication enabled"); without it, or without a group id, SQS's refusal fails the attempt.
    """
    if target is None:
        raise ResourceNotFound(f"Queue {delivery.target_arn} does not exist.")
    group = (delivery.target_input.get("SqsParameters") or {}).get("MessageGroupId") if target.fifo else None
    return sqs.send_message(target, delivery.input, group_id=group).message_id


def _put_on_bus(delivery: Delivery, workspace: Workspace, moment: datetime) -> tuple[str, str, bool]:
    """An event-bus target: the event, unchanged, is put on that bus (of this workspace or, by
    ARN, of another one whose bus policy must allow this workspace events:PutEvents on it:
    "Sending and receiving events between AWS accounts in Amazon EventBridge"). A refusal is a
    failed attempt that is retried (the receiver may yet grant the permission); a bus that
    does not exist is not retried."""
    bus = events.bus_for_arn(workspace, delivery.target_arn)
    refusal = bus_policies.put_events_refusal(bus, workspace, delivery.event.body)
    if refusal is not None:
        return Delivery.FAILED, f"{bus_policies.AccessDenied.code}: {refusal}", True
    forward_event(bus, delivery.event.body, moment)
    return Delivery.DELIVERED, bus.arn, True


def _start_machine(delivery: Delivery, target: versions.StartTarget) -> str:
    """Start the target under the delivery's own name; the ARN of the execution it names.

    A second run for the same delivery meets the execution the first one started: AWS answers
    a running one with itself, and a finished one with ExecutionAlreadyExists, which here
    means this delivery was already made.
    """
    name = execution_name(delivery)
    machine = target.machine
    # The whole event is not read back from the text just made of it (1.5% of the API
    # processes' samples in issue 10's py-spy of served PutEvents, 2026-12-06); the decider
    # changes no value it is given.
    whole = receives_whole_event(delivery.target_input)
    value = delivery.event.body if whole else UNREAD
    try:
        return executions.start_execution(
            machine, name=name, input_text=delivery.input, target=target, input_value=value
        ).arn
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
        Q(next_attempt_at__isnull=True, created__lte=cutoff)
        | clock.due("next_attempt_at", "event__bus__workspace", moment),
        status=Delivery.PENDING,
    ).order_by("id")
    enqueue_deliveries(pending.values_list("id", flat=True).iterator())
    recover_replays(min_age)
