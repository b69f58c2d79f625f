"""Conditional and partial reads: the If-* preconditions and the Range header of GET and HEAD."""

from __future__ import annotations

from django.http import HttpResponse
from django.utils.http import http_date, parse_http_date_safe

from workbench.awsapi.s3.call import S3Call
from workbench.awsapi.s3.responses import empty_response
from workbench.storage.errors import InvalidRange, PreconditionFailed
from workbench.storage.models import StoredObject


def check_preconditions(call: S3Call, stored: StoredObject) -> HttpResponse | None:
    """If-Match / If-Unmodified-Since fail with 412; If-None-Match / If-Modified-Since answer 304."""
    if_match = call.header("If-Match")
    if if_match is not None and if_match.strip() not in ("*", stored.etag, stored.etag.strip('"')):
        raise PreconditionFailed(Condition="If-Match")
    unmodified_since = parse_http_date_safe(call.header("If-Unmodified-Since") or "")
    if (
        if_match is None
        and unmodified_since is not None
        and stored.last_modified.timestamp() > unmodified_since
    ):
        raise PreconditionFailed(Condition="If-Unmodified-Since")
    if_none_match = call.header("If-None-Match")
    modified_since = parse_http_date_safe(call.header("If-Modified-Since") or "")
    not_modified = (
        if_none_match.strip() in ("*", stored.etag, stored.etag.strip('"'))
        if if_none_match is not None
        else modified_since is not None and stored.last_modified.timestamp() <= modified_since
    )
    if not_modified:
        response = empty_response(304)
        response["ETag"] = stored.etag
        response["Last-Modified"] = http_date(stored.last_modified.timestamp())
        return response
    return None


def byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The inclusive (first, last) byte of a single ``bytes=`` range; None means the whole object.

    Like S3, a header it cannot use (several ranges, other units, nonsense) is ignored, and a
    range starting past the end is InvalidRange (416).
    """
    if not header or not header.startswith("bytes=") or "," in header:
        return None
    first_text, dash, last_text = header[len("bytes=") :].strip().partition("-")
    if not dash or not (first_text.isdigit() or last_text.isdigit()):
        return None
    if not first_text:  # suffix: the last N bytes
        length = int(last_text)
        if length == 0:
            raise InvalidRange(RangeRequested=header, ActualObjectSize=str(size))
        return max(size - length, 0), size - 1
    first = int(first_text)
    last = int(last_text) if last_text.isdigit() else size - 1
    if last_text and last < first:
        return None
    if first >= size:
        raise InvalidRange(RangeRequested=header, ActualObjectSize=str(size))
    return first, min(last, size - 1)
