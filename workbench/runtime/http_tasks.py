"""The ``arn:aws:states:::http:invoke`` Task: a real HTTP call authorized by an EventBridge
connection ("Call HTTPS APIs in Step Functions workflows",
https://docs.aws.amazon.com/step-functions/latest/dg/call-https-apis.html).

Parameters: ApiEndpoint, Method and Authentication.ConnectionArn (required), Headers,
QueryParameters, RequestBody and Transform (RequestBodyEncoding ``URL_ENCODED`` with
RequestEncodingOptions.ArrayFormat ``INDICES`` (the default), ``REPEAT``, ``COMMAS`` or
``BRACKETS``). The connection's InvocationHttpParameters are merged in (``runtime.http_calls``),
its BodyParameters into an object body.

The result is AWS's: Headers (each a list of values), ResponseBody (parsed when the answer is
JSON, else its text), StatusCode and StatusText. A non-2xx answer fails the state with
``States.Http.StatusCode.<code>`` and that same result, as JSON, for cause; no answer (a timeout
after STEPBRIDGE_HTTP_TASK_TIMEOUT_SECONDS, AWS's 60 by default, or a refused connection) fails
it with ``States.Http.Socket``; a connection that is missing or cannot authorize with
``Events.ConnectionResource.ResourceNotFound`` / ``InvalidConnectionState`` (the "Connection
errors" of the same page). Headers AWS reserves for itself are refused with States.Runtime.
"""

from __future__ import annotations

import contextlib
import json
import urllib.parse
from typing import Any

from django.conf import settings

from workbench.accounts.models import Workspace
from workbench.celery import VISIBILITY_TIMEOUT_SECONDS
from workbench.core.jsonio import dumps
from workbench.events.connections import connection_for_arn
from workbench.functions.services import Outcome
from workbench.runtime import http_calls

HTTP_INVOKE = "arn:aws:states:::http:invoke"
DEFAULT_TIMEOUT_SECONDS = 60.0
METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD")
ARRAY_FORMATS = ("INDICES", "REPEAT", "COMMAS", "BRACKETS")
RESERVED_HEADERS = frozenset(
    {
        "a-im", "accept-charset", "accept-datetime", "accept-encoding", "authorization",
        "cache-control", "connection", "content-encoding", "content-md5", "date", "expect",
        "forwarded", "from", "host", "http2-settings", "if-match", "if-modified-since",
        "if-none-match", "if-range", "if-unmodified-since", "max-forwards", "origin", "pragma",
        "proxy-authorization", "referer", "server", "te", "trailer", "transfer-encoding",
        "upgrade", "user-agent", "via", "warning",
    }
)  # fmt: skip
RESERVED_PREFIXES = ("x-forwarded", "x-amz", "x-amzn")
CONNECTION_ERROR = "Events.ConnectionResource."


def timeout_seconds() -> float:
    """The call's timeout, kept well within the claim's lease (``executions.TASK_CLAIM``) so
    that a live worker's call is never taken for a dead one's."""
    chosen = float(getattr(settings, "STEPBRIDGE_HTTP_TASK_TIMEOUT_SECONDS", DEFAULT_TIMEOUT_SECONDS))
    return min(chosen, VISIBILITY_TIMEOUT_SECONDS / 2)


class _Refused(Exception):
    def __init__(self, cause: str) -> None:
        super().__init__(cause)
        self.cause = cause


def invoke(workspace: Workspace, payload: Any) -> Outcome:
    """Perform one http:invoke task with its resolved Parameters."""
    try:
        connection_arn, request = _request(payload)
    except _Refused as exc:
        return Outcome(error="States.Runtime", cause=exc.cause)
    connection = connection_for_arn(workspace, connection_arn)
    if connection is None:
        return Outcome(
            error=f"{CONNECTION_ERROR}ResourceNotFound",
            cause=f"The connection {connection_arn} does not exist.",
        )
    try:
        if connection.auth_parameters.get("InvocationHttpParameters"):
            request.body = _with_connection_body(
                request, http_calls.invocation_parameters(connection), payload
            )
        answer = http_calls.send(connection, request, timeout=timeout_seconds())
    except http_calls.ConnectionFault as exc:
        return Outcome(error=f"{CONNECTION_ERROR}InvalidConnectionState", cause=exc.message)
    except http_calls.SocketFailure as exc:
        return Outcome(error="States.Http.Socket", cause=exc.message)
    except _Refused as exc:
        return Outcome(error="States.Runtime", cause=exc.cause)
    result = result_of(answer)
    if not 200 <= answer.status < 300:
        return Outcome(error=f"States.Http.StatusCode.{answer.status}", cause=dumps(result))
    return Outcome(output=result)


def result_of(answer: http_calls.HttpAnswer) -> dict[str, Any]:
    """The task's result: Headers, ResponseBody, StatusCode and StatusText (StatusCode as
    text, as Step Functions gives it)."""
    body: Any = answer.text()
    media = answer.content_type.split(";")[0].strip().lower()
    if media == "application/json" or media.endswith("+json"):
        with contextlib.suppress(ValueError):
            body = json.loads(answer.body)
    return {
        "Headers": answer.headers,
        "ResponseBody": body,
        "StatusCode": str(answer.status),
        "StatusText": answer.reason,
    }


