"""The Archives page: EventBridge archives and their replays in the browser.

Archives are listed with their event count and size (DescribeArchive's EventCount and
SizeBytes), which follow the archiving live: events are archived in the transaction that
accepts them (events.archives), whose commit already tells the dashboard's socket ``events``
(runtime.routing), so the archives' panel re-reads on that nudge and PutEvents sends nothing
more. Archives are created from a form (source bus, optional event pattern, RetentionDays, 0
keeping events forever) and deleted. Replays are started from a form (StartReplay: archive, the
EventStartTime/EventEndTime window, the rules FilterArns allows, and the workbench's pace:
as fast as possible as AWS does, the original pace, or N times faster), listed with their
state and a progress bar that moves as the replay's batches commit (the dashboard's socket:
every batch tells it ``events``, each state change ``replays``), and cancelled (CancelReplay).
("Archiving and replaying events", EventBridge User Guide.) Writes go through
``events.archives``, ``events.replays`` and ``runtime.routing.start_replay``, the one owner of
running a replay; a refused form shows AWS's error beside its field, with what was typed kept.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TypeVar

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from workbench.accounts.models import Workspace
from workbench.accounts.services import default_workspace
from workbench.console.forms import done, notice
from workbench.core.arns import event_bus_arn
from workbench.core.errors import AwsError, ValidationError, field_for, refusals
from workbench.events import archives, replays
from workbench.events import services as events
from workbench.events.errors import InvalidEventPattern
from workbench.events.models import Archive, ArchivedEvent, Replay, Rule
from workbench.runtime import routing

T = TypeVar("T")

ARCHIVE_FIELDS = {
    "pattern": "vent pattern",
    "retention": "RetentionDays",
    "bus": "Event bus",
    "description": "'description'",
}
"""The archive form's fields, by the words AWS's error about each carries."""
REPLAY_FIELDS = {
    "end": "Parameter EventEndTime",
    "start": "EventStartTime",
    "rules": "FilterArns",
    "pace": "pace",
    "archive": "Archive",
}
"""The replay form's fields, by the words AWS's error about each carries."""
WINDOW_FORMAT = "%Y-%m-%dT%H:%M"
"""How a ``datetime-local`` input writes a moment (read here as UTC)."""


def _field_of(exc: AwsError, fields: dict[str, str]) -> str:
    """The field a refusal is about; an invalid event pattern's message names no parameter."""
    return "pattern" if isinstance(exc, InvalidEventPattern) else field_for(exc.message, fields, "name")


