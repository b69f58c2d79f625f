"""EventBridge Scheduler's schedules and schedule groups: checks and writes (the API's services).

Follows the EventBridge Scheduler API Reference (CreateSchedule, UpdateSchedule, GetSchedule,
ListSchedules, DeleteSchedule, CreateScheduleGroup, GetScheduleGroup, ListScheduleGroups,
DeleteScheduleGroup): a schedule lives in a group ("default" when none is named, and always
there); UpdateSchedule replaces every setting ("If you don't specify an optional parameter,
its value is reset to the default"); deleting a group deletes its schedules; the default group
cannot be deleted. Expressions are read by ``engine.events.schedules``. Every change clears
the schedule's timer, which ``runtime.schedules`` arms again (so this module reads no clock
for scheduling: ``created``/``updated`` are the records' own timestamps).
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from engine.events.schedules import ScheduleExpressionError, parse_expression, time_zone
from workbench.accounts.models import Workspace
from workbench.core import tags as core_tags
from workbench.core.arns import Arn
from workbench.core.errors import (
    AwsError,
    ResourceNotFound,
    ValidationError,
    invalid,
    max_length,
    pattern,
    refusals,
)
from workbench.events import changes
from workbench.events.models import Delivery, Schedule, ScheduleGroup

STATES = (Schedule.ENABLED, Schedule.DISABLED)
FLEXIBLE_MODES = ("OFF", "FLEXIBLE")
AFTER_COMPLETION = ("NONE", "DELETE")
NAME_PATTERN = "[0-9a-zA-Z-_.]+"
RETRY_DEFAULTS = {
    "MaximumEventAgeInSeconds": Delivery.DEFAULT_MAX_EVENT_AGE,
    "MaximumRetryAttempts": Delivery.DEFAULT_MAX_RETRY_ATTEMPTS,
}
"""A target's RetryPolicy where the request leaves it or a member out: GetSchedule shows them
(a recorded GetSchedule of a schedule made without one; the Scheduler API Reference's
RetryPolicy: 185 retries and 86,400 seconds by default)."""
_NAME = re.compile(r"[0-9a-zA-Z\-_.]{1,64}")


def _check_name(name: str) -> None:
    """A schedule's or group's Name as the model constrains it (1 to 64 of [0-9a-zA-Z-_.]), the
    length named as such, as AWS's request validation names it."""
    if isinstance(name, str) and len(name) > 64:
        raise invalid("name", max_length(64), name)
    if not _NAME.fullmatch(name or ""):
        raise invalid("name", pattern(NAME_PATTERN), name)


class Conflict(AwsError):
    """ConflictException (HTTP 409 in Scheduler's model)."""

    code = "ConflictException"
    status = 409


class NotFound(ResourceNotFound):
    """ResourceNotFoundException (HTTP 404 in Scheduler's model)."""

    status = 404


def default_group(workspace: Workspace) -> ScheduleGroup:
    """The workspace's "default" group, made on first use."""
    moment = timezone.now()
    group, _ = ScheduleGroup.objects.get_or_create(
        workspace=workspace, name=ScheduleGroup.DEFAULT, defaults={"created": moment, "updated": moment}
    )
    return group


def get_group(workspace: Workspace, name: str | None) -> ScheduleGroup:
    if not name or name == ScheduleGroup.DEFAULT:
        return default_group(workspace)
    group = ScheduleGroup.objects.filter(workspace=workspace, name=name).select_related("workspace").first()
    if group is None:
        raise NotFound(f"Schedule group {name} does not exist.")
    return group


def create_group(workspace: Workspace, name: str, tags: list[dict[str, str]] | None = None) -> ScheduleGroup:
    _check_name(name)
    default_group(workspace)
    moment = timezone.now()
    try:
        with transaction.atomic():
            group = ScheduleGroup.objects.create(
                workspace=workspace, name=name, tags=tags or [], created=moment, updated=moment
            )
            changes.changed(workspace.id, changes.SCHEDULES)  # the Schedules page lists groups
            return group
    except IntegrityError:
        raise Conflict(f"Schedule group {name} already exists.") from None


def delete_group(workspace: Workspace, name: str) -> None:
    """DeleteScheduleGroup: the group and every schedule in it."""
    if name == ScheduleGroup.DEFAULT:
        raise ValidationError("The default schedule group cannot be deleted.")
    with transaction.atomic():
        get_group(workspace, name).delete()
        changes.changed(workspace.id, changes.SCHEDULES)


