"""The home page: a getting-started guide while the workspace is empty, then a dashboard of
what needs attention (running, failed and waiting executions, inbox items, failed deliveries),
events per minute per bus and the slowest states, drawn as plain SVG (no chart library).

Reads only; the numbers come straight from the stored executions, history and deliveries.
State durations pair each ``StateEntered`` with its ``StateExited`` event, as the Step
Functions console's graph inspector does with GetExecutionHistory.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from workbench.accounts.models import Workspace
from workbench.accounts.services import default_workspace
from workbench.events.models import Delivery, EventBus, ReceivedEvent
from workbench.stepfunctions.models import Execution, HistoryEvent, PendingTask, StateMachine

MINUTES = 30
RECENT_HISTORY = 5000  # the slowest states are measured over this many latest history events
CHART_WIDTH, CHART_HEIGHT = 600, 120


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: int


def home(request: HttpRequest) -> HttpResponse:
    workspace = default_workspace()
    if not _has_anything(workspace):
        return render(request, "console/getting_started.html", {})
    return render(request, "console/dashboard.html", dashboard(workspace, timezone.now()))


def _has_anything(workspace: Workspace) -> bool:
    return (
        StateMachine.objects.filter(workspace=workspace).exists()
        or EventBus.objects.filter(workspace=workspace).exclude(name="default").exists()
        or ReceivedEvent.objects.filter(bus__workspace=workspace).exists()
    )


def dashboard(workspace: Workspace, now: datetime) -> dict[str, object]:
    executions = Execution.objects.filter(state_machine__workspace=workspace, map_run=None)
    counts = dict(executions.values_list("status").annotate(n=Count("id")).values_list("status", "n"))
    since = now - timedelta(minutes=MINUTES)
    failed_deliveries = Delivery.objects.filter(event__bus__workspace=workspace, status=Delivery.FAILED)
    return {
        "counts": {status: counts.get(status, 0) for status, _ in Execution.STATUSES},
        "waiting": PendingTask.objects.filter(
            execution__state_machine__workspace=workspace,
            execution__status=Execution.RUNNING,
            wait_for_token=True,
        ).count(),
        "recent_failed": executions.filter(status__in=["FAILED", "TIMED_OUT", "ABORTED"]).select_related(
            "state_machine__workspace"
        )[:5],
        "failed_deliveries": failed_deliveries.count(),
        "latest_failed_deliveries": failed_deliveries.select_related("event__bus").order_by("-updated")[:5],
        "bus_charts": _events_per_minute(workspace, since, now),
        "slowest": slowest_states(workspace),
        "minutes": MINUTES,
        "chart_width": CHART_WIDTH,
        "chart_height": CHART_HEIGHT,
    }


def _events_per_minute(workspace: Workspace, since: datetime, now: datetime) -> list[dict[str, object]]:
    """One bar chart per bus that received events in the window: events in each minute."""
    per_bus: dict[str, Counter[int]] = defaultdict(Counter)
    rows = ReceivedEvent.objects.filter(bus__workspace=workspace, received__gte=since).values_list(
        "bus__name", "received"
    )
    for bus_name, received in rows:
        per_bus[bus_name][min(MINUTES - 1, int((received - since).total_seconds() // 60))] += 1
    charts = []
    for bus_name in sorted(per_bus):
        minutes = per_bus[bus_name]
        labels = [(since + timedelta(minutes=m)).isoformat() for m in range(MINUTES)]
        charts.append(
            {
                "bus": bus_name,
                "total": sum(minutes.values()),
                "bars": bars([minutes.get(m, 0) for m in range(MINUTES)], labels),
            }
        )
    return charts


def bars(values: list[int], labels: list[str]) -> list[Bar]:
    """Bars scaled to the chart's box, the tallest at full height; a zero is a 1-px line."""
    top = max(values, default=0) or 1
    width = CHART_WIDTH / max(len(values), 1)
    shaped = []
    for index, (value, label) in enumerate(zip(values, labels, strict=True)):
        height = max(1.0, (CHART_HEIGHT - 4) * value / top)
        shaped.append(Bar(index * width + 1, CHART_HEIGHT - height, max(width - 2, 1), height, label, value))
    return shaped


def slowest_states(workspace: Workspace, limit: int = 8) -> list[dict[str, object]]:
    """The states with the longest visit among the latest history events, longest first."""
    rows = list(
        HistoryEvent.objects.filter(execution__state_machine__workspace=workspace)
        .filter(Q(type__endswith="StateEntered") | Q(type__endswith="StateExited"))
        .order_by("-id")[:RECENT_HISTORY]
    )
    entered: dict[tuple[int, str], datetime] = {}
    longest: dict[tuple[str, str], float] = {}
    machine_of: dict[int, str] = dict(
        Execution.objects.filter(id__in={row.execution_id for row in rows}).values_list(
            "id", "state_machine__name"
        )
    )
    for row in sorted(rows, key=lambda r: (r.execution_id, r.event_id)):
        name = str((row.details or {}).get("name", ""))
        if row.type.endswith("StateEntered"):
            entered[(row.execution_id, name)] = row.timestamp
        elif (row.execution_id, name) in entered:
            seconds = (row.timestamp - entered.pop((row.execution_id, name))).total_seconds()
            key = (machine_of.get(row.execution_id, ""), name)
            longest[key] = max(longest.get(key, 0.0), seconds)
    ranked = sorted(longest.items(), key=lambda item: -item[1])[:limit]
    top = ranked[0][1] if ranked and ranked[0][1] > 0 else 1.0
    return [
        {"machine": machine, "state": state, "seconds": seconds, "percent": round(100 * seconds / top, 1)}
        for (machine, state), seconds in ranked
    ]
