"""Browser page for the CloudWatch Logs log groups that rules target: each group with its
event count, and the chosen group's events, newest first (what the console's Logs page
shows of a group written by an EventBridge rule). Reads query the model directly."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from workbench.accounts.services import default_workspace
from workbench.events import log_groups

SHOWN = 200
"""Events of one group the page lists (the newest)."""


@require_GET
def log_group_list(request: HttpRequest) -> HttpResponse:
    workspace = default_workspace()
    groups = log_groups.log_groups(workspace)
    chosen = request.GET.get("group", "")
    if not chosen and len(groups) == 1:
        chosen = groups[0]["name"]
    shown = list(log_groups.events_of(workspace, chosen)[:SHOWN]) if chosen else []
    return render(
        request,
        "events/log_groups.html",
        {
            "here": "log-group-list",
            "groups": groups,
            "chosen": chosen,
            "log_events": shown,
            "limit": SHOWN,
            "arn_prefix": f"arn:aws:logs:{workspace.region}:{workspace.account_id}:log-group:",
        },
    )
