"""Browser pages for EventBridge: buses, rules, targets, sending events and an event's journey.

Writes go through ``workbench.events.services`` (the path CreateEventBus, PutRule, PutTargets
and RemoveTargets take) and ``runtime.routing.put_events`` (PutEvents), so a form is refused
exactly as boto3 would be. The journey of an event follows the durable ``Delivery`` rows:
each matched target, its outcome and, for a state machine, the execution it started
("Amazon EventBridge targets" and "Event retry policy", EventBridge User Guide).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from engine.events.schedules import ScheduleExpressionError, parse_rule_expression
from engine.events.transform import TargetInputError, validate_target_input
from workbench.accounts.models import Workspace
from workbench.accounts.services import default_workspace
from workbench.console.forms import done, field, fields, notice, posted_or_back
from workbench.core import paging
from workbench.core.arns import Arn
from workbench.core.errors import (
    AwsError,
    ValidationError,
    enum_value_set,
    field_for,
    invalid,
    pattern,
    refusals,
)
from workbench.core.fields import member_is
from workbench.events import bus_logs, trace
from workbench.events import services as events
from workbench.events.errors import ManagedRule
from workbench.events.models import Archive, BusWebhook, Delivery, EventBus, ReceivedEvent, Rule, Target
from workbench.events.target_editor import INPUT_SETTINGS, with_unedited
from workbench.runtime import routing, schedules
from workbench.schemas import validation as schema_validation
from workbench.sqs import services as sqs
from workbench.stepfunctions.models import Execution

RECENT_EVENTS_PER_BUS = 25
RECENT_ON_LIST = 5
LOGGED_RECORDS = 200
"""Log records the bus page shows (the newest)."""
SEND_FIELDS = ("source", "detail_type", "detail")
RULE_FIELDS = ("name", "event_pattern", "schedule_expression", "description", "state")
TARGET_FIELDS = ("target_id", "arn", "input", "retry_attempts", "event_age", "dead_letter")
RETRY_FIELDS = {"retry_attempts": "MaximumRetryAttempts", "event_age": "MaximumEventAgeInSeconds"}
TARGET_ERROR_WORDS = {
    "retry_attempts": "maximumRetryAttempts",
    "event_age": "maximumEventAgeInSeconds",
    "dead_letter": "DeadLetterConfig",
    "target_id": "Id",
    "input": "Input",
}
"""The target form's fields by the words a PutTargets failure about each carries, in the order
they are tried; anything else is about the ARN."""
RETRY_MESSAGES = {
    "retry_attempts": "Retry attempts must be a whole number from {low} to {high}.",
    "event_age": "Maximum event age must be a whole number of seconds from {low} to {high}.",
}
DEAD_LETTER_MESSAGE = "The dead-letter queue must be an SQS queue's ARN (arn:aws:sqs:region:account:name)."
TARGET_ID_MESSAGE = "The Id must be 1 to 64 letters, digits, dots, hyphens or underscores."
ARN_MESSAGE = "The ARN must be the target's ARN, starting arn: (such as arn:aws:sqs:region:account:name)."
RULE_NAME_PATTERN = r"[\.\-_A-Za-z0-9]+"
"""PutRule's Name constraint, as AWS words it (``services.RULE_NAME_RE`` is the check)."""
BUS_DEAD_LETTER_NOTE = (
    "AWS uses a bus's dead-letter queue only for events the bus cannot process because of an "
    "error it does not retry (a customer managed KMS key it may not use); the workbench has no "
    "such keys, so it sends nothing here. A target whose retries run out uses that target's own "
    "dead-letter queue."
)
"""What the bus pages say beside a bus's DeadLetterConfig (runtime.routing's ``_store_all``:
deliveries copy the target's DeadLetterConfig, never the bus's)."""
SENT_SHOWN = 10
"""Sent events the bus page names at most from its ``sent`` query."""
EXAMPLE_DETAIL = '{"orderId": "o-1"}'


def _bus_or_404(workspace: Workspace, name: str) -> EventBus:
    try:
        return events.get_bus(workspace, name)
    except AwsError as exc:
        raise Http404(exc.message) from exc


