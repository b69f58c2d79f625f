"""runtime.routing's replays: an archive's events of a time window go back to its bus with
``replay-name``, only to the rules the replay allows, in batches that resume after a crash.

Behaviour followed: StartReplay / ReplayDestination (Amazon EventBridge API Reference:
"FilterArns: a list of ARNs for rules to replay events to"; "You can replay events only to the
event bus specified to create the archive"), ReplayState (STARTING, RUNNING, CANCELLING,
COMPLETED, CANCELLED, FAILED), CancelReplay's IllegalStatusException, and the User Guide's
"Replaying archived events" (replayed events carry a ``replay-name`` field).
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.db.models.fields.json import KT
from django.db.models.lookups import IsNull
from django.utils import timezone

from tests.support.events import PATTERN, entry, machine
from tests.support.inprocess import Broker
from workbench.accounts.models import Workspace
from workbench.accounts.services import default_workspace
from workbench.core.errors import ResourceAlreadyExists, ResourceNotFound, ValidationError
from workbench.events import archives, replays
from workbench.events import services as events
from workbench.events.errors import IllegalStatus
from workbench.events.models import Archive, Delivery, ReceivedEvent, Replay
from workbench.events.services import ensure_default_bus
from workbench.runtime import queue, routing
from workbench.stepfunctions.models import Execution

# Events a replay sent ("replay-name" is set, EventBridge User Guide, "Replaying archived
# events"); ->> reads PostgreSQL json and SQLite alike (workbench.core.fields).
REPLAYED = IsNull(KT("body__replay-name"), False)


def _two_rules(ws: Workspace) -> dict[str, str]:
    """Rules "a" and "b", both matching the events, each with a state-machine target."""
    target = machine(ws)
    arns = {}
    for name in ("a", "b"):
        arns[name] = events.put_rule(ws, name=name, event_pattern=json.dumps(PATTERN)).arn
        assert events.put_targets(ws, name, None, [{"Id": "sm", "Arn": target.arn}]) == []
    return arns


def _archived(ws: Workspace, broker: Broker, count: int, capture: Any) -> Archive:
    archive = archives.create_archive(ws, name="all", source_arn=ensure_default_bus(ws).arn)
    with capture(execute=True):
        routing.put_events(ws, [entry(n=n) for n in range(count)])
    broker.drain_committed(capture)  # the original deliveries
    return archive


def _start(ws: Workspace, archive: Archive, capture: Any, name: str = "again", **destination: Any) -> Replay:
    now = timezone.now()
    with capture(execute=True):
        return routing.start_replay(
            ws,
            name=name,
            source_arn=archive.arn,
            start=now - timedelta(hours=1),
            end=now,
            destination={"Arn": ensure_default_bus(ws).arn, **destination},
        )


@pytest.mark.django_db
def test_a_replay_reaches_only_the_rules_it_names_with_replay_name(
    broker: Broker, django_capture_on_commit_callbacks: Any
) -> None:
    ws = default_workspace()
    rules = _two_rules(ws)
    archive = _archived(ws, broker, 3, django_capture_on_commit_callbacks)
    replay = _start(ws, archive, django_capture_on_commit_callbacks, FilterArns=[rules["a"]])
    assert (replay.state, broker.names()) == ("STARTING", [queue.REPLAY_EVENTS])
    broker.drain_committed(django_capture_on_commit_callbacks)
    replay.refresh_from_db()
    assert replay.state == "COMPLETED" and replay.replay_end_time is not None
    replayed = ReceivedEvent.objects.filter(REPLAYED)
    assert replayed.count() == 3
    assert {event.body["replay-name"] for event in replayed} == {"again"}
    assert {tuple(event.matched_rules) for event in replayed} == {("a",)}
    replayed_deliveries = Delivery.objects.filter(event__in=replayed)
    assert set(replayed_deliveries.values_list("rule_name", "status")) == {("a", "delivered")}
    # The originals' executions plus one per replayed event: the replay's are new executions.
    assert Execution.objects.count() == 3 * 2 + 3
    assert replay.last_replayed_time == max(archives.ArchivedEvent.objects.values_list("time", flat=True))
    assert archives.counts(archive)[0] == 3  # replayed events are not archived again


@pytest.mark.django_db
def test_without_filter_arns_every_matching_rule_gets_the_replayed_events(
    broker: Broker, django_capture_on_commit_callbacks: Any
) -> None:
    ws = default_workspace()
    _two_rules(ws)
    archive = _archived(ws, broker, 1, django_capture_on_commit_callbacks)
    _start(ws, archive, django_capture_on_commit_callbacks)
    broker.drain_committed(django_capture_on_commit_callbacks)
    [replayed] = ReceivedEvent.objects.filter(REPLAYED)
    assert replayed.matched_rules == ["a", "b"]


@pytest.mark.django_db
def test_a_replay_runs_in_batches_and_a_crashed_batch_is_replayed_once(
    broker: Broker, django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = default_workspace()
    _two_rules(ws)
    archive = _archived(ws, broker, 5, django_capture_on_commit_callbacks)
    monkeypatch.setattr(routing, "REPLAY_BATCH", 2)
    replay = _start(ws, archive, django_capture_on_commit_callbacks)
    broker.take()
    real_store = routing._store_all

    def crash_after_storing(*args: Any) -> list[int]:
        real_store(*args)  # the batch's events and deliveries are written, then the worker dies
        raise RuntimeError("worker died mid-batch")

    monkeypatch.setattr(routing, "_store_all", crash_after_storing)
    with pytest.raises(RuntimeError):
        routing.run_replay(replay.id)
    replay.refresh_from_db()
    assert (
        replay.state,
        replay.cursor,
        ReceivedEvent.objects.filter(REPLAYED).count(),
    ) == (
        "STARTING",
        0,
        0,
    )
    monkeypatch.setattr(routing, "_store_all", real_store)
    with django_capture_on_commit_callbacks(execute=True):
        routing.run_replay(replay.id)
    replay.refresh_from_db()
    assert replay.state == "RUNNING" and broker.names().count(queue.REPLAY_EVENTS) == 1
    routing.recover_replays(timedelta(0))  # the sweep re-arms an active replay too
    assert broker.names().count(queue.REPLAY_EVENTS) == 2
    with django_capture_on_commit_callbacks(execute=True):
        for _ in range(4):
            routing.run_replay(replay.id)
    replay.refresh_from_db()
    assert replay.state == "COMPLETED"
    ids = list(ReceivedEvent.objects.filter(REPLAYED).values_list("event_id", flat=True))
    assert sorted(ids) == sorted(archives.ArchivedEvent.objects.values_list("event_id", flat=True))


@pytest.mark.django_db
def test_cancel_ends_a_running_replay_and_not_a_finished_one(
    broker: Broker, django_capture_on_commit_callbacks: Any
) -> None:
    ws = default_workspace()
    _two_rules(ws)
    archive = _archived(ws, broker, 1, django_capture_on_commit_callbacks)
    replay = _start(ws, archive, django_capture_on_commit_callbacks)
    assert replays.cancel_replay(ws, "again").state == "CANCELLING"
    broker.drain_committed(django_capture_on_commit_callbacks)
    replay.refresh_from_db()
    assert replay.state == "CANCELLED" and not ReceivedEvent.objects.filter(REPLAYED)
    with pytest.raises(IllegalStatus):
        replays.cancel_replay(ws, "again")
    with pytest.raises(ResourceNotFound):
        replays.cancel_replay(ws, "nope")


@pytest.mark.django_db
def test_cancelling_a_paced_replay_ends_it_at_once_not_at_its_next_event(
    broker: Broker, django_capture_on_commit_callbacks: Any
) -> None:
    """A replay at the original pace waits for its next event's moment; CancelReplay wakes its
    runner at once (found by a new user: Cancel took until the next event was due)."""
    ws = default_workspace()
    _two_rules(ws)
    archive = _archived(ws, broker, 2, django_capture_on_commit_callbacks)
    now = timezone.now()
    for minutes, archived in zip((30, 10), archives.ArchivedEvent.objects.order_by("id"), strict=True):
        archives.ArchivedEvent.objects.filter(id=archived.id).update(time=now - timedelta(minutes=minutes))
    with django_capture_on_commit_callbacks(execute=True):
        routing.start_replay(
            ws,
            name="slow",
            source_arn=archive.arn,
            start=now - timedelta(hours=1),
            end=now,
            destination={"Arn": ensure_default_bus(ws).arn},
            pace=1,
        )
    with django_capture_on_commit_callbacks(execute=True):
        broker.deliver(broker.take(queue.REPLAY_EVENTS)[0])
    [waiting] = broker.take(queue.REPLAY_EVENTS)
    assert waiting[2] is not None and waiting[2] > timezone.now() + timedelta(minutes=15)
    assert ReceivedEvent.objects.filter(REPLAYED).count() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert routing.cancel_replay(ws, "slow").state == "CANCELLING"
    [wake] = broker.take(queue.REPLAY_EVENTS)
    assert wake[2] is None
    broker.deliver(wake)
    assert Replay.objects.get(name="slow").state == "CANCELLED"
    broker.deliver(waiting)  # the batch it was waiting for finds it ended
    assert ReceivedEvent.objects.filter(REPLAYED).count() == 1


@pytest.mark.django_db
def test_start_replay_errors(broker: Broker, django_capture_on_commit_callbacks: Any) -> None:
    ws = default_workspace()
    _two_rules(ws)
    archive = _archived(ws, broker, 1, django_capture_on_commit_callbacks)
    now = timezone.now()
    bus = {"Arn": ensure_default_bus(ws).arn}

    def start(**changes: Any) -> Replay:
        options = {
            "name": "r",
            "source_arn": archive.arn,
            "start": now - timedelta(hours=1),
            "end": now,
            "destination": bus,
            **changes,
        }
        return replays.create_replay(ws, now=now, **options)

    with pytest.raises(ValidationError, match="EventStartTime must be before EventEndTime"):
        start(start=now, end=now - timedelta(seconds=1))
    with pytest.raises(ValidationError, match="must not be in the future"):
        start(end=now + timedelta(minutes=1))
    other = events.create_bus(ws, "other")
    with pytest.raises(ValidationError, match="Cross event bus"):
        start(destination={"Arn": other.arn})
    with pytest.raises(ValidationError, match="FilterArns"):
        start(destination={**bus, "FilterArns": [other.arn + "/rule"]})
    with pytest.raises(ResourceNotFound):
        start(source_arn=archive.arn + "x")
    start()
    with pytest.raises(ResourceAlreadyExists):
        start()


@pytest.mark.django_db
def test_a_paced_replay_sends_each_event_at_its_offset_divided_by_the_pace(
    broker: Broker, django_capture_on_commit_callbacks: Any
) -> None:
    """A workbench addition (AWS replays as fast as it can): pace 2 replays events 10 s apart
    in the archive 5 s apart."""
    ws = default_workspace()
    _two_rules(ws)
    archive = _archived(ws, broker, 2, django_capture_on_commit_callbacks)
    first, second = archives.ArchivedEvent.objects.order_by("id")
    origin = timezone.now() - timedelta(minutes=30)
    archives.ArchivedEvent.objects.filter(id=first.id).update(time=origin)
    archives.ArchivedEvent.objects.filter(id=second.id).update(time=origin + timedelta(seconds=10))
    with django_capture_on_commit_callbacks(execute=True):
        replay = routing.start_replay(
            ws,
            name="paced",
            source_arn=archive.arn,
            start=origin - timedelta(minutes=1),
            end=timezone.now(),
            destination={"Arn": ensure_default_bus(ws).arn},
            pace=2,
        )
    broker.take()
    began = replay.replay_start_time

    def replayed() -> list[str]:
        return list(ReceivedEvent.objects.filter(REPLAYED).values_list("event_id", flat=True))

    with django_capture_on_commit_callbacks(execute=True):
        routing.run_replay(replay.id, now=began)
    assert replayed() == [first.event_id]
    [(_, args, eta)] = broker.take(queue.REPLAY_EVENTS)
    assert (args, eta) == ((replay.id,), began + timedelta(seconds=5))
    routing.run_replay(replay.id, now=began + timedelta(seconds=4))
    assert replayed() == [first.event_id]
    assert Replay.objects.get(id=replay.id).state == "RUNNING"
    routing.run_replay(replay.id, now=began + timedelta(seconds=5))
    assert sorted(replayed()) == sorted([first.event_id, second.event_id])
    assert Replay.objects.get(id=replay.id).state == "COMPLETED"
    with pytest.raises(ValidationError):
        replays.create_replay(
            ws,
            name="bad-pace",
            source_arn=archive.arn,
            start=origin,
            end=timezone.now(),
            destination={"Arn": ensure_default_bus(ws).arn},
            pace=-1,
        )
