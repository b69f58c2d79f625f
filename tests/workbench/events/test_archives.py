"""events.archives: accepted events are archived in the transaction that accepts them, by the
archive's optional pattern; RetentionDays expires them (0 keeps them forever); AWS's errors.

Behaviour followed: CreateArchive / DescribeArchive / UpdateArchive (Amazon EventBridge API
Reference: EventPattern filters what is archived, RetentionDays 0 means indefinitely;
ResourceAlreadyExistsException, ResourceNotFoundException, InvalidEventPatternException).
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from tests.support.events import entry, record_enqueued
from workbench.accounts.services import default_workspace
from workbench.core.errors import ResourceAlreadyExists, ResourceNotFound
from workbench.events import archives
from workbench.events.errors import InvalidEventPattern
from workbench.events.models import Archive, ArchivedEvent, ReceivedEvent
from workbench.events.services import ensure_default_bus
from workbench.runtime import routing


def _archive(name: str = "all", **options: Any) -> Archive:
    ws = default_workspace()
    return archives.create_archive(ws, name=name, source_arn=ensure_default_bus(ws).arn, **options)


@pytest.mark.django_db
def test_accepted_events_are_archived_when_the_pattern_matches(
    monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    everything = _archive()
    big = _archive("big", event_pattern=json.dumps({"detail": {"n": [{"numeric": [">", 5]}]}}))
    record_enqueued(monkeypatch)
    with django_capture_on_commit_callbacks(execute=True):
        routing.put_events(default_workspace(), [entry(n=1), entry(n=9, city="Zürich"), {"Source": "bad"}])
    assert archives.counts(everything)[0] == 2
    [kept] = ArchivedEvent.objects.filter(archive=big)
    assert kept.body["detail"] == {"n": 9, "city": "Zürich"}
    # SizeBytes counts UTF-8 bytes of the compact text ("ü" is two bytes, not a 6-byte escape).
    assert kept.size == len(json.dumps(kept.body, separators=(",", ":"), ensure_ascii=False).encode())
    assert archives.counts(big) == (1, kept.size)


@pytest.mark.django_db
def test_archiving_is_in_the_accepting_transaction(monkeypatch: pytest.MonkeyPatch) -> None:
    """If anything after archiving fails, neither the event nor its archive copy stays."""
    _archive()
    real = archives.archive_accepted

    def archive_then_fail(*args: Any) -> int:
        assert real(*args) == 1
        assert ArchivedEvent.objects.count() == 1 and ReceivedEvent.objects.count() == 1
        raise RuntimeError("crash after archiving")

    monkeypatch.setattr(archives, "archive_accepted", archive_then_fail)
    with pytest.raises(RuntimeError):
        routing.put_events(default_workspace(), [entry(n=1)])
    assert (ArchivedEvent.objects.count(), ReceivedEvent.objects.count()) == (0, 0)


@pytest.mark.django_db
def test_retention_expires_old_events_and_zero_keeps_them(
    monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    week = _archive("week", retention_days=7)
    forever = _archive("forever", retention_days=0)
    record_enqueued(monkeypatch)
    with django_capture_on_commit_callbacks(execute=True):
        routing.put_events(default_workspace(), [entry(n=1)])
    later = timezone.now() + timedelta(days=7, minutes=1)
    assert archives.counts(week, now=timezone.now() + timedelta(days=6))[0] == 1
    assert archives.counts(week, now=later)[0] == 0
    assert archives.counts(forever, now=later + timedelta(days=3650))[0] == 1


@pytest.mark.django_db
def test_replayed_events_are_not_archived_again() -> None:
    ws = default_workspace()
    archive = _archive()
    bus = ensure_default_bus(ws)
    event = {"id": "e1", "time": "2026-01-01T00:00:00Z", "source": "shop", "replay-name": "r"}
    with transaction.atomic():
        assert archives.archive_accepted([(bus, event)], timezone.now()) == 0
    assert archives.counts(archive)[0] == 0


@pytest.mark.django_db
def test_create_update_and_errors() -> None:
    ws = default_workspace()
    archive = _archive(description="d")
    with pytest.raises(ResourceAlreadyExists):
        _archive()
    with pytest.raises(InvalidEventPattern):
        _archive("bad", event_pattern='{"source": "not-a-list"}')
    with pytest.raises(ResourceNotFound):
        archives.create_archive(
            ws, name="x", source_arn=f"arn:aws:events:{ws.region}:{ws.account_id}:event-bus/none"
        )
    with pytest.raises(InvalidEventPattern):
        archives.update_archive(ws, "all", event_pattern="{")
    updated = archives.update_archive(ws, "all", retention_days=3, event_pattern='{"source": ["shop"]}')
    assert (updated.retention_days, updated.event_pattern, updated.description) == (
        3,
        '{"source": ["shop"]}',
        "d",
    )
    assert archive.arn == f"arn:aws:events:{ws.region}:{ws.account_id}:archive/all"
    archives.delete_archive(ws, "all")
    with pytest.raises(ResourceNotFound):
        archives.get_archive(ws, "all")


@pytest.mark.django_db
def test_archiving_follows_create_update_and_delete_at_once(
    monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    """Each process keeps a bus's archives with its rules (events.matchers): creating, updating
    or deleting an archive moves the bus's version, so the very next PutEvents follows it."""
    ws = default_workspace()
    record_enqueued(monkeypatch)

    def put(n: int) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            routing.put_events(ws, [entry(n=n)])

    def archived(name: str) -> list[int]:
        kept = ArchivedEvent.objects.filter(archive__name=name).order_by("id")
        return [body["detail"]["n"] for body in kept.values_list("body", flat=True)]

    put(1)  # the bus's routing is compiled here, with no archive
    _archive(event_pattern=json.dumps({"detail": {"n": [{"numeric": [">", 5]}]}}))
    put(2)
    put(7)
    assert archived("all") == [7]
    archives.update_archive(ws, "all", event_pattern=json.dumps({"detail": {"n": [3]}}))
    put(8)
    put(3)
    assert archived("all") == [7, 3]
    archives.delete_archive(ws, "all")
    _archive("other")
    put(4)
    assert archived("other") == [4]
    assert not ArchivedEvent.objects.filter(archive__name="all").exists()
