"""In-process AWS JSON calls through the dispatcher, signed as boto3 signs them (key ``test``)."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpResponse
from django.test import Client

CONTENT_TYPES = {"AWSEvents": "application/x-amz-json-1.1", "AWSStepFunctions": "application/x-amz-json-1.0"}
SIGNED = (
    "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/{scope}/aws4_request, "
    "SignedHeaders=host;x-amz-date, Signature=0000"
)
SCOPES = {"AWSEvents": "events", "AWSStepFunctions": "states"}


def call_raw(client: Client, target: str, body: bytes) -> HttpResponse:
    prefix = target.split(".", 1)[0]
    response: HttpResponse = client.generic(
        "POST",
        "/",
        body,
        content_type=CONTENT_TYPES.get(prefix, "application/x-amz-json-1.1"),
        HTTP_X_AMZ_TARGET=target,
        HTTP_AUTHORIZATION=SIGNED.format(scope=SCOPES.get(prefix, "events")),
    )
    return response


def call(client: Client, target: str, params: Any) -> tuple[int, dict[str, Any]]:
    """(status, parsed body) of one call; surrogates travel as JSON escapes, as on the wire."""
    response = call_raw(client, target, json.dumps(params).encode())
    return response.status_code, json.loads(response.content or b"{}")
