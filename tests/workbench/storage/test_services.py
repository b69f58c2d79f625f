"""The storage service layer and its wire helpers, without the served workbench."""

from __future__ import annotations

import base64
import hashlib
import io
import zlib
from typing import Any

import pytest
from botocore.httpchecksum import AwsChunkedWrapper, Crc32Checksum

from tests.support.aws import listed_keys
from workbench.accounts.models import Workspace
from workbench.accounts.services import default_workspace
from workbench.storage import chunked, integrity, limits, multipart, services
from workbench.storage.errors import S3Error


@pytest.fixture
def workspace(db: Any) -> Workspace:
    return default_workspace()


def _code(exc: pytest.ExceptionInfo[S3Error]) -> str:
    return exc.value.code


# Naming and limits ----------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["abc", "my-bucket.v2", "a" * 63, "1-2-3", "data.example.com"])
def test_valid_bucket_names(name: str) -> None:
    assert limits.bucket_name_fault(name) is None


@pytest.mark.parametrize(
    ("name", "rule"),
    [
        ("ab", "between 3 and 63"),
        ("a" * 64, "between 3 and 63"),
        ("Capital", "lowercase"),
        ("ends-", "begin and end"),
        ("a..b", "two adjacent periods"),
        ("10.0.0.1", "IP address"),
        ("sthree-bucket", "sthree-"),
        ("amzn-s3-demo-bucket", "amzn-s3-demo-"),
        ("point--ol-s3", "--ol-s3"),
        ("global.mrap", ".mrap"),
    ],
)
def test_invalid_bucket_names_say_which_rule(name: str, rule: str) -> None:
    # https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
    fault = limits.bucket_name_fault(name)
    assert fault is not None and rule in fault


def test_keys_are_limited_to_1024_bytes_of_utf8(workspace: Workspace) -> None:
    services.create_bucket(workspace, "keys")
    services.put_object(workspace, "keys", "é" * 512, b"x")  # 1,024 bytes: the limit itself
    with pytest.raises(S3Error) as exc:
        services.put_object(workspace, "keys", "é" * 512 + "a", b"x")
    assert _code(exc) == "KeyTooLongError" and exc.value.details["Size"] == "1025"


def test_user_metadata_is_limited_to_2_kb(workspace: Workspace) -> None:
    services.create_bucket(workspace, "meta")
    services.put_object(workspace, "meta", "ok", b"", metadata={"k": "v" * 2047})
    with pytest.raises(S3Error) as exc:
        services.put_object(workspace, "meta", "big", b"", metadata={"k": "v" * 2048})
    assert _code(exc) == "MetadataTooLarge"


# Buckets -------------------------------------------------------------------------------------------------


def test_location_constraints(workspace: Workspace) -> None:
    with pytest.raises(S3Error) as invalid:
        services.create_bucket(workspace, "east", location="us-east-1")
    assert _code(invalid) == "InvalidLocationConstraint"
    with pytest.raises(S3Error) as mismatch:
        services.create_bucket(workspace, "west", location="eu-west-1", endpoint_region="us-west-2")
    assert _code(mismatch) == "IllegalLocationConstraintException"
    assert "eu-west-1 location constraint" in mismatch.value.message
    from_global = services.create_bucket(workspace, "anywhere", location="ap-south-1")
    assert from_global.region == "ap-south-1"  # the us-east-1 endpoint creates in any region
    with pytest.raises(S3Error) as owned:
        services.create_bucket(workspace, "anywhere", location="ap-south-1")
    assert _code(owned) == "BucketAlreadyOwnedByYou"


def test_buckets_are_per_workspace(workspace: Workspace) -> None:
    other = Workspace.objects.create(name="other", account_id="210987654321", access_key_id="other")
    services.create_bucket(workspace, "shared-name")
    services.create_bucket(other, "shared-name")
    services.put_object(other, "shared-name", "k", b"theirs")
    with pytest.raises(S3Error) as exc:
        services.get_object(workspace, "shared-name", "k")
    assert _code(exc) == "NoSuchKey"
    assert [bucket.name for bucket in services.list_buckets(other)] == ["shared-name"]


def test_delete_bucket_only_when_empty(workspace: Workspace) -> None:
    services.create_bucket(workspace, "full")
    services.put_object(workspace, "full", "k", b"v")
    with pytest.raises(S3Error) as exc:
        services.delete_bucket(workspace, "full")
    assert _code(exc) == "BucketNotEmpty" and exc.value.status == 409
    services.delete_object(workspace, "full", "k")
    services.delete_bucket(workspace, "full")
    with pytest.raises(S3Error) as gone:
        services.head_bucket(workspace, "full")
    assert _code(gone) == "NoSuchBucket" and gone.value.details["BucketName"] == "full"