@dataclass
class ReplayRow:
    """A replay with how far it has come: events sent of the events in its window."""

    replay: Replay
    sent: int
    total: int

    @property
    def percent(self) -> int:
        if self.replay.state == Replay.COMPLETED:
            return 100
        return min(100, self.sent * 100 // self.total) if self.total else 0

    @property
    def rule_names(self) -> list[str]:
        """The rules FilterArns names, by name (a rule ARN ends with its name)."""
        return [arn.rsplit("/", 1)[-1] for arn in self.replay.filter_arns]

    @property
    def cancellable(self) -> bool:
        return self.replay.state in Replay.CANCELLABLE


def archive_list(request: HttpRequest) -> HttpResponse:
    workspace = default_workspace()
    archive_form = {"name": "", "bus": "default", "pattern": "", "retention": "0", "description": ""}
    now = timezone.now()
    replay_form = {
        "name": "",
        "archive": "",
        "start": (now - timedelta(days=1)).strftime(WINDOW_FORMAT),  # the last day, by default
        "end": now.strftime(WINDOW_FORMAT),
        "pace": "0",
        "speedup": "10",
    }
    chosen_rules: list[str] = []
    errors: dict[str, AwsError] = {}
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action in ("delete-archive", "cancel-replay"):
            # Something another tab may have ended already: nothing to show then.
            name = request.POST.get("name", "")
            try:
                if action == "delete-archive":
                    archives.delete_archive(workspace, name)
                else:
                    routing.cancel_replay(workspace, name)
            except AwsError:
                return redirect("archive-list")
            return done(
                "archive-list", "archive-deleted" if action == "delete-archive" else "replay-cancelling", name
            )
        if action == "create-archive":
            archive_form = {key: request.POST.get(key, "").strip() for key in archive_form}
            problems = _create_archive(workspace, archive_form)
            if not problems:
                return done("archive-list", "archive-created", archive_form["name"])
            errors = _beside_fields("archive_", problems, ARCHIVE_FIELDS)
        if action == "start-replay":
            replay_form = {key: request.POST.get(key, "").strip() for key in replay_form}
            chosen_rules = request.POST.getlist("rules")
            problems = _start_replay(workspace, replay_form, chosen_rules)
            if not problems:
                return done("archive-list", "replay-started", replay_form["name"])
            errors = _beside_fields("replay_", problems, REPLAY_FIELDS)
    listed = list(archives.list_archives(workspace))
    return render(
        request,
        "events/archive_list.html",
        {
            "archives": [(archive, *archives.counts(archive)) for archive in listed],
            "replays": [_progress(replay) for replay in replays.list_replays(workspace)],
            "buses": [bus.name for bus in events.list_buses(workspace)],
            "rules": _rules_by_bus(listed),
            "archive_form": archive_form,
            "replay_form": replay_form,
            "chosen_rules": chosen_rules,
            "errors": errors,
            "notice": notice(request),
        },
    )


def _beside_fields(form: str, problems: list[AwsError], fields: dict[str, str]) -> dict[str, AwsError]:
    """Each refusal beside its field (the first about a field, where two are)."""
    errors: dict[str, AwsError] = {}
    for problem in problems:
        errors.setdefault(form + _field_of(problem, fields), problem)
    return errors


def _create_archive(workspace: Workspace, form: dict[str, str]) -> list[AwsError]:
    """CreateArchive from the form, or every refusal it has (none: the archive was made)."""
    problems: list[AwsError] = []
    retention = _read(problems, lambda: _whole_number(form["retention"] or "0", "RetentionDays"), None)
    name, pattern = form["name"], form["pattern"] or None
    source_arn = event_bus_arn(workspace.region, workspace.account_id, form["bus"])
    problems += archives.archive_problems(
        workspace,
        name=name,
        source_arn=source_arn,
        event_pattern=pattern,
        retention_days=retention,
        description=form["description"],
    )
    if not problems:
        problems = refusals(
            lambda: archives.create_archive(
                workspace,
                name=name,
                source_arn=source_arn,
                description=form["description"],
                event_pattern=pattern,
                retention_days=retention,
            )
        )
    return problems


def _start_replay(workspace: Workspace, form: dict[str, str], rules: list[str]) -> list[AwsError]:
    """StartReplay from the form, or every refusal it has (none: the replay has begun)."""
    problems: list[AwsError] = []
    archive = _read(problems, lambda: _chosen_archive(workspace, form["archive"]), None)
    start = _read(problems, lambda: _moment(form["start"], "EventStartTime"), None)
    end = _read(problems, lambda: _moment(form["end"], "EventEndTime"), None)
    pace = _read(problems, lambda: _pace(form), 0.0)
    source_arn = None if archive is None else archive.arn
    destination = {"Arn": "" if archive is None else archive.bus.arn, "FilterArns": rules}
    problems += replays.replay_problems(
        workspace, name=form["name"], source_arn=source_arn, start=start, end=end, destination=destination
    )
    if not problems and source_arn is not None and start is not None and end is not None:
        problems = refusals(
            lambda: routing.start_replay(
                workspace,
                name=form["name"],
                source_arn=source_arn,
                start=start,
                end=end,
                destination=destination,
                pace=pace,
            )
        )
    return problems


def _read(problems: list[AwsError], read: Callable[[], T], otherwise: T) -> T:
    """What ``read`` gives, or ``otherwise`` with its refusal added to ``problems``."""
    try:
        return read()
    except AwsError as exc:
        problems.append(exc)
        return otherwise


def _whole_number(text: str, parameter: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise ValidationError(
            f"Parameter {parameter} is not valid. Reason: must be a whole number."
        ) from None


def _chosen_archive(workspace: Workspace, name: str) -> Archive:
    try:
        return archives.get_archive(workspace, name)
    except AwsError:
        raise ValidationError("Archive: choose the archive to replay.") from None


def _moment(text: str, parameter: str) -> datetime:
    """A ``datetime-local`` value, in UTC (the form says so)."""
    try:
        return datetime.strptime(text, WINDOW_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        raise ValidationError(
            f"Parameter {parameter} is not valid. Reason: give a date and time, such as 2026-12-01T09:30."
        ) from None


def _pace(form: dict[str, str]) -> float:
    """0: as fast as possible; 1: the original pace; N: the speed-up typed beside it."""
    if form["pace"] != "faster":
        return 1.0 if form["pace"] == "1" else 0.0
    try:
        speedup = float(form["speedup"])
    except ValueError:
        speedup = -1.0
    if not speedup > 0:
        raise ValidationError(
            "Faster: give how many times faster than the original pace, a number above 0 (such as 10)."
        )
    return speedup


def _progress(replay: Replay) -> ReplayRow:
    """How many of the window's archived events the replay has sent (its cursor is the last)."""
    if replay.archive_id is None:
        return ReplayRow(replay, 0, 0)
    window = ArchivedEvent.objects.filter(
        archive_id=replay.archive_id, time__gte=replay.event_start_time, time__lt=replay.event_end_time
    )
    return ReplayRow(replay, window.filter(id__lte=replay.cursor).count(), window.count())


def _rules_by_bus(listed: list[Archive]) -> dict[str, list[Rule]]:
    """The rules of the archives' buses, which a replay's FilterArns may name, by bus name and
    each once (the page shows those of the chosen archive's bus: replay_rules.js). An
    archive's own managed rule is left out: it takes no replayed event."""
    rules = (
        Rule.objects.filter(bus__in={archive.bus_id for archive in listed}, managed_by="")
        .select_related("bus__workspace")
        .order_by("bus__name", "name")
    )
    by_bus: dict[str, list[Rule]] = {}
    for rule in rules:
        by_bus.setdefault(rule.bus.name, []).append(rule)
    return by_bus
