"""The read-only storage page: buckets, and the objects of one bucket folder by folder."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from workbench.accounts.services import default_workspace
from workbench.core.errors import AwsError
from workbench.storage import services

PAGE_SIZE = 200


def storage_page(request: HttpRequest) -> HttpResponse:
    workspace = default_workspace()
    bucket = request.GET.get("bucket", "")
    prefix = request.GET.get("prefix", "")
    context: dict[str, object] = {
        "buckets": services.list_buckets(workspace),
        "bucket": bucket,
        "prefix": prefix,
        "parents": _parents(prefix),
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
                continuation_token=request.GET.get("after") or None,
            )
        except AwsError as exc:
            context["error"] = exc
    return render(request, "storage/storage.html", context)


def download(request: HttpRequest) -> HttpResponse:
    """An object's bytes, as a browser download: so datasets can be checked by eye."""
    workspace = default_workspace()
    try:
        stored = services.get_object(workspace, request.GET.get("bucket", ""), request.GET.get("key", ""))
    except AwsError as exc:
        return HttpResponse(f"{exc.code}: {exc.message}", status=exc.status, content_type="text/plain")
    response = HttpResponse(stored.body, content_type=stored.content_type)
    response["ETag"] = stored.etag
    return response


def _parents(prefix: str) -> list[dict[str, str]]:
    """Breadcrumbs: each folder of ``prefix`` with the prefix that opens it."""
    crumbs = []
    opened = ""
    for part in [part for part in prefix.split("/") if part]:
        opened += part + "/"
        crumbs.append({"name": part, "prefix": opened})
    return crumbs
