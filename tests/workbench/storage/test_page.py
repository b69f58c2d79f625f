"""The read-only storage page, through Django's test client."""

from __future__ import annotations

import pytest
from django.test import Client

from workbench.accounts.services import default_workspace
from workbench.storage import services

pytestmark = pytest.mark.django_db


def test_page_lists_buckets_then_folders_and_objects(client: Client) -> None:
    workspace = default_workspace()
    services.create_bucket(workspace, "datasets")
    services.put_object(workspace, "datasets", "orders/2024.csv", b"id\n1\n", "text/csv")
    services.put_object(workspace, "datasets", "readme.txt", b"hello")

    buckets = client.get("/storage/").content.decode()
    assert 'data-bucket="datasets"' in buckets
    assert 'href="/storage/"' in buckets  # the nav link

    top = client.get("/storage/", {"bucket": "datasets"}).content.decode()
    assert 'data-prefix="orders/"' in top and 'data-key="readme.txt"' in top
    assert 'data-key="orders/2024.csv"' not in top

    folder = client.get("/storage/", {"bucket": "datasets", "prefix": "orders/"}).content.decode()
    assert 'data-key="orders/2024.csv"' in folder and 'data-key="readme.txt"' not in folder


def test_missing_bucket_shows_s3_error(client: Client) -> None:
    page = client.get("/storage/", {"bucket": "nowhere"}).content.decode()
    assert "NoSuchBucket" in page


def test_download_returns_the_bytes(client: Client) -> None:
    workspace = default_workspace()
    services.create_bucket(workspace, "downloads")
    services.put_object(workspace, "downloads", "a b.json", b'{"x": 1}', "application/json")
    response = client.get("/storage/download", {"bucket": "downloads", "key": "a b.json"})
    assert response.status_code == 200 and response.content == b'{"x": 1}'
    assert response["Content-Type"] == "application/json"
    missing = client.get("/storage/download", {"bucket": "downloads", "key": "nope"})
    assert missing.status_code == 404 and b"NoSuchKey" in missing.content
