"""The storage page's download link hands objects over as files, never as pages of the workbench.

An object uploaded as text/html and opened from the workbench's origin would otherwise run its
script there; ``X-Content-Type-Options: nosniff`` keeps browsers from guessing HTML
(https://fetch.spec.whatwg.org/#x-content-type-options-header).
"""

from __future__ import annotations

import pytest
from django.test import Client

from workbench.accounts.services import default_workspace
from workbench.storage import services

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def bucket() -> None:
    services.create_bucket(default_workspace(), "site")


@pytest.mark.parametrize(
    ("key", "stored_type", "served_type"),
    [
        ("dir/page.html", "text/html", "application/octet-stream"),
        ("logo.svg", "image/svg+xml", "application/octet-stream"),
        ("notes.txt", "text/plain", "text/plain; charset=utf-8"),
        ("rows.json", "application/json", "application/json"),
    ],
)
def test_downloads_are_attachments_with_a_safe_type(
    client: Client, key: str, stored_type: str, served_type: str
) -> None:
    body = b"<script>document.title='ran'</script>"
    services.put_object(default_workspace(), "site", key, body, stored_type)
    response = client.get("/storage/download", {"bucket": "site", "key": key})
    assert response.status_code == 200
    assert response.content == body
    assert response["Content-Type"] == served_type
    assert response["Content-Disposition"] == f"attachment; filename*=UTF-8''{key.rsplit('/', 1)[-1]}"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]


def test_a_file_name_is_quoted_in_the_header(client: Client) -> None:
    services.put_object(default_workspace(), "site", 'a "b";\r\nc.txt', b"x", "text/plain")
    response = client.get("/storage/download", {"bucket": "site", "key": 'a "b";\r\nc.txt'})
    assert response["Content-Disposition"] == "attachment; filename*=UTF-8''a%20%22b%22%3B%0D%0Ac.txt"