def _dead_letter(workspace: Workspace, bus: EventBus) -> dict[str, str] | None:
    """The bus's DeadLetterConfig for its pages: the ARN and, when this workspace has that
    queue, its name (to link its page); None when the bus has none."""
    if not bus.dead_letter_arn:
        return None
    queue = sqs.queue_for_arn(workspace, bus.dead_letter_arn)
    return {"arn": bus.dead_letter_arn, "queue": queue.name if queue is not None else ""}


def _shown_errors(errors: Mapping[str, AwsError | str] | None) -> dict[str, AwsError]:
    """Each field's refusal as an AwsError (code and message, as ``sqs/field_error.html`` shows
    it): a caller may name one in plain words."""
    return {
        key: value if isinstance(value, AwsError) else ValidationError(value)
        for key, value in (errors or {}).items()
    }


def _rule_or_404(workspace: Workspace, bus_name: str, rule_name: str) -> Rule:
    try:
        return events.get_rule(workspace, rule_name, bus_name)
    except AwsError as exc:
        raise Http404(exc.message) from exc


@require_http_methods(["GET", "POST"])
def bus_list(request: HttpRequest) -> HttpResponse:
    """Every bus with its rule and event counts; POST creates a bus (CreateEventBus)."""
    workspace = default_workspace()
    form = {"name": "", "description": ""}
    errors: dict[str, AwsError] = {}
    if request.method == "POST":
        form = fields(request, form)
        try:
            bus = events.create_bus(workspace, form["name"], form["description"])
            return done("bus-detail", "bus-created", bus.name, bus_name=bus.name)
        except AwsError as exc:
            errors["name"] = exc
    buses = [
        {
            "bus": bus,
            "rules": list(bus.rules.all()),
            "recent": list(bus.events.all()[:RECENT_ON_LIST]),
            "dead_letter": _dead_letter(workspace, bus),
        }
        for bus in events.list_buses(workspace).prefetch_related("rules__targets")
    ]
    context = {
        "buses": buses,
        "form": form,
        "errors": errors,
        "notice": notice(request),
        "dead_letter_note": BUS_DEAD_LETTER_NOTE,
    }
    return render(request, "events/bus_list.html", context, status=400 if errors else 200)


def bus_detail(
    request: HttpRequest,
    bus_name: str,
    *,
    rule_form: dict[str, str] | None = None,
    send_form: dict[str, str] | None = None,
    errors: Mapping[str, AwsError | str] | None = None,
    webhook_form: dict[str, str] | None = None,
) -> HttpResponse:
    """One bus: its rules (enable, disable, delete), a new rule, Send events, recent events,
    its dead-letter queue, resource policy and inbound webhook. ``errors`` are the refused
    form's, each shown beside its field (a message in plain words reads as a ValidationException)."""
    workspace = default_workspace()
    bus = _bus_or_404(workspace, bus_name)
    shown_errors = _shown_errors(errors)
    query = {key: request.GET.get(key, "").strip() for key in ("source", "detail_type", "after")}
    recent = bus.events.prefetch_related("deliveries")
    if query["source"]:
        recent = recent.filter(member_is("body", "source", query["source"]))
    if query["detail_type"]:
        recent = recent.filter(member_is("body", "detail-type", query["detail_type"]))
    try:
        shown, next_token = paging.page(recent, query["after"] or None, RECENT_EVENTS_PER_BUS)
    except AwsError as exc:
        shown, next_token, shown_errors["after"] = [], None, exc
    webhook = BusWebhook.objects.filter(bus=bus).first()
    sent = _sent_events(request, bus)
    log_event = request.GET.get("log_event", "").strip()
    context = {
        "bus": bus,
        "log_level": bus_logs.level_of(bus),
        "log_detail": (bus.log_config or {}).get("IncludeDetail", "NONE"),
        "log_levels": bus_logs.LEVELS,
        "log_event": log_event,
        "log_records": [
            {**record, "text": json.dumps(record, indent=1)}
            for record in bus_logs.records(bus, log_event, limit=LOGGED_RECORDS)
        ],
        "log_group": bus_logs.log_group_of(bus),
        "policy": _pretty(bus.policy),
        "dead_letter": _dead_letter(workspace, bus),
        "dead_letter_note": BUS_DEAD_LETTER_NOTE,
        "webhook": webhook,
        "webhook_url": request.build_absolute_uri(reverse("webhook-receive", args=[webhook.uid]))
        if webhook
        else "",
        "webhook_form": webhook_form
        or {
            "source": webhook.source if webhook else "",
            "detail_type": webhook.detail_type if webhook else "",
        },
        "rules": list(bus.rules.prefetch_related("targets")),
        "recent": shown,
        "query": query,
        "next_token": next_token,
        "rule_form": rule_form
        or {
            "name": "",
            "event_pattern": "",
            "schedule_expression": "",
            "description": "",
            "state": "ENABLED",
        },
        "send_form": send_form or _send_fields(sent[-1] if sent else None),
        "errors": shown_errors,
        "sent": sent,
        "notice": notice(request),
        "live_url": request.get_full_path()
        if request.method == "GET"
        else reverse("bus-detail", args=[bus.name]),
    }
    return render(request, "events/bus_detail.html", context, status=400 if shown_errors else 200)


