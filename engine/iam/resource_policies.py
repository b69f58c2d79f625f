"""Resource-based policies: who (another account) may call an action on one resource.

An EventBridge event bus carries one ("Permissions for event buses in Amazon EventBridge",
EventBridge User Guide): PutPermission adds statements to it, and EventBridge refuses a
PutEvents from another account, or a rule target that is a bus of another account, unless a
statement allows it. As "Policy evaluation logic" (IAM User Guide) has it, an explicit Deny
that applies wins, otherwise an Allow that applies allows, otherwise the request is denied.

A statement applies when its Principal (or NotPrincipal) names the calling account (``*``,
the account id, or ``arn:aws:iam::<account>:root`` / any principal ARN of that account),
its Action and Resource cover the request, and its Condition holds
(:mod:`engine.iam.conditions`; undecidable conditions fail closed, as in
:mod:`engine.iam.evaluation`). The context of an event carries single values, so the set
qualifiers ``ForAllValues:``/``ForAnyValue:`` of AWS's own examples (``events:source``,
``events:detail-type``) are decided as the plain operator on that one value.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from engine.iam.conditions import condition_holds
from engine.iam.documents import ConditionBlock
from engine.iam.evaluation import Decision
from engine.iam.matching import action_matches, arn_matches

_QUALIFIERS = ("forallvalues:", "foranyvalue:")


class MalformedResourcePolicy(ValueError):
    """A document that is not a policy with statements."""


@dataclass(frozen=True)
class ResourceStatement:
    sid: str
    effect: str
    principals: tuple[str, ...]
    actions: tuple[str, ...]
    resources: tuple[str, ...]
    negated_principals: bool = False
    negated_actions: bool = False
    negated_resources: bool = False
    condition: ConditionBlock = field(default_factory=dict)


def load_document(text: str) -> dict[str, Any]:
    """The policy as a JSON object with a Statement list, or MalformedResourcePolicy."""
    try:
        document = json.loads(text)
    except (json.JSONDecodeError, TypeError) as exc:
        raise MalformedResourcePolicy("The policy is not valid JSON.") from exc
    if not isinstance(document, dict):
        raise MalformedResourcePolicy("The policy must be a JSON object.")
    statements = document.get("Statement")
    if isinstance(statements, dict):
        statements = [statements]
    if not isinstance(statements, list) or not all(isinstance(s, dict) for s in statements):
        raise MalformedResourcePolicy("The policy must have a Statement list.")
    for raw in statements:
        if raw.get("Effect") not in ("Allow", "Deny"):
            raise MalformedResourcePolicy("Each statement needs an Effect of Allow or Deny.")
        if not any(key in raw for key in ("Principal", "NotPrincipal")):
            raise MalformedResourcePolicy("Each statement needs a Principal.")
        if not any(key in raw for key in ("Action", "NotAction")):
            raise MalformedResourcePolicy("Each statement needs an Action.")
    return {**document, "Statement": statements}


def statements_of(text: str) -> tuple[ResourceStatement, ...]:
    document = load_document(text)
    return tuple(_statement(raw) for raw in document["Statement"])


def principal_account(principal: str) -> str:
    """The account a principal names: ``*``, an account id, or any IAM/STS ARN's account."""
    if principal.startswith("arn:"):
        parts = principal.split(":")
        return parts[4] if len(parts) > 4 else ""
    return principal


def decide(
    text: str | None,
    *,
    account: str,
    action: str,
    resource: str,
    context: Mapping[str, str] | None = None,
) -> Decision:
    """May ``account`` perform ``action`` on ``resource``, as the policy ``text`` says?"""
    if not text:
        return Decision.IMPLICIT_DENY
    try:
        statements = statements_of(text)
    except MalformedResourcePolicy:
        return Decision.IMPLICIT_DENY
    values = dict(context or {})
    values.setdefault("aws:PrincipalAccount", account)
    allowed = False
    for statement in statements:
        if statement.effect == "Deny" and _applies(statement, account, action, resource, values, True):
            return Decision.EXPLICIT_DENY
        if statement.effect == "Allow" and not allowed:
            allowed = _applies(statement, account, action, resource, values, False)
    return Decision.ALLOW if allowed else Decision.IMPLICIT_DENY


def _applies(
    statement: ResourceStatement,
    account: str,
    action: str,
    resource: str,
    context: Mapping[str, str],
    undecidable: bool,
) -> bool:
    named = any(p == "*" or principal_account(p) == account for p in statement.principals)
    if named == statement.negated_principals:
        return False
    if any(action_matches(p, action) for p in statement.actions) == statement.negated_actions:
        return False
    if statement.resources:
        listed = any(arn_matches(p, resource) for p in statement.resources)
        if listed == statement.negated_resources:
            return False
    if not statement.condition:
        return True
    holds = condition_holds(statement.condition, context)
    return undecidable if holds is None else holds


def _strings(value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list):
        return tuple(str(item) for item in value)
    return ()


def _principals(raw: Any) -> tuple[str, ...]:
    if raw == "*":
        return ("*",)
    if isinstance(raw, dict):
        return tuple(p for key in ("AWS", "Service") for p in _strings(raw.get(key)))
    return _strings(raw)


def _statement(raw: dict[str, Any]) -> ResourceStatement:
    condition: dict[str, dict[str, tuple[str, ...]]] = {}
    for operator, keys in (raw.get("Condition") or {}).items():
        plain = operator
        for qualifier in _QUALIFIERS:
            if operator.lower().startswith(qualifier):
                plain = operator[len(qualifier) :]
        block = condition.setdefault(plain, {})
        for key, values in (keys or {}).items():
            listed = values if isinstance(values, list) else [values]
            block[key] = tuple(("true" if v else "false") if isinstance(v, bool) else str(v) for v in listed)
    return ResourceStatement(
        sid=str(raw.get("Sid", "")),
        effect=raw["Effect"],
        principals=_principals(raw.get("Principal", raw.get("NotPrincipal"))),
        actions=_strings(raw.get("Action", raw.get("NotAction"))),
        resources=_strings(raw.get("Resource", raw.get("NotResource"))),
        negated_principals="NotPrincipal" in raw,
        negated_actions="NotAction" in raw,
        negated_resources="NotResource" in raw,
        condition=condition,
    )
