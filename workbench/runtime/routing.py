"""Routing an accepted event: the one owner of "accept, match, hand the targets to delivery".

EventBridge acknowledges a PutEvents entry only once it has durably accepted it, then
delivers to each matched target at least once, retrying for up to 24 hours ("Event retry
policy and using dead-letter queues", EventBridge User Guide). Here that durability is the
database: every accepted event and one pending ``Delivery`` per matched target are written
in ONE transaction before PutEvents answers, and delivery is enqueued only after that commit
(calls arriving while another call's transaction is under way share the next one:
``runtime.combining``).
A crash anywhere after the answer loses nothing: ``deliveries.recover`` re-queues what is
still pending. The PutEvents API and the Step Functions ``events:putEvents`` integration both
call ``put_events`` here; services' own events (Step Functions' status changes) come through
``accept_service_event``.

Accepted events are archived in the same transaction (``events.archives.archive_accepted``).
Replays run here too, since replaying is accepting archived events again: ``run_replay`` takes
one batch per task under a row lock, stores the events (with ``replay-name``) and their
deliveries for only the rules the replay allows, and moves the replay's cursor in the same
transaction, so a replay resumes after a crash where its last committed batch ended.

After each commit that stored events, the pages tailing their buses and the dashboard are told
to look again (``live.publish.events_accepted``).
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterable
from datetime import datetime, timedelta
from itertools import takewhile
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from engine.events.patterns import matches, parse_pattern
from workbench.accounts.models import Workspace
from workbench.core import rows, together
from workbench.core.arns import Arn, function_arn
from workbench.core.errors import AwsError
from workbench.events import archives, bus_logs, matchers, replays
from workbench.events import services as events
from workbench.events.models import (
    ArchivedEvent,
    Delivery,
    EventBus,
    ReceivedEvent,
    Replay,
    Rule,
    Schedule,
    Target,
)
from workbench.events.services import AcceptedEntry
from workbench.live import publish
from workbench.runtime import clock, handover, queue
from workbench.runtime.combining import Combiner
from workbench.schemas import discovery
from workbench.schemas import validation as schema_validation

REPLAY_BATCH = 100
"""Archived events one replay task sends, in one transaction."""


Route = tuple[EventBus, dict[str, Any], list[Rule], list[dict[str, str]]]
"""An accepted event on its bus, the rules it matched and what its bus's schema flagged."""


def put_events(workspace: Workspace, entries: Any, *, aws_sources: bool = False) -> list[dict[str, str]]:
    """PutEvents: every entry is checked first, then the accepted ones are stored with their
    pending deliveries in one transaction; one result per entry, in the entries' order.
    (``aws_sources``: see ``events.services.check_put_events``.)"""
    checked = events.check_put_events(workspace, entries, aws_sources=aws_sources)
    found = iter(
        schema_validation.check_put_entries(
            [(entry.bus, entry.event) for entry in checked if isinstance(entry, AcceptedEntry)]
        )
    )
    verdicts = [
        _schema_verdict(entry, next(found)) if isinstance(entry, AcceptedEntry) else entry
        for entry in checked
    ]
    accepted = [verdict for verdict in verdicts if isinstance(verdict, tuple)]
    # Match before the transaction opens: matching reads only, and the write lock stays short.
    matched = matchers.matching_rules_each([(entry.bus, entry.event) for entry, _ in accepted])
    routes = [
        (entry.bus, entry.event, rules, flags)
        for (entry, flags), rules in zip(accepted, matched, strict=True)
    ]
    # Alone, or with the calls other threads are making now (runtime.combining); inside a
    # caller's transaction (a schedule's or a Task's PutEvents), in it.
    accepting = (workspace, routes)
    if routes and (transaction.get_connection().in_atomic_block or not _ACCEPTING.submit(accepting)):
        _accept_all([accepting])
    return [
        {"EventId": str(verdict[0].event["id"])} if isinstance(verdict, tuple) else verdict
        for verdict in verdicts
    ]


Accepting = tuple[Workspace, list[Route]]
"""One PutEvents call's accepted events, with the rules each matched, in its workspace."""


