"""Policy documents as IAM reads them: JSON text in, typed statements out.

IAM rejects a bad document at PutRolePolicy/CreateRole with ``MalformedPolicyDocument`` and a
short fixed sentence; the sentences here are the ones IAM answers (as recorded against AWS in
LocalStack's and moto's validated IAM tests). The checks run in the order IAM reports them, so
a document with two faults names the one IAM would name.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

VERSION = "2012-10-17"
_KNOWN_VERSIONS = frozenset({"2008-10-17", VERSION})
_TOP_ELEMENTS = frozenset({"Version", "Id", "Statement"})
_STATEMENT_ELEMENTS = frozenset(
    {
        "Sid",
        "Effect",
        "Action",
        "NotAction",
        "Resource",
        "NotResource",
        "Principal",
        "NotPrincipal",
        "Condition",
    }
)
_EFFECTS = frozenset({"Allow", "Deny"})
_VENDOR = re.compile(r"[A-Za-z0-9\-.]+")

SYNTAX_ERRORS = "Syntax errors in policy."
VERSION_TOO_OLD = "Policy document must be version 2012-10-17 or greater."
DUPLICATE_SID = "Statement IDs (SID) in a single policy must be unique."
NO_ACTIONS = "Policy statement must contain actions."
NO_RESOURCES = "Policy statement must contain resources."
NO_VENDOR = "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc."
TWO_COLONS = "Actions/Condition can contain only one colon."
HAS_PRINCIPAL = "Policy document should not specify a principal."
INVALID_JSON = "This policy contains invalid Json"
TRUST_PROHIBITS_RESOURCE = "Has prohibited field Resource"
TRUST_ACTIONS_ONLY_STS = "AssumeRole policy may only specify STS AssumeRole actions."


class MalformedPolicy(ValueError):
    """A document IAM would refuse; ``message`` is IAM's sentence for it."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


ConditionBlock = Mapping[str, Mapping[str, tuple[str, ...]]]


@dataclass(frozen=True)
class Statement:
    """One statement. ``negated_actions``/``negated_resources`` mean NotAction/NotResource."""

    effect: str
    actions: tuple[str, ...]
    resources: tuple[str, ...]
    negated_actions: bool = False
    negated_resources: bool = False
    condition: ConditionBlock = field(default_factory=dict)
    sid: str | None = None


@dataclass(frozen=True)
class Policy:
    statements: tuple[Statement, ...]


def parse_policy(text: str) -> Policy:
    """An identity-based policy (what PutRolePolicy takes), or MalformedPolicy with IAM's words."""
    document = _load(text, invalid_json=SYNTAX_ERRORS)
    raw_statements = _check_syntax(document)
    if document.get("Version") != VERSION:
        raise MalformedPolicy(VERSION_TOO_OLD)
    _check_sids_unique(raw_statements)
    for raw in raw_statements:
        if not _present(raw, "Action", "NotAction"):
            raise MalformedPolicy(NO_ACTIONS)
    for raw in raw_statements:
        for resource in _strings(raw, "Resource") + _strings(raw, "NotResource"):
            if resource != "*" and ":" not in resource:
                raise MalformedPolicy(f'Resource {resource} must be in ARN format or "*".')
    for raw in raw_statements:
        for action in _strings(raw, "Action") + _strings(raw, "NotAction"):
            _check_action(action)
    for raw in raw_statements:
        if not _present(raw, "Resource", "NotResource"):
            raise MalformedPolicy(NO_RESOURCES)
        if "Principal" in raw or "NotPrincipal" in raw:
            raise MalformedPolicy(HAS_PRINCIPAL)
    return Policy(tuple(_statement(raw) for raw in raw_statements))


def check_trust_policy(text: str) -> None:
    """A role's trust policy (CreateRole's AssumeRolePolicyDocument): who may assume the role.

    The workbench keeps it for the learner to read back; only its shape is checked, as IAM does.
    """
    document = _load(text, invalid_json=INVALID_JSON)
    raw_statements = _check_syntax(document)
    for raw in raw_statements:
        if "Resource" in raw or "NotResource" in raw:
            raise MalformedPolicy(TRUST_PROHIBITS_RESOURCE)
        for action in _strings(raw, "Action") + _strings(raw, "NotAction"):
            if not action.lower().startswith("sts:assumerole"):
                raise MalformedPolicy(TRUST_ACTIONS_ONLY_STS)


