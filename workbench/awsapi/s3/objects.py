"""Object operations: PutObject, CopyObject, GetObject, HeadObject, DeleteObject."""

from __future__ import annotations

from urllib.parse import unquote

from django.http import HttpResponse

from workbench.awsapi.s3.call import S3Call
from workbench.awsapi.s3.metadata import content_type, object_headers, stored_headers, user_metadata
from workbench.awsapi.s3.payload import verified_body
from workbench.awsapi.s3.reads import byte_range, check_preconditions
from workbench.awsapi.s3.responses import empty_response, xml_response
from workbench.storage import services
from workbench.storage.errors import InvalidArgument

# GET parameters that override response headers (used by presigned download links).
RESPONSE_OVERRIDES = {
    "response-content-type": "Content-Type",
    "response-content-language": "Content-Language",
    "response-expires": "Expires",
    "response-cache-control": "Cache-Control",
    "response-content-disposition": "Content-Disposition",
    "response-content-encoding": "Content-Encoding",
}


def put_object(call: S3Call) -> HttpResponse:
    assert call.bucket is not None and call.key is not None
    body, checksums = verified_body(call)
    etag = services.put_object(
        call.workspace,
        call.bucket,
        call.key,
        body,
        content_type(call),
        metadata=user_metadata(call),
        headers={**stored_headers(call), **checksums},
        if_none_match=call.header("If-None-Match"),
    )
    response = empty_response()
    response["ETag"] = etag
    for name, value in checksums.items():
        response[name] = value
        response["x-amz-checksum-type"] = "FULL_OBJECT"
    return response


def copy_source(call: S3Call) -> tuple[str, str]:
    text = call.header("x-amz-copy-source") or ""
    path = unquote(text.split("?", 1)[0]).lstrip("/")
    bucket, _, key = path.partition("/")
    if not bucket or not key:
        raise InvalidArgument(
            "Copy Source must mention the source bucket and key: sourcebucket/sourcekey",
            ArgumentName="x-amz-copy-source",
            ArgumentValue=text,
        )
    return bucket, key


def copy_object(call: S3Call) -> HttpResponse:
    assert call.bucket is not None and call.key is not None
    source_bucket, source_key = copy_source(call)
    directive = (call.header("x-amz-metadata-directive") or "COPY").upper()
    if directive not in ("COPY", "REPLACE"):
        raise InvalidArgument(
            "Unknown metadata directive.", ArgumentName="x-amz-metadata-directive", ArgumentValue=directive
        )
    copied = services.copy_object(
        call.workspace,
        source_bucket,
        source_key,
        call.bucket,
        call.key,
        replace_metadata=directive == "REPLACE",
        content_type=content_type(call),
        metadata=user_metadata(call),
        headers=stored_headers(call),
    )
    return xml_response("CopyObjectResult", {"LastModified": copied.last_modified, "ETag": copied.etag})


def get_object(call: S3Call) -> HttpResponse:
    assert call.bucket is not None and call.key is not None
    stored = services.get_object(call.workspace, call.bucket, call.key)
    not_modified = check_preconditions(call, stored)
    if not_modified is not None:
        return not_modified
    body: bytes = stored.body
    window = byte_range(call.header("Range"), len(body))
    if window is None:
        response = HttpResponse(body, status=200)
    else:
        first, last = window
        response = HttpResponse(body[first : last + 1], status=206)
        response["Content-Range"] = f"bytes {first}-{last}/{len(body)}"
    wants_checksum = (call.header("x-amz-checksum-mode") or "").upper() == "ENABLED" and window is None
    object_headers(response, stored, with_checksum=wants_checksum)
    response["Content-Length"] = str(len(response.content))
    for parameter, header in RESPONSE_OVERRIDES.items():
        if parameter in call.query:
            response[header] = call.query[parameter]
    return response


def head_object(call: S3Call) -> HttpResponse:
    assert call.bucket is not None and call.key is not None
    stored = services.head_object(call.workspace, call.bucket, call.key)
    not_modified = check_preconditions(call, stored)
    if not_modified is not None:
        return not_modified
    response = empty_response()
    object_headers(
        response, stored, with_checksum=(call.header("x-amz-checksum-mode") or "").upper() == "ENABLED"
    )
    response["Content-Length"] = str(stored.size)
    return response


def delete_object(call: S3Call) -> HttpResponse:
    assert call.bucket is not None and call.key is not None
    services.delete_object(call.workspace, call.bucket, call.key)
    return empty_response(204)
