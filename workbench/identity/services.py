"""Roles and inline policies, and whether an execution role lets a Task do its work: the one
path the IAM API, the browser and the runtime share.

Enforcement is opt-in by naming: :func:`task_permission_denial` enforces a role's policies only
when the state machine's role ARN names a role that exists in the workspace. A role ARN that
names no workbench role allows everything, because labs, the seed course and most learners'
first machines use made-up role ARNs; create the role (CreateRole) and its policies
(PutRolePolicy) and the same machine starts failing a Task the role may not perform.
"""

from __future__ import annotations

import re
import secrets
import string
from collections.abc import Iterable
from functools import lru_cache
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet, Value
from django.db.models.functions import Upper

from engine.iam.documents import MalformedPolicy, Policy, check_trust_policy, parse_policy, policy_size
from engine.iam.evaluation import Decision, Request, assumed_role_arn, denial_message, evaluate
from engine.iam.task_permissions import required_permissions
from workbench.accounts.models import Workspace
from workbench.core.arns import Arn
from workbench.core.errors import (
    AwsError,
    invalid,
    max_length,
    min_length,
    pattern,
    value_at_least,
    value_at_most,
)
from workbench.core.prepared import Prepared
from workbench.identity.errors import (
    DeleteConflict,
    EntityAlreadyExists,
    IamLimitExceeded,
    IamValidationError,
    MalformedPolicyDocument,
    NoSuchEntity,
)
from workbench.identity.models import Role, RolePolicy

# IAM quotas ("IAM and AWS STS quotas" in the IAM User Guide), whitespace not counted.
ROLES_PER_ACCOUNT = 1000
TRUST_POLICY_MAX_CHARS = 2048
ROLE_INLINE_POLICIES_MAX_CHARS = 10240

_NAME = re.compile(r"[\w+=,.@-]+")
_PATH = re.compile(r"/|/[\u0021-\u007E]+/")
_PATH_PATTERN = "(\\u002F)|(\\u002F[\\u0021-\\u007E]+\\u002F)"  # as IAM quotes it
_ROLE_ID_ALPHABET = string.ascii_uppercase + "234567"
_SESSION_ALPHABET = string.ascii_letters


def _invalid(value: Any, member: str, constraint: str) -> AwsError:
    return invalid(member, constraint, value, error=IamValidationError)


def _check_name(value: Any, member: str, longest: int) -> str:
    if not isinstance(value, str) or not value:
        raise _invalid(value, member, min_length(1))
    if len(value) > longest:
        raise _invalid(value, member, max_length(longest))
    if not _NAME.fullmatch(value):
        raise _invalid(value, member, pattern(_NAME.pattern))
    return value


def _check_path(path: Any) -> str:
    if not isinstance(path, str) or len(path) > 512 or not _PATH.fullmatch(path):
        raise _invalid(path, "path", pattern(_PATH_PATTERN))
    return path


def _malformed(error: MalformedPolicy) -> MalformedPolicyDocument:
    return MalformedPolicyDocument(error.message)


def create_role(
    workspace: Workspace,
    *,
    name: str,
    assume_role_policy_document: str,
    path: str = "/",
    description: str = "",
    max_session_duration: int = 3600,
    tags: Iterable[dict[str, str]] = (),
) -> Role:
    _check_name(name, "roleName", 64)
    _check_path(path)
    if len(description) > 1000:
        raise _invalid(description, "description", max_length(1000))
    if not 3600 <= max_session_duration <= 43200:
        raise _invalid(
            max_session_duration,
            "maxSessionDuration",
            value_at_least(3600) if max_session_duration < 3600 else value_at_most(43200),
        )
    try:
        check_trust_policy(assume_role_policy_document)
    except MalformedPolicy as exc:
        raise _malformed(exc) from exc
    if policy_size(assume_role_policy_document) > TRUST_POLICY_MAX_CHARS:
        raise IamLimitExceeded(f"Cannot exceed quota for ACLSizePerRole: {TRUST_POLICY_MAX_CHARS}")
    if workspace.roles.filter(name__iexact=name).exists():
        raise EntityAlreadyExists(f"Role with name {name} already exists.")
    if workspace.roles.count() >= ROLES_PER_ACCOUNT:
        raise IamLimitExceeded(f"Cannot exceed quota for RolesPerAccount: {ROLES_PER_ACCOUNT}")
    try:
        with transaction.atomic():
            return Role.objects.create(
                workspace=workspace,
                name=name,
                path=path,
                role_id="AROA" + "".join(secrets.choice(_ROLE_ID_ALPHABET) for _ in range(17)),
                assume_role_policy_document=assume_role_policy_document,
                description=description,
                max_session_duration=max_session_duration,
                tags=[{"Key": t["Key"], "Value": t.get("Value", "")} for t in tags],
            )
    except IntegrityError as exc:  # a concurrent CreateRole of the same name won
        raise EntityAlreadyExists(f"Role with name {name} already exists.") from exc


def update_assume_role_policy(workspace: Workspace, role_name: str, document: str) -> Role:
    """UpdateAssumeRolePolicy: replace the role's trust policy, checked as CreateRole checks it.
    https://docs.aws.amazon.com/IAM/latest/APIReference/API_UpdateAssumeRolePolicy.html
    """
    role = get_role(workspace, role_name)
    try:
        check_trust_policy(document)
    except MalformedPolicy as exc:
        raise _malformed(exc) from exc
    if policy_size(document) > TRUST_POLICY_MAX_CHARS:
        raise IamLimitExceeded(f"Cannot exceed quota for ACLSizePerRole: {TRUST_POLICY_MAX_CHARS}")
    role.assume_role_policy_document = document
    role.save(update_fields=["assume_role_policy_document"])
    return role


