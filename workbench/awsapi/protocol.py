"""The AWS JSON protocol at the server root: one dispatcher for every service.

boto3 and aws-cli POST to ``/`` with ``X-Amz-Target: <Prefix>.<Operation>`` and a JSON body.
The target prefix picks the service module; each module registers one small function per
operation. Errors leave as HTTP 400 with ``{"__type": ..., "message": ...}``, the shape
botocore turns into the named exception.

Before a handler runs, the body is bounded (Step Functions documents a 1 MB maximum request
size in its service quotas; a body over the limit is refused from its Content-Length, unread),
its nesting is bounded, and it is checked against botocore's model of the operation
(``workbench.awsapi.validation``). Nothing a client sends answers 500.
"""

from __future__ import annotations

import json
import logging
import math
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

import orjson
from django.http import HttpRequest, HttpResponse

from workbench.accounts.models import Workspace
from workbench.accounts.services import workspace_for_access_key
from workbench.awsapi.validation import MODEL_FOR_TARGET_PREFIX, validate
from workbench.core.errors import (
    AwsError,
    InternalFailure,
    RequestTooLarge,
    SerializationError,
    UnknownOperationError,
    ValidationError,
    missing_parameter,
)
from workbench.core.ids import random_id

log = logging.getLogger(__name__)

Operation = Callable[[Workspace, dict[str, Any]], dict[str, Any]]
_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/")

# Request bodies over these are refused before they are read. Step Functions: "Maximum request
# size: 1 MB per request" (service quotas). EventBridge documents no request maximum beside
# PutEvents' 256 KB of entries; 4 MB leaves room for every valid request, so an over-long list
# is refused by its model's list size with AWS's ValidationException.
MAX_BODY_BYTES = {"AWSStepFunctions": 1024 * 1024}
DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024
# A request body nests only as deep as its model (a few levels); deeper is refused unparsed.
MAX_NESTING = 64
_JSON_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)  # unrolled: linear and fast
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


class Service:
    """One AWS service: its X-Amz-Target prefix, content type and operations."""

    def __init__(self, target_prefix: str, content_type: str, *, model: str | None = None) -> None:
        self.target_prefix = target_prefix
        self.content_type = content_type
        # botocore's service model, which validates every request before its handler runs.
        self.model = model or MODEL_FOR_TARGET_PREFIX.get(target_prefix)
        self.operations: dict[str, Operation] = {}

    def operation(self, name: str) -> Callable[[Operation], Operation]:
        def register(handler: Operation) -> Operation:
            self.operations[name] = handler
            return handler

        return register


_services: dict[str, Service] = {}


def register(service: Service) -> Service:
    _services[service.target_prefix] = service
    return service


def served_operations() -> list[tuple[str, str | None]]:
    """Every ``<Prefix>.<Operation>`` the dispatcher answers, with its botocore service model."""
    return [
        (f"{prefix}.{name}", service.model)
        for prefix, service in _services.items()
        for name in sorted(service.operations)
    ]


def serves(target: str) -> bool:
    """Whether ``X-Amz-Target: <target>`` names a service this dispatcher answers."""
    return target.partition(".")[0] in _services


def is_api_call(request: HttpRequest) -> bool:
    return request.method == "POST" and "X-Amz-Target" in request.headers


def handle(request: HttpRequest) -> HttpResponse:
    prefix, _, op_name = request.headers["X-Amz-Target"].partition(".")
    service = _services.get(prefix)
    content_type = service.content_type if service else "application/x-amz-json-1.1"
    try:
        if service is None or op_name not in service.operations:
            raise UnknownOperationError(f"Operation {request.headers['X-Amz-Target']} is not supported")
        params = _parse_body(_read_body(request, MAX_BODY_BYTES.get(prefix, DEFAULT_MAX_BODY_BYTES)))
        workspace = workspace_for_access_key(_access_key(request))
        params = validate(service.model, op_name, params)
        result = service.operations[op_name](workspace, params)
        return _respond(200, result, content_type)
    except AwsError as exc:
        return _respond(exc.status, exc.to_body(), content_type)
    except RecursionError:
        # Only JSON text a client sent inside a string member (a definition, an input) nests
        # deep enough for this; the body itself was bounded before parsing.
        log.warning("JSON text nested too deeply in %s", request.headers["X-Amz-Target"])
        too_deep = ValidationError("The request holds JSON text nested too deeply to be read")
        return _respond(too_deep.status, too_deep.to_body(), content_type)
    except Exception:
        log.exception("internal error in %s", request.headers["X-Amz-Target"])
        failure = InternalFailure("An internal error occurred")
        return _respond(failure.status, failure.to_body(), content_type)


