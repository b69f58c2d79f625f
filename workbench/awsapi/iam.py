"""AWS IAM over the Query protocol, for roles and their inline policies.

boto3's ``client("iam")`` POSTs a form (``Action=CreateRole&Version=2010-05-08&...``) with no
X-Amz-Target; it is recognised by the service in the SigV4 credential scope
(``Credential=AKID/date/region/iam/aws4_request``). Answers are XML in IAM's namespace:
``<CreateRoleResponse><CreateRoleResult>...</CreateRoleResult><ResponseMetadata>...``, and
errors ``<ErrorResponse><Error><Type>Sender</Type><Code>..</Code><Message>..</Message></Error>``
with IAM's HTTP status (404 NoSuchEntity, 409 EntityAlreadyExists/DeleteConflict/LimitExceeded,
400 MalformedPolicyDocument/ValidationError). Policy documents go out URL-encoded, as IAM sends
them; botocore decodes them into dicts.
"""

from __future__ import annotations

import logging
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from django.http import HttpRequest, HttpResponse

from workbench.accounts.models import Workspace
from workbench.accounts.services import workspace_for_access_key
from workbench.core.errors import NOT_NULL, AwsError, invalid, value_at_least, value_at_most
from workbench.core.ids import random_id
from workbench.core.paging import page
from workbench.identity import services as identity
from workbench.identity.errors import IamValidationError, InvalidAction
from workbench.identity.models import Role

log = logging.getLogger(__name__)

VERSION = "2010-05-08"
NAMESPACE = "https://iam.amazonaws.com/doc/2010-05-08/"
_SCOPE = re.compile(r"Credential=([^/,\s]+)/[^/,\s]+/[^/,\s]+/([^/,\s]+)/aws4_request")

Params = dict[str, str]
Operation = Callable[[Workspace, Params, ET.Element], None]
_operations: dict[str, Operation] = {}


def _operation(name: str) -> Callable[[Operation], Operation]:
    def register(handler: Operation) -> Operation:
        _operations[name] = handler
        return handler

    return register


def is_api_call(request: HttpRequest) -> bool:
    """A POST signed for the ``iam`` service (there is no X-Amz-Target in the Query protocol)."""
    if request.method != "POST":
        return False
    match = _SCOPE.search(request.headers.get("Authorization", ""))
    return match is not None and match.group(2) == "iam"


def handle(request: HttpRequest) -> HttpResponse:
    params: Params = {key: request.POST.get(key, "") for key in request.POST}
    action = params.get("Action", "")
    request_id = random_id()
    try:
        operation = _operations.get(action)
        if operation is None:
            raise InvalidAction(f"Could not find operation {action} for version {VERSION}")
        match = _SCOPE.search(request.headers.get("Authorization", ""))
        workspace = workspace_for_access_key(match.group(1) if match else None)
        root = ET.Element(f"{action}Response", xmlns=NAMESPACE)
        result = ET.SubElement(root, f"{action}Result")
        operation(workspace, params, result)
        if len(result) == 0:
            root.remove(result)  # operations with no output answer metadata only
        _text(ET.SubElement(root, "ResponseMetadata"), "RequestId", request_id)
        return _xml(200, root, request_id)
    except AwsError as exc:
        return _error(exc.status, exc.code, exc.message, request_id)
    except Exception:
        log.exception("internal error in IAM %s", action)
        return _error(500, "ServiceFailure", "An internal error occurred", request_id, fault="Receiver")


def _error(status: int, code: str, message: str, request_id: str, *, fault: str = "Sender") -> HttpResponse:
    root = ET.Element("ErrorResponse", xmlns=NAMESPACE)
    error = ET.SubElement(root, "Error")
    _text(error, "Type", fault)
    _text(error, "Code", code)
    _text(error, "Message", message)
    _text(root, "RequestId", request_id)
    return _xml(status, root, request_id)


def _xml(status: int, root: ET.Element, request_id: str) -> HttpResponse:
    body = ET.tostring(root, encoding="utf-8", xml_declaration=False)
    response = HttpResponse(
        b'<?xml version="1.0" encoding="UTF-8"?>\n' + body, status=status, content_type="text/xml"
    )
    response["x-amzn-RequestId"] = request_id
    return response


def _text(parent: ET.Element, tag: str, value: Any) -> ET.Element:
    element = ET.SubElement(parent, tag)
    element.text = str(value)
    return element


def _required(params: Params, name: str, member: str) -> str:
    if name not in params:
        raise invalid(member, NOT_NULL, None, error=IamValidationError)
    return params[name]


def _max_items(params: Params) -> int | None:
    raw = params.get("MaxItems")
    if raw is None:
        return None
    try:
        value = int(raw)
    except ValueError as exc:
        raise IamValidationError(f"Invalid value for MaxItems: {raw}") from exc
    if not 1 <= value <= 1000:
        bound = value_at_least(1) if value < 1 else value_at_most(1000)
        raise invalid("maxItems", bound, value, error=IamValidationError)
    return value


