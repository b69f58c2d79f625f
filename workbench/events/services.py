"""Every action on buses, rules, targets and events: one path for API, browser and tasks."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from engine.events.envelope import (
    EntryError,
    EnvelopeValidationError,
    build_event,
    event_bus_name_from,
    validate_batch,
)
from engine.events.patterns import InvalidEventPatternError, matches, parse_pattern
from engine.events.schedules import RULE_INVALID, ScheduleExpressionError, parse_rule_expression
from engine.events.transform import TargetInputError, validate_target_input
from workbench.accounts.models import Workspace
from workbench.core import tags as core_tags
from workbench.core.arns import Arn
from workbench.core.errors import (
    AwsError,
    LimitExceeded,
    ResourceAlreadyExists,
    ResourceNotFound,
    ValidationError,
    enum_value_set,
    invalid,
    min_length,
    pattern,
    validation_message,
    value_at_least,
    value_at_most,
    violation,
)
from workbench.core.ids import random_id
from workbench.core.prepared import Prepared
from workbench.events import bus_logs, bus_policies, managed_rules
from workbench.events.errors import InvalidEventPattern
from workbench.events.models import Delivery, EventBus, Rule, Target

DEFAULT_BUS = "default"
BUS_NAME_RE = re.compile(r"^[/\.\-_A-Za-z0-9]{1,256}$")
RULE_NAME_RE = re.compile(r"^[\.\-_A-Za-z0-9]{1,64}$")
TARGET_ID_RE = re.compile(r"^[\.\-_A-Za-z0-9]{1,64}$")
MAX_TARGETS_PER_RULE = 5


def ensure_default_bus(workspace: Workspace) -> EventBus:
    now = timezone.now()
    bus, _ = EventBus.objects.get_or_create(
        workspace=workspace, name=DEFAULT_BUS, defaults={"created": now, "updated": now}
    )
    return bus


# Every PutEvents call looks its bus up: compiled once per thread (core/prepared.py).
_BUS_BY_NAME: Prepared[EventBus] = Prepared(
    lambda workspace_id, name: (
        EventBus.objects.filter(workspace_id=workspace_id, name=name)
        .select_related("workspace")
        .order_by()[:1]
    ),
    int,
    str,
)


def get_bus(workspace: Workspace, name_or_arn: str | None) -> EventBus:
    name = event_bus_name_from(name_or_arn)
    bus = _BUS_BY_NAME.first(workspace.id, name)
    if bus is None and name == DEFAULT_BUS:
        # Made on first use; after that read as any bus is (get_or_create's ORM query was a
        # tenth of an in-process PutEvents call's CPU to the default bus, cProfile 2026-12-07).
        return ensure_default_bus(workspace)
    if bus is None:
        raise ResourceNotFound(f"Event bus {name} does not exist.")
    return bus


def bus_for_arn(workspace: Workspace, name_or_arn: str | None) -> EventBus:
    """The bus a name or ARN names, in ``workspace`` or, for an ARN of another account, in that
    account's workspace (EventBridge APIs accept another account's bus ARN: "Permissions for
    event buses in Amazon EventBridge"). Whether the caller may use it is the caller's check."""
    account = _arn_account(name_or_arn)
    if account is None or account == workspace.account_id:
        return get_bus(workspace, name_or_arn)
    owner = Workspace.objects.filter(account_id=account).first()
    if owner is None:
        raise ResourceNotFound(f"Event bus {event_bus_name_from(name_or_arn)} does not exist.")
    return get_bus(owner, name_or_arn)


def _arn_account(name_or_arn: str | None) -> str | None:
    if not name_or_arn or not name_or_arn.startswith("arn:"):
        return None
    parts = name_or_arn.split(":", 5)
    return parts[4] if len(parts) == 6 else None


def create_bus(
    workspace: Workspace,
    name: str,
    description: str = "",
    dead_letter_arn: str | None = None,
    log_config: Any = None,
    tags: Any = None,
) -> EventBus:
    """CreateEventBus; ``dead_letter_arn`` is the bus's DeadLetterConfig (stored and shown; a
    target's failures go to the target's own, as on AWS: runtime.routing); ``log_config`` its
    LogConfig (``events.bus_logs``); ``tags`` its Tags (events.tags)."""
    _check_bus_dead_letter(dead_letter_arn)
    checked_log_config = bus_logs.check_log_config(log_config)
    checked_tags = core_tags.checked(tags)
    if not BUS_NAME_RE.match(name or "") or "/" in name:
        raise ValidationError(f"Event bus name {name!r} is not valid: use 1-256 letters, digits, . - or _")
    if name == DEFAULT_BUS or EventBus.objects.filter(workspace=workspace, name=name).exists():
        raise ResourceAlreadyExists(f"Event bus {name} already exists.")
    now = timezone.now()
    return EventBus.objects.create(
        workspace=workspace,
        name=name,
        description=description or "",
        dead_letter_arn=dead_letter_arn or None,
        log_config=checked_log_config,
        tags=checked_tags,
        created=now,
        updated=now,
    )


