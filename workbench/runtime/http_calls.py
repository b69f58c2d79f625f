"""One HTTP call authorized by an EventBridge connection: the shared client of Step Functions'
``http:invoke`` tasks (``runtime.http_tasks``) and EventBridge's API destination targets
(``runtime.destination_calls``).

The connection decides the authorization ("Connections for HTTP endpoint targets",
EventBridge User Guide): BASIC sends ``Authorization: Basic``, API_KEY sends its key as the
header ApiKeyName, OAUTH_CLIENT_CREDENTIALS sends ``Authorization: Bearer <token>``. The token
comes from the AuthorizationEndpoint (client id and secret as Basic authorization, the
OAuthHttpParameters as headers, query and form body, ``grant_type=client_credentials`` unless
given), is cached on the connection row until ``expires_in`` runs out, and is fetched again
when the endpoint answers 401 or 407, as EventBridge does ("if the endpoint returns 401 or 407,
EventBridge refreshes the token"). The connection's InvocationHttpParameters are added to every
call; on a clash they win over the caller's (Step Functions' "Merging EventBridge connection and
HTTP Task definition data").

The standard library's client is used, with a timeout on every call; nothing here decides
what an answer means (that is each caller's job).
"""

from __future__ import annotations

import base64
import json
import socket
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from datetime import timedelta
from email.message import Message
from typing import Any

from django.utils import timezone

from workbench.events.models import Connection

MAX_BODY_BYTES = 256 * 1024
"""The most of an answer kept: Step Functions' and EventBridge's payload limit."""
TOKEN_LIFETIME = timedelta(hours=1)
"""How long a token without ``expires_in`` is kept."""
TOKEN_MARGIN = timedelta(seconds=30)
"""A token this close to its end is fetched again before a call."""
REFRESH_STATUSES = (401, 407)


@dataclass(frozen=True)
class HttpAnswer:
    """What the endpoint answered, whatever its status."""

    status: int
    reason: str
    headers: dict[str, list[str]]
    body: bytes

    @property
    def content_type(self) -> str:
        for name, values in self.headers.items():
            if name.lower() == "content-type" and values:
                return values[0]
        return ""

    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")


class SocketFailure(Exception):
    """No answer: the call timed out (``timed_out``), or the connection was refused or broke."""

    def __init__(self, message: str, *, timed_out: bool) -> None:
        super().__init__(message)
        self.message = message
        self.timed_out = timed_out


class ConnectionFault(Exception):
    """The connection cannot authorize the call: ``reason`` is EventBridge's word for it
    (``InvalidConnectionState``, ``AuthorizationFailed``)."""

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason
        self.message = message


@dataclass
class Request:
    """A call before the connection's parameters and authorization are added."""

    method: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    query: list[tuple[str, str]] = field(default_factory=list)
    body: bytes | None = None
    fixed_headers: dict[str, str] = field(default_factory=dict)
    """Headers neither the connection nor the target may change (set last)."""


def parameter_pairs(parameters: Any, list_name: str) -> list[tuple[str, str]]:
    """(Key, Value) pairs of one list of a ConnectionHttpParameters (HeaderParameters, ...)."""
    if not isinstance(parameters, dict):
        return []
    return [
        (str(item["Key"]), "" if item.get("Value") is None else str(item["Value"]))
        for item in parameters.get(list_name) or []
        if isinstance(item, dict) and "Key" in item
    ]


def invocation_parameters(connection: Connection) -> dict[str, Any]:
    found = (connection.auth_parameters or {}).get("InvocationHttpParameters")
    return found if isinstance(found, dict) else {}


def send(connection: Connection, request: Request, *, timeout: float) -> HttpAnswer:
    """Make the call with the connection's parameters and authorization; one refresh of an
    OAuth token on 401/407. Raises ConnectionFault or SocketFailure when there is no answer."""
    if connection.state == Connection.DEAUTHORIZED:
        raise ConnectionFault(
            "InvalidConnectionState",
            f"The connection {connection.name} is DEAUTHORIZED: update it to authorize it.",
        )
    answer = _send_once(connection, request, timeout=timeout, fresh_token=False)
    if connection.authorization_type == Connection.OAUTH and answer.status in REFRESH_STATUSES:
        answer = _send_once(connection, request, timeout=timeout, fresh_token=True)
    return answer


def _send_once(connection: Connection, request: Request, *, timeout: float, fresh_token: bool) -> HttpAnswer:
    parameters = invocation_parameters(connection)
    headers = dict(request.headers)
    for key, value in parameter_pairs(parameters, "HeaderParameters"):
        _set_header(headers, key, value)
    for key, value in _authorization(connection, timeout=timeout, fresh_token=fresh_token).items():
        _set_header(headers, key, value)
    for key, value in request.fixed_headers.items():
        _set_header(headers, key, value)
    query = [pair for pair in request.query]
    extra = parameter_pairs(parameters, "QueryStringParameters")
    extra_keys = {key for key, _ in extra}
    query = [pair for pair in query if pair[0] not in extra_keys] + extra
    return request_once(request.method, _with_query(request.url, query), headers, request.body, timeout)


