"""Sends S3 requests to the S3 API before anything else sees them.

An S3 request is recognised by its SigV4 credential scope (service ``s3``), not by its path:
``/machines/`` is a UI page to a browser and a bucket to boto3. It is answered here, ahead of
CSRF checks and URL routing, because S3 clients neither carry CSRF tokens nor use our URLs.
That exemption is only for requests no web page could send (``s3.sent_by_sdk``): a presigned
query on a browser form's POST is refused, so a page on another site cannot delete objects.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from workbench.awsapi import s3


class S3RequestMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if s3.is_s3_request(request):
            return s3.handle(request) if s3.sent_by_sdk(request) else s3.refuse_as_cross_site(request)
        return self.get_response(request)
