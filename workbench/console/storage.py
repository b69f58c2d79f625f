"""The storage page: buckets and their objects, made, uploaded, downloaded and deleted in the
browser.

Every write goes through ``workbench.storage.services`` (the path CreateBucket, DeleteBucket,
PutObject and DeleteObject take), so a form is refused with S3's own error: an invalid bucket
name answers InvalidBucketName, deleting a bucket that still holds objects BucketNotEmpty
("DeleteBucket", Amazon S3 API Reference: "All objects ... in the bucket must be deleted before
the bucket itself can be deleted"). A refused form is rendered again with HTTP 400, the error
beside its field and what was typed kept.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from workbench.accounts.services import default_workspace
from workbench.console.forms import field, notice
from workbench.core.errors import AwsError
from workbench.storage import services

PAGE_SIZE = 200
UPLOAD_FIELD = "file"


def _breadcrumbs(prefix: str) -> list[dict[str, str]]:
    """Each folder of ``prefix`` with the prefix that opens it."""
    crumbs = []
    opened = ""
    for part in [part for part in prefix.split("/") if part]:
        opened += part + "/"
        crumbs.append({"name": part, "prefix": opened})
    return crumbs


def _back(what: str, name: str, bucket: str = "", prefix: str = "") -> HttpResponseRedirect:
    """Back to the page (the bucket's folder when there is one) with the notice ``what``."""
    query = {"bucket": bucket, "prefix": prefix} if bucket else {}
    query = {key: value for key, value in query.items() if value}
    return HttpResponseRedirect(f"{reverse('storage')}?{urlencode({**query, 'done': what, 'name': name})}")


def _page(
    request: HttpRequest,
    *,
    bucket: str,
    prefix: str,
    errors: dict[str, str] | None = None,
    bucket_form: dict[str, str] | None = None,
    upload_form: dict[str, str] | None = None,
    after: str = "",
) -> HttpResponse:
    workspace = default_workspace()
    errors = dict(errors or {})
    context: dict[str, object] = {
        "buckets": services.list_buckets(workspace),
        "bucket": bucket,
        "prefix": prefix,
        "parents": _breadcrumbs(prefix),
        "errors": errors,
        "bucket_form": bucket_form or {"name": ""},
        "upload_form": upload_form or {"key": ""},
        "notice": notice(request),
        "error": None,
    }
    if bucket:
        try:
            context["listing"] = services.list_objects_v2(
                workspace,
                bucket,
                prefix=prefix,
                delimiter="/",
                max_keys=PAGE_SIZE,
                continuation_token=after or None,
            )
        except AwsError as exc:
            context["error"] = exc
    status = 400 if errors else (context["error"].status if isinstance(context["error"], AwsError) else 200)
    return render(request, "storage/storage.html", context, status=status)


@require_http_methods(["GET", "POST"])
def storage_page(request: HttpRequest) -> HttpResponse:
    """Buckets, and one bucket's objects folder by folder; POST creates a bucket (CreateBucket)."""
    if request.method == "POST":
        name = field(request, "name")
        try:
            services.create_bucket(default_workspace(), name)
        except AwsError as exc:
            return _page(
                request, bucket="", prefix="", errors={"name": exc.message}, bucket_form={"name": name}
            )
        return _back("bucket-created", name, bucket=name)
    return _page(
        request,
        bucket=request.GET.get("bucket", ""),
        prefix=request.GET.get("prefix", ""),
        after=request.GET.get("after", ""),
    )


@require_POST
def bucket_delete(request: HttpRequest) -> HttpResponse:
    """DeleteBucket: refused with BucketNotEmpty while the bucket holds objects, as in S3."""
    bucket = field(request, "bucket")
    try:
        services.delete_bucket(default_workspace(), bucket)
    except AwsError as exc:
        return _page(request, bucket=bucket, prefix="", errors={"bucket": exc.message})
    return _back("bucket-deleted", bucket)


@require_POST
def object_upload(request: HttpRequest) -> HttpResponse:
    """PutObject from a file input; the key defaults to the folder shown plus the file's name."""
    bucket, prefix, key = field(request, "bucket"), field(request, "prefix"), field(request, "key")
    upload = request.FILES.get(UPLOAD_FIELD)
    if not bucket:
        return _page(request, bucket="", prefix="", errors={"bucket": "Choose a bucket to upload into."})
    if upload is None:
        return _page(
            request,
            bucket=bucket,
            prefix=prefix,
            errors={UPLOAD_FIELD: "Choose a file to upload."},
            upload_form={"key": key},
        )
    key = key or prefix + (upload.name or "")
    try:
        services.put_object(
            default_workspace(),
            bucket,
            key,
            upload.read(),
            upload.content_type or None,
        )
    except AwsError as exc:
        where = "bucket" if exc.code == "NoSuchBucket" else "key"
        return _page(
            request, bucket=bucket, prefix=prefix, errors={where: exc.message}, upload_form={"key": key}
        )
    return _back("object-uploaded", key, bucket=bucket, prefix=prefix)


@require_POST
def object_delete(request: HttpRequest) -> HttpResponse:
    """DeleteObject (a key already gone is no error, as in S3)."""
    bucket, prefix, key = field(request, "bucket"), field(request, "prefix"), str(request.POST.get("key", ""))
    try:
        services.delete_object(default_workspace(), bucket, key)
    except AwsError as exc:
        return _page(request, bucket=bucket, prefix=prefix, errors={"bucket": exc.message})
    return _back("object-deleted", key, bucket=bucket, prefix=prefix)
