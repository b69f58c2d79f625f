"""CloudWatch Logs log groups as rule targets: the events they received, kept and listed.

A rule may target a log group (``arn:aws:logs:<region>:<account>:log-group:<name>``, often
``/aws/events/<name>``): EventBridge writes each matched event to it as a log event whose
message is the event JSON ("Amazon EventBridge targets", EventBridge User Guide). The workbench
has no CloudWatch Logs API: a log group exists once a rule's target names it, and its events
are shown in the browser, newest first.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Count, Max, QuerySet

from engine.events.event_time import EventTimeError, parse_event_time
from workbench.accounts.models import Workspace
from workbench.core.errors import ResourceNotFound
from workbench.events.models import LogEvent


def log_group_name(arn: str, workspace: Workspace) -> str | None:
    """The log group a target ARN names in ``workspace``, or None when it names none there."""
    parts = arn.split(":", 6)
    if len(parts) < 7 or parts[2] != "logs" or parts[5] != "log-group" or parts[4] != workspace.account_id:
        return None
    name = parts[6]
    return name[: -len(":*")] if name.endswith(":*") else name or None


def write(workspace: Workspace, arn: str, event: dict[str, Any], message: str, now: datetime) -> LogEvent:
    """Write one event to the log group ``arn`` names (in the caller's transaction)."""
    name = log_group_name(arn, workspace)
    if name is None:
        raise ResourceNotFound(f"Log group of {arn} does not exist in account {workspace.account_id}.")
    try:
        moment = parse_event_time(event.get("time"))
    except EventTimeError:
        moment = now
    return LogEvent.objects.create(
        workspace=workspace,
        log_group=name,
        event_id=str(event.get("id", "")),
        message=message,
        timestamp=moment,
        ingested=now,
    )


def log_groups(workspace: Workspace) -> list[dict[str, Any]]:
    """Every log group of the workspace that received an event: name, count, last ingestion."""
    rows = (
        LogEvent.objects.filter(workspace=workspace)
        .values("log_group")
        .annotate(count=Count("id"), last=Max("ingested"))
        .order_by("log_group")
    )
    return [{"name": row["log_group"], "count": row["count"], "last": row["last"]} for row in rows]


def events_of(workspace: Workspace, name: str) -> QuerySet[LogEvent]:
    """The log group's events, newest first (reads query the model directly)."""
    return LogEvent.objects.filter(workspace=workspace, log_group=name).order_by("-ingested", "-id")
