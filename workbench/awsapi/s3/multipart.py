"""Multipart uploads: create, upload a part, complete, abort."""

from __future__ import annotations

from urllib.parse import quote

from django.http import HttpResponse

from workbench.awsapi.s3.call import S3Call
from workbench.awsapi.s3.metadata import content_type, stored_headers, user_metadata
from workbench.awsapi.s3.payload import verified_body
from workbench.awsapi.s3.responses import empty_response, xml_response
from workbench.storage import limits, multipart, s3xml
from workbench.storage.errors import InvalidArgument, MalformedXML


def create_multipart_upload(call: S3Call) -> HttpResponse:
    assert call.bucket is not None and call.key is not None
    upload = multipart.create_multipart_upload(
        call.workspace,
        call.bucket,
        call.key,
        content_type(call),
        metadata=user_metadata(call),
        headers=stored_headers(call),
    )
    return xml_response(
        "InitiateMultipartUploadResult",
        {"Bucket": call.bucket, "Key": call.key, "UploadId": upload.upload_id},
    )


def part_number(call: S3Call) -> int:
    text = call.query.get("partNumber", "")
    try:
        return int(text)
    except ValueError as exc:
        raise InvalidArgument(
            f"Part number must be an integer between 1 and {limits.PART_NUMBER_MAX}, inclusive",
            ArgumentName="partNumber",
            ArgumentValue=text,
        ) from exc


def upload_part(call: S3Call) -> HttpResponse:
    assert call.bucket is not None and call.key is not None
    body, checksums = verified_body(call, limits.PART_MAX_BYTES)
    etag = multipart.upload_part(
        call.workspace, call.bucket, call.key, call.query["uploadId"], part_number(call), body
    )
    response = empty_response()
    response["ETag"] = etag
    for name, value in checksums.items():
        response[name] = value
    return response


def complete_multipart_upload(call: S3Call) -> HttpResponse:
    assert call.bucket is not None and call.key is not None
    document = s3xml.parse(call.request.read(), "CompleteMultipartUpload")
    parts: list[tuple[int, str]] = []
    for part in document.findall("Part"):
        number_text = s3xml.child_text(part, "PartNumber") or ""
        if not number_text.strip().isdigit():
            raise MalformedXML(f"PartNumber must be a positive integer, not {number_text!r}.")
        parts.append((int(number_text), s3xml.child_text(part, "ETag") or ""))
    obj = multipart.complete_multipart_upload(
        call.workspace, call.bucket, call.key, call.query["uploadId"], parts
    )
    location = call.request.build_absolute_uri(f"/{call.bucket}/{quote(call.key)}")
    return xml_response(
        "CompleteMultipartUploadResult",
        {"Location": location, "Bucket": call.bucket, "Key": call.key, "ETag": obj.etag},
    )


def abort_multipart_upload(call: S3Call) -> HttpResponse:
    assert call.bucket is not None and call.key is not None
    multipart.abort_multipart_upload(call.workspace, call.bucket, call.key, call.query["uploadId"])
    return empty_response(204)
