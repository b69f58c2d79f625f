"""The Schedules pages: EventBridge Scheduler schedules and schedule groups in the browser.

The list (/scheduler/) shows each schedule with its next firing, a create form with every
setting of CreateSchedule (FlexibleTimeWindow, RetryPolicy, DeadLetterConfig, StartDate and
EndDate in UTC, Description, State, ActionAfterCompletion) and the groups, created and deleted
(DeleteScheduleGroup deletes the group's schedules too; the default group stays). A schedule's
page (/scheduler/<group>/<name>/) shows what GetSchedule returns (the RetryPolicy with AWS's
defaults where none was given), its recent firings, each linking to its event's journey, and an
edit form pre-filled with every current setting: UpdateSchedule replaces them all ("If you
don't specify an optional parameter, its value is reset to the default"), so the form sends
them all, and the target settings it does not edit (SqsParameters, EventBridgeParameters, ...)
and KmsKeyArn are sent back as they are.

A refused form comes back (HTTP 400) with each refusal beside its field, every independent
field checked at once, in AWS's words (the model's constraints, "1 validation error detected:
... Member must have length less than or equal to 64"), what was typed kept; a done action
redirects with a notice (POST/redirect/GET). The tables follow the firings live: each commit
of a firing tells the socket ``schedules`` (runtime.schedules) and the panels re-read
(static/console/tail.js). Writes go through events.scheduler, the timers are armed through
runtime.schedules.

EventBridge Scheduler API Reference: CreateSchedule, UpdateSchedule, GetSchedule,
FlexibleTimeWindow, RetryPolicy, DeadLetterConfig, CreateScheduleGroup, DeleteScheduleGroup
(https://docs.aws.amazon.com/scheduler/latest/APIReference/).
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any, TypeVar

from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render

from engine.events.schedules import ScheduleExpressionError, parse_expression
from workbench.accounts.models import Workspace
from workbench.accounts.services import default_workspace
from workbench.console.forms import done, fields, notice
from workbench.core.errors import (
    UNSHOWN,
    AwsError,
    ValidationError,
    enum_value_set,
    field_for,
    max_length,
    min_length,
    pattern,
    validation_message,
    value_at_least,
    value_at_most,
    violation,
)
from workbench.events import scheduler
from workbench.events.models import Delivery, Schedule, ScheduleGroup
from workbench.functions.models import Function
from workbench.functions.services import arn_of
from workbench.runtime import clock
from workbench.runtime import schedules as timers
from workbench.sns import services as topics
from workbench.sqs import services as queues
from workbench.stepfunctions.models import StateMachine

T = TypeVar("T")
Problems = dict[str, AwsError]

SETTINGS = (
    "expression",
    "timezone",
    "target",
    "role",
    "input",
    "state",
    "window_mode",
    "window_minutes",
    "retry_attempts",
    "event_age",
    "dead_letter",
    "start",
    "end",
    "description",
    "delete_after",
)
"""The fields of both forms (the create form adds the name and the group)."""
OPTIONAL = SETTINGS[5:14]
"""The create form's optional settings (under a details element, open when one is set)."""
EDITED_TARGET_KEYS = ("Arn", "RoleArn", "Input", "RetryPolicy", "DeadLetterConfig")
"""The Target members the forms edit; the others are kept as they are on edit."""

# The model's constraints (botocore's ``scheduler`` model): the pattern as AWS prints it in its
# message, and the same read by Python (Java's \w is ASCII).
NAME_PATTERN = scheduler.NAME_PATTERN
ROLE_PATTERN = r"arn:aws[a-z-]*:iam::\d{12}:role\/[\w+=,.@\/-]+"
DEAD_LETTER_PATTERN = r"arn:aws[a-z-]*:sqs:[a-z0-9\-]+:\d{12}:[a-zA-Z0-9\-_]+"
_ECHO_LIMIT = 1000  # AWS echoes no longer value in a violation (awsapi.validation's limit)
_ANY_EXPRESSION = "rate(1 hour)"
FORM_TIME = "%Y-%m-%dT%H:%M:%S"
"""How a ``datetime-local`` input with step="1" writes a moment (read here as UTC)."""
FIRINGS_SHOWN = 20

