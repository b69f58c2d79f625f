"""S3 through the real boto3 client (and aws-cli) against the served workbench."""

from __future__ import annotations

import hashlib
import io
import os
import subprocess
import sys
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import ClientError

from tests.support.aws import error_code, listed_keys

pytestmark = pytest.mark.live

MiB = 1024 * 1024


@pytest.fixture
def s3(aws: Callable[[str], Any]) -> Any:
    return aws("s3")


@pytest.fixture
def s3_in(live_url: str, transactional_db: Any) -> Callable[[str], Any]:
    """An S3 client whose region (so whose endpoint region in the signature) is chosen."""
    import boto3

    def client(region: str) -> Any:
        return boto3.client(
            "s3",
            endpoint_url=live_url,
            region_name=region,
            aws_access_key_id="test",
            aws_secret_access_key="test",
            config=Config(retries={"max_attempts": 1}),
        )

    return client


def _prefixes(listing: dict[str, Any]) -> list[str]:
    return [common["Prefix"] for common in listing.get("CommonPrefixes", [])]


def test_bucket_lifecycle(s3: Any) -> None:
    assert s3.create_bucket(Bucket="datasets")["Location"] == "/datasets"
    # us-east-1 keeps S3's legacy answer: re-creating a bucket you own is a 200 no-op.
    # https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateBucket.html (BucketAlreadyOwnedByYou)
    s3.create_bucket(Bucket="datasets")
    head = s3.head_bucket(Bucket="datasets")
    assert head["ResponseMetadata"]["HTTPHeaders"]["x-amz-bucket-region"] == "us-east-1"
    listed = s3.list_buckets()
    assert [bucket["Name"] for bucket in listed["Buckets"]] == ["datasets"]
    assert len(listed["Owner"]["ID"]) == 64
    assert s3.get_bucket_location(Bucket="datasets")["LocationConstraint"] is None
    s3.delete_bucket(Bucket="datasets")
    with pytest.raises(ClientError) as missing:
        s3.head_bucket(Bucket="datasets")
    assert error_code(missing) == "404"  # HEAD errors carry no body: botocore reports the status
    with pytest.raises(ClientError) as again:
        s3.delete_bucket(Bucket="datasets")
    assert error_code(again) == "NoSuchBucket"
    assert again.value.response["Error"]["BucketName"] == "datasets"


def test_regional_bucket_and_already_owned(s3_in: Callable[[str], Any]) -> None:
    s3 = s3_in("eu-west-1")
    config = {"LocationConstraint": "eu-west-1"}
    s3.create_bucket(Bucket="regional", CreateBucketConfiguration=config)
    assert s3.get_bucket_location(Bucket="regional")["LocationConstraint"] == "eu-west-1"
    with pytest.raises(ClientError) as owned:
        s3.create_bucket(Bucket="regional", CreateBucketConfiguration=config)
    assert error_code(owned) == "BucketAlreadyOwnedByYou"
    assert owned.value.response["ResponseMetadata"]["HTTPStatusCode"] == 409
    with pytest.raises(ClientError) as unspecified:
        s3.create_bucket(Bucket="no-location")
    assert error_code(unspecified) == "IllegalLocationConstraintException"


