"""The S3 REST-XML API, path-style: what boto3 and aws-cli send to an endpoint such as 127.0.0.1.

S3 requests share paths with the browser UI (``/machines/`` could be a bucket), so they are
told apart by their signature: SigV4 with ``s3`` as the credential scope's service, in the
Authorization header or a complete presigned URL (X-Amz-Algorithm, X-Amz-Credential,
X-Amz-Date, X-Amz-Expires, X-Amz-SignedHeaders and X-Amz-Signature, as SigV4 query
authentication requires: https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html).
``workbench.awsapi.middleware`` sends those here before any other middleware (so without CSRF
checks) or URL routing, but only when ``sent_by_sdk`` says a web page could not have sent it.

This module recognises and answers such requests; ``routing`` picks the operation, and
``buckets``, ``listings``, ``objects`` and ``multipart`` implement them.
https://docs.aws.amazon.com/AmazonS3/latest/API/RESTAPI.html
"""

from __future__ import annotations

import logging
import re
import uuid

from django.http import HttpRequest, HttpResponse

from workbench.accounts.services import workspace_for_access_key
from workbench.awsapi.s3.call import S3Call
from workbench.awsapi.s3.responses import error_response
from workbench.awsapi.s3.routing import bucket_and_key, route
from workbench.core.errors import AwsError
from workbench.storage.errors import AccessDenied, InternalError

log = logging.getLogger(__name__)

_SIGV4_S3 = re.compile(r"Credential=([^/,\s]+)/\d{8}/([^/,\s]+)/s3/aws4_request")
_PRESIGNED_V4 = frozenset(
    {
        "X-Amz-Algorithm",
        "X-Amz-Credential",
        "X-Amz-Date",
        "X-Amz-Expires",
        "X-Amz-SignedHeaders",
        "X-Amz-Signature",
    }
)
# What a page on another site can send to 127.0.0.1 without a CORS preflight: a form's POST
# (or fetch's no-cors POST) with one of these content types, and no Authorization header.
# https://fetch.spec.whatwg.org/#cors-safelisted-request-header
_BROWSER_FORM_TYPES = frozenset(
    {"", "application/x-www-form-urlencoded", "multipart/form-data", "text/plain"}
)


def signing_scope(request: HttpRequest) -> tuple[str, str] | None:
    """(access key, region) when the request is signed for S3, else None.

    SigV4 names its service in the credential scope. S3 is the only service left that speaks
    SigV2 (``Authorization: AWS key:signature``, or the presigned query boto3 still makes by
    default: AWSAccessKeyId + Signature + Expires); those carry no region, so it is "".
    """
    authorization = request.headers.get("Authorization", "")
    found = _SIGV4_S3.search(authorization)
    if found:
        return found.group(1), found.group(2)
    if authorization.startswith("AWS ") and ":" in authorization:
        return authorization[len("AWS ") :].split(":", 1)[0].strip(), ""
    query = request.GET
    parts = query.get("X-Amz-Credential", "").split("/")
    if set(query) >= _PRESIGNED_V4 and len(parts) == 5 and parts[3] == "s3" and parts[4] == "aws4_request":
        return parts[0], parts[2]
    if {"AWSAccessKeyId", "Signature", "Expires"} <= set(query) and "SignatureVersion" not in query:
        return query["AWSAccessKeyId"], ""
    return None


def is_s3_request(request: HttpRequest) -> bool:
    return signing_scope(request) is not None


def sent_by_sdk(request: HttpRequest) -> bool:
    """Whether a signed S3 request may skip CSRF checks: no web page could have sent it.

    A signature in the Authorization header needs a CORS preflight the workbench never grants;
    a presigned query does not, so a presigned POST with a browser form's content type (what a
    form on another site sends, e.g. a text/plain DeleteObjects) is not taken as an SDK's.
    """
    if request.headers.get("Authorization", ""):
        return True
    return not (request.method == "POST" and request.content_type in _BROWSER_FORM_TYPES)


def refuse_as_cross_site(request: HttpRequest) -> HttpResponse:
    """S3's AccessDenied for a presigned request that arrived as a browser form would send it."""
    refusal = AccessDenied(
        "A request signed only in its query string cannot be sent with a browser form's content type; "
        "sign it in the Authorization header."
    )
    return error_response(refusal, request)


def handle(request: HttpRequest) -> HttpResponse:
    request_id = uuid.uuid4().hex[:16].upper()
    call: S3Call | None = None
    try:
        access_key, region = signing_scope(request) or (None, "")
        bucket, key = bucket_and_key(request)
        call = S3Call(request, workspace_for_access_key(access_key), region, bucket, key)
        response = route(call)(call)
    except AwsError as exc:
        response = error_response(exc, request)
    except Exception:
        log.exception("internal error in S3 %s %s", request.method, request.path)
        response = error_response(InternalError(), request)
    response["x-amz-request-id"] = request_id
    response["x-amz-id-2"] = request_id
    # A 404 from HeadObject is how clients ask "does it exist?": not worth a warning per call.
    # Django's request logger skips responses marked as already logged; faults log above.
    response._has_been_logged = True
    return response