def groups(workspace: Workspace, name_prefix: str | None) -> QuerySet[ScheduleGroup]:
    default_group(workspace)
    found = ScheduleGroup.objects.filter(workspace=workspace).select_related("workspace").order_by("name")
    return found.filter(name__startswith=name_prefix) if name_prefix else found


def get_schedule(workspace: Workspace, name: str, group_name: str | None) -> Schedule:
    group = get_group(workspace, group_name)
    schedule = Schedule.objects.filter(group=group, name=name).select_related("group__workspace").first()
    if schedule is None:
        raise NotFound(f"Schedule {name} does not exist.")
    return schedule


def schedules(
    workspace: Workspace,
    *,
    group_name: str | None = None,
    name_prefix: str | None = None,
    state: str | None = None,
) -> QuerySet[Schedule]:
    found = Schedule.objects.filter(group__workspace=workspace).select_related("group__workspace")
    if group_name:
        found = found.filter(group=get_group(workspace, group_name))
    if name_prefix:
        found = found.filter(name__startswith=name_prefix)
    if state:
        found = found.filter(state=state)
    return found.order_by("name", "id")


def check_expression(expression: str, zone_name: str | None) -> None:
    """The expression and its time zone as Scheduler reads them."""
    try:
        parse_expression(expression)
    except ScheduleExpressionError:
        raise ValidationError(f"Invalid Schedule Expression {expression}.") from None
    try:
        time_zone(zone_name)
    except ScheduleExpressionError:
        raise ValidationError(f"Invalid time zone: {zone_name}.") from None


START_DATE_GRACE = timedelta(minutes=5)
"""How far in the past a recurring schedule's StartDate may be."""


def settings_problems(params: dict[str, Any]) -> list[AwsError]:
    """Every refusal of these CreateSchedule/UpdateSchedule settings, each checked on its own
    in the order the API checks them (the browser's forms name them all at once; the API
    raises the first)."""
    return refusals(*(lambda check=check: check(params) for check in _SETTING_CHECKS))


def _check_expression_of(params: dict[str, Any]) -> None:
    expression = params.get("ScheduleExpression")
    if not isinstance(expression, str):
        raise ValidationError(f"Invalid Schedule Expression {expression}.")
    check_expression(expression, params.get("ScheduleExpressionTimezone") or "UTC")


def _check_window(params: dict[str, Any]) -> None:
    window = params.get("FlexibleTimeWindow") or {}
    mode = window.get("Mode")
    if mode not in FLEXIBLE_MODES:
        raise ValidationError(f"Invalid FlexibleTimeWindow Mode {mode}.")
    if mode == "FLEXIBLE" and not window.get("MaximumWindowInMinutes"):
        raise ValidationError("MaximumWindowInMinutes is required when Mode is FLEXIBLE.")
    if mode == "OFF" and window.get("MaximumWindowInMinutes") is not None:
        raise ValidationError("MaximumWindowInMinutes must not be set when Mode is OFF.")


def _check_state(params: dict[str, Any]) -> None:
    state = params.get("State") or Schedule.ENABLED
    if state not in STATES:
        raise ValidationError(f"Invalid State {state}.")
    after = params.get("ActionAfterCompletion") or "NONE"
    if after not in AFTER_COMPLETION:
        raise ValidationError(f"Invalid ActionAfterCompletion {after}.")


def _check_dates(params: dict[str, Any]) -> None:
    start, end = _date(params.get("StartDate")), _date(params.get("EndDate"))
    if start and end and end <= start:
        raise ValidationError("The EndDate must be after the StartDate.")
    recurring = not str(params.get("ScheduleExpression") or "").startswith("at(")
    if recurring and start is not None and start < timezone.now() - START_DATE_GRACE:
        # AWS's words for a recurring schedule's StartDate in the past (moto's scheduler and
        # the CDK's Schedule construct both check it; a user's runbook quotes AWS refusing it,
        # on UpdateSchedule too: an old StartDate cannot be sent back).
        raise ValidationError("The StartDate you specify cannot be earlier than 5 minutes ago.")