@pytest.mark.parametrize(
    "name",
    ["ab", "Upper-Case", "under_score", "a..b", "-leading", "192.168.5.4", "xn--punycode", "x-s3alias"],
)
def test_invalid_bucket_names(s3: Any, name: str) -> None:
    # Rules from https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
    with pytest.raises(ClientError) as exc:
        s3.create_bucket(Bucket=name)
    assert error_code(exc) == "InvalidBucketName"
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_put_get_head_delete_text_and_binary(s3: Any) -> None:
    s3.create_bucket(Bucket="objects")
    text = "id,name\n1,ünïcode\n".encode()
    put = s3.put_object(
        Bucket="objects", Key="in/people.csv", Body=text, ContentType="text/csv", Metadata={"source": "unit"}
    )
    assert put["ETag"] == f'"{hashlib.md5(text).hexdigest()}"'
    got = s3.get_object(Bucket="objects", Key="in/people.csv")
    assert got["Body"].read() == text
    assert got["ContentType"] == "text/csv"
    assert got["Metadata"] == {"source": "unit"}
    assert got["ETag"] == put["ETag"] and got["ContentLength"] == len(text)

    binary = os.urandom(200 * 1024)  # past 64 KiB: more than one read of the socket either way
    s3.put_object(Bucket="objects", Key="blobs/random.bin", Body=binary)
    assert s3.get_object(Bucket="objects", Key="blobs/random.bin")["Body"].read() == binary
    head = s3.head_object(Bucket="objects", Key="blobs/random.bin")
    assert head["ContentLength"] == len(binary)
    assert head["ETag"] == f'"{hashlib.md5(binary).hexdigest()}"'
    assert head["ContentType"] == "binary/octet-stream"  # S3's default when a PUT names none
    part = s3.get_object(Bucket="objects", Key="blobs/random.bin", Range="bytes=1000-1999")
    assert part["Body"].read() == binary[1000:2000]
    assert part["ContentRange"] == f"bytes 1000-1999/{len(binary)}"

    s3.delete_object(Bucket="objects", Key="blobs/random.bin")
    s3.delete_object(Bucket="objects", Key="blobs/random.bin")  # deleting a missing key succeeds
    with pytest.raises(ClientError) as gone:
        s3.get_object(Bucket="objects", Key="blobs/random.bin")
    assert error_code(gone) == "NoSuchKey"
    assert gone.value.response["Error"]["Key"] == "blobs/random.bin"
    with pytest.raises(ClientError) as head_gone:
        s3.head_object(Bucket="objects", Key="blobs/random.bin")
    assert error_code(head_gone) == "404"


def test_listing_prefix_delimiter_and_pages(s3: Any) -> None:
    s3.create_bucket(Bucket="listing")
    keys = [
        "a.txt",
        "logs/2024/01.json",
        "logs/2024/02.json",
        "logs/2025/01.json",
        "logs/readme",
        "name with space+plus.txt",
        "zeta/é.txt",
    ]
    for key in keys:
        s3.put_object(Bucket="listing", Key=key, Body=key.encode())

    everything = s3.list_objects_v2(Bucket="listing")
    assert listed_keys(everything) == sorted(keys, key=lambda k: k.encode()) and everything[
        "KeyCount"
    ] == len(keys)
    assert everything["Contents"][0]["StorageClass"] == "STANDARD"
    assert everything["Contents"][0]["Size"] == len(b"a.txt")

    under_logs = s3.list_objects_v2(Bucket="listing", Prefix="logs/")
    assert listed_keys(under_logs) == [
        "logs/2024/01.json",
        "logs/2024/02.json",
        "logs/2025/01.json",
        "logs/readme",
    ]

    top = s3.list_objects_v2(Bucket="listing", Delimiter="/")
    assert listed_keys(top) == ["a.txt", "name with space+plus.txt"]
    assert _prefixes(top) == ["logs/", "zeta/"]
    assert top["KeyCount"] == 4

    years = s3.list_objects_v2(Bucket="listing", Prefix="logs/", Delimiter="/")
    assert _prefixes(years) == ["logs/2024/", "logs/2025/"] and listed_keys(years) == ["logs/readme"]

    # Pages of 2, counting keys and common prefixes alike, resumed by the continuation token.
    seen: list[str] = []
    token: str | None = None
    pages = 0
    while True:
        extra = {"ContinuationToken": token} if token else {}
        page = s3.list_objects_v2(Bucket="listing", Delimiter="/", MaxKeys=2, **extra)
        pages += 1
        assert page["KeyCount"] <= 2
        seen += listed_keys(page) + _prefixes(page)
        if not page["IsTruncated"]:
            assert "NextContinuationToken" not in page
            break
        token = page["NextContinuationToken"]
    assert pages == 2 and sorted(seen) == sorted(listed_keys(top) + _prefixes(top))

    paginated = s3.get_paginator("list_objects_v2").paginate(
        Bucket="listing", PaginationConfig={"PageSize": 3}
    )
    assert [key for page in paginated for key in listed_keys(page)] == listed_keys(everything)

    after = s3.list_objects_v2(Bucket="listing", StartAfter="logs/readme")
    assert listed_keys(after) == ["name with space+plus.txt", "zeta/é.txt"]

    with pytest.raises(ClientError) as bad_token:
        s3.list_objects_v2(Bucket="listing", ContinuationToken="not-a-token")
    assert error_code(bad_token) == "InvalidArgument"

    v1 = s3.list_objects(Bucket="listing", Prefix="logs/", Delimiter="/", MaxKeys=1)
    assert v1["IsTruncated"] and _prefixes(v1) == ["logs/2024/"] and v1["NextMarker"] == "logs/2024/"
    v1_rest = s3.list_objects(Bucket="listing", Prefix="logs/", Delimiter="/", Marker=v1["NextMarker"])
    assert _prefixes(v1_rest) == ["logs/2025/"] and listed_keys(v1_rest) == ["logs/readme"]


