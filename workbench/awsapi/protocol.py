"""The AWS JSON protocol at the server root: one dispatcher for every service.

boto3 and aws-cli POST to ``/`` with ``X-Amz-Target: <Prefix>.<Operation>`` and a JSON body.
The target prefix picks the service module; each module registers one small function per
operation. Errors leave as HTTP 400 with ``{"__type": ..., "message": ...}``, the shape
botocore turns into the named exception.
"""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

import orjson
from django.http import HttpRequest, HttpResponse

from workbench.accounts.models import Workspace
from workbench.accounts.services import workspace_for_access_key
from workbench.core.errors import AwsError, SerializationError, UnknownOperationError, missing_parameter

log = logging.getLogger(__name__)

Operation = Callable[[Workspace, dict[str, Any]], dict[str, Any]]
_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/")


class Service:
    """One AWS service: its X-Amz-Target prefix, content type and operations."""

    def __init__(self, target_prefix: str, content_type: str) -> None:
        self.target_prefix = target_prefix
        self.content_type = content_type
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


def is_api_call(request: HttpRequest) -> bool:
    return request.method == "POST" and "X-Amz-Target" in request.headers


def handle(request: HttpRequest) -> HttpResponse:
    prefix, _, op_name = request.headers["X-Amz-Target"].partition(".")
    service = _services.get(prefix)
    content_type = service.content_type if service else "application/x-amz-json-1.1"
    try:
        if service is None or op_name not in service.operations:
            raise UnknownOperationError(f"Operation {request.headers['X-Amz-Target']} is not supported")
        params = _parse_body(request.body)
        workspace = workspace_for_access_key(_access_key(request))
        result = service.operations[op_name](workspace, params)
        return _respond(200, result, content_type)
    except AwsError as exc:
        return _respond(exc.status, exc.to_body(), content_type)
    except Exception:
        log.exception("internal error in %s", request.headers["X-Amz-Target"])
        return _respond(
            500, {"__type": "InternalFailure", "message": "An internal error occurred"}, content_type
        )


def _access_key(request: HttpRequest) -> str | None:
    match = _CREDENTIAL.search(request.headers.get("Authorization", ""))
    return match.group(1) if match else None


def _parse_body(body: bytes) -> dict[str, Any]:
    if not body.strip():
        return {}
    try:
        params = orjson.loads(body)  # a few times faster than json on every API call (issue 10)
    except orjson.JSONDecodeError as exc:  # also raised for bytes that are not UTF-8
        raise SerializationError(f"Unable to parse the request body as JSON: {exc}") from exc
    if not isinstance(params, dict):
        raise SerializationError("The request body must be a JSON object")
    return params


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.timestamp()  # AWS's JSON protocols send timestamps as epoch seconds
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


# Datetimes go through _default (epoch seconds), not orjson's own RFC 3339 strings.
_DUMP_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME


def _respond(status: int, body: dict[str, Any], content_type: str) -> HttpResponse:
    response = HttpResponse(
        orjson.dumps(body, default=_default, option=_DUMP_OPTIONS), status=status, content_type=content_type
    )
    if status >= 400:
        response["x-amzn-ErrorType"] = body.get("__type", "")
    response["x-amzn-RequestId"] = _request_id()
    return response


def _request_id() -> str:
    return str(uuid.uuid4())


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