# Objects ------------------------------------------------------------------------------------------------


def test_put_then_get_returns_bytes_and_quoted_md5(workspace: Workspace) -> None:
    services.create_bucket(workspace, "objs")
    body = bytes(range(256)) * 300
    etag = services.put_object(workspace, "objs", "data.bin", body, "application/octet-stream")
    assert etag == f'"{hashlib.md5(body).hexdigest()}"'
    stored = services.get_object(workspace, "objs", "data.bin")
    assert isinstance(stored.body, bytes) and stored.body == body
    assert stored.size == len(body) and stored.etag == etag
    assert services.read_object(workspace, "objs", "data.bin") == body
    head = services.head_object(workspace, "objs", "data.bin")
    assert head.size == len(body) and head.content_type == "application/octet-stream"


def test_put_replaces_and_if_none_match_refuses_to(workspace: Workspace) -> None:
    services.create_bucket(workspace, "repl")
    services.put_object(workspace, "repl", "k", b"one", if_none_match="*")
    services.put_object(workspace, "repl", "k", b"two")
    assert services.read_object(workspace, "repl", "k") == b"two"
    with pytest.raises(S3Error) as exc:
        services.put_object(workspace, "repl", "k", b"three", if_none_match="*")
    assert _code(exc) == "PreconditionFailed" and exc.value.status == 412


def test_copy_to_itself_needs_replaced_metadata(workspace: Workspace) -> None:
    services.create_bucket(workspace, "copies")
    services.put_object(workspace, "copies", "k", b"v", "text/plain", metadata={"a": "1"})
    with pytest.raises(S3Error) as exc:
        services.copy_object(workspace, "copies", "k", "copies", "k")
    assert _code(exc) == "InvalidRequest"
    replaced = services.copy_object(
        workspace, "copies", "k", "copies", "k", replace_metadata=True, content_type="text/csv"
    )
    assert replaced.content_type == "text/csv" and replaced.metadata == {}


# Listing ------------------------------------------------------------------------------------------------


def test_listing_is_in_utf8_binary_order(workspace: Workspace) -> None:
    services.create_bucket(workspace, "order")
    keys = ["b", "B", "a/1", "a-1", "a0", "é", "~", "Z"]
    for key in keys:
        services.put_object(workspace, "order", key, key.encode())
    listed = listed_keys(services.list_objects_v2(workspace, "order"))
    assert listed == sorted(keys, key=lambda key: key.encode("utf-8"))
    assert listed == ["B", "Z", "a-1", "a/1", "a0", "b", "~", "é"]


def test_prefix_matching_is_case_sensitive(workspace: Workspace) -> None:
    services.create_bucket(workspace, "cases")
    for key in ("Data/1", "data/1", "data/2"):
        services.put_object(workspace, "cases", key, b"")
    assert listed_keys(services.list_objects_v2(workspace, "cases", prefix="data/")) == ["data/1", "data/2"]


def test_pages_never_repeat_a_common_prefix(workspace: Workspace) -> None:
    services.create_bucket(workspace, "pages")
    for key in ("a-1", "a/1", "a/2", "a/3", "a0"):
        services.put_object(workspace, "pages", key, b"")
    entries: list[str] = []
    token = None
    while True:
        page = services.list_objects_v2(
            workspace, "pages", delimiter="/", max_keys=1, continuation_token=token
        )
        entries += listed_keys(page) + [common["Prefix"] for common in page.get("CommonPrefixes", [])]
        assert page["KeyCount"] == 1
        if not page["IsTruncated"]:
            break
        token = page["NextContinuationToken"]
    assert entries == ["a-1", "a/", "a0"]


def test_listing_arguments(workspace: Workspace) -> None:
    services.create_bucket(workspace, "args")
    for key in ("k1", "k2", "k3"):
        services.put_object(workspace, "args", key, b"")
    empty = services.list_objects_v2(workspace, "args", max_keys=0)
    assert empty["KeyCount"] == 0 and empty["IsTruncated"] is False and "Contents" not in empty
    assert listed_keys(services.list_objects_v2(workspace, "args", start_after="k1")) == ["k2", "k3"]
    big = services.list_objects_v2(workspace, "args", max_keys=5000)
    assert big["MaxKeys"] == 5000 and big["KeyCount"] == 3
    with pytest.raises(S3Error) as negative:
        services.list_objects_v2(workspace, "args", max_keys=-1)
    assert _code(negative) == "InvalidArgument"
    # LocalStack's AWS-validated snapshot of a bad token (tests/aws/services/s3/
    # test_s3_list_operations.snapshot.json, "exc-continuation-token").
    with pytest.raises(S3Error) as token:
        services.list_objects_v2(workspace, "args", continuation_token="bm90LWpzb24=")
    assert _code(token) == "InvalidArgument"
    assert token.value.message == "The continuation token provided is incorrect"
    assert token.value.details["ArgumentName"] == "continuation-token"