def test_missing_bucket_key_and_non_empty_bucket(s3: Any) -> None:
    with pytest.raises(ClientError) as no_bucket:
        s3.put_object(Bucket="absent", Key="k", Body=b"x")
    assert error_code(no_bucket) == "NoSuchBucket"
    assert no_bucket.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
    with pytest.raises(ClientError) as no_listing:
        s3.list_objects_v2(Bucket="absent")
    assert error_code(no_listing) == "NoSuchBucket"

    s3.create_bucket(Bucket="full")
    with pytest.raises(ClientError) as no_key:
        s3.get_object(Bucket="full", Key="missing.json")
    assert error_code(no_key) == "NoSuchKey"
    s3.put_object(Bucket="full", Key="one", Body=b"1")
    with pytest.raises(ClientError) as not_empty:
        s3.delete_bucket(Bucket="full")
    assert error_code(not_empty) == "BucketNotEmpty"
    assert not_empty.value.response["ResponseMetadata"]["HTTPStatusCode"] == 409
    with pytest.raises(ClientError) as too_long:
        s3.put_object(Bucket="full", Key="k" * 1025, Body=b"x")
    assert error_code(too_long) == "KeyTooLongError"


def test_digests_are_checked(s3: Any) -> None:
    s3.create_bucket(Bucket="digests")
    with pytest.raises(ClientError) as crc:
        s3.put_object(Bucket="digests", Key="k", Body=b"payload", ChecksumCRC32="AAAAAA==")
    assert error_code(crc) == "BadDigest"
    with pytest.raises(ClientError) as md5:
        s3.put_object(Bucket="digests", Key="k", Body=b"payload", ContentMD5="1B2M2Y8AsgTpgAmY7PhCfg==")
    assert error_code(md5) == "BadDigest"
    assert s3.list_objects_v2(Bucket="digests")["KeyCount"] == 0


def test_aws_chunked_upload_with_checksum_trailer(s3: Any) -> None:
    """What botocore sends over HTTPS (aws-chunked body, CRC32 trailer), forced here over HTTP."""

    def use_trailer(params: dict[str, Any], **_: Any) -> None:
        params["context"]["checksum"]["request_algorithm"]["in"] = "trailer"

    sent: dict[str, str] = {}

    def record_headers(request: Any, **_: Any) -> None:
        for name, value in request.headers.items():
            sent[name] = value.decode() if isinstance(value, bytes) else value

    s3.meta.events.register("before-call.s3.PutObject", use_trailer)
    s3.meta.events.register("before-send.s3.PutObject", record_headers)
    s3.create_bucket(Bucket="chunked")
    body = os.urandom(3 * MiB + 17)  # several of botocore's 1 MiB chunks and a short one
    s3.put_object(Bucket="chunked", Key="stream.bin", Body=io.BytesIO(body))
    assert sent["Content-Encoding"] == "aws-chunked"
    assert sent["X-Amz-Content-SHA256"] == "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
    got = s3.get_object(Bucket="chunked", Key="stream.bin", ChecksumMode="ENABLED")
    assert got["Body"].read() == body  # botocore also checks the returned CRC32 as it reads
    assert "ChecksumCRC32" in got
    assert "ContentEncoding" not in got  # aws-chunked is transport, not the object's encoding


