"""The storage page in-process: buckets created and deleted, objects uploaded, downloaded and
deleted; refusals shown beside their field with what was typed kept (HTTP 400), crafted POSTs
answered 400 not 500."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.support.pages import field_error
from workbench.accounts.services import default_workspace
from workbench.storage import services
from workbench.storage.models import Bucket, StoredObject

pytestmark = pytest.mark.django_db


def test_create_upload_download_delete(client: Client) -> None:
    response = client.post("/storage/", {"name": "datasets"})
    assert response.status_code == 302
    assert response["Location"] == "/storage/?bucket=datasets&done=bucket-created&name=datasets"
    page = client.get(response["Location"]).content.decode()
    assert "Bucket datasets created." in page and 'id="upload-object"' in page

    upload = SimpleUploadedFile("orders.csv", b"id\n1\n", content_type="text/csv")
    response = client.post("/storage/upload", {"bucket": "datasets", "prefix": "in/", "file": upload})
    assert response.status_code == 302 and "done=object-uploaded" in response["Location"]
    stored = StoredObject.objects.get(bucket__name="datasets")
    assert (stored.key, bytes(stored.body), stored.content_type) == ("in/orders.csv", b"id\n1\n", "text/csv")
    folder = client.get("/storage/", {"bucket": "datasets", "prefix": "in/"}).content.decode()
    assert 'data-key="in/orders.csv"' in folder
    download = client.get("/storage/download", {"bucket": "datasets", "key": "in/orders.csv"})
    assert download.content == b"id\n1\n"

    named = SimpleUploadedFile("x.bin", b"\x00\x01")
    client.post("/storage/upload", {"bucket": "datasets", "key": "chosen/key.bin", "file": named})
    assert StoredObject.objects.filter(key="chosen/key.bin").exists()

    refused = client.post("/storage/delete-bucket", {"bucket": "datasets"})
    assert refused.status_code == 400
    assert "not empty" in field_error(refused.content.decode(), "bucket")
    for key in ("in/orders.csv", "chosen/key.bin"):
        gone = client.post("/storage/delete-object", {"bucket": "datasets", "prefix": "", "key": key})
        assert gone.status_code == 302
    assert not StoredObject.objects.exists()
    response = client.post("/storage/delete-bucket", {"bucket": "datasets"})
    assert response.status_code == 302 and "done=bucket-deleted" in response["Location"]
    assert not Bucket.objects.exists()


def test_a_refused_bucket_name_is_shown_beside_the_field_and_kept(client: Client) -> None:
    response = client.post("/storage/", {"name": "Bad_Name"})
    page = response.content.decode()
    assert response.status_code == 400
    assert "lowercase" in field_error(page, "name")
    assert 'value="Bad_Name"' in page
    assert not Bucket.objects.exists()


def test_a_refused_key_keeps_what_was_typed(client: Client) -> None:
    services.create_bucket(default_workspace(), "keys")
    long_key = "k" * 1025
    upload = SimpleUploadedFile("a.txt", b"a")
    response = client.post("/storage/upload", {"bucket": "keys", "key": long_key, "file": upload})
    page = response.content.decode()
    assert response.status_code == 400
    assert "too long" in field_error(page, "key") and f'value="{long_key}"' in page
    assert not StoredObject.objects.exists()


@pytest.mark.parametrize(
    ("path", "data", "field"),
    [
        ("/storage/", {}, "name"),
        ("/storage/upload", {"bucket": "keys"}, "file"),
        ("/storage/upload", {}, "bucket"),
        ("/storage/delete-bucket", {}, "bucket"),
        ("/storage/delete-bucket", {"bucket": "nowhere"}, "bucket"),
        ("/storage/delete-object", {"bucket": "nowhere", "key": "k"}, "bucket"),
    ],
)
def test_crafted_posts_answer_400_with_the_field(
    client: Client, path: str, data: dict[str, str], field: str
) -> None:
    services.create_bucket(default_workspace(), "keys")
    response = client.post(path, data)
    assert response.status_code == 400
    assert field_error(response.content.decode(), field)


def test_upload_to_a_missing_bucket_is_named_beside_the_bucket(client: Client) -> None:
    upload = SimpleUploadedFile("a.txt", b"a")
    response = client.post("/storage/upload", {"bucket": "nowhere", "file": upload})
    assert response.status_code == 400
    assert "does not exist" in field_error(response.content.decode(), "bucket")