def _accept_all(calls: list[Accepting]) -> None:
    """Store the calls' events and their pending deliveries in one transaction; deliver them
    and tell the pages after the commit. An event's time and age follow its workspace's
    clock, read once per workspace."""
    by_workspace: dict[int, tuple[Workspace, list[Route]]] = {}
    for workspace, routes in calls:
        by_workspace.setdefault(workspace.id, (workspace, []))[1].extend(routes)
    moments = {key: clock.now(workspace) for key, (workspace, _) in by_workspace.items()}
    buses = {key: sorted({bus.id for bus, _, _, _ in routes}) for key, (_, routes) in by_workspace.items()}
    stored: list[Delivery] = []
    # BEGIN goes with the events' INSERT, COMMIT with the last held writes (core.together).
    with together.atomic():
        for key, (_, routes) in by_workspace.items():
            stored.extend(_store_all(routes, moments[key], keys_later=True))
            archives.archive_accepted([(bus, event) for bus, event, _, _ in routes], moments[key])
        transaction.on_commit(lambda: _after_accepting(stored, buses))


ACCEPTED_TOGETHER = 16
"""PutEvents calls stored in one transaction at most (160 entries)."""
_ACCEPTING: Combiner[Accepting] = Combiner(_accept_all, most=ACCEPTED_TOGETHER)


def accept_service_event(workspace: Workspace, event: dict[str, Any]) -> None:
    """An AWS service's own event (an envelope with ``source`` ``aws.<service>``, such as Step
    Functions' execution status changes) put on the workspace's default bus, in the caller's
    transaction, so it is durable exactly when the change it reports is.

    Kept cheap: nothing at all is read while the default bus has no enabled pattern rule
    (``Workspace.default_bus_rules``), and an event no rule matches is not stored.
    """
    if workspace.default_bus_rules == 0:
        return
    bus = EventBus.objects.filter(workspace=workspace, name=events.DEFAULT_BUS).first()
    if bus is None:
        return
    rules = matchers.matching_rules(bus, event)
    if not rules:
        return
    now = clock.now(workspace)
    with transaction.atomic():
        stored = _store_all([(bus, event, rules, [])], now)
        archives.archive_accepted([(bus, event)], now)
        transaction.on_commit(lambda: _after_accepting(stored, {workspace.id: [bus.id]}))


def _after_accepting(stored: list[Delivery], buses: dict[int, list[int]]) -> None:
    """After the commit: deliver (the batch takes the deliveries just written from memory,
    runtime.handover), then tell the pages tailing these buses, by workspace id (where any
    events were stored)."""
    handover.keep(stored)
    enqueue_deliveries([delivery.pk for delivery in stored], nearby="soon")
    for workspace_id, bus_ids in buses.items():
        if bus_ids:
            publish.events_accepted(workspace_id, bus_ids)


def _schema_verdict(
    entry: AcceptedEntry, problem: schema_validation.EntryProblem | None
) -> tuple[AcceptedEntry, list[dict[str, str]]] | dict[str, str]:
    """The entry with the schema problems to flag on it, or its PutEvents error when its bus
    validates events against a schema version in reject mode (a workbench addition; AWS buses
    validate nothing)."""
    if problem is None:
        return entry, []
    return problem.put_events_error() if problem.rejects else (entry, problem.flags())


def forward_event(bus: EventBus, event: dict[str, Any], now: datetime) -> list[int]:
    """Put an event another bus's rule sent here (an event-bus target) on ``bus``, in the
    caller's transaction: stored, archived and routed as an accepted event, unchanged (its id,
    account and source stay the sender's); its deliveries are enqueued after commit.

    Its rules' targets that are event buses are left out: EventBridge does not pass an event
    received from another bus on to a third one ("Sending and receiving events between AWS
    accounts in Amazon EventBridge": events received from a sender are not sent on to a third
    account, nor from a second bus of one account to a third).
    """
    [rules] = matchers.matching_rules_each([(bus, event)])
    stored = _store_all([(bus, event, rules, [])], now, forwarded=True)
    archives.archive_accepted([(bus, event)], now)
    transaction.on_commit(lambda: _after_accepting(stored, {bus.workspace_id: [bus.id]}))
    return [delivery.pk for delivery in stored]


