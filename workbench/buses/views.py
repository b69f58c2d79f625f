"""Browser page for buses, their rules and targets, and recent events."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from workbench.accounts.services import default_workspace
from workbench.buses import services as buses
from workbench.buses.models import ReceivedEvent


def bus_list(request: HttpRequest) -> HttpResponse:
    workspace = default_workspace()
    bus_rows = []
    for bus in buses.list_buses(workspace).prefetch_related("rules__targets"):
        bus_rows.append({"bus": bus, "rules": list(bus.rules.all())})
    recent = ReceivedEvent.objects.filter(bus__workspace=workspace).select_related("bus")[:25]
    return render(request, "buses/bus_list.html", {"buses": bus_rows, "recent": recent})