def _sent_events(request: HttpRequest, bus: EventBus) -> list[ReceivedEvent]:
    """The events a send just put on this bus, by the primary keys in ``?sent=1,2`` (the send
    redirects here, so reloading the page does not send again); other buses' are left out."""
    parts = request.GET.get("sent", "").split(",")
    # Digits only, and few enough to fit the database's 64-bit integers.
    ids = [int(part) for part in parts if part.isascii() and part.isdigit() and len(part) <= 18][:SENT_SHOWN]
    return list(bus.events.filter(id__in=ids).order_by("id")) if ids else []


def _send_fields(sent: ReceivedEvent | None) -> dict[str, str]:
    """The Send events form: the event just sent, to send another like it, else an example."""
    if sent is None:
        return {"source": "", "detail_type": "", "detail": EXAMPLE_DETAIL}
    detail = json.dumps(sent.body.get("detail", {}), ensure_ascii=False)
    return {"source": str(sent.body.get("source", "")), "detail_type": sent.detail_type, "detail": detail}


def _pretty(policy: str | None) -> str:
    if not policy:
        return ""
    try:
        return json.dumps(json.loads(policy), indent=2)
    except json.JSONDecodeError:
        return policy


@posted_or_back("bus-detail", "bus_name")
def bus_logging(request: HttpRequest, bus_name: str) -> HttpResponse:
    """UpdateEventBus's LogConfig from the bus page's Logs card."""
    workspace = default_workspace()
    bus = _bus_or_404(workspace, bus_name)
    config = {"Level": field(request, "level"), "IncludeDetail": field(request, "include_detail") or "NONE"}
    # Each member checked on its own, so both refusals show at once (the API names the first).
    errors: dict[str, AwsError] = {}
    for key, member in (("log_level", "Level"), ("log_include_detail", "IncludeDetail")):
        try:
            bus_logs.check_log_config({member: config[member]})
        except AwsError as exc:
            errors[key] = exc
    if not errors:
        try:
            events.update_bus(workspace, bus.name, None, None, config)
        except AwsError as exc:
            errors["log_level"] = exc
    if errors:
        return bus_detail(request, bus.name, errors=errors)
    return HttpResponseRedirect(reverse("bus-detail", args=[bus.name]) + "#bus-logs")


@require_POST
def bus_delete(request: HttpRequest, bus_name: str) -> HttpResponse:
    workspace = default_workspace()
    bus = _bus_or_404(workspace, bus_name)
    try:
        events.delete_bus(workspace, bus.name, with_rules=True)
    except AwsError as exc:
        return bus_detail(request, bus.name, errors={"bus": exc})
    return done("bus-list", "bus-deleted", bus.name)


@posted_or_back("bus-detail", "bus_name")
def rule_create(request: HttpRequest, bus_name: str) -> HttpResponse:
    """PutRule from the bus page (also where the sandbox's "Save as rule" posts)."""
    workspace = default_workspace()
    bus = _bus_or_404(workspace, bus_name)
    form = fields(request, RULE_FIELDS)
    errors = _put_rule(workspace, bus, form)
    if errors:
        return bus_detail(request, bus.name, rule_form=form, errors=errors)
    return done("rule-detail", "rule-saved", form["name"], bus_name=bus.name, rule_name=form["name"])


