"""The Schedules page: EventBridge Scheduler schedules with their next firing, a create form
(the expression checked as CreateSchedule checks it, the error beside the field, what was
typed kept), and enable/disable and delete per schedule. The table follows the firings live:
each commit of a firing tells the page's socket ``schedules`` (runtime.schedules), and it
re-reads the next firings (static/console/tail.js). Writes go through events.scheduler;
the timer is armed through runtime.schedules (so the page lives in the console layer)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from engine.events.schedules import ScheduleExpressionError, parse_expression
from workbench.accounts.services import default_workspace
from workbench.core.errors import AwsError, field_for
from workbench.events import scheduler
from workbench.events.models import Schedule
from workbench.runtime import clock
from workbench.runtime import schedules as timers

FIELDS = {
    "expression": "Schedule Expression",
    "timezone": "time zone",
    "window": "MaximumWindowInMinutes",
    "target": "Target",
    "group": "group",
}


def schedule_list(request: HttpRequest) -> HttpResponse:
    workspace = default_workspace()
    role = f"arn:aws:iam::{workspace.account_id}:role/scheduler"
    form = {
        "name": "",
        "group": "default",
        "expression": "rate(5 minutes)",
        "timezone": "UTC",
        "target": "",
        "role": role,
        "input": "",
        "delete_after": "",
    }
    errors: dict[str, AwsError] = {}
    if request.method == "POST":
        action = request.POST.get("action", "create")
        if action in ("enable", "disable", "delete"):
            _change(workspace, request.POST.get("group", ""), request.POST.get("name", ""), action)
            return redirect("schedule-list")
        form = {key: request.POST.get(key, "").strip() for key in form}
        try:
            schedule = scheduler.create_schedule(workspace, form["name"], _params(form))
            timers.arm_schedule(schedule)
            return redirect("schedule-list")
        except AwsError as exc:
            key = field_for(exc.message, FIELDS, "name")
            errors[key] = _with_reason(exc, form["expression"]) if key == "expression" else exc
    moment = clock.now(workspace)
    rows = [
        {"schedule": schedule, "next": schedule.next_fire_at or timers.next_schedule_firing(schedule, moment)}
        for schedule in scheduler.schedules(workspace).select_related("group__workspace__virtual_clock")
    ]
    groups = [group.name for group in scheduler.groups(workspace, None)]
    return render(
        request, "events/schedule_list.html", {"rows": rows, "form": form, "errors": errors, "groups": groups}
    )


def _with_reason(refusal: AwsError, expression: str) -> AwsError:
    """Scheduler's refusal ("Invalid Schedule Expression ...", all AWS says) with the part that
    is wrong, which the engine's reader knows, for the person at the form."""
    try:
        parse_expression(expression)
    except ScheduleExpressionError as exc:
        return AwsError(f"{refusal.message} {exc.reason}", code=refusal.code)
    return refusal


def _params(form: dict[str, str]) -> dict[str, Any]:
    if not form["name"]:
        raise AwsError("A schedule needs a name.")
    if not form["target"]:
        raise AwsError("Target needs an ARN.")
    target = {"Arn": form["target"], "RoleArn": form["role"]}
    if form["input"]:
        target["Input"] = form["input"]
    return {
        "GroupName": form["group"] or None,
        "ScheduleExpression": form["expression"],
        "ScheduleExpressionTimezone": form["timezone"] or "UTC",
        "FlexibleTimeWindow": {"Mode": "OFF"},
        "Target": target,
        "ActionAfterCompletion": "DELETE" if form["delete_after"] else "NONE",
    }


def _change(workspace: Any, group: str, name: str, action: str) -> None:
    try:
        schedule = scheduler.get_schedule(workspace, name, group)
    except AwsError:
        return  # gone already (another tab deleted it)
    if action == "delete":
        schedule.delete()
        return
    scheduler.set_state(schedule, Schedule.ENABLED if action == "enable" else Schedule.DISABLED)
    timers.arm_schedule(schedule)