SERVICE_FIELDS = {
    "role": "RoleArn",
    "expression": "Schedule Expression",
    "timezone": "time zone",
    "window_minutes": "MaximumWindowInMinutes",
    "window_mode": "FlexibleTimeWindow",
    "end": "EndDate",
    "start": "StartDate",
    "state": "Invalid State",
    "target": "Target",
    "group": "Schedule group",
}
"""The field a refusal of events.scheduler is about, by the words its message carries."""


def schedule_list(request: HttpRequest) -> HttpResponse:
    """The schedules, the create form and the groups; each POST action redirects when done."""
    workspace = default_workspace()
    form = blank = _new_form(workspace)
    group_form = {"group_name": ""}
    errors: Problems = {}
    if request.method == "POST":
        action = request.POST.get("action", "create")
        if action in ("enable", "disable", "delete"):
            group, name = request.POST.get("group", ""), request.POST.get("name", "")
            schedule = _find(workspace, group, name)
            if schedule is None:
                return redirect("schedule-list")  # gone already (another tab deleted it)
            return _change(workspace, schedule, action, "schedule-list")
        if action == "create-group":
            group_form = fields(request, group_form)
            errors = _create_group(workspace, group_form["group_name"])
            if not errors:
                return done("schedule-list", "schedule-group-created", group_form["group_name"])
        elif action == "delete-group":
            name = request.POST.get("group", "")
            try:
                if "\x00" in name:  # no group has it (and PostgreSQL text cannot hold it)
                    raise scheduler.NotFound(f"Schedule group {name} does not exist.")
                scheduler.delete_group(workspace, name)
            except AwsError:
                return redirect("schedule-list")  # the default group, or gone already
            return done("schedule-list", "schedule-group-deleted", name)
        else:
            form = fields(request, ("name", "group", *SETTINGS))
            errors = _create(workspace, form)
            if not errors:
                return done("schedule-list", "schedule-created", form["name"])
    moment = clock.now(workspace)
    found = scheduler.schedules(workspace).select_related("group__workspace__virtual_clock")
    rows = [
        {
            "schedule": schedule,
            "next": schedule.next_fire_at or timers.next_schedule_firing(schedule, moment),
        }
        for schedule in found
    ]
    groups = list(scheduler.groups(workspace, None).annotate(count=Count("schedules")))
    context = {
        "rows": rows,
        "form": form,
        "group_form": group_form,
        "errors": errors,
        "open_optional": any(key in errors or form[key] != blank[key] for key in OPTIONAL),
        "groups": groups,
        "notice": notice(request),
        **_choices(workspace, form["dead_letter"]),
    }
    return render(request, "events/schedule_list.html", context, status=400 if errors else 200)


def schedule_detail(request: HttpRequest, group_name: str, schedule_name: str) -> HttpResponse:
    """One schedule: what GetSchedule returns, its recent firings, edit, enable/disable, delete."""
    workspace = default_workspace()
    schedule = _find(workspace, group_name, schedule_name)
    if schedule is None:
        raise Http404(f"Schedule {schedule_name} does not exist in the group {group_name}.")
    form = _form_of(schedule)
    errors: Problems = {}
    if request.method == "POST":
        action = request.POST.get("action", "update")
        if action in ("enable", "disable", "delete"):
            return _change(workspace, schedule, action, "schedule-detail")
        form = {**fields(request, SETTINGS), "updated": request.POST.get("updated", "")}
        errors = _update(workspace, schedule, form)
        if not errors:
            return done(
                "schedule-detail",
                "schedule-updated",
                schedule.name,
                group_name=schedule.group.name,
                schedule_name=schedule.name,
            )
    target = schedule.target
    dead_letter = (target.get("DeadLetterConfig") or {}).get("Arn") or ""
    retry = {**scheduler.RETRY_DEFAULTS, **(target.get("RetryPolicy") or {})}
    kept = _kept_target(schedule)
    context = {
        "schedule": schedule,
        "retry": retry,
        "retry_is_default": retry == scheduler.RETRY_DEFAULTS,
        "dead_letter": dead_letter,
        "dead_letter_queue": queues.queue_for_arn(workspace, dead_letter) if dead_letter else None,
        "kept": json.dumps(kept, indent=2, ensure_ascii=False) if kept else "",
        "next": timers.upcoming_schedule(schedule),
        "firings": _firings(workspace, schedule),
        "firings_shown": FIRINGS_SHOWN,
        "form": form,
        "errors": errors,
        "notice": notice(request),
        **_choices(workspace, form["dead_letter"]),
    }
    return render(request, "events/schedule_detail.html", context, status=400 if errors else 200)


