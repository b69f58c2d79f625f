"""How S3 answers: an XML document, an empty body, or an ``<Error>`` document.

Errors leave as S3's ``<Error>`` document with the status S3 uses; HEAD errors carry no
body, as in S3.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse

from workbench.core.errors import AwsError
from workbench.storage import s3xml


def xml_response(root: str, members: dict[str, Any] | str, status: int = 200) -> HttpResponse:
    return HttpResponse(s3xml.document(root, members), status=status, content_type="application/xml")


def empty_response(status: int = 200) -> HttpResponse:
    response = HttpResponse(b"", status=status)
    del response["Content-Type"]
    return response


def error_response(exc: AwsError, request: HttpRequest) -> HttpResponse:
    details = getattr(exc, "details", {})
    if request.method == "HEAD":  # S3 answers HEAD errors with the status alone
        return empty_response(exc.status)
    members = {"Code": exc.code, "Message": exc.message, **details}
    body = s3xml.document("Error", members, namespace=False)
    return HttpResponse(body, status=exc.status, content_type="application/xml")
