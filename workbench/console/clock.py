"""The virtual clock's control endpoint: ``/_stepbridge/clock[/<workspace>]``, JSON in and out.

Beyond AWS, so the shape is ours; errors are AWS's JSON shape (``__type``, ``message``). It is
for curl and scripts as much as for the browser's clock control, so it takes no CSRF token;
instead it refuses what a page on another site could send through the user's browser: a
POST whose body is not ``application/json`` (a cross-site form or ``no-cors`` fetch can only
send form or text types; a JSON one needs a CORS preflight, which nothing here answers), and
any request whose ``Origin`` is not this server or a trusted origin (browsers send Origin on
every cross-site POST; curl sends none).

GET answers the clock's state. POST takes one action:
``{"action": "freeze", "at": "<ISO 8601>"?}``, ``{"action": "advance", "to": "next"}``,
``{"action": "advance", "seconds": 3600}`` or ``{"action": "advance", "duration": "7d"}``,
``{"action": "advance", "to": "<ISO 8601>"}``, ``{"action": "run", "rate": 10}``,
``{"action": "real"}``; it answers the new state, with ``fired`` for an advance.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from workbench.accounts.models import Workspace
from workbench.accounts.services import default_workspace
from workbench.core.browser_json import error_response, read_json_object
from workbench.core.errors import AwsError, ResourceNotFound, ValidationError
from workbench.runtime import clock_control

DURATION = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+(?:\.\d+)?)s)?$")
ACTIONS = ("freeze", "advance", "run", "real")


class AccessDenied(AwsError):
    code = "AccessDeniedException"
    status = 403


@csrf_exempt
def clock_endpoint(request: HttpRequest, workspace_name: str | None = None) -> JsonResponse:
    try:
        _check_origin(request)
        workspace = _workspace(workspace_name)
        if request.method == "GET":
            return JsonResponse(clock_control.describe(workspace))
        if request.method != "POST":
            raise ValidationError("Use GET to read the clock and POST to change it.", status=405)
        if request.content_type != "application/json":
            raise AccessDenied("The clock takes a JSON body (Content-Type: application/json).")
        fired = _act(workspace, read_json_object(request))
        answer = clock_control.describe(workspace)
        if fired is not None:
            answer["fired"] = fired
        return JsonResponse(answer)
    except AwsError as exc:
        return error_response(exc)


def _check_origin(request: HttpRequest) -> None:
    """A browser page may drive the clock only from this server's own origin (or a trusted one)."""
    origin = request.headers.get("Origin")
    if origin is None or origin in settings.CSRF_TRUSTED_ORIGINS:
        return
    parts = urlsplit(origin)
    if parts.scheme in ("http", "https") and parts.netloc.lower() == request.get_host().lower():
        return
    raise AccessDenied(f"Origin {origin} may not drive this workbench's clock.")


def _workspace(name: str | None) -> Workspace:
    if name is None:
        return default_workspace()
    found = Workspace.objects.filter(name=name).select_related("virtual_clock").first()
    if found is None:
        raise ResourceNotFound(f"Workspace {name} does not exist.")
    return found


def _act(workspace: Workspace, body: dict[str, Any]) -> list[dict[str, Any]] | None:
    action = body.get("action")
    if action not in ACTIONS:
        raise ValidationError(f"action must be one of {', '.join(ACTIONS)}.")
    if action == "freeze":
        at = body.get("at")
        clock_control.freeze(workspace, None if at is None else _moment(at, "at"))
        return None
    if action == "run":
        rate = body.get("rate")
        if isinstance(rate, bool) or not isinstance(rate, int | float):
            raise ValidationError("rate must be a number.")
        clock_control.run(workspace, float(rate))
        return None
    if action == "real":
        clock_control.real_time(workspace)
        return None
    return _advance(workspace, body)


def _advance(workspace: Workspace, body: dict[str, Any]) -> list[dict[str, Any]]:
    given = [key for key in ("to", "seconds", "duration") if key in body]
    if len(given) != 1:
        raise ValidationError("advance takes exactly one of to, seconds or duration.")
    if "to" in body:
        if body["to"] == "next":
            return clock_control.advance_to_next(workspace)
        return clock_control.advance_to(workspace, _moment(body["to"], "to"))
    if "seconds" in body:
        seconds = body["seconds"]
        if isinstance(seconds, bool) or not isinstance(seconds, int | float):
            raise ValidationError("seconds must be a number.")
        return clock_control.advance_by(workspace, float(seconds))
    return clock_control.advance_by(workspace, _duration(body["duration"]))


def _duration(text: Any) -> float:
    """``7d``, ``1h30m``, ``90s``: days, hours, minutes and seconds, in that order."""
    match = DURATION.match(text) if isinstance(text, str) and text else None
    if match is None:
        raise ValidationError("duration must read like 7d, 1h30m or 90s.")
    days, hours, minutes, seconds = (float(part or 0) for part in match.groups())
    return ((days * 24 + hours) * 60 + minutes) * 60 + seconds


def _moment(text: Any, name: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text) if isinstance(text, str) else None
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise ValidationError(
            f"{name} must be an ISO 8601 time with its offset, such as 2026-01-01T09:00:00Z."
        )
    return moment