def is_event_bus_arn(arn: str) -> bool:
    parts = arn.split(":", 5)
    return len(parts) == 6 and parts[2] == "events" and parts[5].startswith("event-bus/")


def _store_all(
    routes: list[Route], now: datetime, forwarded: bool = False, keys_later: bool = False
) -> list[Delivery]:
    """Each event (with what its bus's schema flagged) and one pending delivery per target of
    each rule it matched, in three statements whatever the number of events; the deliveries
    (with ``keys_later``, keyed by the commit: ``rows.insert_all``).

    Each delivery copies its target's RetryPolicy and DeadLetterConfig as they were when the
    event matched. A bus's own DeadLetterConfig takes no target's failures: AWS sends to it only
    events that fail on the bus itself with a non-retriable (encryption) error ("Using
    dead-letter queues to capture encrypted event errors", EventBridge User Guide), which
    the workbench, without customer managed keys, has none of. (One statement per kind
    of row, not per event: issue 10's profile of PutEvents showed the per-event ORM round trips
    as most of the call.)
    """
    if not routes:
        return []
    received = rows.insert_all(
        [
            rows.new(
                ReceivedEvent,
                bus=bus,
                event_id=event["id"],
                body=event,
                matched_rules=[rule.name for rule in rules],
                schema_problems=flags or [],
                received=now,
            )
            for bus, event, rules, flags in routes
        ]
    )
    # Schema discovery sees each bus's stored events once they commit (no post_save signal is
    # sent for rows written together, so routing hands them over itself).
    by_bus: dict[int, tuple[EventBus, list[dict[str, Any]]]] = {}
    for bus, event, _, _ in routes:
        by_bus.setdefault(bus.id, (bus, []))[1].append(event)
    for bus, stored in by_bus.values():
        discovery.observe(bus, stored)
    deliveries = [
        rows.new(
            Delivery,
            event=row,
            rule_name=rule.name,
            rule_arn=rule.arn,
            target_id=target.target_id,
            target_arn=target.arn,
            target_input=target_input_settings(target),
            max_retry_attempts=_policy(target, "MaximumRetryAttempts", Delivery.DEFAULT_MAX_RETRY_ATTEMPTS),
            max_event_age=_policy(target, "MaximumEventAgeInSeconds", Delivery.DEFAULT_MAX_EVENT_AGE),
            dead_letter_arn=target.dead_letter_arn,
        )
        for row, (_, _, rules, _) in zip(received, routes, strict=True)
        for rule in sorted(rules, key=lambda rule: rule.name)
        for target in matchers.targets(rule)
        if not (forwarded and is_event_bus_arn(target.arn))
    ]
    # Their keys are read after the commit (handover, the batch's message), unless the buses'
    # logs name them now (invocation ids): then the INSERT goes at once.
    later = keys_later and not bus_logs.logs_any(received)
    created = rows.insert_all(deliveries, keys="later" if later else "now")
    bus_logs.write_received(received, created, now)
    return list(created)


def _policy(target: Target, key: str, default: int) -> int:
    """One member of the target's RetryPolicy, or AWS's default (185 attempts, 86400 s)."""
    value = (target.retry_policy or {}).get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def target_input_settings(target: Target) -> dict[str, Any]:
    """The target's Input, InputPath or InputTransformer, as PutTargets stored it, the
    HttpParameters of an API destination target and the SqsParameters of a FIFO queue target."""
    return {
        key: value
        for key, value in (
            ("Input", target.input),
            ("InputPath", target.input_path),
            ("InputTransformer", target.input_transformer),
            ("HttpParameters", target.http_parameters),
            ("SqsParameters", target.sqs_parameters),
        )
        if value is not None
    }


def enqueue_deliveries(delivery_ids: Iterable[int], nearby: queue.Nearby | None = None) -> None:
    """Hand deliveries to the delivery task, in batches, by its name (nothing imports the task
    to enqueue). An event just accepted is delivered by this process's pool if it has room
    (runtime.nearby), never on the accepting call's thread: PutEvents answers first."""
    queue.deliver_events(delivery_ids, nearby=nearby)


