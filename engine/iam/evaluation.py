"""Deciding one request against a principal's identity-based policies.

As "Policy evaluation logic" in the IAM User Guide has it for a request within one account
with no resource-based policy, boundary, session policy or SCP: an explicit Deny in any
statement that applies wins; otherwise an Allow that applies allows; otherwise the request is
implicitly denied (default deny).

A statement applies when its Action (or NotAction) covers the action, its Resource (or
NotResource) covers the resource ARN, and its Condition holds. A condition the workbench
cannot evaluate (see :mod:`engine.iam.conditions`) fails closed: such an Allow grants nothing
and such a Deny denies, so the workbench never lets through what AWS might refuse, and the
learner sees the refusal instead of a silent grant.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from engine.iam.conditions import condition_holds
from engine.iam.documents import Policy, Statement
from engine.iam.matching import action_matches, arn_matches


class Decision(enum.Enum):
    ALLOW = "allow"
    IMPLICIT_DENY = "implicitDeny"
    EXPLICIT_DENY = "explicitDeny"


@dataclass(frozen=True)
class Request:
    """``action`` as ``service:Operation``; ``resource`` a concrete ARN (or ``*``)."""

    action: str
    resource: str
    context: Mapping[str, str] = field(default_factory=dict)


def evaluate(policies: Iterable[Policy], request: Request) -> Decision:
    allowed = False
    for policy in policies:
        for statement in policy.statements:
            if statement.effect == "Deny" and _applies(statement, request, undecidable=True):
                return Decision.EXPLICIT_DENY
            if statement.effect == "Allow" and not allowed:
                allowed = _applies(statement, request, undecidable=False)
    return Decision.ALLOW if allowed else Decision.IMPLICIT_DENY


def _applies(statement: Statement, request: Request, *, undecidable: bool) -> bool:
    action_listed = any(action_matches(p, request.action) for p in statement.actions)
    if action_listed == statement.negated_actions:
        return False
    resource_listed = any(arn_matches(p, request.resource) for p in statement.resources)
    if resource_listed == statement.negated_resources:
        return False
    if not statement.condition:
        return True
    holds = condition_holds(statement.condition, request.context)
    return undecidable if holds is None else holds


def assumed_role_arn(role_arn: str, session_name: str) -> str:
    """The STS principal a service acts as after AssumeRole: the role's path is not part of it."""
    _, _, _, _, account, resource = role_arn.split(":", 5)
    role_name = resource.rsplit("/", 1)[-1]
    return f"arn:aws:sts::{account}:assumed-role/{role_name}/{session_name}"


def denial_message(principal_arn: str, request: Request, decision: Decision) -> str:
    """IAM's AccessDenied sentence for an identity-based denial, as services pass it on, e.g.
    "User: arn:aws:sts::123456789012:assumed-role/R/s is not authorized to perform:
    lambda:InvokeFunction on resource: arn:aws:lambda:...:function:f because no
    identity-based policy allows the lambda:InvokeFunction action"."""
    head = (
        f"User: {principal_arn} is not authorized to perform: {request.action} "
        f"on resource: {request.resource}"
    )
    if decision is Decision.EXPLICIT_DENY:
        return f"{head} with an explicit deny in an identity-based policy"
    return f"{head} because no identity-based policy allows the {request.action} action"
