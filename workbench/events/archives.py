"""Archives: CreateArchive, DescribeArchive, ListArchives, UpdateArchive, DeleteArchive, and
the archiving of accepted events (Amazon EventBridge API Reference; User Guide "Archiving and
replaying events").

An archive keeps every event its source bus accepts that its optional EventPattern matches,
for RetentionDays (0 keeps them forever). ``archive_accepted`` is called by
``workbench.runtime.routing`` inside the transaction that accepts the events, so an event is
archived exactly when it is accepted. Replayed events are not archived again: they were
archived when first accepted. Retention is enforced by ``expire`` (the recovery sweep) and on
every read of an archive's counts.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from engine import compact_json
from engine.events.patterns import Pattern, matches
from workbench.accounts.models import Workspace
from workbench.core import rows as stored
from workbench.core.errors import (
    AwsError,
    ResourceAlreadyExists,
    ResourceNotFound,
    ValidationError,
    invalid,
    max_length,
    refusals,
)
from workbench.events import changes, managed_rules, matchers
from workbench.events.models import Archive, ArchivedEvent, EventBus, Rule
from workbench.events.services import get_bus, touch_routing, validate_pattern_text

MAX_DESCRIPTION = 512
ARCHIVE_NAME_RE = re.compile(r"^[\.\-_A-Za-z0-9]{1,48}$")


def get_archive(workspace: Workspace, name: str) -> Archive:
    archive = (
        Archive.objects.filter(workspace=workspace, name=name).select_related("workspace", "bus").first()
    )
    if archive is None:
        raise ResourceNotFound(f"Archive {name} does not exist.")
    return archive


def _check_retention(days: Any) -> int:
    if days is None:
        return 0
    if isinstance(days, bool) or not isinstance(days, int) or days < 0:
        raise ValidationError("Parameter RetentionDays is not valid. Reason: must be 0 or more.")
    return days


def create_archive(
    workspace: Workspace,
    *,
    name: str,
    source_arn: str,
    description: str | None = None,
    event_pattern: str | None = None,
    retention_days: Any = None,
) -> Archive:
    """CreateArchive: the source bus must exist in this workspace; the pattern must be valid."""
    problems = archive_problems(
        workspace,
        name=name,
        source_arn=source_arn,
        event_pattern=event_pattern,
        retention_days=retention_days,
        description=description,
    )
    if problems:
        raise problems[0]
    days = _check_retention(retention_days)
    bus = _source_bus(workspace, source_arn)
    with transaction.atomic():
        archive = Archive.objects.create(
            workspace=workspace,
            name=name,
            bus=bus,
            description=description or "",
            event_pattern=event_pattern,
            retention_days=days,
            created=timezone.now(),
        )
        managed_rules.put_rule_of(archive)
        touch_routing(bus)
        changes.changed(workspace.id, changes.ARCHIVES)
    return archive


def archive_problems(
    workspace: Workspace,
    *,
    name: str,
    source_arn: str,
    event_pattern: str | None = None,
    retention_days: Any = None,
    description: str | None = None,
) -> list[AwsError]:
    """Every refusal CreateArchive has for these values, in the order it checks them (the
    browser's form names them all at once; CreateArchive raises the first)."""
    return refusals(
        lambda: _check_name(name),
        lambda: _check_description(description),
        lambda: event_pattern is None or validate_pattern_text(event_pattern),
        lambda: _check_retention(retention_days),
        lambda: _check_new(workspace, name, source_arn),
    )


def _check_description(description: str | None) -> None:
    """The model's limit (ArchiveDescription: at most 512 characters), as AWS's request
    validation words it."""
    if description is not None and len(description) > MAX_DESCRIPTION:
        raise invalid("description", max_length(MAX_DESCRIPTION))


def _check_name(name: str) -> None:
    if not ARCHIVE_NAME_RE.match(name or ""):
        raise ValidationError(f"Archive name {name!r} is not valid: use 1-48 letters, digits, . - or _")


def _check_new(workspace: Workspace, name: str, source_arn: str) -> None:
    """The source bus is there, and neither the archive nor its rule's name is taken."""
    bus = _source_bus(workspace, source_arn)
    if Archive.objects.filter(workspace=workspace, name=name).exists():
        raise ResourceAlreadyExists(f"Archive {name} already exists.")
    rule_name = managed_rules.PREFIX + name
    if Rule.objects.filter(bus=bus, name=rule_name).exists():
        raise ResourceAlreadyExists(
            f"A rule with the pattern '{rule_name}' already exists. Please choose a different "
            "archive name or delete your rule, then, try again."
        )


def _source_bus(workspace: Workspace, source_arn: str) -> EventBus:
    """The bus an EventSourceArn names; it must be this workspace's."""
    prefix = f"arn:aws:events:{workspace.region}:{workspace.account_id}:event-bus/"
    if not isinstance(source_arn, str) or not source_arn.startswith(prefix):
        raise ResourceNotFound(f"Event bus {source_arn} does not exist.")
    return get_bus(workspace, source_arn[len(prefix) :])


def update_archive(
    workspace: Workspace,
    name: str,
    *,
    description: str | None = None,
    event_pattern: str | None = None,
    retention_days: Any = None,
) -> Archive:
    """UpdateArchive: only the members given change (an empty EventPattern clears it); events
    already archived stay. The archive's rule follows, and an archive disabled by forcing its
    rule off is enabled again with its rule put back (as a recorded AWS run shows)."""
    if event_pattern is None and retention_days is None and description is None:
        raise ValidationError("At least one of EventPattern, RetentionDays or Description must be provided.")
    archive = get_archive(workspace, name)
    _check_description(description)
    if event_pattern:
        validate_pattern_text(event_pattern)
    if retention_days is not None:
        archive.retention_days = _check_retention(retention_days)
    if event_pattern is not None:
        archive.event_pattern = event_pattern or None
    if description is not None:
        archive.description = description
    archive.state, archive.state_reason = Archive.ENABLED, ""
    with transaction.atomic():
        archive.save(
            update_fields=["event_pattern", "retention_days", "description", "state", "state_reason"]
        )
        managed_rules.put_rule_of(archive)
        touch_routing(archive.bus)
        changes.changed(workspace.id, changes.ARCHIVES)
    return archive


def delete_archive(workspace: Workspace, name: str) -> None:
    """DeleteArchive, with its rule (ListRules no longer shows it right after)."""
    archive = get_archive(workspace, name)
    with transaction.atomic():
        Rule.objects.filter(
            bus=archive.bus, name=managed_rules.rule_name(archive), managed_by__gt=""
        ).delete()
        archive.delete()
        touch_routing(archive.bus)
        changes.changed(workspace.id, changes.ARCHIVES)


def list_archives(
    workspace: Workspace, prefix: str | None = None, source_arn: str | None = None, state: str | None = None
) -> Any:
    archives = Archive.objects.filter(workspace=workspace).select_related("workspace", "bus__workspace")
    if prefix:
        archives = archives.filter(name__startswith=prefix)
    if state:
        archives = archives.filter(state=state)
    if source_arn:
        archives = [archive for archive in archives.order_by("name") if archive.bus.arn == source_arn]
        return archives
    return archives.order_by("name")


def counts(archive: Archive, now: datetime | None = None) -> tuple[int, int]:
    """(EventCount, SizeBytes), after dropping what the archive's retention has expired."""
    expire(now, archive_ids=[archive.id])
    totals = ArchivedEvent.objects.filter(archive=archive).aggregate(n=Count("id"), size=Sum("size"))
    return int(totals["n"] or 0), int(totals["size"] or 0)


def expire(now: datetime | None = None, archive_ids: list[int] | None = None) -> int:
    """Delete the archived events older than their archive's RetentionDays; how many."""
    moment = now or timezone.now()
    archives = Archive.objects.filter(retention_days__gt=0)
    if archive_ids is not None:
        archives = archives.filter(id__in=archive_ids)
    deleted = 0
    for archive_id, days in archives.values_list("id", "retention_days"):
        cutoff = moment - timedelta(days=days)
        count, _ = ArchivedEvent.objects.filter(archive_id=archive_id, archived__lt=cutoff).delete()
        deleted += count
    return deleted


def archive_accepted(accepted: list[tuple[EventBus, dict[str, Any]]], now: datetime) -> int:
    """Archive accepted events into every enabled archive of their bus whose pattern matches.

    Must run inside the transaction that accepts the events (runtime.routing does); returns how
    many archive rows it wrote.
    """
    assert transaction.get_connection().in_atomic_block, "archive in the accepting transaction"
    rows = []
    kept: dict[int, list[tuple[Archive, Pattern | None]]] = {}  # a call's events share buses
    for bus, event in accepted:
        if "replay-name" in event:
            continue
        archives = kept.get(bus.id)
        if archives is None:
            archives = kept[bus.id] = matchers.archives(bus)
        for archive, pattern in archives:
            if pattern is None or matches(pattern, event):
                rows.append(
                    stored.new(
                        ArchivedEvent,
                        archive=archive,
                        event_id=str(event["id"]),
                        body=event,
                        time=_event_time(event, now),
                        size=_size(event),
                        archived=now,
                    )
                )
    # Nothing reads their keys: the INSERT goes with the transaction's COMMIT (core.together).
    stored.insert_all(rows, keys="never")
    return len(rows)


def _size(event: dict[str, Any]) -> int:
    """The event's size in an archive's SizeBytes: its compact JSON text in UTF-8 bytes (the
    unit of EventBridge's entry size, "Calculating Amazon EventBridge PutEvents event entry
    size"; AWS does not publish how an archive counts)."""
    return len(compact_json.dumps(event).encode())


def _event_time(event: dict[str, Any], fallback: datetime) -> datetime:
    parsed = parse_datetime(str(event.get("time", "")))
    return parsed if parsed is not None else fallback
