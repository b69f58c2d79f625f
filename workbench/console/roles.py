"""Browser pages for IAM roles: the list with a create form, and one role with its trust policy
and inline policies, each editable in place.

Writes go through ``workbench.identity.services``, the path CreateRole, UpdateAssumeRolePolicy,
PutRolePolicy, DeleteRolePolicy and DeleteRole take, so a form is refused with IAM's own error
(MalformedPolicyDocument, EntityAlreadyExists, ValidationError...). As IAM does, a role that
still has inline policies is not deleted: DeleteConflict "Cannot delete entity, must delete
policies first." (DeleteRole, IAM API Reference). A refused form is rendered again with HTTP
400, the error beside its field and what was typed kept.
"""

from __future__ import annotations

import json

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_http_methods, require_POST

from workbench.accounts.models import Workspace
from workbench.accounts.services import default_workspace
from workbench.console.forms import done, field, fields, notice
from workbench.core.errors import AwsError
from workbench.identity import services as identity
from workbench.identity.models import Role

ROLE_FIELDS = ("name", "path", "description", "trust")
POLICY_FIELDS = ("policy_name", "document")
# The trust policy of a Step Functions execution role: the form's starting text.
STATES_TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "states.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    },
    indent=2,
)
EXAMPLE_POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Action": "lambda:InvokeFunction", "Resource": "*"}],
    },
    indent=2,
)


def pretty(document: str) -> str:
    """A policy as stored, indented for reading when it is JSON (it always is once accepted)."""
    try:
        return json.dumps(json.loads(document), indent=2)
    except ValueError:
        return document


def _role_or_404(workspace: Workspace, name: str) -> Role:
    try:
        return identity.get_role(workspace, name)
    except AwsError as exc:
        raise Http404(exc.message) from exc


def _role_field(exc: AwsError) -> str:
    """The create form's field an IAM refusal concerns."""
    if exc.code in {"MalformedPolicyDocument", "LimitExceeded"} and "RolesPerAccount" not in exc.message:
        return "trust"
    for member, name in (("'path'", "path"), ("'description'", "description")):
        if member in exc.message:
            return name
    return "name"


@require_http_methods(["GET", "POST"])
def role_list(request: HttpRequest) -> HttpResponse:
    """Every role with its ARN and inline policy count; POST creates a role (CreateRole)."""
    workspace = default_workspace()
    form = {"name": "", "path": "/", "description": "", "trust": STATES_TRUST}
    errors: dict[str, str] = {}
    if request.method == "POST":
        form = fields(request, ROLE_FIELDS)
        try:
            role = identity.create_role(
                workspace,
                name=form["name"],
                assume_role_policy_document=form["trust"],
                path=form["path"] or "/",
                description=form["description"],
            )
            return done("role-detail", "role-created", role.name, role_name=role.name)
        except AwsError as exc:
            errors[_role_field(exc)] = exc.message
    roles = identity.list_roles(workspace).prefetch_related("inline_policies")
    context = {"roles": roles, "form": form, "errors": errors, "notice": notice(request)}
    return render(request, "identity/role_list.html", context, status=400 if errors else 200)


def role_detail(
    request: HttpRequest,
    role_name: str,
    *,
    trust: str | None = None,
    policy_form: dict[str, str] | None = None,
    edited: dict[str, str] | None = None,
    errors: dict[str, str] | None = None,
) -> HttpResponse:
    """One role: its ARN, trust policy, inline policies (each editable) and a new policy."""
    workspace = default_workspace()
    role = _role_or_404(workspace, role_name)
    edited, errors = edited or {}, errors or {}
    policies = [
        {
            "policy": policy,
            "text": edited.get(policy.name.lower(), pretty(policy.document)),
            "error": errors.get(f"policy:{policy.name.lower()}", ""),
        }
        for policy in role.inline_policies.order_by("name")
    ]
    context = {
        "role": role,
        "trust": pretty(role.assume_role_policy_document) if trust is None else trust,
        "policies": policies,
        "policy_form": policy_form or {"policy_name": "", "document": EXAMPLE_POLICY},
        "errors": errors,
        "notice": notice(request),
    }
    return render(request, "identity/role_detail.html", context, status=400 if errors else 200)


@require_POST
def trust_save(request: HttpRequest, role_name: str) -> HttpResponse:
    """UpdateAssumeRolePolicy from the trust policy editor."""
    workspace = default_workspace()
    role = _role_or_404(workspace, role_name)
    document = field(request, "trust")
    try:
        identity.update_assume_role_policy(workspace, role.name, document)
    except AwsError as exc:
        return role_detail(request, role.name, trust=document, errors={"trust": exc.message})
    return done("role-detail", "trust-saved", role.name, role_name=role.name)


@require_POST
def policy_save(request: HttpRequest, role_name: str) -> HttpResponse:
    """PutRolePolicy: a new inline policy, or an existing one edited in place (``edit`` set)."""
    workspace = default_workspace()
    role = _role_or_404(workspace, role_name)
    form = fields(request, POLICY_FIELDS)
    editing = field(request, "edit") == "1"
    try:
        saved = identity.put_role_policy(workspace, role.name, form["policy_name"], form["document"])
    except AwsError as exc:
        if editing:
            key = f"policy:{form['policy_name'].lower()}"
            edited = {form["policy_name"].lower(): form["document"]}
            return role_detail(request, role.name, edited=edited, errors={key: exc.message})
        where = "policy_name" if exc.code == "ValidationError" else "document"
        return role_detail(request, role.name, policy_form=form, errors={where: exc.message})
    return done("role-detail", "policy-saved", saved.name, role_name=role.name)


@require_POST
def policy_delete(request: HttpRequest, role_name: str) -> HttpResponse:
    """DeleteRolePolicy."""
    workspace = default_workspace()
    role = _role_or_404(workspace, role_name)
    policy_name = field(request, "policy_name")
    try:
        identity.delete_role_policy(workspace, role.name, policy_name)
    except AwsError as exc:
        return role_detail(request, role.name, errors={"policies": exc.message})
    return done("role-detail", "policy-deleted", policy_name, role_name=role.name)


@require_POST
def role_delete(request: HttpRequest, role_name: str) -> HttpResponse:
    """DeleteRole: refused with DeleteConflict while inline policies remain, as in IAM."""
    workspace = default_workspace()
    role = _role_or_404(workspace, role_name)
    try:
        identity.delete_role(workspace, role.name)
    except AwsError as exc:
        return role_detail(request, role.name, errors={"role": exc.message})
    return done("role-list", "role-deleted", role.name)
