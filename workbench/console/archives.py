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

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from workbench.accounts.models import Workspace
from workbench.accounts.services import default_workspace
from workbench.console.forms import done, notice
from workbench.core.errors import AwsError, ValidationError, field_for
from workbench.events import archives, replays
from workbench.events import services as events
from workbench.events.errors import InvalidEventPattern
from workbench.events.models import Archive, ArchivedEvent, Replay, Rule
from workbench.runtime import routing

ARCHIVE_FIELDS = {"pattern": "vent pattern", "retention": "RetentionDays", "bus": "Event bus"}
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
            try:
                _create_archive(workspace, archive_form)
                return done("archive-list", "archive-created", archive_form["name"])
            except AwsError as exc:
                errors["archive_" + _field_of(exc, ARCHIVE_FIELDS)] = exc
        if action == "start-replay":
            replay_form = {key: request.POST.get(key, "").strip() for key in replay_form}
            chosen_rules = request.POST.getlist("rules")
            try:
                _start_replay(workspace, replay_form, chosen_rules)
                return done("archive-list", "replay-started", replay_form["name"])
            except AwsError as exc:
                errors["replay_" + _field_of(exc, REPLAY_FIELDS)] = exc
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


def _create_archive(workspace: Workspace, form: dict[str, str]) -> Archive:
    try:
        retention = int(form["retention"] or "0")
    except ValueError:
        raise ValidationError(
            "Parameter RetentionDays is not valid. Reason: must be a whole number."
        ) from None
    bus = events.get_bus(workspace, form["bus"])
    return archives.create_archive(
        workspace,
        name=form["name"],
        source_arn=bus.arn,
        description=form["description"],
        event_pattern=form["pattern"] or None,
        retention_days=retention,
    )


def _start_replay(workspace: Workspace, form: dict[str, str], rules: list[str]) -> Replay:
    try:
        archive = archives.get_archive(workspace, form["archive"])
    except AwsError:
        raise ValidationError("Archive: choose the archive to replay.") from None
    return routing.start_replay(
        workspace,
        name=form["name"],
        source_arn=archive.arn,
        start=_moment(form["start"], "EventStartTime"),
        end=_moment(form["end"], "EventEndTime"),
        destination={"Arn": archive.bus.arn, "FilterArns": rules},
        pace=_pace(form),
    )


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
