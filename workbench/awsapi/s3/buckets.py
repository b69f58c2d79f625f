"""Bucket operations: list, create, delete, head, location, and the batch DeleteObjects."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse

from workbench.awsapi.s3.call import S3Call
from workbench.awsapi.s3.payload import verified_body
from workbench.awsapi.s3.responses import empty_response, xml_response
from workbench.storage import limits, s3xml, services
from workbench.storage.errors import MalformedXML


def list_buckets(call: S3Call) -> HttpResponse:
    buckets = services.list_buckets(call.workspace, call.query.get("prefix", ""))
    members: dict[str, Any] = {
        "Owner": services.owner_of(call.workspace),
        "Buckets": {
            "Bucket": [
                {"Name": bucket.name, "CreationDate": bucket.created, "BucketRegion": bucket.region}
                for bucket in buckets
            ]
        },
    }
    if "prefix" in call.query:
        members["Prefix"] = call.query["prefix"]
    return xml_response("ListAllMyBucketsResult", members)


def create_bucket(call: S3Call) -> HttpResponse:
    assert call.bucket is not None
    location = None
    body = call.request.read()
    if body.strip():
        configuration = s3xml.parse(body, "CreateBucketConfiguration")
        location = s3xml.child_text(configuration, "LocationConstraint") or None
    services.create_bucket(
        call.workspace, call.bucket, location=location, endpoint_region=call.region or None
    )
    response = empty_response()
    response["Location"] = f"/{call.bucket}"
    return response


def delete_bucket(call: S3Call) -> HttpResponse:
    assert call.bucket is not None
    services.delete_bucket(call.workspace, call.bucket)
    return empty_response(204)


def head_bucket(call: S3Call) -> HttpResponse:
    assert call.bucket is not None
    bucket = services.head_bucket(call.workspace, call.bucket)
    response = empty_response()
    response["x-amz-bucket-region"] = bucket.region
    return response


def get_bucket_location(call: S3Call) -> HttpResponse:
    assert call.bucket is not None
    bucket = services.get_bucket(call.workspace, call.bucket)
    # us-east-1 buckets have an empty LocationConstraint, as in S3.
    return xml_response(
        "LocationConstraint", "" if bucket.region == services.LEGACY_REGION else bucket.region
    )


def delete_objects(call: S3Call) -> HttpResponse:
    assert call.bucket is not None
    body, _ = verified_body(call)
    request = s3xml.parse(body, "Delete")
    keys = [s3xml.child_text(item, "Key") or "" for item in request.findall("Object")]
    if not keys or len(keys) > limits.DELETE_MAX_KEYS:
        raise MalformedXML(
            f"A DeleteObjects request names 1 to {limits.DELETE_MAX_KEYS} objects, not {len(keys)}."
        )
    quiet = (s3xml.child_text(request, "Quiet") or "").strip().lower() == "true"
    deleted = services.delete_objects(call.workspace, call.bucket, keys)
    members: dict[str, Any] = {} if quiet else {"Deleted": [{"Key": key} for key in deleted]}
    return xml_response("DeleteResult", members)