def start_replay(workspace: Workspace, **options: Any) -> Replay:
    """StartReplay: the replay is stored STARTING and its first batch enqueued after commit."""
    with transaction.atomic():
        replay = replays.create_replay(workspace, **options)
        replay_id = replay.id
        transaction.on_commit(lambda: queue.enqueue(queue.REPLAY_EVENTS, replay_id))
    return replay


def cancel_replay(workspace: Workspace, name: str) -> Replay:
    """CancelReplay: the replay goes CANCELLING and its runner is woken at once to end it
    CANCELLED, not at its next batch, which a paced replay may hold for hours."""
    with transaction.atomic():
        replay = replays.cancel_replay(workspace, name)
        replay_id = replay.id
        transaction.on_commit(lambda: queue.enqueue(queue.REPLAY_EVENTS, replay_id))
    return replay


def run_replay(replay_id: int, now: datetime | None = None) -> None:
    """Replay one batch of the replay's window; enqueue the next, or end the replay.

    A replay that was asked to cancel ends CANCELLED here, one whose archive is gone FAILED.
    """
    moment = now or timezone.now()
    with transaction.atomic():
        replay = (
            Replay.objects.select_for_update(of=("self",))  # the archive is a nullable join
            .filter(id=replay_id, state__in=Replay.ACTIVE)
            .select_related("archive__bus__workspace")
            .first()
        )
        if replay is None:
            return
        if replay.state == Replay.CANCELLING or replay.archive is None:
            cancelled = replay.state == Replay.CANCELLING
            replay.state = Replay.CANCELLED if cancelled else Replay.FAILED
            replay.state_reason = "" if cancelled else "The archive of this replay was deleted."
            replay.replay_end_time = moment
            replay.save(update_fields=["state", "state_reason", "replay_end_time", "updated"])
            transaction.on_commit(lambda: publish.workspace_changed(replay.workspace_id, ["replays"]))
            return
        window = ArchivedEvent.objects.filter(
            archive=replay.archive, time__gte=replay.event_start_time, time__lt=replay.event_end_time
        )
        batch = list(window.filter(id__gt=replay.cursor).order_by("id")[:REPLAY_BATCH])
        finished = len(batch) < REPLAY_BATCH
        wake_at = None
        if replay.pace > 0 and batch:
            first = window.order_by("time").values_list("time", flat=True).first() or batch[0].time
            # Only the leading events that are due, so the cursor never skips one still waiting.
            due = list(takewhile(lambda archived: _due_at(replay, first, archived) <= moment, batch))
            if len(due) < len(batch):
                finished, wake_at = False, _due_at(replay, first, batch[len(due)])
            batch = due
        bus = replay.archive.bus
        allowed = _replay_rules(bus, replay.filter_arns)
        routes: list[Route] = []
        for archived in batch:
            event = {**archived.body, "replay-name": replay.name}
            routes.append((bus, event, [rule for rule, pattern in allowed if matches(pattern, event)], []))
        stored = _store_all(routes, moment)
        if batch:
            replay.cursor = batch[-1].id
            replay.last_replayed_time = max(archived.time for archived in batch)
        replay.state = Replay.COMPLETED if finished else Replay.RUNNING
        replay.replay_end_time = moment if finished else None
        replay.save(update_fields=["cursor", "last_replayed_time", "state", "replay_end_time", "updated"])
        bus_ids = [bus.id] if batch else []
        transaction.on_commit(lambda: _after_accepting(stored, {bus.workspace_id: bus_ids}))
        # The Archives page's progress bars (console.archives), batch by batch.
        transaction.on_commit(lambda: publish.workspace_changed(bus.workspace_id, ["replays"]))
        if not finished:
            transaction.on_commit(lambda: queue.enqueue(queue.REPLAY_EVENTS, replay_id, eta=wake_at))


def _due_at(replay: Replay, first: datetime, archived: ArchivedEvent) -> datetime:
    """When a paced replay sends ``archived`` (a workbench addition; AWS replays as fast as it
    can): the replay's start plus the event's offset from the window's first event, divided by
    the pace (1 = the original pace, N = N times faster)."""
    return replay.replay_start_time + (archived.time - first) / replay.pace