def _request(payload: Any) -> tuple[str, http_calls.Request]:
    if not isinstance(payload, dict):
        raise _Refused(
            "The http:invoke integration needs Parameters with ApiEndpoint, Method and Authentication"
        )
    endpoint, method = payload.get("ApiEndpoint"), payload.get("Method")
    authentication = payload.get("Authentication")
    connection_arn = authentication.get("ConnectionArn") if isinstance(authentication, dict) else None
    if not isinstance(endpoint, str) or not endpoint.lower().startswith(("http://", "https://")):
        raise _Refused(f"ApiEndpoint must be an http(s) URL, not {dumps(endpoint)}")
    if method not in METHODS:
        raise _Refused(f"Method must be one of {', '.join(METHODS)}, not {dumps(method)}")
    if not isinstance(connection_arn, str):
        raise _Refused("The http:invoke integration needs Parameters.Authentication.ConnectionArn")
    headers = _headers(payload.get("Headers"))
    transform = payload.get("Transform") or {}
    if not isinstance(transform, dict):
        raise _Refused("Transform must be an object")
    encoding = transform.get("RequestBodyEncoding") or "NONE"
    options = transform.get("RequestEncodingOptions")
    array_format = (options.get("ArrayFormat") if isinstance(options, dict) else None) or "INDICES"
    if encoding not in ("NONE", "URL_ENCODED") or array_format not in ARRAY_FORMATS:
        raise _Refused(
            "Transform.RequestBodyEncoding must be NONE or URL_ENCODED, ArrayFormat one of "
            + ", ".join(ARRAY_FORMATS)
        )
    request = http_calls.Request(method=method, url=endpoint, headers=headers)
    request.query = _query(payload.get("QueryParameters"))
    request.body = _body(payload.get("RequestBody"), encoding, array_format, headers)
    return connection_arn, request


def _headers(given: Any) -> dict[str, str]:
    if given is None:
        return {}
    if not isinstance(given, dict):
        raise _Refused("Headers must be an object")
    headers: dict[str, str] = {}
    for name, value in given.items():
        lowered = name.lower()
        if lowered in RESERVED_HEADERS or lowered.startswith(RESERVED_PREFIXES):
            raise _Refused(f"The header {name} cannot be set in an HTTP Task")
        headers[name] = (
            ",".join(_scalar(item) for item in value) if isinstance(value, list) else _scalar(value)
        )
    return headers


def _scalar(value: Any) -> str:
    if isinstance(value, str):
        return value
    return dumps(value)


def _query(given: Any) -> list[tuple[str, str]]:
    if given is None:
        return []
    if not isinstance(given, dict):
        raise _Refused("QueryParameters must be an object")
    pairs: list[tuple[str, str]] = []
    for key, value in given.items():
        values = value if isinstance(value, list) else [value]
        pairs.extend((key, _scalar(item)) for item in values)
    return pairs


def url_encoded(value: dict[str, Any], array_format: str) -> str:
    """A JSON object as a form body, arrays written as ArrayFormat says (AWS's examples for
    ``{"array": ["a","b"]}``: INDICES ``array[0]=a&array[1]=b``, REPEAT ``array=a&array=b``,
    COMMAS ``array=a,b``, BRACKETS ``array[]=a&array[]=b``); nested objects as ``key[inner]``."""
    pairs: list[tuple[str, str]] = []

    def add(key: str, item: Any) -> None:
        if isinstance(item, dict):
            for inner, inner_value in item.items():
                add(f"{key}[{inner}]", inner_value)
        elif isinstance(item, list):
            if array_format == "COMMAS":
                pairs.append((key, ",".join(_scalar(element) for element in item)))
                return
            for index, element in enumerate(item):
                name = {"INDICES": f"{key}[{index}]", "BRACKETS": f"{key}[]"}.get(array_format, key)
                add(name, element)
        else:
            pairs.append((key, _scalar(item)))

    for key, item in value.items():
        add(key, item)
    return urllib.parse.urlencode(pairs)


def _body(given: Any, encoding: str, array_format: str, headers: dict[str, str]) -> bytes | None:
    if given is None:
        return None
    has_type = any(name.lower() == "content-type" for name in headers)
    if encoding == "URL_ENCODED":
        if not isinstance(given, dict):
            raise _Refused("A URL_ENCODED RequestBody must be a JSON object")
        if not has_type:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        return url_encoded(given, array_format).encode()
    if isinstance(given, str):
        if not has_type:
            headers["Content-Type"] = "text/plain; charset=UTF-8"
        return given.encode()
    if not has_type:
        headers["Content-Type"] = "application/json; charset=UTF-8"
    return dumps(given).encode()


def _with_connection_body(
    request: http_calls.Request, parameters: dict[str, Any], payload: dict[str, Any]
) -> bytes | None:
    """The connection's BodyParameters added to an object RequestBody (theirs win on a clash)."""
    extra = http_calls.parameter_pairs(parameters, "BodyParameters")
    if not extra:
        return request.body
    given = payload.get("RequestBody")
    if given is not None and not isinstance(given, dict):
        raise _Refused("The connection's BodyParameters can only be merged into an object RequestBody")
    merged = {**(given or {}), **dict(extra)}
    transform = payload.get("Transform") or {}
    encoding = transform.get("RequestBodyEncoding") or "NONE"
    options = transform.get("RequestEncodingOptions") or {}
    return _body(merged, encoding, options.get("ArrayFormat") or "INDICES", request.headers)
