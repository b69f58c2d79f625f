"""EventBridge API destinations: CreateApiDestination, DescribeApiDestination,
ListApiDestinations, UpdateApiDestination, DeleteApiDestination (Amazon EventBridge API
Reference; "API destinations as targets", EventBridge User Guide).

An API destination is an HTTP endpoint (InvocationEndpoint, where each ``*`` is filled from the
target's PathParameterValues in order), an HttpMethod, the connection that authorizes the call
and InvocationRateLimitPerSecond (AWS's default is 300). AWS accepts only https endpoints; a
workbench on a laptop calls local services, so http is accepted too.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from workbench.accounts.models import Workspace
from workbench.core.errors import ResourceAlreadyExists, ResourceNotFound, ValidationError
from workbench.events.connections import NAME_RE, connection_for_arn
from workbench.events.models import ApiDestination, Connection

DEFAULT_RATE_LIMIT = 300
METHODS = ("POST", "GET", "HEAD", "OPTIONS", "PUT", "PATCH", "DELETE")
ENDPOINT_RE = re.compile(r"^https?://[^\s/]+")


def _not_found(name: str) -> ResourceNotFound:
    return ResourceNotFound(
        f"Failed to describe the api-destination(s). An api-destination '{name}' does not exist."
    )


def get_api_destination(workspace: Workspace, name: str) -> ApiDestination:
    found = (
        ApiDestination.objects.filter(workspace=workspace, name=name)
        .select_related("workspace", "connection__workspace")
        .first()
    )
    if found is None:
        raise _not_found(name)
    return found


def api_destination_for_arn(workspace: Workspace, arn: str) -> ApiDestination | None:
    """The workspace's API destination named by ``arn`` (``...:api-destination/<name>/<uid>``)."""
    prefix = f"arn:aws:events:{workspace.region}:{workspace.account_id}:api-destination/"
    if not isinstance(arn, str) or not arn.startswith(prefix):
        return None
    name, _, uid = arn[len(prefix) :].partition("/")
    found = (
        ApiDestination.objects.filter(workspace=workspace, name=name)
        .select_related("workspace", "connection__workspace")
        .first()
    )
    if found is None or (uid and uid != found.uid):
        return None
    return found


def is_api_destination_arn(arn: str) -> bool:
    return isinstance(arn, str) and arn.startswith("arn:aws:events:") and ":api-destination/" in arn


def list_api_destinations(
    workspace: Workspace, name_prefix: str | None = None, connection_arn: str | None = None
) -> QuerySet[ApiDestination]:
    found = ApiDestination.objects.filter(workspace=workspace).select_related("workspace").order_by("name")
    if name_prefix:
        found = found.filter(name__startswith=name_prefix)
    if connection_arn:
        found = found.filter(connection_arn=connection_arn)
    return found


def _connection(workspace: Workspace, arn: str) -> Connection:
    connection = connection_for_arn(workspace, arn)
    if connection is None:
        name = arn.split("/")[1] if isinstance(arn, str) and arn.count("/") >= 1 else arn
        raise ResourceNotFound(f"Failed to describe the connection(s). Connection '{name}' does not exist.")
    return connection


def _check(endpoint: Any, method: Any, rate: Any) -> None:
    if endpoint is not None and (not isinstance(endpoint, str) or not ENDPOINT_RE.match(endpoint)):
        raise ValidationError(f"Invalid InvocationEndpoint: '{endpoint}'. It must be an http(s) URL.")
    if method is not None and method not in METHODS:
        raise ValidationError(
            f"1 validation error detected: Value '{method}' at 'httpMethod' failed to satisfy constraint: "
            "Member must satisfy enum value set: [POST, GET, HEAD, OPTIONS, PUT, PATCH, DELETE]"
        )
    if rate is not None and (not isinstance(rate, int) or isinstance(rate, bool) or rate < 1):
        raise ValidationError(
            f"1 validation error detected: Value '{rate}' at 'invocationRateLimitPerSecond' failed to "
            "satisfy constraint: Member must have value greater than or equal to 1"
        )


def create_api_destination(
    workspace: Workspace,
    *,
    name: str,
    connection_arn: str,
    endpoint: str,
    method: str,
    rate_limit: int | None = None,
    description: str | None = None,
) -> ApiDestination:
    if not isinstance(name, str) or not NAME_RE.match(name):
        raise ValidationError(
            f"1 validation error detected: Value '{name}' at 'name' failed to satisfy constraint: "
            "Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+"
        )
    _check(endpoint, method, rate_limit)
    connection = _connection(workspace, connection_arn)
    now = timezone.now()
    destination = ApiDestination(
        workspace=workspace,
        name=name,
        uid=str(uuid.uuid4()),
        description=description or "",
        connection=connection,
        connection_arn=connection.arn,
        invocation_endpoint=endpoint,
        http_method=method,
        rate_limit=rate_limit or DEFAULT_RATE_LIMIT,
        created=now,
        updated=now,
    )
    try:
        with transaction.atomic():
            destination.save()
    except IntegrityError as exc:
        raise ResourceAlreadyExists(f"An api-destination '{name}' already exists.") from exc
    return destination


def update_api_destination(workspace: Workspace, name: str, **changes: Any) -> ApiDestination:
    """UpdateApiDestination: each member given replaces the stored one."""
    destination = get_api_destination(workspace, name)
    _check(changes.get("endpoint"), changes.get("method"), changes.get("rate_limit"))
    if changes.get("connection_arn") is not None:
        connection = _connection(workspace, changes["connection_arn"])
        destination.connection, destination.connection_arn = connection, connection.arn
    for key, field in (
        ("endpoint", "invocation_endpoint"),
        ("method", "http_method"),
        ("rate_limit", "rate_limit"),
        ("description", "description"),
    ):
        if changes.get(key) is not None:
            setattr(destination, field, changes[key])
    destination.updated = timezone.now()
    destination.save()
    return destination


def delete_api_destination(workspace: Workspace, name: str) -> None:
    get_api_destination(workspace, name).delete()
