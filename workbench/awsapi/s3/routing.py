"""Which operation an S3 request asks for.

One small function per operation, picked by method, path level (service, bucket, object)
and sub-resource query parameters.
"""

from __future__ import annotations

from urllib.parse import unquote

from django.http import HttpRequest, HttpResponse, QueryDict

from workbench.awsapi.s3.buckets import (
    create_bucket,
    delete_bucket,
    delete_objects,
    get_bucket_location,
    head_bucket,
    list_buckets,
)
from workbench.awsapi.s3.call import Handler, S3Call
from workbench.awsapi.s3.listings import list_objects, list_objects_v2
from workbench.awsapi.s3.multipart import (
    abort_multipart_upload,
    complete_multipart_upload,
    create_multipart_upload,
    upload_part,
)
from workbench.awsapi.s3.objects import copy_object, delete_object, get_object, head_object, put_object
from workbench.storage.errors import MethodNotAllowed, NotImplementedByWorkbench

# Sub-resources the workbench does not offer: answered with S3's NotImplemented, never ignored.
UNSUPPORTED_SUBRESOURCES = frozenset(
    {
        "accelerate", "acl", "analytics", "attributes", "cors", "encryption", "intelligent-tiering",
        "inventory", "legal-hold", "lifecycle", "logging", "metadataTable", "metrics", "notification",
        "object-lock", "ownershipControls", "policy", "policyStatus", "publicAccessBlock", "replication",
        "requestPayment", "restore", "retention", "select", "session", "tagging", "torrent", "versioning",
        "versions", "website",
    }
)  # fmt: skip


def raw_path(request: HttpRequest) -> str:
    """The path as sent, percent-decoded once: keys may hold characters a server would normalise."""
    scope = getattr(request, "scope", None)
    raw = scope.get("raw_path") if isinstance(scope, dict) else None
    if isinstance(raw, bytes) and raw:
        return unquote(raw.decode("latin-1").split("?", 1)[0], encoding="utf-8", errors="strict")
    return request.path


def bucket_and_key(request: HttpRequest) -> tuple[str | None, str | None]:
    path = raw_path(request)
    host = request.headers.get("Host", "").split(":", 1)[0].lower()
    if host.endswith(".localhost"):  # virtual-hosted style: bucket.localhost:8000/key
        return host[: -len(".localhost")], (path[1:] or None)
    bucket, slash, key = path.lstrip("/").partition("/")
    if not bucket:
        return None, None
    return bucket, (key if slash and key else None)


def route(call: S3Call) -> Handler:
    method = call.request.method or "GET"
    query = call.query
    unsupported = sorted(UNSUPPORTED_SUBRESOURCES & set(query))
    if unsupported:
        raise NotImplementedByWorkbench(
            f"The workbench's S3 does not implement the '{unsupported[0]}' sub-resource.",
            Method=method,
            ResourceType=unsupported[0],
        )
    if call.bucket is None:
        table: dict[str, Handler] = {"GET": list_buckets}
    elif call.key is None:
        table = bucket_operations(query)
    else:
        table = object_operations(call, query)
    handler = table.get(method)
    if handler is None:
        raise MethodNotAllowed(Method=method, ResourceType="OBJECT" if call.key else "BUCKET")
    return handler


def bucket_operations(query: QueryDict) -> dict[str, Handler]:
    if "location" in query:
        return {"GET": get_bucket_location}
    if "uploads" in query:
        raise NotImplementedByWorkbench("The workbench's S3 does not implement ListMultipartUploads.")
    if "delete" in query:
        return {"POST": delete_objects}
    listing = list_objects_v2 if query.get("list-type") == "2" else list_objects
    return {"PUT": create_bucket, "DELETE": delete_bucket, "HEAD": head_bucket, "GET": listing}


def object_operations(call: S3Call, query: QueryDict) -> dict[str, Handler]:
    if "uploads" in query:
        return {"POST": create_multipart_upload}
    if "uploadId" in query:
        if "partNumber" in query and call.header("x-amz-copy-source"):
            raise NotImplementedByWorkbench("The workbench's S3 does not implement UploadPartCopy.")
        return {
            "PUT": upload_part,
            "POST": complete_multipart_upload,
            "DELETE": abort_multipart_upload,
            "GET": not_implemented("ListParts"),
        }
    put = copy_object if call.header("x-amz-copy-source") else put_object
    return {"PUT": put, "GET": get_object, "HEAD": head_object, "DELETE": delete_object}


def not_implemented(operation: str) -> Handler:
    def refuse(call: S3Call) -> HttpResponse:
        raise NotImplementedByWorkbench(f"The workbench's S3 does not implement {operation}.")

    return refuse