def _put_rule(workspace: Workspace, bus: EventBus, form: dict[str, str]) -> dict[str, AwsError]:
    """PutRule with the form's fields; the refusals keyed by the field each concerns, every one
    at once (``_rule_problems``). A scheduled rule keeps (or changes) its ScheduleExpression
    and is armed at once."""
    schedule = form.get("schedule_expression", "").strip()
    problems = _rule_problems(bus, form)
    if problems:
        return problems
    try:
        rule = events.put_rule(
            workspace,
            name=form["name"],
            bus_name=bus.name,
            event_pattern=form["event_pattern"] or None,
            schedule_expression=schedule or None,
            state=form["state"] or None,
            description=form["description"] or None,
        )
        schedules.arm(rule)
    except AwsError as exc:  # what only PutRule knows (an archive's rule, say)
        if "ScheduleExpression" in exc.message:
            return {"schedule_expression": _with_schedule_reason(exc, schedule)}
        key = "event_pattern" if exc.code == "InvalidEventPatternException" else "name"
        if "state" in exc.message and key == "name" and "'name'" not in exc.message:
            key = "state"
        return {key: exc}
    return {}


def _rule_problems(bus: EventBus, form: dict[str, str]) -> dict[str, AwsError]:
    """Every field of the rule form PutRule would refuse, each checked on its own with PutRule's
    checks and words (PutRule answers only the first), so the form shows them all at once."""
    schedule = form.get("schedule_expression", "").strip()
    name, text, state = form["name"], form["event_pattern"], form["state"]

    def check_name() -> None:
        if not events.RULE_NAME_RE.match(name):
            raise invalid("name", pattern(RULE_NAME_PATTERN), name)

    def check_schedule() -> None:
        if schedule and bus.name != events.DEFAULT_BUS:
            raise ValidationError("ScheduleExpression is supported only on the default event bus.")
        if schedule:
            events.check_schedule_expression(schedule)

    def check_state() -> None:
        if state and state not in (Rule.ENABLED, Rule.DISABLED):
            raise invalid("state", enum_value_set([Rule.ENABLED, Rule.DISABLED]), state)

    checks = {
        "name": check_name,
        "event_pattern": lambda: events.validate_pattern_text(text) if text else None,
        "schedule_expression": check_schedule,
        "state": check_state,
    }
    problems = {key: found[0] for key, check in checks.items() if (found := refusals(check))}
    if not text and not schedule:
        problems["event_pattern"] = ValidationError("Write an event pattern (a JSON object).")
    if "schedule_expression" in problems:
        problems["schedule_expression"] = _with_schedule_reason(problems["schedule_expression"], schedule)
    return problems


def _with_schedule_reason(refusal: AwsError, expression: str) -> AwsError:
    """A refused ScheduleExpression with which part of it is wrong (AWS says only that it is
    not valid; the engine's reader knows), for the person at the form."""
    return AwsError(f"{refusal.message} {_schedule_reason(expression)}".strip(), code=refusal.code)


def _schedule_reason(expression: str) -> str:
    """Which part of a refused ScheduleExpression is wrong (AWS says only that it is not
    valid; the engine's reader knows), for the person at the form."""
    try:
        parse_rule_expression(expression)
    except ScheduleExpressionError as exc:
        return exc.reason
    return ""


@require_http_methods(["GET", "POST"])
def rule_detail(request: HttpRequest, bus_name: str, rule_name: str) -> HttpResponse:
    """One rule: edit its pattern, description and state; its targets (add, edit, remove)."""
    workspace = default_workspace()
    rule = _rule_or_404(workspace, bus_name, rule_name)
    form = _stored_fields(rule)
    errors: dict[str, AwsError] = {}
    if request.method == "POST":
        form = {
            **fields(request, ("event_pattern", "schedule_expression", "description", "state")),
            "name": rule.name,
        }
        errors = _put_rule(workspace, rule.bus, form)
        if not errors:
            return done("rule-detail", "rule-saved", rule.name, bus_name=rule.bus.name, rule_name=rule.name)
        if "name" in errors:  # the page has no name field: an archive's rule is refused as managed
            errors["managed" if rule.managed_archive else "event_pattern"] = errors.pop("name")
    editing = rule.targets.filter(target_id=request.GET.get("edit", "")).first()
    target_form = _target_fields(editing) if editing else None
    return _rule_page(request, rule, form=form, target_form=target_form, errors=errors)