def policy_size(text: str) -> int:
    """Characters that count against IAM's policy size quotas: whitespace does not."""
    return sum(1 for char in text if not char.isspace())


def _load(text: str, *, invalid_json: str) -> dict[str, Any]:
    try:
        document = json.loads(text)
    except (json.JSONDecodeError, TypeError) as exc:
        raise MalformedPolicy(invalid_json) from exc
    if not isinstance(document, dict):
        raise MalformedPolicy(invalid_json)
    return document


def _check_syntax(document: dict[str, Any]) -> list[dict[str, Any]]:
    """The grammar of the policy language; any fault here is IAM's 'Syntax errors in policy.'"""
    if set(document) - _TOP_ELEMENTS:
        raise MalformedPolicy(SYNTAX_ERRORS)
    if "Version" in document and document["Version"] not in _KNOWN_VERSIONS:
        raise MalformedPolicy(SYNTAX_ERRORS)
    if "Id" in document and not isinstance(document["Id"], str):
        raise MalformedPolicy(SYNTAX_ERRORS)
    statement = document.get("Statement")
    raw_statements = [statement] if isinstance(statement, dict) else statement
    if not isinstance(raw_statements, list) or not raw_statements:
        raise MalformedPolicy(SYNTAX_ERRORS)
    for raw in raw_statements:
        if not _statement_syntax_ok(raw):
            raise MalformedPolicy(SYNTAX_ERRORS)
    return raw_statements


def _statement_syntax_ok(raw: Any) -> bool:
    if not isinstance(raw, dict) or set(raw) - _STATEMENT_ELEMENTS:
        return False
    if ("Action" in raw and "NotAction" in raw) or ("Resource" in raw and "NotResource" in raw):
        return False
    if raw.get("Effect") not in _EFFECTS:
        return False
    if "Sid" in raw and not isinstance(raw["Sid"], str):
        return False
    for key in ("Action", "NotAction", "Resource", "NotResource"):
        if key in raw and not _is_string_or_strings(raw[key]):
            return False
    return "Condition" not in raw or _condition_syntax_ok(raw["Condition"])


def _condition_syntax_ok(condition: Any) -> bool:
    if not isinstance(condition, dict):
        return False
    for keys in condition.values():
        if not isinstance(keys, dict):
            return False
        for values in keys.values():
            items = values if isinstance(values, list) else [values]
            if not all(isinstance(item, str | bool | int | float) for item in items):
                return False
    return True


def _is_string_or_strings(value: Any) -> bool:
    return isinstance(value, str) or (isinstance(value, list) and all(isinstance(v, str) for v in value))


def _strings(raw: dict[str, Any], key: str) -> list[str]:
    value = raw.get(key)
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def _present(raw: dict[str, Any], key: str, negated_key: str) -> bool:
    return bool(_strings(raw, key) or _strings(raw, negated_key))


def _check_sids_unique(raw_statements: list[dict[str, Any]]) -> None:
    sids = [raw["Sid"] for raw in raw_statements if raw.get("Sid")]
    if len(sids) != len(set(sids)):
        raise MalformedPolicy(DUPLICATE_SID)


def _check_action(action: str) -> None:
    if action == "*":
        return
    parts = action.split(":")
    if len(parts) == 1:
        raise MalformedPolicy(NO_VENDOR)
    if len(parts) > 2:
        raise MalformedPolicy(TWO_COLONS)
    if parts[0] != "*" and not _VENDOR.fullmatch(parts[0]):
        raise MalformedPolicy(f"Vendor {parts[0]} is not valid")


def _condition_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _statement(raw: dict[str, Any]) -> Statement:
    condition = {
        operator: {
            key: tuple(_condition_value(v) for v in (values if isinstance(values, list) else [values]))
            for key, values in keys.items()
        }
        for operator, keys in raw.get("Condition", {}).items()
    }
    return Statement(
        effect=raw["Effect"],
        actions=tuple(_strings(raw, "Action") or _strings(raw, "NotAction")),
        resources=tuple(_strings(raw, "Resource") or _strings(raw, "NotResource")),
        negated_actions="NotAction" in raw,
        negated_resources="NotResource" in raw,
        condition=condition,
        sid=raw.get("Sid"),
    )