def _replay_rules(bus: EventBus, filter_arns: list[str]) -> list[tuple[Rule, Any]]:
    """The enabled pattern rules a replayed event may reach: those FilterArns names, or every
    one of the bus when it names none."""
    chosen = [rule for rule in matchers.enabled_rules(bus) if not filter_arns or rule.arn in filter_arns]
    return [(rule, parse_pattern(rule.event_pattern or "")) for rule in chosen]


def recover_replays(min_age: timedelta) -> None:
    """Re-enqueue every active replay whose last batch committed at least ``min_age`` ago, and
    enforce archive retention."""
    cutoff = timezone.now() - min_age
    for replay_id in Replay.objects.filter(Q(state__in=Replay.ACTIVE), updated__lte=cutoff).values_list(
        "id", flat=True
    ):
        queue.enqueue(queue.REPLAY_EVENTS, replay_id)
    archives.expire()


def route_scheduled(rule: Rule, event: dict[str, Any], now: datetime) -> list[int]:
    """Store a scheduled rule's firing and one pending delivery per target of THAT rule (a
    scheduled rule matches its own firings, not a pattern); call inside the transaction that
    moves the rule's timer, so a firing is stored exactly when its timer moves. The deliveries
    are enqueued after that commit."""
    stored = _store_all([(rule.bus, event, [rule], [])], now)
    bus = rule.bus
    transaction.on_commit(lambda: _after_accepting(stored, {bus.workspace_id: [bus.id]}))
    return [delivery.pk for delivery in stored]


def route_schedule(schedule: Schedule, event: dict[str, Any], now: datetime) -> list[int]:
    """Store a Scheduler schedule's invocation as a received event on its workspace's default
    bus (so the firing shows in the event lists and its trace) with one delivery to the
    schedule's target: its Input as the payload ("{}" when it has none), its RetryPolicy and
    DeadLetterConfig ("Configuring a dead-letter queue", EventBridge Scheduler User Guide).
    Call inside the transaction that moves the schedule's timer.

    The EventBridge PutEvents templated target (an event bus ARN with EventBridgeParameters
    DetailType and Source; the Input is the detail: "Templated targets", Scheduler User Guide)
    is put on that bus here, in the same transaction, and its delivery recorded as made; in a
    flexible time window, its entries are kept with the delivery and put at its moment."""
    target = schedule.target
    policy = target.get("RetryPolicy") or {}
    workspace = schedule.group.workspace
    received = ReceivedEvent.objects.create(
        bus=events.ensure_default_bus(workspace),
        event_id=event["id"],
        body=event,
        matched_rules=[],
        received=now,
    )
    discovery.observe(received.bus, [event])
    target_arn, payload, entries = _schedule_target(workspace, target)
    delivery = Delivery(
        event=received,
        rule_name=schedule.name,
        rule_arn=schedule.arn,
        target_id=schedule.name,
        target_arn=target_arn,
        target_input={"Input": payload},
        max_retry_attempts=policy.get("MaximumRetryAttempts", Delivery.DEFAULT_MAX_RETRY_ATTEMPTS),
        max_event_age=policy.get("MaximumEventAgeInSeconds", Delivery.DEFAULT_MAX_EVENT_AGE),
        dead_letter_arn=(target.get("DeadLetterConfig") or {}).get("Arn"),
    )
    spread = flexible_delay(schedule.flexible_time_window)
    if entries is not None and spread is None:
        put, delivery.detail = put_scheduled_entries(workspace, entries)
        delivery.status = Delivery.DELIVERED if put else Delivery.FAILED
        delivery.input, delivery.attempts, delivery.attempted = payload, 1, now
        delivery.save()
        return []
    if entries is not None:  # put when its moment in the window comes (deliveries)
        delivery.target_input["Entries"] = entries
    if spread is not None:
        delivery.next_attempt_at = now + spread
    delivery.save()
    delivery_ids = [delivery.pk]
    # A frozen virtual clock sends no message: its advances (and the sweep) deliver it.
    eta = clock.eta(workspace, delivery.next_attempt_at) if spread is not None else None
    if spread is None or eta is not None:
        transaction.on_commit(lambda: queue.deliver_events(delivery_ids, eta=eta))
    return delivery_ids


