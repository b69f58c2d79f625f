"""The bus page: every bus with its rules, targets and recent events (linked to the sandbox)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from workbench.accounts.services import default_workspace
from workbench.events import services as events

RECENT_EVENTS_PER_BUS = 10


def bus_list(request: HttpRequest) -> HttpResponse:
    workspace = default_workspace()
    bus_rows = []
    for bus in events.list_buses(workspace).prefetch_related("rules__targets"):
        recent = list(bus.events.all()[:RECENT_EVENTS_PER_BUS])
        bus_rows.append({"bus": bus, "rules": list(bus.rules.all()), "recent": recent})
    return render(request, "events/bus_list.html", {"buses": bus_rows})
