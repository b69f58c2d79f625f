"""ListObjects and ListObjectsV2: paging parameters, encoding-type=url, and S3's member order."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from django.http import HttpResponse

from workbench.awsapi.s3.call import S3Call
from workbench.awsapi.s3.responses import xml_response
from workbench.storage import limits, services
from workbench.storage.errors import InvalidArgument


def max_keys(call: S3Call) -> int:
    text = call.query.get("max-keys", str(limits.LIST_MAX_KEYS))
    try:
        return int(text)
    except ValueError as exc:
        raise InvalidArgument(
            "Provided max-keys not an integer or within integer range",
            ArgumentName="max-keys",
            ArgumentValue=text,
        ) from exc


def url_encoder(call: S3Call) -> Callable[[str], str]:
    encoding = call.query.get("encoding-type")
    if encoding is None:
        return lambda text: text
    if encoding != "url":
        raise InvalidArgument(
            "Invalid Encoding Method specified in Request",
            ArgumentName="encoding-type",
            ArgumentValue=encoding,
        )
    return lambda text: quote(text, safe="/")


def encode_listing(result: dict[str, Any], encode: Callable[[str], str], encoded: bool) -> dict[str, Any]:
    """Apply encoding-type=url to every key-like member, as S3 does, and say so."""
    for name in ("Prefix", "Delimiter", "StartAfter", "Marker", "NextMarker"):
        if name in result:
            result[name] = encode(result[name])
    for entry in result.get("Contents", []):
        entry["Key"] = encode(entry["Key"])
    for common in result.get("CommonPrefixes", []):
        common["Prefix"] = encode(common["Prefix"])
    if encoded:
        result["EncodingType"] = "url"
    return result


def list_objects_v2(call: S3Call) -> HttpResponse:
    assert call.bucket is not None
    encode = url_encoder(call)
    result = services.list_objects_v2(
        call.workspace,
        call.bucket,
        prefix=call.query.get("prefix", ""),
        delimiter=call.query.get("delimiter") or None,
        max_keys=max_keys(call),
        continuation_token=call.query.get("continuation-token"),
        start_after=call.query.get("start-after") or None,
    )
    if call.query.get("fetch-owner") == "true":
        owner = services.owner_of(call.workspace)
        for entry in result.get("Contents", []):
            entry["Owner"] = owner
    result = encode_listing(result, encode, "encoding-type" in call.query)
    return xml_response("ListBucketResult", listing_order(result))


def list_objects(call: S3Call) -> HttpResponse:
    assert call.bucket is not None
    encode = url_encoder(call)
    result = services.list_objects(
        call.workspace,
        call.bucket,
        prefix=call.query.get("prefix", ""),
        delimiter=call.query.get("delimiter") or None,
        max_keys=max_keys(call),
        marker=call.query.get("marker", ""),
    )
    result = encode_listing(result, encode, "encoding-type" in call.query)
    return xml_response("ListBucketResult", listing_order(result))


LISTING_ENTRIES = ("Contents", "CommonPrefixes")


def listing_order(result: dict[str, Any]) -> dict[str, Any]:
    """Scalars first and entries last, the order S3 writes a ListBucketResult in."""
    entries: dict[str, Any] = {name: result[name] for name in LISTING_ENTRIES if name in result}
    scalars = {name: value for name, value in result.items() if name not in entries}
    return {**scalars, **entries}
