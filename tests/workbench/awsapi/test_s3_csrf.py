"""Only requests no web page could send skip CSRF checks on the way to the S3 API.

A form on another site can POST with a browser form's content type and any query string, but
no Authorization header (that needs a CORS preflight, never granted). So a presigned query on
such a POST is refused, and a query that is not a complete SigV4 presigned query
(https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html) is not S3 at all.
"""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.test import Client

from tests.workbench.awsapi.calls import PRESIGNED_S3_QUERY
from workbench.accounts.services import default_workspace
from workbench.storage import services
from workbench.storage.models import StoredObject

pytestmark = pytest.mark.django_db

HEADER_SIGNED = (
    "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/s3/aws4_request, "
    "SignedHeaders=host;x-amz-date, Signature=0000"
)
# What a text/plain form sends (name=value CRLF) when its one field is named
# '<Delete><Object><Key>report.txt</Key></Object><Note a' and its value is '"b"/></Delete>'.
DELETE_BODY = b'<Delete><Object><Key>report.txt</Key></Object><Note a="b"/></Delete>\r\n'


@pytest.fixture
def stored() -> None:
    workspace = default_workspace()
    services.create_bucket(workspace, "data")
    services.put_object(workspace, "data", "report.txt", b"hello", "text/plain")


def _exists() -> bool:
    return StoredObject.objects.filter(key="report.txt").exists()


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", ""])
def test_a_presigned_form_post_is_refused(client: Client, stored: None, content_type: str) -> None:
    query = urlencode({"delete": "", **PRESIGNED_S3_QUERY})
    response = client.generic("POST", f"/data?{query}", DELETE_BODY, content_type=content_type)
    assert response.status_code == 403
    assert b"<Code>AccessDenied</Code>" in response.content
    assert _exists()


def test_a_lone_credential_in_the_query_is_not_an_s3_request(client: Client, stored: None) -> None:
    query = urlencode({"delete": "", "X-Amz-Credential": PRESIGNED_S3_QUERY["X-Amz-Credential"]})
    csrf_checked = Client(enforce_csrf_checks=True)
    response = csrf_checked.generic("POST", f"/data?{query}", DELETE_BODY, content_type="text/plain")
    # Not an S3 request: it reaches the browser UI's URLs (no page there, or Django's CSRF refusal).
    assert response.status_code in (403, 404)
    assert b"AccessDenied" not in response.content
    assert _exists()


def test_the_same_body_signed_in_the_header_is_an_sdk_request(client: Client, stored: None) -> None:
    response = client.generic(
        "POST", "/data?delete", DELETE_BODY, content_type="text/plain", HTTP_AUTHORIZATION=HEADER_SIGNED
    )
    assert response.status_code == 200, response.content
    assert not _exists()


def test_presigned_get_and_put_still_work(client: Client, stored: None) -> None:
    query = urlencode(PRESIGNED_S3_QUERY)
    response = client.get(f"/data/report.txt?{query}")
    assert (response.status_code, response.content) == (200, b"hello")
    response = client.generic("PUT", f"/data/new.txt?{query}", b"new", content_type="text/plain")
    assert response.status_code == 200, response.content
    assert StoredObject.objects.filter(key="new.txt").exists()