# Multipart ----------------------------------------------------------------------------------------------


def test_multipart_rules(workspace: Workspace) -> None:
    services.create_bucket(workspace, "mpu")
    upload = multipart.create_multipart_upload(workspace, "mpu", "obj", "text/plain")
    big = b"x" * limits.PART_MIN_BYTES
    first = multipart.upload_part(workspace, "mpu", "obj", upload.upload_id, 1, big)
    second = multipart.upload_part(workspace, "mpu", "obj", upload.upload_id, 2, b"tail")
    with pytest.raises(S3Error) as order:
        multipart.complete_multipart_upload(
            workspace, "mpu", "obj", upload.upload_id, [(2, second), (1, first)]
        )
    assert _code(order) == "InvalidPartOrder"
    with pytest.raises(S3Error) as wrong_tag:
        multipart.complete_multipart_upload(workspace, "mpu", "obj", upload.upload_id, [(1, second)])
    assert _code(wrong_tag) == "InvalidPart"
    with pytest.raises(S3Error) as number:
        multipart.upload_part(workspace, "mpu", "obj", upload.upload_id, 10_001, b"")
    assert _code(number) == "InvalidArgument"
    done = multipart.complete_multipart_upload(
        workspace, "mpu", "obj", upload.upload_id, [(1, first), (2, second)]
    )
    digests = hashlib.md5(big).digest() + hashlib.md5(b"tail").digest()
    assert done.etag == f'"{hashlib.md5(digests).hexdigest()}-2"'
    assert services.read_object(workspace, "mpu", "obj") == big + b"tail"
    assert done.content_type == "text/plain"
    with pytest.raises(S3Error) as finished:
        multipart.abort_multipart_upload(workspace, "mpu", "obj", upload.upload_id)
    assert _code(finished) == "NoSuchUpload"


# Wire helpers -------------------------------------------------------------------------------------------


def test_decode_signed_aws_chunked_body() -> None:
    # The framing of the example in https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html:
    # a 65,536-byte chunk, a 1,024-byte chunk and the final zero-size chunk, each signed.
    signature = ";chunk-signature=" + "0" * 64
    encoded = (
        f"10000{signature}\r\n".encode()
        + b"a" * 65536
        + f"\r\n400{signature}\r\n".encode()
        + b"a" * 1024
        + f"\r\n0{signature}\r\n\r\n".encode()
    )
    payload, trailers = chunked.decode(encoded)
    assert payload == b"a" * 66560 and trailers == {}


def test_decode_botocore_aws_chunked_body_with_trailer() -> None:
    body = bytes(range(256)) * 10_000
    wrapper = AwsChunkedWrapper(
        io.BytesIO(body), checksum_cls=Crc32Checksum, checksum_name="x-amz-checksum-crc32"
    )
    payload, trailers = chunked.decode(wrapper.read())
    assert payload == body
    expected = base64.b64encode(zlib.crc32(body).to_bytes(4, "big")).decode()
    assert trailers == {"x-amz-checksum-crc32": expected}
    assert integrity.verified_checksums(trailers, payload) == trailers
    with pytest.raises(S3Error) as bad:
        integrity.verified_checksums(trailers, payload + b"!")
    assert _code(bad) == "BadDigest"


def test_truncated_aws_chunked_body_is_incomplete() -> None:
    with pytest.raises(S3Error) as exc:
        chunked.decode(b"10\r\nonly-five")
    assert _code(exc) == "IncompleteBody"
    with pytest.raises(S3Error) as no_end:
        chunked.decode(b"3\r\nabc\r\n")
    assert _code(no_end) == "IncompleteBody"


def test_content_digests() -> None:
    body = b"payload"
    integrity.check_content_md5(base64.b64encode(hashlib.md5(body).digest()).decode(), body)
    with pytest.raises(S3Error) as invalid:
        integrity.check_content_md5("not base64!", body)
    assert _code(invalid) == "InvalidDigest"
    integrity.check_content_sha256(hashlib.sha256(body).hexdigest(), body)
    integrity.check_content_sha256("UNSIGNED-PAYLOAD", body)
    with pytest.raises(S3Error) as mismatch:
        integrity.check_content_sha256(hashlib.sha256(b"other").hexdigest(), body)
    assert _code(mismatch) == "XAmzContentSHA256Mismatch"
    with pytest.raises(S3Error) as malformed:
        integrity.verified_checksums({"x-amz-checksum-sha256": "c2hvcnQ="}, body)
    assert _code(malformed) == "InvalidRequest"