def old_address(request: HttpRequest) -> HttpResponseRedirect:
    """/schedules/ (the nav's word) is the Schedules page, for good."""
    return redirect("schedule-list", permanent=True)


# The actions ---------------------------------------------------------------------------------


def _change(workspace: Workspace, schedule: Schedule, action: str, back_to: str) -> HttpResponseRedirect:
    """Enable, disable or delete ``schedule``, and back to the page it was done on (the list
    after a delete)."""
    name, group = schedule.name, schedule.group.name
    if action == "delete":
        with contextlib.suppress(AwsError):  # deleted meanwhile: it is gone all the same
            scheduler.delete_schedule(workspace, name, group)
        return done("schedule-list", "schedule-deleted", name)
    state = Schedule.ENABLED if action == "enable" else Schedule.DISABLED
    timers.arm_schedule(scheduler.set_state(schedule, state))
    what = "schedule-enabled" if action == "enable" else "schedule-disabled"
    if back_to == "schedule-detail":
        return done(back_to, what, name, group_name=group, schedule_name=name)
    return done(back_to, what, name)


def _create(workspace: Workspace, form: dict[str, str]) -> Problems:
    """CreateSchedule from the form, or every refusal beside its field (none: it was made)."""
    problems: Problems = {}
    _checked(problems, "name", lambda: _text("name", form["name"], least=1, most=64, regex=NAME_PATTERN))
    if _checked(problems, "group", lambda: _text("groupName", form["group"], most=64)) is not None:
        _checked(problems, "group", lambda: scheduler.get_group(workspace, form["group"]))
    params = _params(form, problems)
    _service_problems(params, form, problems)
    if problems:
        return problems
    try:
        schedule = scheduler.create_schedule(workspace, form["name"], {**params, "GroupName": form["group"]})
    except AwsError as exc:
        return _beside_field(exc, form)
    timers.arm_schedule(schedule)
    return {}


def _update(workspace: Workspace, schedule: Schedule, form: dict[str, str]) -> Problems:
    """UpdateSchedule from the form (every setting; the unedited ones as they are), or every
    refusal beside its field."""
    problems: Problems = {}
    if form.get("updated") != _version(schedule):
        # Changed since this page was read (by the API, another tab or its own firing): saving
        # every setting from the page would quietly undo that change.
        return {
            "name": ValidationError(
                "This schedule was changed since this page was loaded: reload it to see its "
                "settings now, then make your change again."
            )
        }
    params = _params(form, problems, kept=_kept_target(schedule))
    _service_problems(params, form, problems)
    if problems:
        return problems
    if schedule.kms_key_arn:
        params["KmsKeyArn"] = schedule.kms_key_arn
    try:
        updated = scheduler.update_schedule(
            workspace, schedule.name, {**params, "GroupName": schedule.group.name}
        )
    except AwsError as exc:
        return _beside_field(exc, form)
    timers.arm_schedule(updated)
    return {}


def _create_group(workspace: Workspace, name: str) -> Problems:
    """CreateScheduleGroup, or its refusal beside the name."""
    problems: Problems = {}
    if _checked(problems, "group_name", lambda: _text("name", name, least=1, most=64, regex=NAME_PATTERN)):
        _checked(problems, "group_name", lambda: scheduler.create_group(workspace, name))
    return problems


def _service_problems(params: dict[str, Any], form: dict[str, str], problems: Problems) -> None:
    """The refusals only events.scheduler makes (end before start, a past StartDate, a target
    that is not an ARN), added beside fields the form's own checks left clear, so one submit
    names them all."""
    for refusal in scheduler.settings_problems(params):
        for key, found in _beside_field(refusal, form).items():
            if key not in problems:
                problems[key] = _with_start_hint(found) if key == "start" else found


