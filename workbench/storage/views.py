"""An object's bytes as a browser download (the storage page itself is workbench.console.storage)."""

from __future__ import annotations

from urllib.parse import quote

from django.http import HttpRequest, HttpResponse

from workbench.accounts.services import default_workspace
from workbench.core.errors import AwsError
from workbench.storage import services

# Stored content types a download keeps: data a browser only displays. Anything else (text/html,
# SVG, XML, JavaScript...) could run script on the workbench's origin, so it leaves as bytes.
DISPLAYABLE_TYPES = frozenset({"text/plain", "text/csv", "application/json", "application/x-ndjson"})


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
