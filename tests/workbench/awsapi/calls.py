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
# A complete SigV4 presigned query for S3 (its signature is not checked, as for every request).
PRESIGNED_S3_QUERY = {
    "X-Amz-Algorithm": "AWS4-HMAC-SHA256",
    "X-Amz-Credential": "test/20260101/us-east-1/s3/aws4_request",
    "X-Amz-Date": "20260101T000000Z",
    "X-Amz-Expires": "300",
    "X-Amz-SignedHeaders": "host",
    "X-Amz-Signature": "0" * 64,
}


def signed_headers(target: str) -> dict[str, str]:
    """The headers boto3 sends with an AWS JSON call (for raw HTTP clients)."""
    prefix = target.split(".", 1)[0]
    return {
        "X-Amz-Target": target,
        "Content-Type": CONTENT_TYPES.get(prefix, "application/x-amz-json-1.1"),
        "Authorization": SIGNED.format(scope=SCOPES.get(prefix, "events")),
    }


def call_raw(client: Client, target: str, body: bytes) -> HttpResponse:
    headers = signed_headers(target)
    response: HttpResponse = client.generic(
        "POST",
        "/",
        body,
        content_type=headers["Content-Type"],
        HTTP_X_AMZ_TARGET=target,
        HTTP_AUTHORIZATION=headers["Authorization"],
    )
    return response


def call(client: Client, target: str, params: Any) -> tuple[int, dict[str, Any]]:
    """(status, parsed body) of one call; surrogates travel as JSON escapes, as on the wire."""
    response = call_raw(client, target, json.dumps(params).encode())
    return response.status_code, json.loads(response.content or b"{}")
