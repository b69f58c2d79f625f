"""EventBridge Scheduler's REST-JSON API (``scheduler``, 2021-06-30) at /schedules and /schedule-groups.

Paths, methods and members follow botocore's ``scheduler`` service model: CreateSchedule is
``POST /schedules/{Name}``, GetSchedule ``GET``, UpdateSchedule ``PUT``, DeleteSchedule
``DELETE`` (``groupName`` in the query), ListSchedules ``GET /schedules`` (``ScheduleGroup``,
``NamePrefix``, ``State``, ``NextToken``, ``MaxResults``), and the same for
``/schedule-groups``; ListTagsForResource, TagResource and UntagResource at
``/tags/{ResourceArn}`` (schedule groups are the taggable resource). Timestamps travel as
epoch seconds (the REST-JSON default). Errors carry ``x-amzn-ErrorType`` and
``{"Message": ...}`` with the model's statuses (ValidationException 400,
ResourceNotFoundException 404, ConflictException 409). Requests are checked against the model
(``awsapi.validation``) before a handler runs.

Only requests signed for the ``scheduler`` service are answered (no web page can send one),
so these routes need no CSRF token and a browser's GET of /schedules gets a 403.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt

from workbench.accounts.models import Workspace
from workbench.accounts.services import workspace_for_access_key
from workbench.awsapi.validation import validate
from workbench.core.errors import AwsError
from workbench.core.ids import random_id
from workbench.core.paging import page
from workbench.events import scheduler
from workbench.events.models import Schedule, ScheduleGroup
from workbench.runtime import schedules as timers

log = logging.getLogger(__name__)

MODEL = "scheduler"
_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/[^/]+/[^/]+/scheduler/aws4_request")
Handler = Callable[[Workspace, dict[str, Any]], dict[str, Any]]
_ROUTES: dict[tuple[str, str, bool], tuple[str, Handler]] = {}
"""(method, collection, has a name) -> (operation, handler)."""
SCHEDULES, GROUPS, TAGS = "schedules", "schedule-groups", "tags"


def _route(method: str, collection: str, named: bool, operation: str) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        _ROUTES[(method, collection, named)] = (operation, handler)
        return handler

    return register


@csrf_exempt
def handle(request: HttpRequest, collection: str, name: str | None = None) -> HttpResponse:
    """Every /schedules and /schedule-groups request signed for ``scheduler``."""
    signed = _CREDENTIAL.search(request.headers.get("Authorization", ""))
    if signed is None:
        return _error(
            403, "AccessDeniedException", "Only requests signed for the scheduler service are answered."
        )
    found = _ROUTES.get((request.method or "", collection, name is not None))
    if found is None:
        return _error(404, "ResourceNotFoundException", f"No operation at {request.method} {request.path}.")
    operation, handler = found
    try:
        params = _params(request, collection, name)
        params = validate(MODEL, operation, params)
        workspace = workspace_for_access_key(signed.group(1))
        return _respond(200, handler(workspace, params))
    except AwsError as exc:
        return _error(exc.status, exc.code, exc.message)
    except Exception:
        log.exception("internal error in scheduler %s %s", request.method, request.path)
        return _error(500, "InternalServerException", "An internal error occurred")


def _params(request: HttpRequest, collection: str, name: str | None) -> dict[str, Any]:
    """The operation's members: the JSON body, the query string by the model's names, the path's
    Name (ResourceArn under /tags)."""
    body: dict[str, Any] = {}
    if request.method in ("POST", "PUT") and request.body.strip():
        try:
            parsed = json.loads(request.body)
        except (ValueError, RecursionError):
            raise AwsError("The request body is not valid JSON.") from None
        if not isinstance(parsed, dict):
            raise AwsError("The request body must be a JSON object.")
        body = parsed
    query = {
        "groupName": "GroupName",
        "ScheduleGroup": "GroupName",
        "NamePrefix": "NamePrefix",
        "State": "State",
        "NextToken": "NextToken",
        "clientToken": "ClientToken",
    }
    for key, member in query.items():
        if key in request.GET:
            body[member] = request.GET[key]
    if "MaxResults" in request.GET:
        text = request.GET["MaxResults"]
        body["MaxResults"] = int(text) if text.isdigit() else text
    if "TagKeys" in request.GET:
        body["TagKeys"] = request.GET.getlist("TagKeys")
    if name is not None:
        body["ResourceArn" if collection == TAGS else "Name"] = name
    return body


def _respond(status: int, body: dict[str, Any]) -> HttpResponse:
    response = HttpResponse(json.dumps(body, default=_epoch), status=status, content_type="application/json")
    response["x-amzn-RequestId"] = random_id()
    return response


def _error(status: int, code: str, message: str) -> HttpResponse:
    response = _respond(status, {"Message": message})
    response["x-amzn-ErrorType"] = code
    return response


def _epoch(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.timestamp()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _schedule_shape(schedule: Schedule) -> dict[str, Any]:
    shaped: dict[str, Any] = {
        "Arn": schedule.arn,
        "Name": schedule.name,
        "GroupName": schedule.group.name,
        "ScheduleExpression": schedule.schedule_expression,
        "ScheduleExpressionTimezone": schedule.timezone,
        "FlexibleTimeWindow": schedule.flexible_time_window,
        "State": schedule.state,
        "Target": schedule.target,
        "ActionAfterCompletion": schedule.action_after_completion,
        "CreationDate": schedule.created,
        "LastModificationDate": schedule.updated,
    }
    optional = {
        "Description": schedule.description or None,
        "StartDate": schedule.start_date,
        "EndDate": schedule.end_date,
        "KmsKeyArn": schedule.kms_key_arn,
    }
    shaped.update({key: value for key, value in optional.items() if value is not None})
    return shaped


def _group_shape(group: ScheduleGroup) -> dict[str, Any]:
    return {
        "Arn": group.arn,
        "Name": group.name,
        "State": "ACTIVE",
        "CreationDate": group.created,
        "LastModificationDate": group.updated,
    }


@_route("POST", SCHEDULES, True, "CreateSchedule")
def create_schedule(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    schedule = scheduler.create_schedule(ws, params["Name"], params)
    timers.arm_schedule(schedule)
    return {"ScheduleArn": schedule.arn}


@_route("GET", SCHEDULES, True, "GetSchedule")
def get_schedule(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    return _schedule_shape(scheduler.get_schedule(ws, params["Name"], params.get("GroupName")))


@_route("PUT", SCHEDULES, True, "UpdateSchedule")
def update_schedule(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    schedule = scheduler.update_schedule(ws, params["Name"], params)
    timers.arm_schedule(schedule)
    return {"ScheduleArn": schedule.arn}


@_route("DELETE", SCHEDULES, True, "DeleteSchedule")
def delete_schedule(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    scheduler.delete_schedule(ws, params["Name"], params.get("GroupName"))
    return {}


@_route("GET", SCHEDULES, False, "ListSchedules")
def list_schedules(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    found = scheduler.schedules(
        ws,
        group_name=params.get("GroupName"),
        name_prefix=params.get("NamePrefix"),
        state=params.get("State"),
    )
    items, token = page(found, params.get("NextToken"), params.get("MaxResults"))
    result: dict[str, Any] = {
        "Schedules": [
            {
                "Arn": schedule.arn,
                "Name": schedule.name,
                "GroupName": schedule.group.name,
                "State": schedule.state,
                "CreationDate": schedule.created,
                "LastModificationDate": schedule.updated,
                "Target": {"Arn": schedule.target.get("Arn", "")},
            }
            for schedule in items
        ]
    }
    if token:
        result["NextToken"] = token
    return result


@_route("POST", GROUPS, True, "CreateScheduleGroup")
def create_group(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    return {"ScheduleGroupArn": scheduler.create_group(ws, params["Name"], params.get("Tags")).arn}


@_route("GET", GROUPS, True, "GetScheduleGroup")
def get_group(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    return _group_shape(scheduler.get_group(ws, params["Name"]))


@_route("DELETE", GROUPS, True, "DeleteScheduleGroup")
def delete_group(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    scheduler.delete_group(ws, params["Name"])
    return {}


@_route("GET", GROUPS, False, "ListScheduleGroups")
def list_groups(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    items, token = page(
        scheduler.groups(ws, params.get("NamePrefix")), params.get("NextToken"), params.get("MaxResults")
    )
    result: dict[str, Any] = {"ScheduleGroups": [_group_shape(group) for group in items]}
    if token:
        result["NextToken"] = token
    return result


@_route("GET", TAGS, True, "ListTagsForResource")
def list_tags(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    return {"Tags": scheduler.group_by_arn(ws, params["ResourceArn"]).tags}


@_route("POST", TAGS, True, "TagResource")
def tag_resource(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    scheduler.tag_group(scheduler.group_by_arn(ws, params["ResourceArn"]), params["Tags"])
    return {}


@_route("DELETE", TAGS, True, "UntagResource")
def untag_resource(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    scheduler.untag_group(scheduler.group_by_arn(ws, params["ResourceArn"]), params["TagKeys"])
    return {}
