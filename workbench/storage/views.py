"""The read-only storage page: buckets, and the objects of one bucket folder by folder."""

from __future__ import annotations

from urllib.parse import quote

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from workbench.accounts.services import default_workspace
from workbench.core.errors import AwsError
from workbench.storage import services

PAGE_SIZE = 200
# Stored content types a download keeps: data a browser only displays. Anything else (text/html,
# SVG, XML, JavaScript...) could run script on the workbench's origin, so it leaves as bytes.
DISPLAYABLE_TYPES = frozenset({"text/plain", "text/csv", "application/json", "application/x-ndjson"})


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
    response = HttpResponse(stored.body, content_type=_safe_content_type(stored.content_type))
    response["ETag"] = stored.etag
    # A download, never a page of the workbench's origin: saved as a file, not sniffed into HTML,
    # and sandboxed should a browser render it anyway.
    name = stored.key.rsplit("/", 1)[-1] or "object"
    response["Content-Disposition"] = f"attachment; filename*=UTF-8''{quote(name, safe='')}"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response


def _safe_content_type(stored: str | None) -> str:
    media_type = (stored or "").split(";", 1)[0].strip().lower()
    if media_type in DISPLAYABLE_TYPES:
        return f"{media_type}; charset=utf-8" if media_type.startswith("text/") else media_type
    return "application/octet-stream"


def _parents(prefix: str) -> list[dict[str, str]]:
    """Breadcrumbs: each folder of ``prefix`` with the prefix that opens it."""
    crumbs = []
    opened = ""
    for part in [part for part in prefix.split("/") if part]:
        opened += part + "/"
        crumbs.append({"name": part, "prefix": opened})
    return crumbs
