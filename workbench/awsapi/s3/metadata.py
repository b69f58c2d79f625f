"""What S3 keeps with an object besides its bytes: content type, stored headers, user metadata.

Read from the upload's headers, written back as headers on GET and HEAD.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.http import http_date

from workbench.awsapi.s3.call import S3Call
from workbench.storage import chunked, integrity
from workbench.storage.models import StoredObject

USER_METADATA_PREFIX = "x-amz-meta-"
# Headers S3 stores with an object and returns on GET/HEAD.
STORED_HEADERS = ("Cache-Control", "Content-Disposition", "Content-Encoding", "Content-Language", "Expires")


def user_metadata(call: S3Call) -> dict[str, str]:
    return {
        name.lower()[len(USER_METADATA_PREFIX) :]: value
        for name, value in call.request.headers.items()
        if name.lower().startswith(USER_METADATA_PREFIX)
    }


def stored_headers(call: S3Call) -> dict[str, str]:
    kept = {name: call.header(name) or "" for name in STORED_HEADERS if call.header(name)}
    if "Content-Encoding" in kept:
        kept["Content-Encoding"] = chunked.remaining_content_encoding(kept["Content-Encoding"])
        if not kept["Content-Encoding"]:
            del kept["Content-Encoding"]
    return kept


def content_type(call: S3Call) -> str | None:
    return call.request.META.get("CONTENT_TYPE") or None


def object_headers(response: HttpResponse, stored: StoredObject, *, with_checksum: bool) -> None:
    response["Content-Type"] = stored.content_type
    response["ETag"] = stored.etag
    response["Last-Modified"] = http_date(stored.last_modified.timestamp())
    response["Accept-Ranges"] = "bytes"
    for name, value in (stored.headers or {}).items():
        if name.startswith(integrity.CHECKSUM_HEADER_PREFIX):
            if with_checksum:
                response[name] = value
                response["x-amz-checksum-type"] = "FULL_OBJECT"
        else:
            response[name] = value
    for name, value in (stored.metadata or {}).items():
        response[USER_METADATA_PREFIX + name] = value  # sent as named: uvicorn keeps the case