def _target_fields(target: Target) -> dict[str, str]:
    """The target form's fields as the target is stored."""
    policy = target.retry_policy or {}
    return {
        "target_id": target.target_id,
        "arn": target.arn,
        "input": target.input or "",
        **{name: str(policy.get(member, "")) for name, member in RETRY_FIELDS.items()},
        "dead_letter": target.dead_letter_arn or "",
    }


def _kept_input(target: Target) -> str:
    """The input setting the rule page's form does not show ("InputPath $.detail", say), which
    saving the form with no constant input keeps; "" when there is none."""
    if target.input_path:
        return f"InputPath {target.input_path}"
    return "InputTransformer" if target.input_transformer else ""


def _stored_fields(rule: Rule) -> dict[str, str]:
    """The edit form's fields as the rule is stored."""
    return {
        "name": rule.name,
        "event_pattern": rule.event_pattern or "",
        "schedule_expression": rule.schedule_expression or "",
        "description": rule.description or "",
        "state": rule.state,
    }


def _rule_page(
    request: HttpRequest,
    rule: Rule,
    *,
    form: dict[str, str] | None = None,
    target_form: dict[str, str] | None = None,
    errors: Mapping[str, AwsError | str] | None = None,
) -> HttpResponse:
    """The rule page; ``errors`` are the refused form's, each shown beside its field."""
    targets = list(rule.targets.all())
    target_form = dict(target_form or dict.fromkeys(TARGET_FIELDS, ""))
    for target in targets:
        if target.target_id == target_form["target_id"]:
            target_form["kept_input"] = _kept_input(target)
    context = {
        "bus": rule.bus,
        "rule": rule,
        "targets": targets,
        "form": form or _stored_fields(rule),
        "target_form": target_form,
        "errors": _shown_errors(errors),
        "notice": notice(request),
        "next_fire": _next_fire(rule),
        "managed_archive": Archive.objects.filter(bus=rule.bus, name=rule.managed_archive).first()
        if rule.managed_archive
        else None,
    }
    return render(request, "events/rule_detail.html", context, status=400 if errors else 200)


def _next_fire(rule: Rule) -> Any:
    """A scheduled rule's next firing: its armed timer, else when it would be armed for."""
    return schedules.upcoming(rule)


@posted_or_back("rule-detail", "bus_name", "rule_name")
def rule_state(request: HttpRequest, bus_name: str, rule_name: str) -> HttpResponse:
    """EnableRule / DisableRule."""
    workspace = default_workspace()
    rule = _rule_or_404(workspace, bus_name, rule_name)
    state = field(request, "state")
    if state not in (Rule.ENABLED, Rule.DISABLED):
        return _rule_page(
            request,
            rule,
            errors={"state": invalid("state", enum_value_set([Rule.ENABLED, Rule.DISABLED]), state)},
        )
    try:
        schedules.arm(events.set_rule_state(workspace, rule.name, rule.bus.name, state))
    except ManagedRule as exc:
        return _rule_page(request, rule, errors={"managed": exc})
    what = "rule-enabled" if state == Rule.ENABLED else "rule-disabled"
    return done("bus-detail", what, rule.name, bus_name=rule.bus.name)


@posted_or_back("rule-detail", "bus_name", "rule_name")
def rule_delete(request: HttpRequest, bus_name: str, rule_name: str) -> HttpResponse:
    """DeleteRule; with ``force`` its targets are removed first (as the console does)."""
    workspace = default_workspace()
    rule = _rule_or_404(workspace, bus_name, rule_name)
    ids = list(rule.targets.values_list("target_id", flat=True))
    try:
        if ids:
            events.remove_targets(workspace, rule.name, rule.bus.name, ids)
        events.delete_rule(workspace, rule.name, rule.bus.name)
    except ManagedRule as exc:  # an archive's rule: only its archive removes it
        return _rule_page(request, rule, errors={"managed": exc})
    return done("bus-detail", "rule-deleted", rule.name, bus_name=rule.bus.name)


