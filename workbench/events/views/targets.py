"""The target editor's endpoints: preview what a target would receive, and save it.

Saving goes through ``services.put_targets``, the one path PutTargets also takes, so the
five-target limit and every input check apply here exactly as they do for boto3.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from workbench.accounts.models import Workspace
from workbench.accounts.services import default_workspace
from workbench.core.arns import rule_arn
from workbench.core.browser_json import error_response, read_json_object
from workbench.core.errors import AwsError, ValidationError
from workbench.events import services as events
from workbench.events.models import EventBus, ReceivedEvent
from workbench.events.pattern_sandbox import parse_event_text
from workbench.events.target_editor import (
    EDITOR_SETTINGS,
    preview_target_input,
    target_entry,
    target_from_fields,
    with_unedited,
)

UNSAVED_RULE_NAME = "sandbox-rule"
"""The rule name ``<aws.events.rule-name>`` shows in a preview made before any rule is picked."""


@require_POST
def preview(request: HttpRequest) -> JsonResponse:
    """POST the editor's fields + "event" (+ "bus", "rule", "received_event") -> the target's input."""
    workspace = default_workspace()
    try:
        body = read_json_object(request)
        event = parse_event_text(body.get("event"))
        target = target_from_fields(body)
        bus = events.get_bus(workspace, body.get("bus") or None)
        name, arn = _rule_identity(workspace, bus, str(body.get("rule") or ""))
        ingestion_time = _ingestion_time(bus, body.get("received_event"))
    except AwsError as exc:
        return error_response(exc)
    result = preview_target_input(target, event, rule_arn=arn, rule_name=name, ingestion_time=ingestion_time)
    result.update(target=target, rule_name=name, rule_arn=arn)
    return JsonResponse(result)


@require_http_methods(["GET", "POST"])
def rule_targets(request: HttpRequest, bus_name: str, rule_name: str) -> HttpResponse:
    """GET opens the editor for this rule; POST the editor's fields stores one target (PutTargets)."""
    if request.method == "GET":
        query = urlencode({"bus": bus_name, "rule": rule_name, **_chosen_target(request)})
        return redirect(f"{reverse('bus-sandbox')}?{query}#target-editor")
    workspace = default_workspace()
    try:
        target = target_from_fields(read_json_object(request))
        stored = (
            events.get_rule(workspace, rule_name, bus_name).targets.filter(target_id=target["Id"]).first()
        )
        target = with_unedited(target, stored, EDITOR_SETTINGS)
        failed = events.put_targets(workspace, rule_name, bus_name, [target])
        if failed:
            raise AwsError(failed[0]["ErrorMessage"], code=failed[0]["ErrorCode"])
        rule = events.get_rule(workspace, rule_name, bus_name)
    except AwsError as exc:
        return error_response(exc)
    return JsonResponse(
        {"ok": True, "target": target, "targets": [target_entry(stored) for stored in rule.targets.all()]}
    )


def _chosen_target(request: HttpRequest) -> dict[str, str]:
    """The target the editor opens with (``?target=<Id>``, the rule page's "Edit input")."""
    target_id = request.GET.get("target", "")
    return {"target": target_id} if target_id else {}


def _rule_identity(workspace: Workspace, bus: EventBus, rule_name: str) -> tuple[str, str]:
    """The name and ARN ``<aws.events.rule-name>`` / ``<aws.events.rule-arn>`` stand for."""
    if rule_name:
        rule = events.get_rule(workspace, rule_name, bus.name)
        return rule.name, rule.arn
    return UNSAVED_RULE_NAME, rule_arn(workspace.region, workspace.account_id, bus.name, UNSAVED_RULE_NAME)


def _ingestion_time(bus: EventBus, received_event: Any) -> datetime:
    """When a stored event was received (what its deliveries use), else now, as for a new event."""
    if received_event in (None, ""):
        return timezone.now()
    if not str(received_event).isdigit():
        raise ValidationError(f"received_event must be the id of a stored event, not {received_event!r}.")
    stored = ReceivedEvent.objects.filter(bus=bus, id=int(str(received_event))).first()
    return stored.received if stored is not None else timezone.now()