def update_bus(
    workspace: Workspace,
    name: str | None,
    description: str | None,
    dead_letter: dict[str, Any] | None,
    log_config: Any = None,
) -> EventBus:
    """UpdateEventBus: the members given replace the bus's; an empty DeadLetterConfig clears it."""
    checked_log_config = bus_logs.check_log_config(log_config)
    bus = get_bus(workspace, name)
    if checked_log_config is not None:
        bus.log_config = checked_log_config
    if description is not None:
        bus.description = description
    if dead_letter is not None:
        arn = dead_letter.get("Arn") if isinstance(dead_letter, dict) else None
        _check_bus_dead_letter(arn)
        bus.dead_letter_arn = arn or None
    bus.updated = timezone.now()
    bus.save(update_fields=["description", "dead_letter_arn", "log_config", "updated"])
    return bus


def delete_bus(workspace: Workspace, name: str, with_rules: bool = False) -> None:
    """DeleteEventBus refuses a bus that still has rules, an archive's own among them: AWS
    answers "EventBus can't be deleted since it has rules." (ValidationException, as quoted
    from AWS in terraform-provider-aws issue 22131). The console deletes the rules with the
    bus (``with_rules``), as EventBridge's console does ("Deleting an event bus", User Guide).
    A bus that is not there is no error: the API Reference lists no ResourceNotFoundException."""
    if name == DEFAULT_BUS:
        raise ValidationError("Cannot delete event bus default.")
    buses = EventBus.objects.filter(workspace=workspace, name=name)
    if not with_rules and Rule.objects.filter(bus__in=buses).exists():
        raise ValidationError("EventBus can't be deleted since it has rules.")
    buses.delete()


def list_buses(workspace: Workspace, prefix: str | None = None) -> Any:
    ensure_default_bus(workspace)
    buses = EventBus.objects.filter(workspace=workspace).select_related("workspace").order_by("name")
    return buses.filter(name__startswith=prefix) if prefix else buses


def validate_pattern_text(text: Any) -> None:
    """The one validator of PutRule, TestEventPattern and the browser."""
    if not isinstance(text, str):
        raise InvalidEventPattern("Event pattern is not valid. Reason: Filter is not an object")
    try:
        parse_pattern(text)
    except InvalidEventPatternError as exc:
        raise InvalidEventPattern(str(exc)) from exc


def touch_routing(bus: EventBus) -> None:
    """Every change to what routes the bus's events (a rule, its targets, an archive): the
    bus's matchers refresh (events.matchers keeps each rule's targets and the bus's archives
    beside the patterns), and the default bus's count of enabled pattern rules
    (``Workspace.default_bus_rules``) is kept for services that put events there."""
    EventBus.objects.filter(id=bus.id).update(rules_version=F("rules_version") + 1, updated=timezone.now())
    if bus.name == DEFAULT_BUS:
        enabled = Rule.objects.filter(bus=bus, state=Rule.ENABLED, event_pattern__isnull=False).count()
        Workspace.objects.filter(id=bus.workspace_id).update(default_bus_rules=enabled)


def get_rule(workspace: Workspace, name: str, bus_name: str | None) -> Rule:
    bus = get_bus(workspace, bus_name)
    rule = Rule.objects.filter(bus=bus, name=name).select_related("bus__workspace").first()
    if rule is None:
        raise ResourceNotFound(f"Rule {name} does not exist on EventBus {bus.name}.")
    return rule


