"""The pattern sandbox page and its evaluate endpoint.

The page renders a first verdict on the server (so it reads right before any script runs);
``static/pattern_sandbox.js`` then asks ``evaluate`` again as the user types.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_POST

from workbench.accounts.models import Workspace
from workbench.accounts.services import default_workspace
from workbench.core.browser_json import error_response, read_json_object
from workbench.core.errors import AwsError
from workbench.events import services as events
from workbench.events.api_destinations import list_api_destinations
from workbench.events.models import EventBus, ReceivedEvent, Rule
from workbench.events.pattern_sandbox import actual_text, evaluate_pattern
from workbench.events.samples import BUILT_IN_SAMPLES, DEFAULT_PATTERN, ORDER_PLACED
from workbench.events.target_editor import target_entry

RECENT_EVENTS = 25


@dataclass
class _Choice:
    """The sample event the page opens with: its select value and its text."""

    value: str
    text: str


@dataclass
class _Scope:
    bus: EventBus
    rules: list[Rule]
    rule: Rule | None
    notices: list[str] = field(default_factory=list)


def sandbox_page(request: HttpRequest) -> HttpResponse:
    workspace = default_workspace()
    scope = _scope(workspace, request.GET.get("bus") or None, request.GET.get("rule") or "")
    recent = list(ReceivedEvent.objects.filter(bus=scope.bus)[:RECENT_EVENTS])
    choice = _initial_event(recent, request.GET.get("event") or "", request.GET.get("sample") or "", scope)
    pattern_text = _initial_pattern(scope)
    verdict = evaluate_pattern(pattern_text, choice.text)
    samples: dict[str, Any] = {f"event:{event.id}": event.body for event in recent}
    samples.update({f"sample:{sample.key}": sample.event for sample in BUILT_IN_SAMPLES})
    rules_data = {
        rule.name: {
            "pattern": rule.event_pattern or "",
            "schedule": rule.schedule_expression or "",
            "targets": [target_entry(target) for target in rule.targets.all()],
        }
        for rule in scope.rules
    }
    context = {
        "buses": events.list_buses(workspace),
        "bus": scope.bus,
        "rules": scope.rules,
        "rule": scope.rule,
        "notices": scope.notices,
        "recent": recent,
        "event_options": [
            {
                "value": f"event:{event.id}",
                "label": f"{event.received:%Y-%m-%d %H:%M:%S} · {_summary(event.body)}",
            }
            for event in recent
        ],
        "sample_options": [
            {"value": f"sample:{sample.key}", "label": sample.label} for sample in BUILT_IN_SAMPLES
        ],
        "choice": choice,
        "pattern_text": pattern_text,
        "verdict": verdict,
        "miss_rows": [{**miss, "actual_text": actual_text(miss)} for miss in verdict["misses"]],
        "samples_data": samples,
        "rules_data": rules_data,
        "default_target_arn": f"arn:aws:lambda:{workspace.region}:{workspace.account_id}:function:echo",
        "api_destinations": list_api_destinations(workspace),
    }
    return render(request, "events/sandbox.html", context)


@require_POST
def evaluate(request: HttpRequest) -> JsonResponse:
    """POST {"pattern": text, "event": text} -> {"valid", "error", "matches", "misses", ...}."""
    try:
        body = read_json_object(request)
    except AwsError as exc:
        return error_response(exc)
    return JsonResponse(evaluate_pattern(body.get("pattern"), body.get("event")))


def _scope(workspace: Workspace, bus_name: str | None, rule_name: str) -> _Scope:
    notices = []
    try:
        bus = events.get_bus(workspace, bus_name)
    except AwsError as exc:
        notices.append(exc.message)
        bus = events.ensure_default_bus(workspace)
    # An archive's managed rule is not the user's to edit (events.managed_rules): left out.
    rules = list(
        Rule.objects.filter(bus=bus, managed_by="")
        .select_related("bus__workspace")
        .prefetch_related("targets")
    )
    rule = next((candidate for candidate in rules if candidate.name == rule_name), None)
    if rule_name and rule is None:
        notices.append(f"Rule {rule_name} does not exist on EventBus {bus.name}.")
    return _Scope(bus=bus, rules=rules, rule=rule, notices=notices)


def _initial_pattern(scope: _Scope) -> str:
    if scope.rule is None:
        return DEFAULT_PATTERN
    if not scope.rule.event_pattern:
        scope.notices.append(
            f"Rule {scope.rule.name} has no event pattern (it runs on {scope.rule.schedule_expression})."
        )
        return ""
    return str(scope.rule.event_pattern)  # verbatim: the sandbox tests exactly what is stored


def _initial_event(recent: list[ReceivedEvent], event_id: str, sample_key: str, scope: _Scope) -> _Choice:
    """The event asked for (?event=<id> or ?sample=<key>), else the newest one, else a built-in."""
    if event_id:
        stored = next((event for event in recent if str(event.id) == event_id), None)
        if stored is None and event_id.isdigit():
            stored = ReceivedEvent.objects.filter(bus=scope.bus, id=int(event_id)).first()
            if stored is not None:
                recent.append(stored)  # older than the recent list, but asked for by its link
        if stored is not None:
            return _Choice(f"event:{stored.id}", json.dumps(stored.body, indent=2))
        scope.notices.append(f"Event {event_id} is not among the events of bus {scope.bus.name}.")
    sample = next((s for s in BUILT_IN_SAMPLES if s.key == sample_key), None)
    if sample is None and recent and not event_id:
        return _Choice(f"event:{recent[0].id}", json.dumps(recent[0].body, indent=2))
    sample = sample or ORDER_PLACED
    return _Choice(f"sample:{sample.key}", json.dumps(sample.event, indent=2))


def _summary(body: dict[str, Any]) -> str:
    return f"{body.get('source', '')} / {body.get('detail-type', '')}"
