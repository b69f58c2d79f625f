"""An event bus's resource-based policy: PutPermission, RemovePermission, and the check that
lets another workspace (another account) put events on the bus.

PutPermission adds (or replaces, by StatementId) one statement allowing ``Principal`` (an
account id or ``*``, optionally narrowed by a Condition such as aws:PrincipalOrgID) to call
``Action`` on the bus, or replaces the whole policy with ``Policy``; RemovePermission takes out
one statement or all of them; DescribeEventBus shows the policy (EventBridge API Reference:
PutPermission, RemovePermission, DescribeEventBus; User Guide: "Permissions for event buses in
Amazon EventBridge"). The decision itself is ``engine.iam.resource_policies`` (pure).
"""

from __future__ import annotations

import json
import re
from typing import Any

from django.db import transaction
from django.utils import timezone

from engine.iam.evaluation import Decision
from engine.iam.resource_policies import MalformedResourcePolicy, decide, load_document
from workbench.accounts.models import Workspace
from workbench.core.errors import AwsError, ResourceNotFound, ValidationError, invalid, pattern
from workbench.events.models import EventBus

POLICY_VERSION = "2012-10-17"
MAX_POLICY_LENGTH = 10240
_ACTION = re.compile(r"events:[a-zA-Z]+")
SUPPORTED_ACTION = "events:PutEvents"
SUPPORTED_CONDITION = ("StringEquals", "aws:PrincipalOrgID")
_PRINCIPAL = re.compile(r"(\d{12}|\*)")
_STATEMENT_ID = re.compile(r"[a-zA-Z0-9-_]{1,64}")


class PolicyLengthExceeded(AwsError):
    """PutPermission: the policy would exceed the bus's policy size (EventBridge quotas)."""

    code = "PolicyLengthExceededException"


class AccessDenied(AwsError):
    code = "AccessDeniedException"


def put_permission(bus: EventBus, params: dict[str, Any]) -> None:
    """PutPermission on ``bus`` (the caller found it): a whole ``Policy``, or one statement."""
    text = params.get("Policy")
    if text is not None:
        try:
            load_document(text)
        except MalformedResourcePolicy as exc:
            raise ValidationError(f"Policy is not valid. Reason: {exc}") from exc
        _save(bus, text)
        return
    statement = _statement(bus, params)
    with transaction.atomic():
        locked = EventBus.objects.select_for_update().get(id=bus.id)
        document = _document(locked)
        kept = [s for s in document["Statement"] if s.get("Sid") != statement["Sid"]]
        document["Statement"] = [*kept, statement]
        _save(locked, json.dumps(document, separators=(",", ":")))


def _statement(bus: EventBus, params: dict[str, Any]) -> dict[str, Any]:
    """The statement PutPermission's Action/Principal/StatementId/Condition stand for."""
    action = params.get("Action") or "events:PutEvents"
    principal, sid = params.get("Principal"), params.get("StatementId")
    if not isinstance(action, str) or not _ACTION.fullmatch(action):
        raise invalid("action", pattern(_ACTION.pattern), action)
    if action != SUPPORTED_ACTION:
        # PutPermission's Action: "Currently, this must be events:PutEvents" (API Reference);
        # the wording is the one the open-source emulators' tests record for it.
        raise ValidationError("Provided value in parameter 'action' is not supported.")
    if not isinstance(principal, str) or not _PRINCIPAL.fullmatch(principal):
        raise invalid("principal", pattern(_PRINCIPAL.pattern), principal)
    if not isinstance(sid, str) or not _STATEMENT_ID.fullmatch(sid):
        raise invalid("statementId", pattern(r"[a-zA-Z0-9-_]+"), sid)
    statement: dict[str, Any] = {
        "Sid": sid,
        "Effect": "Allow",
        "Principal": "*" if principal == "*" else {"AWS": f"arn:aws:iam::{principal}:root"},
        "Action": action,
        "Resource": bus.arn,
    }
    condition = params.get("Condition")
    if condition is not None:
        if not isinstance(condition, dict) or not all(
            isinstance(condition.get(key), str) and condition.get(key) for key in ("Type", "Key", "Value")
        ):
            raise ValidationError("Condition must have a Type, a Key and a Value.")
        if (condition["Type"], condition["Key"]) != SUPPORTED_CONDITION:
            # Condition (API Reference): "Currently the only supported value is StringEquals"
            # (Type) and "the only supported key is aws:PrincipalOrgID" (Key).
            raise ValidationError(
                "Provided value in parameter 'condition' is not supported: use Type StringEquals "
                "and Key aws:PrincipalOrgID."
            )
        if principal != "*":
            # PutPermission: "If you specify Condition with an AWS organization ID, and specify
            # "*" as the value for Principal, you grant permission to all the accounts in the
            # named organization." A Condition is only meaningful with "*".
            raise ValidationError("Condition can only be specified when Principal is '*'.")
        statement["Condition"] = {condition["Type"]: {condition["Key"]: condition["Value"]}}
    return statement


def remove_permission(bus: EventBus, statement_id: Any, remove_all: bool) -> None:
    """RemovePermission: one statement by id, or the whole policy."""
    with transaction.atomic():
        locked = EventBus.objects.select_for_update().get(id=bus.id)
        if remove_all:
            _save(locked, None)
            return
        if not locked.policy:
            raise ResourceNotFound("EventBus does not have a policy.")
        if not isinstance(statement_id, str) or not statement_id:
            raise ValidationError("Parameter StatementId is required when RemoveAllPermissions is not true.")
        document = _document(locked)
        kept = [s for s in document["Statement"] if s.get("Sid") != statement_id]
        if len(kept) == len(document["Statement"]):
            raise ResourceNotFound("Statement with the provided id does not exist.")
        document["Statement"] = kept
        _save(locked, json.dumps(document, separators=(",", ":")) if kept else None)


def _document(bus: EventBus) -> dict[str, Any]:
    if not bus.policy:
        return {"Version": POLICY_VERSION, "Statement": []}
    try:
        return load_document(bus.policy)
    except MalformedResourcePolicy:
        return {"Version": POLICY_VERSION, "Statement": []}


def _save(bus: EventBus, text: str | None) -> None:
    if text is not None and len(text) > MAX_POLICY_LENGTH:
        raise PolicyLengthExceeded("The policy length exceeds the maximum allowed length.")
    bus.policy = text
    bus.updated = timezone.now()
    bus.save(update_fields=["policy", "updated"])


def put_events_refusal(bus: EventBus, sender: Workspace, event: dict[str, Any]) -> str | None:
    """None when ``sender`` may put ``event`` on ``bus``; otherwise the AccessDenied message.

    A bus's own workspace always may; another only when the bus's policy allows its account
    events:PutEvents on the bus, with the event's source, detail-type and account in the
    condition context (the keys AWS's example policies test).
    """
    if bus.workspace_id == sender.id:  # no query for the common case
        return None
    context = {
        "events:source": str(event.get("source", "")),
        "events:detail-type": str(event.get("detail-type", "")),
        "events:account": sender.account_id,
    }
    decision = decide(
        bus.policy, account=sender.account_id, action="events:PutEvents", resource=bus.arn, context=context
    )
    if decision is Decision.ALLOW:
        return None
    why = (
        "with an explicit deny in a resource-based policy"
        if decision is Decision.EXPLICIT_DENY
        else ("because no resource-based policy allows the events:PutEvents action")
    )
    return (
        f"User: arn:aws:iam::{sender.account_id}:root is not authorized to perform: events:PutEvents "
        f"on resource: {bus.arn} {why}"
    )