def put_rule(
    workspace: Workspace,
    *,
    name: str,
    bus_name: str | None = None,
    event_pattern: str | None = None,
    schedule_expression: str | None = None,
    state: str | None = None,
    description: str | None = None,
    role_arn: str | None = None,
    tags: Any = None,
) -> Rule:
    """PutRule: create or replace; a bad pattern changes nothing that was stored. ``tags``
    are the new rule's; a rule replaced keeps its own (events.tags)."""
    if not RULE_NAME_RE.match(name or ""):
        raise invalid("name", pattern(r"[\.\-_A-Za-z0-9]+"), name)
    if not event_pattern and not schedule_expression:
        raise ValidationError("Parameter(s) EventPattern or ScheduleExpression must be specified.")
    if event_pattern is not None:
        validate_pattern_text(event_pattern)
    if state is not None and state not in (Rule.ENABLED, Rule.DISABLED):
        raise invalid("state", enum_value_set([Rule.ENABLED, Rule.DISABLED]), state)
    bus = get_bus(workspace, bus_name)
    if schedule_expression and bus.name != DEFAULT_BUS:
        raise ValidationError("ScheduleExpression is supported only on the default event bus.")
    if schedule_expression:
        check_schedule_expression(schedule_expression)
    checked_tags = core_tags.checked(tags)
    existing = Rule.objects.filter(bus=bus, name=name).first()
    if existing is not None:
        managed_rules.refuse_change(existing)
    settings = {
        "event_pattern": event_pattern,
        "schedule_expression": schedule_expression,
        "state": state or Rule.ENABLED,
        "description": description,
        "role_arn": role_arn,
        "created": timezone.now(),
        "next_fire_at": None,  # runtime.schedules arms it again from the new schedule
        "fire_armed": False,
    }
    with transaction.atomic():
        rule, _ = Rule.objects.update_or_create(
            bus=bus, name=name, defaults=settings, create_defaults={**settings, "tags": checked_tags}
        )
        touch_routing(bus)
    return rule


def check_schedule_expression(text: str) -> None:
    """A rule's ScheduleExpression as AWS reads it; every refusal answers AWS's one message
    ("Parameter ScheduleExpression is not valid.", as recorded PutRule calls show)."""
    try:
        parse_rule_expression(text)
    except ScheduleExpressionError:
        raise ValidationError(RULE_INVALID) from None


def delete_rule(workspace: Workspace, name: str, bus_name: str | None, force: bool = False) -> None:
    try:
        rule = get_rule(workspace, name, bus_name)
    except ResourceNotFound:
        return  # AWS answers success for a rule that is already gone
    managed_rules.refuse_change(rule, force=force)
    if rule.targets.exists():
        raise ValidationError("Rule can't be deleted since it has targets.")
    with transaction.atomic():
        rule.delete()
        managed_rules.forced_off(rule)
        touch_routing(rule.bus)


def set_rule_state(workspace: Workspace, name: str, bus_name: str | None, state: str) -> Rule:
    rule = get_rule(workspace, name, bus_name)
    managed_rules.refuse_change(rule)
    with transaction.atomic():
        rule.state = state
        rule.next_fire_at, rule.fire_armed = None, False  # a re-enabled rule is armed afresh
        rule.save(update_fields=["state", "next_fire_at", "fire_armed"])
        touch_routing(rule.bus)
    return rule


def put_targets(
    workspace: Workspace, rule_name: str, bus_name: str | None, targets: list[Any]
) -> list[dict[str, str]]:
    """PutTargets: returns the failed entries; the rest are stored."""
    rule = get_rule(workspace, rule_name, bus_name)
    managed_rules.refuse_change(rule)
    if not isinstance(targets, list) or not targets:
        raise invalid("targets", min_length(1))
    existing = set(rule.targets.values_list("target_id", flat=True))
    incoming = {t.get("Id") for t in targets if isinstance(t, dict)}
    if len(existing | incoming) > MAX_TARGETS_PER_RULE:
        raise LimitExceeded("The requested resource exceeds the maximum number allowed.")
    failed: list[dict[str, str]] = []
    with transaction.atomic():
        for position, target in enumerate(targets, start=1):
            problem = _target_problem(target, position)
            if problem is not None:
                failed.append(
                    {
                        "TargetId": str(target.get("Id", "")) if isinstance(target, dict) else "",
                        "ErrorCode": ValidationError.code,
                        "ErrorMessage": problem,
                    }
                )
                continue
            Target.objects.update_or_create(
                rule=rule,
                target_id=target["Id"],
                defaults={
                    "arn": target["Arn"],
                    "role_arn": target.get("RoleArn"),
                    "input": target.get("Input"),
                    "input_path": target.get("InputPath"),
                    "input_transformer": target.get("InputTransformer"),
                    "retry_policy": target.get("RetryPolicy"),
                    "dead_letter_arn": (target.get("DeadLetterConfig") or {}).get("Arn"),
                    "http_parameters": target.get("HttpParameters"),
                    "sqs_parameters": target.get("SqsParameters"),
                },
            )
        touch_routing(rule.bus)
    return failed