def put_scheduled_entries(workspace: Workspace, entries: Any) -> tuple[bool, str]:
    """PutEvents of a schedule's entries (its PutEvents templated or universal target): whether
    every entry was put, and the event ids or the first refusal. A refusal is not retried: it is
    the schedule's own request that is wrong."""
    try:
        results = put_events(workspace, entries) if isinstance(entries, list) and entries else []
    except AwsError as exc:  # a malformed request in a universal target's Input
        results = [{"ErrorCode": exc.code, "ErrorMessage": exc.message}]
    errors = [result for result in results if "ErrorCode" in result]
    if errors:
        return False, f"{errors[0]['ErrorCode']}: {errors[0].get('ErrorMessage', '')}"
    if not results:
        return False, "no entries to put"
    return True, ", ".join(result["EventId"] for result in results)


def flexible_delay(window: dict[str, Any], rng: random.Random | None = None) -> timedelta | None:
    """How long after its scheduled time a firing with this FlexibleTimeWindow invokes its
    target: at random within MaximumWindowInMinutes when Mode is FLEXIBLE ("Configuring a
    flexible time window", EventBridge Scheduler User Guide: the schedule invokes its target
    within the window after the scheduled time, spreading invocations); None when OFF. The
    next firing keeps the schedule's own grid. Every kind of target is spread, PutEvents and
    universal ones included."""
    if window.get("Mode") != "FLEXIBLE":
        return None
    minutes = float(window.get("MaximumWindowInMinutes") or 0)
    return timedelta(seconds=(rng or random).uniform(0, minutes * 60))


UNIVERSAL = "arn:aws:scheduler:::aws-sdk:"


def _schedule_target(workspace: Workspace, target: dict[str, Any]) -> tuple[str, str, Any]:
    """(the ARN to deliver to, the payload, PutEvents entries or None) for a schedule's target.

    Templated targets are delivered as rules' targets are; the EventBridge PutEvents template
    (a bus ARN) and the universal targets the workbench can answer are translated from their
    Input, which for a universal target is the API call's request ("Using universal targets",
    Scheduler User Guide): ``sfn:startExecution`` (StateMachineArn, Input), ``lambda:invoke``
    (FunctionName, Payload) and ``eventbridge:putEvents`` (Entries). Any other universal target
    is left to delivery, which records it as a target it cannot invoke."""
    arn, payload = target["Arn"], target.get("Input") or "{}"
    parsed = Arn.parse(arn)
    if parsed is not None and parsed.service == "events" and parsed.resource.startswith("event-bus/"):
        parameters = target.get("EventBridgeParameters") or {}
        entry = {
            "EventBusName": arn,
            "Source": parameters.get("Source", ""),
            "DetailType": parameters.get("DetailType", ""),
            "Detail": payload,
        }
        return arn, payload, [entry]
    if not arn.startswith(UNIVERSAL):
        return arn, payload, None
    action = arn[len(UNIVERSAL) :].lower()
    try:
        request = json.loads(payload)
    except ValueError:
        return arn, payload, None
    if not isinstance(request, dict):
        return arn, payload, None
    if action == "sfn:startexecution" and isinstance(request.get("StateMachineArn"), str):
        return request["StateMachineArn"], _text(request.get("Input", "{}")), None
    if action == "lambda:invoke" and isinstance(request.get("FunctionName"), str):
        name = request["FunctionName"]
        function = (
            name if name.startswith("arn:") else function_arn(workspace.region, workspace.account_id, name)
        )
        return function, _text(request.get("Payload", "{}")), None
    if action == "eventbridge:putevents":
        return arn, payload, request.get("Entries")
    return arn, payload, None


def _text(value: Any) -> str:
    """A request member that carries JSON text, as text (a JSON value is written out)."""
    return value if isinstance(value, str) else json.dumps(value)