@posted_or_back("rule-detail", "bus_name", "rule_name")
def target_save(request: HttpRequest, bus_name: str, rule_name: str) -> HttpResponse:
    """PutTargets with one target: a new id adds it, an existing id replaces it."""
    workspace = default_workspace()
    rule = _rule_or_404(workspace, bus_name, rule_name)
    form = fields(request, TARGET_FIELDS)
    problems = _target_problems(form)
    if problems:
        return _rule_page(request, rule, target_form=form, errors=problems)
    target: dict[str, Any] = {"Id": form["target_id"], "Arn": form["arn"]}
    if form["input"]:
        target["Input"] = form["input"]
    policy = {member: int(form[name]) for name, member in RETRY_FIELDS.items() if form[name]}
    if policy:
        target["RetryPolicy"] = policy
    if form["dead_letter"]:
        target["DeadLetterConfig"] = {"Arn": form["dead_letter"]}
    # A form without the retry or dead-letter fields (an older page) leaves them as stored.
    shown = [
        member
        for member, names in (("RetryPolicy", RETRY_FIELDS), ("DeadLetterConfig", ("dead_letter",)))
        if any(name in request.POST for name in names)
    ]
    # The form shows only a constant Input: left empty, a stored InputPath or InputTransformer
    # stays (AWS allows one of the three, so an Input given replaces them).
    edits = ("Id", "Arn", *(INPUT_SETTINGS if form["input"] else ("Input",)), *shown)
    stored = rule.targets.filter(target_id=form["target_id"]).first()
    target = with_unedited(target, stored, edits)
    try:
        failed = events.put_targets(workspace, rule.name, rule.bus.name, [target])
    except AwsError as exc:
        return _rule_page(request, rule, target_form=form, errors={"target_id": exc})
    if failed:  # what only PutTargets knows
        message = failed[0]["ErrorMessage"]
        key = field_for(message, TARGET_ERROR_WORDS, "arn")
        return _rule_page(
            request, rule, target_form=form, errors={key: AwsError(message, code=failed[0]["ErrorCode"])}
        )
    return done("rule-detail", "target-saved", form["target_id"], bus_name=rule.bus.name, rule_name=rule.name)


def _target_problems(form: dict[str, str]) -> dict[str, AwsError]:
    """Every field of the target form PutTargets would refuse, each checked on its own and
    named beside its own field at once (PutTargets names only the first, and its words for the
    input do not say which field). PutTargets' own checks judge; the words are plain but for
    the input's, which are AWS's (they say what is wrong with the JSON)."""
    problems: dict[str, AwsError] = {}
    if not events.TARGET_ID_RE.match(form["target_id"]):
        problems["target_id"] = ValidationError(TARGET_ID_MESSAGE)
    if not form["arn"].startswith("arn:"):
        problems["arn"] = ValidationError(ARN_MESSAGE)
    if form["input"]:
        try:
            validate_target_input({"Id": form["target_id"], "Input": form["input"]})
        except TargetInputError as exc:
            problems["input"] = AwsError(exc.message, code=exc.code)
    for name, member in RETRY_FIELDS.items():
        text = form[name]
        number = int(text) if text.isascii() and text.isdigit() else None
        if text and (number is None or events.retry_problem({member: number}, 1)):
            low, high = events.RETRY_LIMITS[member]
            problems[name] = ValidationError(RETRY_MESSAGES[name].format(low=low, high=high))
    if form["dead_letter"] and events.dead_letter_problem({"Arn": form["dead_letter"]}):
        problems["dead_letter"] = ValidationError(DEAD_LETTER_MESSAGE)
    return problems