def _tags(params: Params) -> list[dict[str, str]]:
    """``Tags.member.N.Key`` / ``Tags.member.N.Value`` in N order."""
    tags: list[dict[str, str]] = []
    index = 1
    while f"Tags.member.{index}.Key" in params:
        tags.append(
            {"Key": params[f"Tags.member.{index}.Key"], "Value": params.get(f"Tags.member.{index}.Value", "")}
        )
        index += 1
    return tags


def _timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _role(parent: ET.Element, role: Role, *, tag: str = "Role", detail: str = "create") -> None:
    """A Role as IAM shapes it: CreateRole omits MaxSessionDuration and RoleLastUsed, ListRoles
    omits Tags and RoleLastUsed, GetRole has everything (LocalStack's AWS-recorded snapshots)."""
    element = ET.SubElement(parent, tag)
    _text(element, "Path", role.path)
    _text(element, "RoleName", role.name)
    _text(element, "RoleId", role.role_id)
    _text(element, "Arn", role.arn)
    _text(element, "CreateDate", _timestamp(role.created))
    _text(element, "AssumeRolePolicyDocument", quote(role.assume_role_policy_document, safe=""))
    if role.description:
        _text(element, "Description", role.description)
    if detail in ("get", "list"):
        _text(element, "MaxSessionDuration", role.max_session_duration)
    if role.tags and detail in ("create", "get"):
        tags = ET.SubElement(element, "Tags")
        for tag_item in role.tags:
            member = ET.SubElement(tags, "member")
            _text(member, "Key", tag_item["Key"])
            _text(member, "Value", tag_item["Value"])
    if detail == "get":
        ET.SubElement(element, "RoleLastUsed")


def _paged(result: ET.Element, list_tag: str, marker: str | None) -> ET.Element:
    container = ET.SubElement(result, list_tag)
    _text(result, "IsTruncated", "true" if marker else "false")
    if marker:
        _text(result, "Marker", marker)
    return container


@_operation("CreateRole")
def create_role(ws: Workspace, params: Params, result: ET.Element) -> None:
    duration = params.get("MaxSessionDuration", "3600")
    if not duration.isdigit():
        raise IamValidationError(f"Invalid value for MaxSessionDuration: {duration}")
    role = identity.create_role(
        ws,
        name=_required(params, "RoleName", "roleName"),
        assume_role_policy_document=_required(params, "AssumeRolePolicyDocument", "assumeRolePolicyDocument"),
        path=params.get("Path", "/"),
        description=params.get("Description", ""),
        max_session_duration=int(duration),
        tags=_tags(params),
    )
    _role(result, role, detail="create")


@_operation("GetRole")
def get_role(ws: Workspace, params: Params, result: ET.Element) -> None:
    _role(result, identity.get_role(ws, _required(params, "RoleName", "roleName")), detail="get")


@_operation("ListRoles")
def list_roles(ws: Workspace, params: Params, result: ET.Element) -> None:
    roles, marker = page(
        identity.list_roles(ws, params.get("PathPrefix", "/")), params.get("Marker"), _max_items(params)
    )
    container = _paged(result, "Roles", marker)
    for role in roles:
        _role(container, role, tag="member", detail="list")


@_operation("DeleteRole")
def delete_role(ws: Workspace, params: Params, result: ET.Element) -> None:
    identity.delete_role(ws, _required(params, "RoleName", "roleName"))


@_operation("UpdateAssumeRolePolicy")
def update_assume_role_policy(ws: Workspace, params: Params, result: ET.Element) -> None:
    identity.update_assume_role_policy(
        ws,
        _required(params, "RoleName", "roleName"),
        _required(params, "PolicyDocument", "policyDocument"),
    )


@_operation("PutRolePolicy")
def put_role_policy(ws: Workspace, params: Params, result: ET.Element) -> None:
    identity.put_role_policy(
        ws,
        _required(params, "RoleName", "roleName"),
        _required(params, "PolicyName", "policyName"),
        _required(params, "PolicyDocument", "policyDocument"),
    )


@_operation("GetRolePolicy")
def get_role_policy(ws: Workspace, params: Params, result: ET.Element) -> None:
    found = identity.get_role_policy(
        ws, _required(params, "RoleName", "roleName"), _required(params, "PolicyName", "policyName")
    )
    _text(result, "RoleName", found.role.name)
    _text(result, "PolicyName", found.name)
    _text(result, "PolicyDocument", quote(found.document, safe=""))


@_operation("DeleteRolePolicy")
def delete_role_policy(ws: Workspace, params: Params, result: ET.Element) -> None:
    identity.delete_role_policy(
        ws, _required(params, "RoleName", "roleName"), _required(params, "PolicyName", "policyName")
    )


@_operation("ListRolePolicies")
def list_role_policies(ws: Workspace, params: Params, result: ET.Element) -> None:
    names = identity.list_role_policies(ws, _required(params, "RoleName", "roleName"))
    chunk, marker = page(names, params.get("Marker"), _max_items(params))
    container = _paged(result, "PolicyNames", marker)
    for name in chunk:
        _text(container, "member", name)
