"""One list of the events every bus of the workspace accepted (issue 14, item 5).

Filtered by bus, source, detail-type, received time and a free-text search over the event's
JSON (its id, source, detail-type, resources and detail); paged by key, newest first, like the
executions list (``workbench.core.paging``), so events arriving while someone pages neither
repeat nor skip. Each row opens the event's journey (``event-detail``).
"""

from __future__ import annotations

from django.db.models import TextField
from django.db.models.functions import Cast
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from workbench.accounts.services import default_workspace
from workbench.console.forms import within_dates
from workbench.core import paging
from workbench.core.errors import AwsError
from workbench.core.fields import member_is
from workbench.events.models import EventBus, ReceivedEvent

PAGE_SIZE = 50
FILTERS = ("bus", "source", "detail_type", "from", "to", "q")
SEARCH_MAX = 256


@require_GET
def event_list(request: HttpRequest) -> HttpResponse:
    """Every accepted event across buses, newest first, with the filters the query names."""
    workspace = default_workspace()
    query = {key: request.GET.get(key, "").strip() for key in FILTERS}
    errors: dict[str, str] = {}
    rows = ReceivedEvent.objects.filter(bus__workspace=workspace).select_related("bus")
    if query["bus"]:
        rows = rows.filter(bus__name=query["bus"])
    if query["source"]:
        rows = rows.filter(member_is("body", "source", query["source"]))
    if query["detail_type"]:
        rows = rows.filter(member_is("body", "detail-type", query["detail_type"]))
    rows = within_dates(rows, query, "received", errors)
    if query["q"]:
        if len(query["q"]) > SEARCH_MAX:
            errors["q"] = f"Search for at most {SEARCH_MAX} characters."
        else:
            rows = rows.annotate(text=Cast("body", TextField())).filter(text__icontains=query["q"])
    items: list[ReceivedEvent] = []
    next_token = None
    if not errors:
        try:
            items, next_token = paging.page(rows, request.GET.get("after") or None, PAGE_SIZE)
        except AwsError as exc:
            errors["after"] = exc.message
    buses = EventBus.objects.filter(workspace=workspace).order_by("name").values_list("name", flat=True)
    context = {
        "events": items,
        "next_token": next_token,
        "query": query,
        "filtered": any(query.values()),
        "buses": list(buses),
        "errors": errors,
    }
    return render(request, "events/event_list.html", context, status=400 if errors else 200)