def _set_header(headers: dict[str, str], key: str, value: str) -> None:
    """Set a header, replacing one of the same name in any letter case."""
    for existing in [name for name in headers if name.lower() == key.lower()]:
        del headers[existing]
    headers[key] = value


def _with_query(url: str, query: list[tuple[str, str]]) -> str:
    if not query:
        return url
    parts = urllib.parse.urlsplit(url)
    joined = "&".join(part for part in (parts.query, urllib.parse.urlencode(query)) if part)
    return urllib.parse.urlunsplit(parts._replace(query=joined))


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode("ascii")


def _authorization(connection: Connection, *, timeout: float, fresh_token: bool) -> dict[str, str]:
    auth = connection.auth_parameters or {}
    if connection.authorization_type == Connection.BASIC:
        basic = auth.get("BasicAuthParameters") or {}
        return {"Authorization": _basic(str(basic.get("Username", "")), str(basic.get("Password", "")))}
    if connection.authorization_type == Connection.API_KEY:
        key = auth.get("ApiKeyAuthParameters") or {}
        return {str(key.get("ApiKeyName", "")): str(key.get("ApiKeyValue", ""))}
    return {"Authorization": f"Bearer {_token(connection, timeout=timeout, fresh=fresh_token)}"}


def _token(connection: Connection, *, timeout: float, fresh: bool) -> str:
    """The cached OAuth token, or a new one from the AuthorizationEndpoint (then cached)."""
    now = timezone.now()
    if (
        not fresh
        and connection.access_token
        and connection.token_expires is not None
        and connection.token_expires - TOKEN_MARGIN > now
    ):
        return connection.access_token
    oauth = (connection.auth_parameters or {}).get("OAuthParameters") or {}
    client = oauth.get("ClientParameters") or {}
    http_parameters = oauth.get("OAuthHttpParameters") or {}
    form = parameter_pairs(http_parameters, "BodyParameters")
    if "grant_type" not in {key for key, _ in form}:
        form.append(("grant_type", "client_credentials"))
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    for key, value in parameter_pairs(http_parameters, "HeaderParameters"):
        _set_header(headers, key, value)
    _set_header(
        headers, "Authorization", _basic(str(client.get("ClientID", "")), str(client.get("ClientSecret", "")))
    )
    method = str(oauth.get("HttpMethod") or "POST")
    query = parameter_pairs(http_parameters, "QueryStringParameters")
    body: bytes | None = urllib.parse.urlencode(form).encode()
    if method == "GET":  # a GET carries the form in its query instead
        query, body = query + form, None
        del headers["Content-Type"]
    url = _with_query(str(oauth.get("AuthorizationEndpoint", "")), query)
    try:
        answer = request_once(method, url, headers, body, timeout)
    except SocketFailure as exc:
        _token_failed(connection, f"The OAuth token request failed: {exc.message}")
    if not 200 <= answer.status < 300:
        _token_failed(connection, f"The authorization endpoint answered {answer.status} {answer.reason}.")
    try:
        granted = json.loads(answer.body)
        token = str(granted["access_token"])
    except (ValueError, KeyError, TypeError):
        _token_failed(connection, "The authorization endpoint's answer has no access_token.")
    expires_in = granted.get("expires_in")
    lifetime = (
        timedelta(seconds=float(expires_in))
        if isinstance(expires_in, int | float) and not isinstance(expires_in, bool)
        else TOKEN_LIFETIME
    )
    connection.access_token, connection.token_expires = token, now + lifetime
    connection.state, connection.state_reason, connection.last_authorized = Connection.AUTHORIZED, "", now
    Connection.objects.filter(id=connection.id).update(
        access_token=token,
        token_expires=connection.token_expires,
        state=Connection.AUTHORIZED,
        state_reason="",
        last_authorized=now,
    )
    return token


def _token_failed(connection: Connection, reason: str) -> Any:
    """Record why the connection is not authorized, and refuse the call."""
    Connection.objects.filter(id=connection.id).update(
        state_reason=reason[:512], access_token="", token_expires=None
    )
    raise ConnectionFault("AuthorizationFailed", reason)


def request_once(
    method: str, url: str, headers: dict[str, str], body: bytes | None, timeout: float
) -> HttpAnswer:
    """One plain HTTP request; any status is an answer, no answer is a SocketFailure."""
    request = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return _answer(response.status, response.reason, response.headers, response.read(MAX_BODY_BYTES))
    except urllib.error.HTTPError as exc:
        try:
            data = exc.read(MAX_BODY_BYTES)
        except (OSError, TimeoutError):
            data = b""
        return _answer(exc.code, str(exc.reason), exc.headers, data)
    except urllib.error.URLError as exc:
        reason = exc.reason
        timed_out = isinstance(reason, TimeoutError | socket.timeout)
        raise SocketFailure(str(reason), timed_out=timed_out) from exc
    except TimeoutError as exc:
        raise SocketFailure("The request timed out.", timed_out=True) from exc
    except (OSError, ValueError) as exc:
        raise SocketFailure(str(exc), timed_out=False) from exc


def _answer(status: int, reason: str, headers: Message, body: bytes) -> HttpAnswer:
    collected: dict[str, list[str]] = {}
    for name, value in headers.items():
        collected.setdefault(name, []).append(value)
    return HttpAnswer(status=status, reason=reason, headers=collected, body=body)