def _access_key(request: HttpRequest) -> str | None:
    match = _CREDENTIAL.search(request.headers.get("Authorization", ""))
    return match.group(1) if match else None


def _read_body(request: HttpRequest, limit: int) -> bytes:
    """The body, up to ``limit`` bytes; read from the stream so Django's upload limit never raises."""
    try:
        declared = int(request.headers.get("Content-Length") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        raise _too_large(limit)
    body = request.read(limit + 1)
    if len(body) > limit:
        raise _too_large(limit)
    return body


def _too_large(limit: int) -> RequestTooLarge:
    return RequestTooLarge(f"Request size exceeds the maximum of {limit} bytes for this service")


def _parse_body(body: bytes) -> dict[str, Any]:
    if not body.strip():
        return {}
    if _nesting(body) > MAX_NESTING:
        raise SerializationError(f"The request body nests deeper than {MAX_NESTING} levels")
    try:
        params = orjson.loads(body)  # a few times faster than json on every API call (issue 10)
    except orjson.JSONDecodeError:
        # The rare refused or unusual body is read again by the standard parser, whose answers
        # are the ones AWS's shapes need (lone surrogates reach the validation layer, which
        # names the member; NaN, Infinity and 1e400 are refused).
        params = _parse_strictly(body)
    if isinstance(params, list):
        raise SerializationError("Start of list found where not expected")
    if not isinstance(params, dict):
        raise SerializationError("The request body must be a JSON object")
    return params


def _nesting(body: bytes) -> int:
    """How deep the body's arrays and objects nest, counted outside strings (stops past the limit)."""
    brackets = _JSON_STRING.sub(b"", body).translate(None, _NOT_BRACKETS)
    depth = deepest = 0
    for byte in brackets:
        depth += 1 if byte in b"[{" else -1
        if depth > deepest:
            deepest = depth
            if deepest > MAX_NESTING:
                break
    return deepest


def _parse_strictly(body: bytes) -> Any:
    try:
        return json.loads(body, parse_constant=_refuse_constant, parse_float=_finite_float)
    except (ValueError, RecursionError) as exc:  # JSONDecodeError and UnicodeDecodeError are ValueErrors
        raise SerializationError(f"Unable to parse the request body as JSON: {exc}") from None


def _refuse_constant(name: str) -> Any:
    """NaN and Infinity are not JSON; AWS's parser refuses them."""
    raise ValueError(f"{name} is not a JSON value")


def _finite_float(text: str) -> float:
    """A number too large for a double (1e400) is refused, not read as infinity."""
    value = float(text)
    if math.isinf(value):
        raise ValueError(f"{text[:40]} is out of range")
    return value


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.timestamp()  # AWS's JSON protocols send timestamps as epoch seconds
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


# Datetimes go through _default (epoch seconds), not orjson's own RFC 3339 strings.
_DUMP_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME


def _encode(body: dict[str, Any]) -> bytes:
    """orjson, or the standard encoder for the rare body orjson refuses: a lone surrogate (which
    an error message may quote back from the request) leaves as a ``\\udXXX`` escape, never a 500."""
    try:
        return orjson.dumps(body, default=_default, option=_DUMP_OPTIONS)
    except orjson.JSONEncodeError:
        return json.dumps(body, default=_default).encode()


def _respond(status: int, body: dict[str, Any], content_type: str) -> HttpResponse:
    response = HttpResponse(_encode(body), status=status, content_type=content_type)
    if status >= 400:
        response["x-amzn-ErrorType"] = body.get("__type", "")
    response["x-amzn-RequestId"] = _request_id()
    return response


def _request_id() -> str:
    return random_id()


def required(params: dict[str, Any], name: str) -> Any:
    """A required member; absent or null answers AWS's ValidationException."""
    value = params.get(name)
    if value is None:
        raise missing_parameter(name)
    return value


def string(params: dict[str, Any], name: str, *, required_member: bool = False) -> str | None:
    value = params.get(name)
    if value is None:
        if required_member:
            raise missing_parameter(name)
        return None
    if not isinstance(value, str):
        raise SerializationError(f"Value for {name} must be a string")
    return value