def _with_start_hint(refusal: AwsError) -> AwsError:
    """A past StartDate refused: UpdateSchedule refuses sending an old one back too (AWS), so
    say how to keep the schedule running."""
    if "StartDate you specify cannot be earlier" not in refusal.message:
        return refusal
    return AwsError(
        f"{refusal.message} Clear the start date to keep the schedule running from now.",
        code=refusal.code,
    )


def _version(schedule: Schedule) -> str:
    """What the edit form carries back to tell a stale page (LastModificationDate)."""
    return schedule.updated.isoformat()


def _beside_field(refusal: AwsError, form: dict[str, str]) -> Problems:
    """The field a refusal of events.scheduler is about (its ConflictException: the name)."""
    if isinstance(refusal, scheduler.Conflict):
        return {"name": refusal}
    key = field_for(refusal.message, SERVICE_FIELDS, "name")
    return {key: _with_reason(refusal, form["expression"]) if key == "expression" else refusal}


# The form, read and checked -------------------------------------------------------------------


def _params(form: dict[str, str], problems: Problems, kept: dict[str, Any] | None = None) -> dict[str, Any]:
    """The CreateSchedule/UpdateSchedule parameters the form means, each field checked on its own
    (its refusal added to ``problems``): the API's shape, members left blank left out."""
    _checked(problems, "expression", lambda: _expression(form["expression"]))
    _checked(problems, "timezone", lambda: _zone(form["timezone"]))
    state = form["state"] or Schedule.ENABLED
    _checked(problems, "state", lambda: _enum("state", state, scheduler.STATES))
    target: dict[str, Any] = {**(kept or {}), "Arn": form["target"], "RoleArn": form["role"]}
    _checked(problems, "target", lambda: _text("target.arn", form["target"], least=1, most=1600))
    role = form["role"]
    _checked(problems, "role", lambda: _text("target.roleArn", role, least=1, most=1600, regex=ROLE_PATTERN))
    if form["input"]:
        _checked(problems, "input", lambda: _text("target.input", form["input"], least=1))
        target["Input"] = form["input"]
    retry = {
        "MaximumRetryAttempts": _checked(
            problems, "retry_attempts", lambda: _whole(form["retry_attempts"], "MaximumRetryAttempts", 0, 185)
        ),
        "MaximumEventAgeInSeconds": _checked(
            problems, "event_age", lambda: _whole(form["event_age"], "MaximumEventAgeInSeconds", 60, 86400)
        ),
    }
    if any(value is not None for value in retry.values()):
        target["RetryPolicy"] = {key: value for key, value in retry.items() if value is not None}
    if dead_letter := form["dead_letter"]:
        location = "target.deadLetterConfig.arn"
        _checked(
            problems,
            "dead_letter",
            lambda: _text(location, dead_letter, least=1, most=1600, regex=DEAD_LETTER_PATTERN),
        )
        target["DeadLetterConfig"] = {"Arn": dead_letter}
    params: dict[str, Any] = {
        "ScheduleExpression": form["expression"],
        "ScheduleExpressionTimezone": form["timezone"] or "UTC",
        "FlexibleTimeWindow": _window(form, problems),
        "State": state,
        "Target": target,
        "ActionAfterCompletion": "DELETE" if form["delete_after"] else "NONE",
        "StartDate": _checked(problems, "start", lambda: _moment(form["start"], "StartDate")),
        "EndDate": _checked(problems, "end", lambda: _moment(form["end"], "EndDate")),
    }
    if form["description"]:
        _checked(problems, "description", lambda: _text("description", form["description"], most=512))
        params["Description"] = form["description"]
    return {key: value for key, value in params.items() if value is not None}


