"""AWS's Query protocol (form-encoded ``Action=...`` POSTs answered with XML), for the services
botocore models as ``query``: SNS here, and IAM's module has the same plumbing to fold in.

A Query request carries no X-Amz-Target; it is recognised by the service in its SigV4
credential scope (``Credential=AKID/date/region/<service>/aws4_request``). Answers are
``<{Action}Response xmlns=...><{Action}Result>...</{Action}Result><ResponseMetadata>`` and errors
``<ErrorResponse><Error><Type>Sender</Type><Code>..</Code><Message>..</Message></Error>
<RequestId>..`` with the service's HTTP status (https://docs.aws.amazon.com/sns/latest/api/CommonErrors.html,
https://docs.aws.amazon.com/IAM/latest/APIReference/CommonErrors.html).
"""

from __future__ import annotations

import logging
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse

from workbench.accounts.models import Workspace
from workbench.accounts.services import workspace_for_access_key
from workbench.core.errors import AwsError
from workbench.core.ids import random_id

log = logging.getLogger(__name__)

_SCOPE = re.compile(r"Credential=([^/,\s]+)/[^/,\s]+/[^/,\s]+/([^/,\s]+)/aws4_request")

Params = dict[str, str]
Operation = Callable[[Workspace, Params, ET.Element], None]


class QueryService:
    """One Query-protocol service: its signing name, API version, XML namespace, operations."""

    def __init__(
        self, signing_name: str, version: str, namespace: str, unknown_action: type[AwsError]
    ) -> None:
        self.signing_name = signing_name
        self.version = version
        self.namespace = namespace
        self.unknown_action = unknown_action
        self.operations: dict[str, Operation] = {}

    def operation(self, name: str) -> Callable[[Operation], Operation]:
        def register(handler: Operation) -> Operation:
            self.operations[name] = handler
            return handler

        return register

    def is_api_call(self, request: HttpRequest) -> bool:
        """A POST signed for this service."""
        if request.method != "POST":
            return False
        match = _SCOPE.search(request.headers.get("Authorization", ""))
        return match is not None and match.group(2) == self.signing_name

    def handle(self, request: HttpRequest) -> HttpResponse:
        params: Params = {key: request.POST.get(key, "") for key in request.POST}
        action = params.get("Action", "")
        request_id = random_id()
        try:
            operation = self.operations.get(action)
            if operation is None:
                raise self.unknown_action(f"Could not find operation {action} for version {self.version}")
            if any("\x00" in value for value in params.values()):
                # PostgreSQL cannot store NUL in text; AWS's Query services refuse it too.
                raise AwsError("Request parameters may not contain NUL characters", code="ValidationError")
            match = _SCOPE.search(request.headers.get("Authorization", ""))
            workspace = workspace_for_access_key(match.group(1) if match else None)
            root = ET.Element(f"{action}Response", xmlns=self.namespace)
            result = ET.SubElement(root, f"{action}Result")
            operation(workspace, params, result)
            if len(result) == 0:
                root.remove(result)  # operations with no output answer metadata only
            text(ET.SubElement(root, "ResponseMetadata"), "RequestId", request_id)
            return _xml(200, root, request_id)
        except AwsError as exc:
            return self._error(exc.status, exc.code, exc.message, request_id)
        except Exception:
            log.exception("internal error in %s %s", self.signing_name, action)
            return self._error(
                500, "InternalError", "An internal error occurred", request_id, fault="Receiver"
            )

    def _error(
        self, status: int, code: str, message: str, request_id: str, *, fault: str = "Sender"
    ) -> HttpResponse:
        root = ET.Element("ErrorResponse", xmlns=self.namespace)
        error = ET.SubElement(root, "Error")
        text(error, "Type", fault)
        text(error, "Code", code)
        text(error, "Message", message)
        text(root, "RequestId", request_id)
        return _xml(status, root, request_id)


def _xml(status: int, root: ET.Element, request_id: str) -> HttpResponse:
    body = b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="utf-8")
    response = HttpResponse(body, status=status, content_type="text/xml")
    response["x-amzn-RequestId"] = request_id
    return response


def text(parent: ET.Element, tag: str, value: Any) -> ET.Element:
    element = ET.SubElement(parent, tag)
    element.text = str(value)
    return element


def entries(params: Params, prefix: str, key: str, value: str) -> dict[str, str]:
    """A map sent as ``<prefix>.entry.N.<key>`` / ``<prefix>.entry.N.<value>``, N from 1."""
    found: dict[str, str] = {}
    index = 1
    while f"{prefix}.entry.{index}.{key}" in params:
        found[params[f"{prefix}.entry.{index}.{key}"]] = params.get(f"{prefix}.entry.{index}.{value}", "")
        index += 1
    return found