def test_multipart_upload_and_ranged_download(s3: Any) -> None:
    s3.create_bucket(Bucket="multi")
    data = os.urandom(11 * MiB)
    transfer = TransferConfig(multipart_threshold=5 * MiB, multipart_chunksize=5 * MiB)
    s3.upload_fileobj(io.BytesIO(data), "multi", "big.bin", Config=transfer)
    head = s3.head_object(Bucket="multi", Key="big.bin")
    assert head["ContentLength"] == len(data)
    digests = b"".join(hashlib.md5(data[i : i + 5 * MiB]).digest() for i in range(0, len(data), 5 * MiB))
    assert head["ETag"] == f'"{hashlib.md5(digests).hexdigest()}-3"'  # S3's multipart ETag
    out = io.BytesIO()
    s3.download_fileobj("multi", "big.bin", out, Config=transfer)  # ranged GETs
    assert out.getvalue() == data

    upload = s3.create_multipart_upload(Bucket="multi", Key="small-parts")["UploadId"]
    first = s3.upload_part(Bucket="multi", Key="small-parts", UploadId=upload, PartNumber=1, Body=b"a" * 10)
    second = s3.upload_part(Bucket="multi", Key="small-parts", UploadId=upload, PartNumber=2, Body=b"b")
    parts = [{"PartNumber": 1, "ETag": first["ETag"]}, {"PartNumber": 2, "ETag": second["ETag"]}]
    with pytest.raises(ClientError) as small:
        s3.complete_multipart_upload(
            Bucket="multi", Key="small-parts", UploadId=upload, MultipartUpload={"Parts": parts}
        )
    assert error_code(small) == "EntityTooSmall"
    s3.abort_multipart_upload(Bucket="multi", Key="small-parts", UploadId=upload)
    with pytest.raises(ClientError) as aborted:
        s3.upload_part(Bucket="multi", Key="small-parts", UploadId=upload, PartNumber=3, Body=b"c")
    assert error_code(aborted) == "NoSuchUpload"


def test_delete_objects_and_copy(s3: Any) -> None:
    s3.create_bucket(Bucket="batch")
    for key in ("x/1", "x/2", "x/3"):
        s3.put_object(Bucket="batch", Key=key, Body=key.encode(), Metadata={"k": key})
    copied = s3.copy_object(Bucket="batch", Key="copy/1", CopySource={"Bucket": "batch", "Key": "x/1"})
    assert copied["CopyObjectResult"]["ETag"] == f'"{hashlib.md5(b"x/1").hexdigest()}"'
    assert s3.get_object(Bucket="batch", Key="copy/1")["Metadata"] == {"k": "x/1"}
    result = s3.delete_objects(Bucket="batch", Delete={"Objects": [{"Key": "x/1"}, {"Key": "x/2"}]})
    assert sorted(item["Key"] for item in result["Deleted"]) == ["x/1", "x/2"]
    assert listed_keys(s3.list_objects_v2(Bucket="batch")) == ["copy/1", "x/3"]


def test_presigned_urls(s3: Any) -> None:
    s3.create_bucket(Bucket="shared")
    put_url = s3.generate_presigned_url("put_object", Params={"Bucket": "shared", "Key": "up.txt"})
    request = urllib.request.Request(put_url, data=b"sent by a plain HTTP client", method="PUT")
    with urllib.request.urlopen(request) as response:
        assert response.status == 200
    get_url = s3.generate_presigned_url("get_object", Params={"Bucket": "shared", "Key": "up.txt"})
    with urllib.request.urlopen(get_url) as response:
        assert response.read() == b"sent by a plain HTTP client"


def test_s3_requests_are_told_from_pages_by_signature(s3: Any, live_url: str) -> None:
    s3.create_bucket(Bucket="machines")  # the same path as the state machine list page
    s3.put_object(Bucket="machines", Key="k", Body=b"object")
    with urllib.request.urlopen(live_url + "/machines/") as page:
        assert page.headers["Content-Type"].startswith("text/html")
    assert listed_keys(s3.list_objects_v2(Bucket="machines")) == ["k"]
    with urllib.request.urlopen(live_url + "/storage/?bucket=machines") as page:
        assert 'data-key="k"' in page.read().decode()


def test_aws_cli_copies_a_file_up_and_down(s3: Any, live_url: str, tmp_path: Path) -> None:
    s3.create_bucket(Bucket="cli")
    source = tmp_path / "items.json"
    source.write_text('[{"id": 1}, {"id": 2}]')
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    aws_cli = [sys.executable, "-m", "awscli", "--endpoint-url", live_url]

    def run(*args: str) -> str:
        done = subprocess.run([*aws_cli, *args], env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return done.stdout

    run("s3", "cp", str(source), "s3://cli/input/items.json")
    assert s3.get_object(Bucket="cli", Key="input/items.json")["Body"].read() == source.read_bytes()
    assert "items.json" in run("s3", "ls", "s3://cli/input/")
    run("s3api", "put-object", "--bucket", "cli", "--key", "raw.json", "--body", str(source))
    run("s3", "cp", "s3://cli/raw.json", str(tmp_path / "back.json"))
    assert (tmp_path / "back.json").read_bytes() == source.read_bytes()