def _window(form: dict[str, str], problems: Problems) -> dict[str, Any]:
    """FlexibleTimeWindow: OFF, or FLEXIBLE with its MaximumWindowInMinutes (1 to 1440)."""
    mode = form["window_mode"] or "OFF"
    modes = scheduler.FLEXIBLE_MODES
    _checked(problems, "window_mode", lambda: _enum("flexibleTimeWindow.mode", mode, modes))
    if mode != "FLEXIBLE":
        return {"Mode": mode}
    minutes = _checked(
        problems, "window_minutes", lambda: _whole(form["window_minutes"], "MaximumWindowInMinutes", 1, 1440)
    )
    if minutes is None and "window_minutes" not in problems:
        problems["window_minutes"] = ValidationError(
            "MaximumWindowInMinutes is required when Mode is FLEXIBLE."
        )
    return {"Mode": mode, "MaximumWindowInMinutes": minutes}


def _checked(problems: Problems, field: str, check: Callable[[], T]) -> T | None:
    """What ``check`` gives, or None with its refusal beside ``field`` (the first one there)."""
    try:
        return check()
    except AwsError as exc:
        problems.setdefault(field, exc)
        return None


def _text(location: str, value: str, *, least: int = 0, most: int | None = None, regex: str = "") -> str:
    """A string member against the model's constraints, every broken one named, as AWS does."""
    shown: object = value if len(value) <= _ECHO_LIMIT else UNSHOWN
    length = len(value.encode("utf-16-le", "surrogatepass")) // 2  # Java counts UTF-16 units
    broken = []
    if regex and value and not re.fullmatch(regex, value, re.ASCII):
        broken.append(violation(location, pattern(regex), shown))
    if length < least:
        broken.append(violation(location, min_length(least), shown))
    if most is not None and length > most:
        broken.append(violation(location, max_length(most), shown))
    if "\x00" in value:  # PostgreSQL text cannot hold it (awsapi.validation refuses it too)
        broken.append(violation(location, "Member must not contain NUL characters"))
    if broken:
        raise ValidationError(validation_message(broken))
    return value


def _enum(location: str, value: str, allowed: Iterable[str]) -> str:
    allowed = tuple(allowed)
    if value not in allowed:
        raise ValidationError(validation_message([violation(location, enum_value_set(allowed), value)]))
    return value


def _whole(text: str, parameter: str, low: int, high: int) -> int | None:
    """An optional integer member within the model's range; None when left blank."""
    if not text:
        return None
    try:
        number = int(text)
    except ValueError:
        reason = "must be a whole number"
        raise ValidationError(f"Parameter {parameter} is not valid. Reason: {reason}.") from None
    location = {
        "MaximumWindowInMinutes": "flexibleTimeWindow.maximumWindowInMinutes",
        "MaximumRetryAttempts": "target.retryPolicy.maximumRetryAttempts",
        "MaximumEventAgeInSeconds": "target.retryPolicy.maximumEventAgeInSeconds",
    }[parameter]
    if number < low:
        raise ValidationError(validation_message([violation(location, value_at_least(low), number)]))
    if number > high:
        raise ValidationError(validation_message([violation(location, value_at_most(high), number)]))
    return number


def _expression(expression: str) -> None:
    """The expression as CreateSchedule reads it, with the part that is wrong."""
    _text("scheduleExpression", expression, least=1, most=256)
    try:
        scheduler.check_expression(expression, None)
    except AwsError as exc:
        raise _with_reason(exc, expression) from None


def _zone(zone: str) -> None:
    """The time zone alone, in Scheduler's own words: checked beside an expression always valid."""
    if zone:
        _text("scheduleExpressionTimezone", zone, most=50)
        scheduler.check_expression(_ANY_EXPRESSION, zone)