def _target_problem(target: Any, position: int) -> str | None:
    if not isinstance(target, dict):
        return "Target must be an object"
    if not TARGET_ID_RE.match(str(target.get("Id") or "")):
        return f"Target Id {target.get('Id')!r} is not valid: use 1-64 letters, digits, . - or _"
    arn = target.get("Arn")
    if not isinstance(arn, str) or not arn.startswith("arn:"):
        return f"Parameter {arn!r} is not valid. Reason: Provided Arn is not in correct format."
    try:
        validate_target_input(target, position=position)
    except TargetInputError as exc:
        return str(exc)
    sqs_parameters = target.get("SqsParameters")
    if sqs_parameters is not None and (
        not isinstance(sqs_parameters, dict)
        or set(sqs_parameters) - {"MessageGroupId"}
        or not isinstance(sqs_parameters.get("MessageGroupId", ""), str)
    ):
        return "SqsParameters must be an object with a string MessageGroupId."
    return (
        retry_problem(target.get("RetryPolicy"), position)
        or dead_letter_problem(target.get("DeadLetterConfig"))
        or _http_parameters_problem(target.get("HttpParameters"))
    )


def _check_bus_dead_letter(arn: Any) -> None:
    """A bus's DeadLetterConfig Arn, as a target's is checked (an SQS queue's ARN); none is fine."""
    problem = dead_letter_problem({"Arn": arn}) if arn else None
    if problem is not None:
        raise ValidationError(problem)


def dead_letter_problem(config: Any) -> str | None:
    """A DeadLetterConfig whose Arn is not an SQS queue's: EventBridge's dead-letter queues are
    SQS queues ("Using dead-letter queues to process undelivered events", EventBridge User
    Guide; DeadLetterConfig.Arn, "the ARN of the SQS queue"). A queue that does not exist yet
    is accepted, as its permissions are: dead-lettering to it is recorded as not sent."""
    if config is None:
        return None
    arn = config.get("Arn") if isinstance(config, dict) else None
    parsed = Arn.parse(arn) if isinstance(arn, str) else None
    if parsed is None or parsed.service != "sqs" or not parsed.resource or ":" in parsed.resource:
        return f"DeadLetterConfig's Arn {arn!r} is not an SQS queue's ARN (arn:aws:sqs:region:account:name)."
    return None


RETRY_LIMITS = {
    "MaximumRetryAttempts": (0, Delivery.DEFAULT_MAX_RETRY_ATTEMPTS),
    "MaximumEventAgeInSeconds": (60, Delivery.DEFAULT_MAX_EVENT_AGE),
}
"""RetryPolicy's members and their ranges (RetryPolicy, Amazon EventBridge API Reference)."""


def retry_problem(policy: Any, position: int) -> str | None:
    """A RetryPolicy out of AWS's ranges, in the API's words; the API's own validation says
    the same before a request gets here, a browser form's only here."""
    if policy is None:
        return None
    if not isinstance(policy, dict) or set(policy) - set(RETRY_LIMITS):
        return "RetryPolicy must be an object of MaximumRetryAttempts and MaximumEventAgeInSeconds."
    for key, (low, high) in RETRY_LIMITS.items():
        value = policy.get(key)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            location = f"targets.{position}.member.retryPolicy.{key[0].lower()}{key[1:]}"
            constraint = (
                value_at_least(low) if isinstance(value, int) and value < low else value_at_most(high)
            )
            return validation_message([violation(location, constraint, value)])
    return None


def _http_parameters_problem(parameters: Any) -> str | None:
    """HttpParameters in the shape of botocore's events model: PathParameterValues a list of
    strings, HeaderParameters and QueryStringParameters maps of string to string (the API's
    validation checks the same for boto3; the browser's editor comes here only)."""
    if parameters is None:
        return None
    if not isinstance(parameters, dict):
        return "HttpParameters must be an object."
    path_values = parameters.get("PathParameterValues")
    if path_values is not None and (
        not isinstance(path_values, list) or not all(isinstance(v, str) for v in path_values)
    ):
        return "HttpParameters.PathParameterValues must be a list of strings."
    for key in ("HeaderParameters", "QueryStringParameters"):
        mapping = parameters.get(key)
        if mapping is not None and (
            not isinstance(mapping, dict) or not all(isinstance(v, str) for v in mapping.values())
        ):
            return f"HttpParameters.{key} must be an object of string values."
    unknown = set(parameters) - {"PathParameterValues", "HeaderParameters", "QueryStringParameters"}
    if unknown:
        return f"HttpParameters has no member {sorted(unknown)[0]}."
    return None


