"""EventBridge connections: CreateConnection, DescribeConnection, ListConnections,
UpdateConnection, DeleteConnection and DeauthorizeConnection (Amazon EventBridge API Reference).

A connection holds how to authorize calls to an HTTP API: BASIC (Username, Password), API_KEY
(ApiKeyName, ApiKeyValue) or OAUTH_CLIENT_CREDENTIALS (ClientParameters, AuthorizationEndpoint,
HttpMethod, OAuthHttpParameters), and InvocationHttpParameters added to every call. AWS keeps
the secret values in a Secrets Manager secret and never returns them ("Connections for
endpoint targets", EventBridge User Guide): ``public_auth_parameters`` is what the API shows.

A BASIC or API_KEY connection is AUTHORIZED at once; an OAuth one is AUTHORIZING until its
first token arrives (``runtime.http_calls`` fetches it and marks it AUTHORIZED).
DeauthorizeConnection removes the secret values, as AWS does, and leaves it DEAUTHORIZED.
"""

from __future__ import annotations

import copy
import re
import uuid
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone

from workbench.accounts.models import Workspace
from workbench.core.errors import ResourceAlreadyExists, ResourceNotFound, ValidationError
from workbench.events.models import Connection

NAME_RE = re.compile(r"^[\.\-_A-Za-z0-9]{1,64}$")
PARAMETERS_KEY = {
    Connection.BASIC: "BasicAuthParameters",
    Connection.API_KEY: "ApiKeyAuthParameters",
    Connection.OAUTH: "OAuthParameters",
}
SECRET_MEMBERS = {
    "BasicAuthParameters": ("Password",),
    "ApiKeyAuthParameters": ("ApiKeyValue",),
}
HTTP_PARAMETER_LISTS = ("HeaderParameters", "QueryStringParameters", "BodyParameters")


def _not_found(name: str) -> ResourceNotFound:
    return ResourceNotFound(f"Failed to describe the connection(s). Connection '{name}' does not exist.")


def get_connection(workspace: Workspace, name: str) -> Connection:
    found = Connection.objects.filter(workspace=workspace, name=name).select_related("workspace").first()
    if found is None:
        raise _not_found(name)
    return found


def connection_for_arn(workspace: Workspace, arn: str) -> Connection | None:
    """The workspace's connection named by ``arn`` (``...:connection/<name>/<uid>``), or None."""
    prefix = f"arn:aws:events:{workspace.region}:{workspace.account_id}:connection/"
    if not isinstance(arn, str) or not arn.startswith(prefix):
        return None
    name, _, uid = arn[len(prefix) :].partition("/")
    found = Connection.objects.filter(workspace=workspace, name=name).select_related("workspace").first()
    if found is None or (uid and uid != found.uid):
        return None
    return found


def list_connections(
    workspace: Workspace, name_prefix: str | None = None, state: str | None = None
) -> QuerySet[Connection]:
    found = Connection.objects.filter(workspace=workspace).select_related("workspace").order_by("name")
    if name_prefix:
        found = found.filter(name__startswith=name_prefix)
    if state:
        found = found.filter(state=state)
    return found


def _checked_auth(authorization_type: str, auth: Any) -> dict[str, Any]:
    """AuthParameters must carry the member of the AuthorizationType (BasicAuthParameters for
    BASIC, and so on) and no other authorization's member."""
    if authorization_type not in PARAMETERS_KEY:
        raise ValidationError(
            f"1 validation error detected: Value '{authorization_type}' at 'authorizationType' failed to "
            "satisfy constraint: Member must satisfy enum value set: "
            "[BASIC, OAUTH_CLIENT_CREDENTIALS, API_KEY]"
        )
    if not isinstance(auth, dict):
        raise ValidationError("AuthParameters must be an object.")
    wanted = PARAMETERS_KEY[authorization_type]
    if not isinstance(auth.get(wanted), dict):
        raise ValidationError(f"{wanted} must be specified for AuthorizationType {authorization_type}.")
    others = [key for key in PARAMETERS_KEY.values() if key != wanted and auth.get(key) is not None]
    if others:
        raise ValidationError(f"{others[0]} cannot be specified for AuthorizationType {authorization_type}.")
    _check_http_parameters(auth.get("InvocationHttpParameters"), "InvocationHttpParameters")
    if authorization_type == Connection.OAUTH:
        oauth = auth[wanted]
        _check_http_parameters(oauth.get("OAuthHttpParameters"), "OAuthParameters.OAuthHttpParameters")
        endpoint = oauth.get("AuthorizationEndpoint")
        if not isinstance(endpoint, str) or not re.match(r"^https?://", endpoint):
            raise ValidationError("AuthorizationEndpoint must be an http(s) URL.")
    return copy.deepcopy(auth)


def _check_http_parameters(parameters: Any, where: str) -> None:
    if parameters is None:
        return
    if not isinstance(parameters, dict):
        raise ValidationError(f"{where} must be an object.")
    for list_name in HTTP_PARAMETER_LISTS:
        for item in parameters.get(list_name) or []:
            if not isinstance(item, dict) or not isinstance(item.get("Key"), str):
                raise ValidationError(f"Every entry of {where}.{list_name} needs a Key.")


def _checked_name(name: str) -> str:
    if not isinstance(name, str) or not NAME_RE.match(name):
        raise ValidationError(
            f"1 validation error detected: Value '{name}' at 'name' failed to satisfy constraint: "
            "Member must satisfy regular expression pattern: [\\.\\-_A-Za-z0-9]+"
        )
    return name


def _authorized_state(authorization_type: str) -> str:
    return Connection.AUTHORIZING if authorization_type == Connection.OAUTH else Connection.AUTHORIZED


