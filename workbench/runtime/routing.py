"""Routing an accepted event: the one owner of "accept, match, hand the targets to delivery".

EventBridge acknowledges a PutEvents entry only once it has durably accepted it, then
delivers to each matched target at least once, retrying for up to 24 hours ("Event retry
policy and using dead-letter queues", EventBridge User Guide). Here that durability is the
database: every accepted event and one pending ``Delivery`` per matched target are written
in ONE transaction before PutEvents answers, and delivery is enqueued only after that commit.
A crash anywhere after the answer loses nothing: ``deliveries.recover`` re-queues what is
still pending. The PutEvents API and the Step Functions ``events:putEvents`` integration both
call ``put_events`` here.

Accepted events are archived in the same transaction (``events.archives.archive_accepted``).
Replays run here too, since replaying is accepting archived events again: ``run_replay`` takes
one batch per task under a row lock, stores the events (with ``replay-name``) and their
deliveries for only the rules the replay allows, and moves the replay's cursor in the same
transaction, so a replay resumes after a crash where its last committed batch ended.

After each commit that stored events, the pages tailing their buses and the dashboard are told
to look again (``live.publish.events_accepted``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from itertools import takewhile
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from engine.events.patterns import matches, parse_pattern
from workbench.accounts.models import Workspace
from workbench.events import archives, matchers, replays
from workbench.events import services as events
from workbench.events.models import ArchivedEvent, Delivery, EventBus, ReceivedEvent, Replay, Rule, Target
from workbench.events.services import AcceptedEntry
from workbench.live import publish
from workbench.runtime import queue
from workbench.schemas import validation as schema_validation

REPLAY_BATCH = 100
"""Archived events one replay task sends, in one transaction."""


def put_events(workspace: Workspace, entries: Any) -> list[dict[str, str]]:
    """PutEvents: every entry is checked first, then the accepted ones are stored with their
    pending deliveries in one transaction; one result per entry, in the entries' order."""
    checked = events.check_put_events(workspace, entries)
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
    routes = [(entry, flags, matchers.matching_rules(entry.bus, entry.event)) for entry, flags in accepted]
    now = timezone.now()
    with transaction.atomic():
        delivery_ids: list[int] = []
        for entry, flags, rules in routes:
            delivery_ids.extend(_store(entry.bus, entry.event, rules, now, flags))
        archives.archive_accepted([(entry.bus, entry.event) for entry, _ in accepted], now)
        bus_ids = [entry.bus.id for entry, _, _ in routes]
        transaction.on_commit(lambda: _after_accepting(delivery_ids, workspace.id, bus_ids))
    return [
        {"EventId": str(verdict[0].event["id"])} if isinstance(verdict, tuple) else verdict
        for verdict in verdicts
    ]


def _after_accepting(delivery_ids: list[int], workspace_id: int, bus_ids: list[int]) -> None:
    """After the commit: deliver, then tell the pages tailing these buses (if any events were stored)."""
    enqueue_deliveries(delivery_ids)
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


def _store(
    bus: EventBus,
    event: dict[str, Any],
    rules: list[Rule],
    now: datetime,
    schema_problems: list[dict[str, str]] | None = None,
) -> list[int]:
    """The event (with what its bus's schema flagged) and one pending delivery per target of
    each matched rule; their ids.

    Each delivery copies its target's RetryPolicy and dead-letter queue (the target's, else
    the bus's DeadLetterConfig), as they were when the event matched.
    """
    received = ReceivedEvent.objects.create(
        bus=bus,
        event_id=event["id"],
        body=event,
        matched_rules=[rule.name for rule in rules],
        schema_problems=schema_problems or [],
        received=now,
    )
    targets = Target.objects.filter(rule__in=rules).select_related("rule__bus__workspace")
    created = Delivery.objects.bulk_create(
        [
            Delivery(
                event=received,
                rule_name=target.rule.name,
                rule_arn=target.rule.arn,
                target_id=target.target_id,
                target_arn=target.arn,
                target_input=target_input_settings(target),
                max_retry_attempts=_policy(
                    target, "MaximumRetryAttempts", Delivery.DEFAULT_MAX_RETRY_ATTEMPTS
                ),
                max_event_age=_policy(target, "MaximumEventAgeInSeconds", Delivery.DEFAULT_MAX_EVENT_AGE),
                dead_letter_arn=target.dead_letter_arn or bus.dead_letter_arn,
            )
            for target in targets.order_by("rule__name", "target_id")
        ]
    )
    if created and created[0].pk is None:  # backends that do not return ids from bulk_create
        return list(Delivery.objects.filter(event=received).values_list("id", flat=True))
    return [delivery.pk for delivery in created]


def _policy(target: Target, key: str, default: int) -> int:
    """One member of the target's RetryPolicy, or AWS's default (185 attempts, 86400 s)."""
    value = (target.retry_policy or {}).get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else default


def target_input_settings(target: Target) -> dict[str, Any]:
    """The target's Input, InputPath or InputTransformer, as PutTargets stored it."""
    return {
        key: value
        for key, value in (
            ("Input", target.input),
            ("InputPath", target.input_path),
            ("InputTransformer", target.input_transformer),
        )
        if value is not None
    }


def enqueue_deliveries(delivery_ids: Iterable[int]) -> None:
    """Hand deliveries to the delivery task, by its name (nothing imports the task to enqueue)."""
    for delivery_id in delivery_ids:
        queue.enqueue(queue.DELIVER_EVENT, delivery_id)


def start_replay(workspace: Workspace, **options: Any) -> Replay:
    """StartReplay: the replay is stored STARTING and its first batch enqueued after commit."""
    with transaction.atomic():
        replay = replays.create_replay(workspace, **options)
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
        delivery_ids: list[int] = []
        for archived in batch:
            event = {**archived.body, "replay-name": replay.name}
            matched = [rule for rule, pattern in allowed if matches(pattern, event)]
            delivery_ids.extend(_store(bus, event, matched, moment))
        if batch:
            replay.cursor = batch[-1].id
            replay.last_replayed_time = max(archived.time for archived in batch)
        replay.state = Replay.COMPLETED if finished else Replay.RUNNING
        replay.replay_end_time = moment if finished else None
        replay.save(update_fields=["cursor", "last_replayed_time", "state", "replay_end_time", "updated"])
        bus_ids = [bus.id] if batch else []
        transaction.on_commit(lambda: _after_accepting(delivery_ids, bus.workspace_id, bus_ids))
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
    rules = Rule.objects.filter(bus=bus, state=Rule.ENABLED, event_pattern__isnull=False).select_related(
        "bus__workspace"
    )
    chosen = [rule for rule in rules.order_by("name") if not filter_arns or rule.arn in filter_arns]
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