def _check_target(params: dict[str, Any]) -> None:
    target = params.get("Target")
    if not isinstance(target, dict) or not target.get("Arn") or not target.get("RoleArn"):
        raise ValidationError("Target requires Arn and RoleArn.")
    for member in ("Arn", "RoleArn"):
        if not isinstance(target[member], str) or Arn.parse(target[member]) is None:
            raise ValidationError(f"Invalid {member} {target[member]!r} in Target: it is not an ARN.")


_SETTING_CHECKS = (_check_expression_of, _check_window, _check_state, _check_dates, _check_target)


def _settings(params: dict[str, Any]) -> dict[str, Any]:
    """The stored settings of a CreateSchedule/UpdateSchedule request, checked."""
    problems = settings_problems(params)
    if problems:
        raise problems[0]
    target = params["Target"]
    return {
        "schedule_expression": params["ScheduleExpression"],
        "timezone": params.get("ScheduleExpressionTimezone") or "UTC",
        "start_date": _date(params.get("StartDate")),
        "end_date": _date(params.get("EndDate")),
        "flexible_time_window": params.get("FlexibleTimeWindow") or {},
        "state": params.get("State") or Schedule.ENABLED,
        "target": {**target, "RetryPolicy": {**RETRY_DEFAULTS, **(target.get("RetryPolicy") or {})}},
        "action_after_completion": params.get("ActionAfterCompletion") or "NONE",
        "description": params.get("Description") or "",
        "kms_key_arn": params.get("KmsKeyArn"),
        "next_fire_at": None,  # runtime.schedules arms it again from the new settings
        "fire_armed": False,
    }


def _date(value: Any) -> datetime | None:
    """A StartDate/EndDate as botocore sends it (epoch seconds) or as text."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, tz=timezone.get_current_timezone())
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        raise ValidationError(f"Invalid date {value}.") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.get_current_timezone())


def create_schedule(workspace: Workspace, name: str, params: dict[str, Any]) -> Schedule:
    """CreateSchedule; ConflictException when the group already holds the name."""
    _check_name(name)
    group = get_group(workspace, params.get("GroupName"))
    settings = _settings(params)
    moment = timezone.now()
    try:
        with transaction.atomic():
            created = Schedule.objects.create(
                group=group, name=name, created=moment, updated=moment, **settings
            )
            changes.changed(workspace.id, changes.SCHEDULES)
            return created
    except IntegrityError:
        raise Conflict(f"Schedule {name} already exists.") from None


def update_schedule(workspace: Workspace, name: str, params: dict[str, Any]) -> Schedule:
    """UpdateSchedule: every setting replaced; those left out return to their defaults."""
    schedule = get_schedule(workspace, name, params.get("GroupName"))
    for field, value in _settings(params).items():
        setattr(schedule, field, value)
    schedule.updated = timezone.now()
    with transaction.atomic():
        schedule.save()
        changes.changed(workspace.id, changes.SCHEDULES)
    return schedule


def set_state(schedule: Schedule, state: str) -> Schedule:
    """Enable or disable (the browser's toggle); the timer is armed afresh."""
    schedule.state = state
    schedule.next_fire_at, schedule.fire_armed = None, False
    schedule.updated = timezone.now()
    with transaction.atomic():
        schedule.save(update_fields=["state", "next_fire_at", "fire_armed", "updated"])
        changes.changed(schedule.group.workspace_id, changes.SCHEDULES)
    return schedule


def delete_schedule(workspace: Workspace, name: str, group_name: str | None) -> None:
    with transaction.atomic():
        get_schedule(workspace, name, group_name).delete()
        changes.changed(workspace.id, changes.SCHEDULES)


def group_by_arn(workspace: Workspace, arn: str) -> ScheduleGroup:
    """The group a schedule-group ARN names (the only resource Scheduler tags)."""
    _, _, name = arn.partition(":schedule-group/")
    if not name:
        raise NotFound(f"Schedule group {arn} does not exist.")
    return get_group(workspace, name)


def tag_group(group: ScheduleGroup, tags: list[dict[str, str]]) -> None:
    """TagResource: each tag added, or its value replaced when its key is there."""
    group.tags = core_tags.merged(group.tags, tags)
    group.updated = timezone.now()
    group.save(update_fields=["tags", "updated"])


def untag_group(group: ScheduleGroup, keys: list[str]) -> None:
    """UntagResource: the tags with these keys removed."""
    group.tags = core_tags.without(group.tags, keys)
    group.updated = timezone.now()
    group.save(update_fields=["tags", "updated"])