def remove_targets(
    workspace: Workspace, rule_name: str, bus_name: str | None, ids: list[str], force: bool = False
) -> list[dict[str, str]]:
    rule = get_rule(workspace, rule_name, bus_name)
    managed_rules.refuse_change(rule, force=force)
    failed = []
    with transaction.atomic():
        for target_id in ids:
            deleted, _ = rule.targets.filter(target_id=target_id).delete()
            if deleted and target_id == rule.name:
                managed_rules.forced_off(rule)
            elif not deleted:
                failed.append(
                    {
                        "TargetId": target_id,
                        "ErrorCode": ResourceNotFound.code,
                        "ErrorMessage": f"Target {target_id} does not exist on rule {rule.name}.",
                    }
                )
        touch_routing(rule.bus)
    return failed


AWS_SOURCE_PREFIX = "aws."
NOT_AUTHORIZED_FOR_SOURCE = {
    "ErrorCode": "NotAuthorizedForSourceException",
    "ErrorMessage": "Not authorized for the source.",
}
"""A PutEvents entry whose source is AWS's own: AWS's entry error."""


@dataclass(frozen=True)
class AcceptedEntry:
    """A PutEvents entry that passed every check: the bus it goes to and its AWS envelope."""

    bus: EventBus
    event: dict[str, Any]


def check_put_events(
    workspace: Workspace, entries: Any, *, aws_sources: bool = False
) -> list[AcceptedEntry | dict[str, str]]:
    """PutEvents' checks of every entry before any is stored (runtime.routing stores them).

    A call-level fault refuses the whole call (ValidationException); an entry-level fault is
    that entry's ``{"ErrorCode", "ErrorMessage"}`` and the call goes on, as on AWS. A source
    starting ``aws.`` is AWS's own and PutEvents refuses it (NotAuthorizedForSourceException,
    as AWS answers aws-cli's put-events); ``aws_sources`` lets the browser's Send events and a
    partner-style webhook (``aws.partner/...``) send such events, to try rules written for them.
    """
    try:
        validate_batch(entries)
    except EnvelopeValidationError as exc:
        raise ValidationError(str(exc)) from exc
    checked: list[AcceptedEntry | dict[str, str]] = []
    now = timezone.now()
    buses: dict[str | None, EventBus | AwsError] = {}  # entries of one call mostly share a bus
    for entry in entries:
        built = build_event(
            entry, event_id=random_id(), account=workspace.account_id, region=workspace.region, now=now
        )
        if isinstance(built, EntryError):
            checked.append({"ErrorCode": built.error_code, "ErrorMessage": built.error_message})
            continue
        if not aws_sources and built.event["source"].startswith(AWS_SOURCE_PREFIX):
            checked.append(dict(NOT_AUTHORIZED_FOR_SOURCE))
            continue
        found = buses.get(built.bus_name_or_arn)
        if found is None:
            try:
                found = bus_for_arn(workspace, built.bus_name_or_arn)
            except AwsError as exc:
                found = exc
            buses[built.bus_name_or_arn] = found
        if isinstance(found, AwsError):
            checked.append({"ErrorCode": found.code, "ErrorMessage": found.message})
            continue
        refusal = bus_policies.put_events_refusal(found, workspace, built.event)
        if refusal is not None:  # another account's bus whose policy does not allow this entry
            checked.append({"ErrorCode": bus_policies.AccessDenied.code, "ErrorMessage": refusal})
            continue
        checked.append(AcceptedEntry(bus=found, event=built.event))
    return checked


def test_event_pattern(pattern_text: Any, event_text: Any) -> bool:
    validate_pattern_text(pattern_text)
    if not isinstance(event_text, str):
        raise ValidationError("Parameter Event is not valid.")
    try:
        event = json.loads(event_text)
    except json.JSONDecodeError as exc:
        raise ValidationError(f"Parameter Event is not valid. Reason: {exc.msg}") from exc
    if not isinstance(event, dict):
        raise ValidationError("Parameter Event is not valid.")
    missing = [k for k in ("id", "account", "source", "time", "region", "detail-type") if k not in event]
    if missing:
        raise ValidationError(
            f"Parameter Event is not valid. Reason: missing required field(s): {', '.join(missing)}"
        )
    return matches(parse_pattern(pattern_text), event)