def get_role(workspace: Workspace, name: str) -> Role:
    role = workspace.roles.filter(name__iexact=name).select_related("workspace").first()
    if role is None:
        raise NoSuchEntity(f"The role with name {name} cannot be found.")
    return role


def list_roles(workspace: Workspace, path_prefix: str = "/") -> QuerySet[Role]:
    return workspace.roles.filter(path__startswith=path_prefix).select_related("workspace").order_by("name")


def delete_role(workspace: Workspace, name: str) -> None:
    role = get_role(workspace, name)
    if role.inline_policies.exists():
        raise DeleteConflict("Cannot delete entity, must delete policies first.")
    role.delete()


def put_role_policy(workspace: Workspace, role_name: str, policy_name: str, document: str) -> RolePolicy:
    """Create or replace an inline policy; IAM validates the document and the role's size quota."""
    _check_name(policy_name, "policyName", 128)
    role = get_role(workspace, role_name)
    try:
        parse_policy(document)
    except MalformedPolicy as exc:
        raise _malformed(exc) from exc
    others = role.inline_policies.exclude(name__iexact=policy_name)
    if policy_size(document) + sum(policy_size(p.document) for p in others) > ROLE_INLINE_POLICIES_MAX_CHARS:
        raise IamLimitExceeded(
            f"Maximum policy size of {ROLE_INLINE_POLICIES_MAX_CHARS} bytes exceeded for role {role.name}"
        )
    with transaction.atomic():
        existing = role.inline_policies.filter(name__iexact=policy_name).first()
        if existing is not None:
            existing.document = document
            existing.save(update_fields=["document", "updated"])
            return existing
        return RolePolicy.objects.create(role=role, name=policy_name, document=document)


def get_role_policy(workspace: Workspace, role_name: str, policy_name: str) -> RolePolicy:
    role = get_role(workspace, role_name)
    found = role.inline_policies.filter(name__iexact=policy_name).select_related("role").first()
    if found is None:
        raise NoSuchEntity(f"The role policy with name {policy_name} cannot be found.")
    return found


def delete_role_policy(workspace: Workspace, role_name: str, policy_name: str) -> None:
    get_role_policy(workspace, role_name, policy_name).delete()


def list_role_policies(workspace: Workspace, role_name: str) -> list[str]:
    role = get_role(workspace, role_name)
    return list(role.inline_policies.order_by("name").values_list("name", flat=True))


def role_for_arn(workspace: Workspace, role_arn: str) -> Role | None:
    """The workspace's role this exact ARN (account, path and name) names, if any."""
    arn = Arn.parse(role_arn) if isinstance(role_arn, str) else None
    if arn is None or arn.service != "iam" or arn.account != workspace.account_id:
        return None
    if not arn.resource.startswith("role/"):
        return None
    path, _, name = arn.resource[len("role") :].rpartition("/")
    role = _ROLE.first(workspace.id, name)
    if role is None or role.path != f"{path}/":
        return None
    return role


# Every Task's permission check looks its role up: compiled once per thread (core/prepared.py;
# issue 10's profile put the ORM's building of this query at a seventh of a Task's CPU). Names
# compare case-insensitively, as IAM's do: UPPER on both sides, the name a plain parameter.
_ROLE: Prepared[Role] = Prepared(
    lambda workspace_id, name: (
        Role.objects.annotate(upper_name=Upper("name"))
        .filter(workspace_id=workspace_id, upper_name=Upper(Value(name)))
        .select_related("workspace")
        .order_by()[:1]
    ),
    int,
    str,
)


@lru_cache(maxsize=512)
def _parsed(document: str) -> Policy:
    return parse_policy(document)


def _session_name() -> str:
    """Step Functions assumes the role under a session name of 32 random letters."""
    return "".join(secrets.choice(_SESSION_ALPHABET) for _ in range(32))


def task_permission_denial(
    workspace: Workspace, role_arn: str, resource: str, payload: Any, *, session_name: str | None = None
) -> str | None:
    """None when the execution role may perform this Task; otherwise IAM's AccessDenied text.

    Enforced only when ``role_arn`` names a role of this workspace (see the module docstring):
    an unknown role ARN allows everything. ``payload`` is the Task's resolved Parameters
    (Arguments in JSONata); ``session_name`` is the STS session in the message (default:
    32 random letters, as Step Functions uses).
    """
    role = role_for_arn(workspace, role_arn)
    if role is None:
        return None
    permissions = required_permissions(
        resource, payload, region=workspace.region, account=workspace.account_id
    )
    if not permissions:
        return None
    policies = [_parsed(p.document) for p in role.inline_policies.all()]
    session = session_name or _session_name()
    principal = assumed_role_arn(role.arn, session)
    base_context = {
        "aws:PrincipalArn": role.arn,
        "aws:PrincipalAccount": workspace.account_id,
        "aws:PrincipalType": "AssumedRole",
        "aws:userid": f"{role.role_id}:{session}",
        "aws:RequestedRegion": workspace.region,
        "aws:SecureTransport": "true",
    }
    for permission in permissions:
        request = Request(permission.action, permission.resource, {**base_context, **permission.context})
        decision = evaluate(policies, request)
        if decision is not Decision.ALLOW:
            return denial_message(principal, request, decision)
    return None