def create_connection(
    workspace: Workspace,
    *,
    name: str,
    authorization_type: str,
    auth_parameters: Any,
    description: str | None = None,
) -> Connection:
    """CreateConnection: stored AUTHORIZED (BASIC, API_KEY) or AUTHORIZING (OAuth)."""
    _checked_name(name)
    auth = _checked_auth(authorization_type, auth_parameters)
    now = timezone.now()
    connection = Connection(
        workspace=workspace,
        name=name,
        uid=str(uuid.uuid4()),
        description=description or "",
        authorization_type=authorization_type,
        auth_parameters=auth,
        state=_authorized_state(authorization_type),
        created=now,
        updated=now,
        last_authorized=None if authorization_type == Connection.OAUTH else now,
    )
    try:
        with transaction.atomic():
            connection.save()
    except IntegrityError as exc:
        raise ResourceAlreadyExists(f"Connection {name} already exists.") from exc
    return connection


def _merged(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """UpdateConnection's AuthParameters: each member given replaces the stored one, key by key
    inside the authorization's own parameters, so a new password keeps the username."""
    merged = copy.deepcopy(old)
    for key, value in new.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict) and key in PARAMETERS_KEY.values():
            inner = dict(merged[key])
            for inner_key, inner_value in value.items():
                if isinstance(inner_value, dict) and isinstance(inner.get(inner_key), dict):
                    inner[inner_key] = {**inner[inner_key], **inner_value}
                else:
                    inner[inner_key] = inner_value
            merged[key] = inner
        else:
            merged[key] = value
    return merged


def update_connection(
    workspace: Workspace,
    name: str,
    *,
    description: str | None = None,
    authorization_type: str | None = None,
    auth_parameters: Any = None,
) -> Connection:
    """UpdateConnection: changed authorization authorizes again (the cached token is dropped)."""
    with transaction.atomic():
        connection = get_connection(workspace, name)
        connection = Connection.objects.select_for_update().select_related("workspace").get(id=connection.id)
        if description is not None:
            connection.description = description
        if authorization_type is not None or auth_parameters is not None:
            kind = authorization_type or connection.authorization_type
            if auth_parameters is not None and not isinstance(auth_parameters, dict):
                raise ValidationError("AuthParameters must be an object.")
            base = connection.auth_parameters if kind == connection.authorization_type else {}
            merged = _merged(base, auth_parameters or {})
            connection.auth_parameters = _checked_auth(kind, merged)
            connection.authorization_type = kind
            connection.state = _authorized_state(kind)
            connection.state_reason = ""
            connection.access_token, connection.token_expires = "", None
            if kind != Connection.OAUTH:
                connection.last_authorized = timezone.now()
        connection.updated = timezone.now()
        connection.save()
    return connection


def delete_connection(workspace: Workspace, name: str) -> Connection:
    connection = get_connection(workspace, name)
    connection.delete()
    return connection


def deauthorize_connection(workspace: Workspace, name: str) -> Connection:
    """DeauthorizeConnection: the secret values and any cached token are removed; the
    connection stays, DEAUTHORIZED, until UpdateConnection gives it new ones."""
    with transaction.atomic():
        connection = get_connection(workspace, name)
        connection = Connection.objects.select_for_update().select_related("workspace").get(id=connection.id)
        auth = copy.deepcopy(connection.auth_parameters)
        for key, secrets in SECRET_MEMBERS.items():
            for secret in secrets:
                (auth.get(key) or {}).pop(secret, None)
        ((auth.get("OAuthParameters") or {}).get("ClientParameters") or {}).pop("ClientSecret", None)
        connection.auth_parameters = auth
        connection.state = Connection.DEAUTHORIZED
        connection.access_token, connection.token_expires = "", None
        connection.updated = timezone.now()
        connection.save()
    return connection


def _public_http_parameters(parameters: dict[str, Any]) -> dict[str, Any]:
    """HTTP parameters without the values marked IsValueSecret, as DescribeConnection shows them."""
    shown: dict[str, Any] = {}
    for list_name in HTTP_PARAMETER_LISTS:
        if list_name in parameters:
            shown[list_name] = [
                {k: v for k, v in item.items() if not (k == "Value" and item.get("IsValueSecret"))}
                for item in parameters[list_name] or []
            ]
    return shown


def public_auth_parameters(connection: Connection) -> dict[str, Any]:
    """DescribeConnection's AuthParameters: names and endpoints, never a secret."""
    auth = connection.auth_parameters or {}
    shown: dict[str, Any] = {}
    if isinstance(auth.get("BasicAuthParameters"), dict):
        shown["BasicAuthParameters"] = {"Username": auth["BasicAuthParameters"].get("Username", "")}
    if isinstance(auth.get("ApiKeyAuthParameters"), dict):
        shown["ApiKeyAuthParameters"] = {"ApiKeyName": auth["ApiKeyAuthParameters"].get("ApiKeyName", "")}
    oauth = auth.get("OAuthParameters")
    if isinstance(oauth, dict):
        shown_oauth: dict[str, Any] = {
            "ClientParameters": {"ClientID": (oauth.get("ClientParameters") or {}).get("ClientID", "")},
            "AuthorizationEndpoint": oauth.get("AuthorizationEndpoint", ""),
            "HttpMethod": oauth.get("HttpMethod", ""),
        }
        if isinstance(oauth.get("OAuthHttpParameters"), dict):
            shown_oauth["OAuthHttpParameters"] = _public_http_parameters(oauth["OAuthHttpParameters"])
        shown["OAuthParameters"] = shown_oauth
    if isinstance(auth.get("InvocationHttpParameters"), dict):
        shown["InvocationHttpParameters"] = _public_http_parameters(auth["InvocationHttpParameters"])
    return shown