@posted_or_back("rule-detail", "bus_name", "rule_name")
def target_remove(request: HttpRequest, bus_name: str, rule_name: str) -> HttpResponse:
    workspace = default_workspace()
    rule = _rule_or_404(workspace, bus_name, rule_name)
    target_id = field(request, "target_id")
    try:
        failed = events.remove_targets(workspace, rule.name, rule.bus.name, [target_id])
    except ManagedRule as exc:
        return _rule_page(request, rule, errors={"managed": exc})
    if failed:
        return _rule_page(
            request,
            rule,
            errors={"targets": AwsError(failed[0]["ErrorMessage"], code=failed[0]["ErrorCode"])},
        )
    return done("rule-detail", "target-removed", target_id, bus_name=rule.bus.name, rule_name=rule.name)


@posted_or_back("bus-detail", "bus_name")
def send_events(request: HttpRequest, bus_name: str) -> HttpResponse:
    """PutEvents with one entry from the form, then back to the bus page, which names the event
    sent (linked); each refusal is shown beside its field, all at once, with what was typed
    kept (the fields PutEvents needs are checked first, each on its own: it names the first)."""
    workspace = default_workspace()
    bus = _bus_or_404(workspace, bus_name)
    form = fields(request, SEND_FIELDS)
    errors: dict[str, AwsError] = {
        key: AwsError(
            f"Parameter {member} is not valid. Reason: {member} is a required argument.",
            code="InvalidArgument",
        )
        for key, member in (("source", "Source"), ("detail_type", "DetailType"))
        if not form[key]
    }
    try:
        detail = json.loads(form["detail"] or "null")
    except json.JSONDecodeError as exc:
        detail = None
        errors["detail"] = ValidationError(
            f"Detail is not JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})."
        )
    if "detail" not in errors and not isinstance(detail, dict):
        errors["detail"] = ValidationError("Detail must be a JSON object.")
    if errors:
        return bus_detail(request, bus.name, send_form=form, errors=errors)
    entry = {"Source": form["source"], "DetailType": form["detail_type"], "Detail": form["detail"]}
    try:
        # Send events may use a source of AWS's own, to try a rule written for AWS's events.
        [result] = routing.put_events(workspace, [{**entry, "EventBusName": bus.name}], aws_sources=True)
    except AwsError as exc:
        return bus_detail(request, bus.name, send_form=form, errors={"source": exc})
    if "EventId" not in result:
        message = result.get("ErrorMessage", "")
        key = (
            "detail"  # a schema the bus validates with refused it (workbench.schemas.validation)
            if message.startswith(schema_validation.MESSAGE_START)
            else "detail_type"
            if "DetailType" in message
            else "detail"
            if "Detail" in message
            else "source"
        )
        refusal = AwsError(message, code=result.get("ErrorCode") or ValidationError.code)
        return bus_detail(request, bus.name, send_form=form, errors={key: refusal})
    stored = ReceivedEvent.objects.filter(bus=bus, event_id=result["EventId"]).first()
    # Post/redirect/get: reloading the page it lands on shows the notice, not a second event.
    sent = f"?{urlencode({'sent': stored.id})}" if stored else ""
    return HttpResponseRedirect(reverse("bus-detail", args=[bus.name]) + sent)


def event_detail(request: HttpRequest, bus_name: str, event_id: int) -> HttpResponse:
    """An event's journey: the event, the rules it matched, each delivery and what it started."""
    workspace = default_workspace()
    bus = _bus_or_404(workspace, bus_name)
    event = ReceivedEvent.objects.filter(bus=bus, id=event_id).first()
    if event is None:
        raise Http404(f"Event {event_id} is not on bus {bus.name}.")
    deliveries = [
        {
            "delivery": delivery,
            "execution": execution_started_by(workspace, delivery),
            "forwarded": forwarded_copy(workspace, delivery),
            "attempts": trace.attempts(delivery),
            "target_page": target_page(delivery),
            # The queue's name, for its page (a dead-letter ARN is a queue's: PutTargets checks).
            "dead_letter_queue": getattr(Arn.parse(delivery.dead_letter_arn or ""), "resource", ""),
        }
        for delivery in event.deliveries.prefetch_related("attempt_log").order_by("rule_name", "target_id")
    ]
    context = {
        "bus": bus,
        "event": event,
        "body": json.dumps(event.body, indent=2, ensure_ascii=False),
        "detail_summary": summarize(event.body.get("detail")),
        "deliveries": deliveries,
        "forwarded_from": forwarded_from(event),
        "same_id": same_id_events(event),
    }
    return render(request, "events/event_detail.html", context)


