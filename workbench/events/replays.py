"""Replays: StartReplay, DescribeReplay, CancelReplay, ListReplays (Amazon EventBridge API
Reference), the checks and the stored state; ``workbench.runtime.routing`` runs a replay.

A replay sends an archive's events whose time falls in [EventStartTime, EventEndTime) back to
the archive's own bus ("You can replay events only to the event bus specified to create the
archive", ReplayDestination). Each replayed event carries a ``replay-name`` field and is
evaluated only by the rules named in FilterArns, or by every rule of the bus when FilterArns
is absent. States follow ReplayState: STARTING, RUNNING, CANCELLING, COMPLETED, CANCELLED,
FAILED; CancelReplay of a replay that has ended is an IllegalStatusException.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone

from workbench.accounts.models import Workspace
from workbench.core.errors import AwsError, ResourceAlreadyExists, ResourceNotFound, ValidationError, refusals
from workbench.events.archives import get_archive
from workbench.events.errors import IllegalStatus
from workbench.events.models import Archive, Replay, Rule

REPLAY_NAME_RE = re.compile(r"^[\.\-_A-Za-z0-9]{1,64}$")


def get_replay(workspace: Workspace, name: str) -> Replay:
    replay = Replay.objects.filter(workspace=workspace, name=name).select_related("workspace").first()
    if replay is None:
        raise ResourceNotFound(f"Replay {name} does not exist.")
    return replay


def _archive_from_arn(workspace: Workspace, arn: str) -> Archive:
    prefix = f"arn:aws:events:{workspace.region}:{workspace.account_id}:archive/"
    if not isinstance(arn, str) or not arn.startswith(prefix):
        raise ValidationError(f"Parameter EventSourceArn is not valid. Reason: {arn} is not an archive ARN.")
    return get_archive(workspace, arn[len(prefix) :])


def create_replay(
    workspace: Workspace,
    *,
    name: str,
    source_arn: str,
    start: datetime,
    end: datetime,
    destination: dict[str, Any],
    description: str | None = None,
    pace: float = 0,
    now: datetime | None = None,
) -> Replay:
    """StartReplay's checks, then the replay stored STARTING (the caller enqueues its run).

    ``pace`` is the workbench's addition: 0 replays as fast as possible, as AWS does; 1 at
    the events' original pace; N at N times that.
    """
    moment = now or timezone.now()
    problems = replay_problems(
        workspace,
        name=name,
        source_arn=source_arn,
        start=start,
        end=end,
        destination=destination,
        pace=pace,
        now=moment,
    )
    if problems:
        raise problems[0]
    archive = _archive_from_arn(workspace, source_arn)
    with transaction.atomic():
        _check_new(workspace, name)  # again in the transaction: a replay of the same name may have just begun
        return Replay.objects.create(
            workspace=workspace,
            name=name,
            description=description or "",
            archive=archive,
            archive_arn=archive.arn,
            destination_arn=archive.bus.arn,
            filter_arns=list(destination.get("FilterArns") or []),
            event_start_time=start,
            event_end_time=end,
            replay_start_time=moment,
            pace=float(pace),
        )


def replay_problems(
    workspace: Workspace,
    *,
    name: str,
    source_arn: str | None,
    start: datetime | None,
    end: datetime | None,
    destination: dict[str, Any],
    pace: float = 0,
    now: datetime | None = None,
) -> list[AwsError]:
    """Every refusal StartReplay has for these values, in the order it checks them (the
    browser's form names them all at once; StartReplay raises the first). A value that is
    None (a form could not read it, and says so itself) is not checked."""
    found = refusals(lambda: _check_pace(pace), lambda: _check_name(name))
    archive: Archive | None = None
    if source_arn is not None:
        try:
            archive = _archive_from_arn(workspace, source_arn)
        except AwsError as exc:
            found.append(exc)
    found += refusals(
        lambda: _check_window(start, end, now or timezone.now()),
        lambda: archive is None or _check_destination(archive, destination),
        lambda: _check_new(workspace, name),
    )
    return found


def _check_pace(pace: float) -> None:
    if isinstance(pace, bool) or not isinstance(pace, int | float) or pace < 0:
        raise ValidationError("Replay pace must be 0 (as fast as possible) or a positive speed-up.")


def _check_name(name: str) -> None:
    if not REPLAY_NAME_RE.match(name or ""):
        raise ValidationError(f"Replay name {name!r} is not valid: use 1-64 letters, digits, . - or _")


def _check_window(start: datetime | None, end: datetime | None, moment: datetime) -> None:
    if start is None or end is None:
        return
    if start >= end:
        raise ValidationError(
            "Parameter EventEndTime is not valid. Reason: EventStartTime must be before EventEndTime."
        )
    if end > moment:
        raise ValidationError(
            "Parameter EventEndTime is not valid. Reason: EventEndTime must not be in the future."
        )


def _check_destination(archive: Archive, destination: dict[str, Any]) -> None:
    """The archive's own bus, and rules of that bus only."""
    if destination.get("Arn") != archive.bus.arn:
        raise ValidationError(
            "Parameter Destination.Arn is not valid. Reason: Cross event bus replay is not permitted."
        )
    filter_arns = list(destination.get("FilterArns") or [])
    known = {rule.arn for rule in Rule.objects.filter(bus=archive.bus).select_related("bus__workspace")}
    unknown = [arn for arn in filter_arns if arn not in known]
    if unknown:
        raise ValidationError(
            f"Parameter Destination.FilterArns is not valid. Reason: rule {unknown[0]} does not exist "
            f"on event bus {archive.bus.name}."
        )


def _check_new(workspace: Workspace, name: str) -> None:
    if Replay.objects.filter(workspace=workspace, name=name).exists():
        raise ResourceAlreadyExists(f"Replay {name} already exists.")


def cancel_replay(workspace: Workspace, name: str) -> Replay:
    """CancelReplay: an active replay goes CANCELLING; its runner then ends it CANCELLED."""
    with transaction.atomic():
        replay = get_replay(workspace, name)
        replay = Replay.objects.select_for_update(of=("self",)).select_related("workspace").get(id=replay.id)
        if replay.state not in Replay.CANCELLABLE:
            raise IllegalStatus(f"Replay {name} is not in a valid state for this operation.")
        replay.state = Replay.CANCELLING
        replay.save(update_fields=["state", "updated"])
    return replay


def list_replays(
    workspace: Workspace, prefix: str | None = None, state: str | None = None, source_arn: str | None = None
) -> Any:
    replays = Replay.objects.filter(workspace=workspace).select_related("workspace").order_by("name")
    if prefix:
        replays = replays.filter(name__startswith=prefix)
    if state:
        replays = replays.filter(state=state)
    if source_arn:
        replays = replays.filter(archive_arn=source_arn)
    return replays