def _moment(text: str, parameter: str) -> datetime | None:
    """A StartDate/EndDate typed in UTC (the form says so); None when left blank."""
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise ValidationError(
            f"Parameter {parameter} is not valid. "
            "Reason: give a date and time in UTC, such as 2030-01-01T09:00."
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _with_reason(refusal: AwsError, expression: str) -> AwsError:
    """Scheduler's refusal ("Invalid Schedule Expression ...", all AWS says) with the part that
    is wrong, which the engine's reader knows, for the person at the form."""
    try:
        parse_expression(expression)
    except ScheduleExpressionError as exc:
        return AwsError(f"{refusal.message} {exc.reason}", code=refusal.code)
    return refusal


# What the pages show ---------------------------------------------------------------------------


def _find(workspace: Workspace, group: str, name: str) -> Schedule | None:
    """The schedule, or None (gone, or a name no schedule can have)."""
    if "\x00" in group or "\x00" in name:
        return None
    try:
        return scheduler.get_schedule(workspace, name, group or ScheduleGroup.DEFAULT)
    except AwsError:
        return None


def _new_form(workspace: Workspace) -> dict[str, str]:
    """The create form as it first shows: a rate, UTC, the workspace's scheduler role."""
    form = dict.fromkeys(("name", *SETTINGS), "")
    role = f"arn:aws:iam::{workspace.account_id}:role/scheduler"
    form.update(group=ScheduleGroup.DEFAULT, expression="rate(5 minutes)", timezone="UTC", role=role)
    form.update(state=Schedule.ENABLED, window_mode="OFF")
    return form


def _form_of(schedule: Schedule) -> dict[str, str]:
    """The edit form holding every current setting, so that saving it resets none."""
    target = schedule.target
    retry = {**scheduler.RETRY_DEFAULTS, **(target.get("RetryPolicy") or {})}
    window = schedule.flexible_time_window or {}
    minutes = window.get("MaximumWindowInMinutes")
    return {
        "expression": schedule.schedule_expression,
        "timezone": schedule.timezone,
        "target": str(target.get("Arn", "")),
        "role": str(target.get("RoleArn", "")),
        "input": str(target.get("Input", "")),
        "state": schedule.state,
        "window_mode": str(window.get("Mode") or "OFF"),
        "window_minutes": "" if minutes is None else str(minutes),
        "retry_attempts": str(retry["MaximumRetryAttempts"]),
        "event_age": str(retry["MaximumEventAgeInSeconds"]),
        "dead_letter": str((target.get("DeadLetterConfig") or {}).get("Arn") or ""),
        "start": _form_time(schedule.start_date),
        "end": _form_time(schedule.end_date),
        "description": schedule.description,
        "delete_after": "1" if schedule.action_after_completion == "DELETE" else "",
        "updated": _version(schedule),
    }


def _form_time(moment: datetime | None) -> str:
    return "" if moment is None else moment.astimezone(UTC).strftime(FORM_TIME)


def _kept_target(schedule: Schedule) -> dict[str, Any]:
    """The Target members the form does not edit, sent back as they are on save."""
    return {key: value for key, value in schedule.target.items() if key not in EDITED_TARGET_KEYS}


def _firings(workspace: Workspace, schedule: Schedule) -> list[Delivery]:
    """The schedule's latest firings: each is an event on the default bus with one delivery
    named by the schedule's ARN (runtime.routing.route_schedule), newest first."""
    found = Delivery.objects.filter(rule_arn=schedule.arn, event__bus__workspace=workspace)
    return list(found.select_related("event__bus").order_by("-id")[:FIRINGS_SHOWN])


def _choices(workspace: Workspace, dead_letter: str) -> dict[str, Any]:
    """The workspace's queues a DeadLetterConfig may name (standard queues: the model's pattern
    has no ".fifo"), the typed one kept, and its targets to pick an ARN from."""
    listed = queues.list_queues(workspace)
    dead_letters = [
        (queues.queue_arn(queue), queue.name) for queue in listed if re.fullmatch(r"[\w-]+", queue.name)
    ]
    if dead_letter and dead_letter not in {arn for arn, _ in dead_letters}:
        dead_letters.append((dead_letter, dead_letter))
    targets = [(machine.arn, f"state machine {machine.name}") for machine in _machines(workspace)]
    functions = Function.objects.filter(workspace=workspace).select_related("workspace").order_by("name")
    targets += [(arn_of(function), f"function {function.name}") for function in functions]
    targets += [(queues.queue_arn(queue), f"queue {queue.name}") for queue in listed]
    targets += [(topics.topic_arn(topic), f"topic {topic.name}") for topic in topics.list_topics(workspace)]
    return {"dead_letters": dead_letters, "targets": targets}


def _machines(workspace: Workspace) -> list[StateMachine]:
    return list(StateMachine.objects.filter(workspace=workspace).select_related("workspace").order_by("name"))