def execution_started_by(workspace: Workspace, delivery: Delivery) -> Execution | None:
    """The execution a delivered state-machine target started: its ARN is the delivery's detail."""
    if delivery.status != Delivery.DELIVERED or not delivery.detail.startswith("arn:aws:states:"):
        return None
    parts = delivery.detail.split(":")
    if len(parts) != 8 or parts[5] != "execution":
        return None
    return (
        Execution.objects.filter(
            state_machine__workspace=workspace, state_machine__name=parts[6], name=parts[7], map_run=None
        )
        .select_related("state_machine__workspace")
        .first()
    )


def forwarded_copy(workspace: Workspace, delivery: Delivery) -> ReceivedEvent | None:
    """The event an event-bus target of this workspace received from this delivery (the same
    event id on that bus), to follow the journey on; None for any other target."""
    if delivery.status != Delivery.DELIVERED or not routing.is_event_bus_arn(delivery.target_arn):
        return None
    return (
        ReceivedEvent.objects.filter(
            bus__workspace=workspace,
            bus__name=delivery.target_arn.split("event-bus/", 1)[1],
            event_id=delivery.event.event_id,
        )
        .select_related("bus")
        .first()
    )


def same_id_events(event: ReceivedEvent) -> list[ReceivedEvent]:
    """The other events of this bus with this event's id: the one first put on the bus and the
    copies replays sent again (they keep its id, EventBridge User Guide, "Replaying archived
    events"), oldest first, to link an event to its original and its replays."""
    return list(
        ReceivedEvent.objects.filter(bus=event.bus, event_id=event.event_id)
        .exclude(id=event.id)
        .order_by("id")[:20]
    )


def target_page(delivery: Delivery) -> tuple[str, str] | None:
    """A delivered queue's or log group's page, where the message or log record it made is
    (the label and the URL); None for any other target."""
    arn = Arn.parse(delivery.target_arn)
    if delivery.status != Delivery.DELIVERED or arn is None:
        return None
    if arn.service == "sqs":
        return f"queue {arn.resource}", reverse("queue-detail", args=[arn.resource])
    kind, _, group = arn.resource.partition(":")
    if arn.service == "logs" and kind == "log-group":
        group = group.removesuffix(":*")
        return f"log group {group}", f"{reverse('log-group-list')}?{urlencode({'group': group})}"
    return None


def forwarded_from(event: ReceivedEvent) -> Delivery | None:
    """The delivery (its rule, its event on another bus) whose event-bus target put this event
    here (the same event id, a delivered target of this bus's ARN), to follow the journey
    back; None when it was put on this bus directly."""
    return (
        Delivery.objects.filter(
            status=Delivery.DELIVERED, target_arn=event.bus.arn, event__event_id=event.event_id
        )
        .exclude(event__bus=event.bus)
        .select_related("event__bus")
        .order_by("id")
        .first()
    )


def delivery_of(execution: Execution) -> Delivery | None:
    """The delivery that started ``execution``, if an event did: deliveries name their
    executions ``<event id>_<digest>`` and hold the execution's ARN as their detail."""
    event_id = execution.name.rsplit("_", 1)[0] if "_" in execution.name else ""
    if not event_id:
        return None
    return (
        Delivery.objects.filter(
            event__event_id=event_id,
            event__bus__workspace=execution.state_machine.workspace,
            detail=execution.arn,
        )
        .select_related("event__bus")
        .first()
    )


def summarize(detail: Any, limit: int = 120) -> str:
    """A one-line summary of an event's detail: its first keys and values."""
    if not isinstance(detail, dict) or not detail:  # {} too: an empty summary reads as missing
        return json.dumps(detail, ensure_ascii=False)[:limit]
    parts = [f"{key}: {json.dumps(value, ensure_ascii=False)}" for key, value in detail.items()]
    text = ", ".join(parts)
    return text if len(text) <= limit else text[: limit - 1] + "…"
