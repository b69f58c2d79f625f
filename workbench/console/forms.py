"""What every console form shares: read a posted field, name the field a refusal belongs to,
and the notice shown after a redirect.

A refused form is rendered again with HTTP 400, what was typed kept and the error beside the
field it concerns (issue 14, item 7); a crafted POST without a field reads as an empty field
and is refused the same way, never a 500.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from functools import wraps
from typing import Any, TypeVar
from urllib.parse import urlencode

from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.utils.timezone import is_naive, make_aware

M = TypeVar("M", bound=Model)
View = Callable[..., HttpResponse]


def posted_or_back(page: str, *names: str) -> Callable[[View], View]:
    """A form's POST address: a refused form is answered there, so a reload or the history
    GETs it; that goes back to the form's page (``page``, with the URL's ``names``) rather than
    a bare 405. Any method but GET and POST is still refused."""

    def wrap(view: View) -> View:
        @wraps(view)
        def inner(request: HttpRequest, **kwargs: Any) -> HttpResponse:
            if request.method == "GET":
                return HttpResponseRedirect(reverse(page, kwargs={name: kwargs[name] for name in names}))
            if request.method != "POST":
                return HttpResponse(status=405, headers={"Allow": "POST"})
            return view(request, **kwargs)

        return inner

    return wrap


NOTICES = {
    "bus-created": "Event bus {name} created.",
    "bus-deleted": "Event bus {name} deleted.",
    "rule-saved": "Rule {name} saved.",
    "rule-deleted": "Rule {name} deleted.",
    "rule-enabled": "Rule {name} enabled.",
    "rule-disabled": "Rule {name} disabled.",
    "target-saved": "Target {name} saved.",
    "target-removed": "Target {name} removed.",
    "archive-created": "Archive {name} created: it keeps the events its bus accepts from now on.",
    "archive-deleted": "Archive {name} deleted, with its events and its rule.",
    "schedule-created": "Schedule {name} created.",
    "schedule-updated": "Schedule {name} saved.",
    "schedule-enabled": "Schedule {name} enabled.",
    "schedule-disabled": "Schedule {name} disabled.",
    "schedule-deleted": "Schedule {name} deleted.",
    "schedule-group-created": "Schedule group {name} created.",
    "schedule-group-deleted": "Schedule group {name} deleted, with its schedules.",
    "replay-started": "Replay {name} started: its progress is below.",
    "replay-cancelling": "Replay {name} is cancelling.",
    "machine-deleted": "State machine {name} deleted, with its executions.",
    "execution-stopped": "Execution {name} stopped.",
    "version-published": "Version {name} published.",
    "version-deleted": "Version {name} deleted.",
    "alias-saved": "Alias {name} saved.",
    "alias-deleted": "Alias {name} deleted.",
    "mocks-saved": "Mock config saved: it replaces the file's for this workspace.",
    "mocks-removed": "This workspace's mock config removed: the file's applies, if any.",
    "execution-redriven": "Execution {name} redriven: it continues from its unsuccessful steps.",
    "bucket-created": "Bucket {name} created.",
    "bucket-deleted": "Bucket {name} deleted.",
    "object-uploaded": "Uploaded {name}.",
    "object-deleted": "Deleted {name}.",
    "role-created": "Role {name} created.",
    "role-deleted": "Role {name} deleted.",
    "trust-saved": "Trust policy of {name} saved.",
    "policy-saved": "Inline policy {name} saved.",
    "policy-deleted": "Inline policy {name} deleted.",
}


def field(request: HttpRequest, name: str) -> str:
    """A posted text field, stripped of surrounding blanks; absent reads as empty."""
    return str(request.POST.get(name, "")).strip()


def fields(request: HttpRequest, names: Iterable[str]) -> dict[str, str]:
    return {name: field(request, name) for name in names}


def when(text: str) -> datetime | None:
    """A datetime-local filter's value (naive: read in the server's time zone), or None."""
    try:
        parsed = parse_datetime(text) if text else None
    except ValueError:  # well-formed but out of range, such as month 13
        return None
    if parsed is not None and is_naive(parsed):
        parsed = make_aware(parsed)
    return parsed


def within_dates(
    rows: QuerySet[M], query: dict[str, str], date_field: str, errors: dict[str, str]
) -> QuerySet[M]:
    """``rows`` narrowed to the query's "from" (inclusive) and "to" (exclusive) on ``date_field``;
    a value that is not a date and time is named in ``errors`` beside its field."""
    for key, lookup in (("from", f"{date_field}__gte"), ("to", f"{date_field}__lt")):
        if query[key]:
            moment = when(query[key])
            if moment is None:
                errors[key] = f"{query[key]!r} is not a date and time."
            else:
                rows = rows.filter(**{lookup: moment})
    return rows


def notice(request: HttpRequest) -> str:
    """The confirmation of the action that redirected here (from a fixed list: nothing typed
    into a URL reads as the workbench's own words beyond the resource name)."""
    template = NOTICES.get(request.GET.get("done", ""))
    return template.format(name=request.GET.get("name", "")) if template else ""


def done(view: str, what: str, name: str, **kwargs: object) -> HttpResponseRedirect:
    """Redirect to ``view`` with the notice ``what`` about ``name``."""
    return HttpResponseRedirect(f"{reverse(view, kwargs=kwargs)}?{urlencode({'done': what, 'name': name})}")
