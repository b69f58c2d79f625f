"""Buckets and objects: the one code path for the S3 API, the browser page and the runtime.

Everything takes a workspace and plain names (bucket name, key) and raises S3's errors
(``workbench.storage.errors``), so a Distributed Map's ItemReader failing on a missing key
reports the same NoSuchKey a boto3 client would see.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from workbench.accounts.models import Workspace
from workbench.storage import limits, listing
from workbench.storage.errors import (
    BucketAlreadyOwnedByYou,
    BucketNotEmpty,
    IllegalLocationConstraint,
    InvalidArgument,
    InvalidLocationConstraint,
    InvalidRequest,
    NoSuchBucket,
    NoSuchKey,
    PreconditionFailed,
    TooManyBuckets,
)
from workbench.storage.models import Bucket, StoredObject

DEFAULT_CONTENT_TYPE = "binary/octet-stream"  # what S3 stores when a PUT names no Content-Type
LEGACY_REGION = "us-east-1"  # re-creating an owned bucket there answers 200, not 409


def now() -> datetime:
    """S3 keeps Last-Modified to the second; so do we, so HEAD and LIST agree."""
    return timezone.now().replace(microsecond=0)


def quoted_md5(body: bytes) -> str:
    return f'"{hashlib.md5(body).hexdigest()}"'


# Buckets ------------------------------------------------------------------------------------


def create_bucket(
    workspace: Workspace, name: str, *, location: str | None = None, endpoint_region: str | None = None
) -> Bucket:
    """Create a bucket; ``location`` is CreateBucketConfiguration's LocationConstraint.

    As S3 does: us-east-1 is never a valid LocationConstraint, a regional endpoint only creates
    buckets in its own region, and re-creating a bucket you own answers
    BucketAlreadyOwnedByYou everywhere except us-east-1, which succeeds without a change.
    https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateBucket.html
    """
    limits.check_bucket_name(name)
    endpoint_region = endpoint_region or workspace.region
    region = _bucket_region(location, endpoint_region)
    existing = Bucket.objects.filter(workspace=workspace, name=name).first()
    if existing is not None:
        if existing.region == LEGACY_REGION and region == LEGACY_REGION:
            return existing
        raise BucketAlreadyOwnedByYou(BucketName=name)
    if Bucket.objects.filter(workspace=workspace).count() >= limits.BUCKETS_MAX:
        raise TooManyBuckets(
            f"You have attempted to create more buckets than allowed ({limits.BUCKETS_MAX}).", BucketName=name
        )
    try:
        with transaction.atomic():
            return Bucket.objects.create(workspace=workspace, name=name, region=region)
    except IntegrityError as exc:  # created concurrently by another request
        raise BucketAlreadyOwnedByYou(BucketName=name) from exc


def _bucket_region(location: str | None, endpoint_region: str) -> str:
    if location == LEGACY_REGION:
        raise InvalidLocationConstraint(LocationConstraint=location)
    if endpoint_region == LEGACY_REGION:
        return location or LEGACY_REGION
    if location != endpoint_region:
        described = location if location else "unspecified"
        raise IllegalLocationConstraint(
            f"The {described} location constraint is incompatible for the region specific endpoint "
            "this request was sent to."
        )
    return location


def get_bucket(workspace: Workspace, name: str) -> Bucket:
    found = Bucket.objects.filter(workspace=workspace, name=name).first()
    if found is None:
        raise NoSuchBucket(BucketName=name)
    return found


def head_bucket(workspace: Workspace, name: str) -> Bucket:
    return get_bucket(workspace, name)


def list_buckets(workspace: Workspace, prefix: str = "") -> list[Bucket]:
    buckets = Bucket.objects.filter(workspace=workspace).order_by("name")
    return [bucket for bucket in buckets if bucket.name.startswith(prefix)]


def delete_bucket(workspace: Workspace, name: str) -> None:
    bucket = get_bucket(workspace, name)
    if bucket.stored_objects.exists():
        raise BucketNotEmpty(BucketName=name)
    bucket.delete()


# Objects ------------------------------------------------------------------------------------


def put_object(
    workspace: Workspace,
    bucket: str,
    key: str,
    body: bytes,
    content_type: str | None = None,
    *,
    metadata: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
    if_none_match: str | None = None,
) -> str:
    """Store ``body`` under ``key``, replacing what was there; returns the quoted ETag.

    ``metadata`` are the user's x-amz-meta-* pairs (names without the prefix); ``headers`` the
    other headers S3 keeps and returns (Cache-Control, Content-Disposition, checksums...).
    ``if_none_match="*"`` is S3's conditional write: fail if the key already exists.
    """
    limits.check_key(key)
    limits.check_object_size(len(body))
    metadata = dict(metadata or {})
    limits.check_metadata(metadata)
    with transaction.atomic():
        owner = get_bucket(workspace, bucket)
        if if_none_match is not None:
            if if_none_match.strip() != "*":
                raise InvalidArgument(
                    "If-None-Match on a PUT accepts only '*'.",
                    ArgumentName="If-None-Match",
                    ArgumentValue=if_none_match,
                )
            if StoredObject.objects.filter(bucket=owner, key=key).exists():
                raise PreconditionFailed(Condition="If-None-Match")
        stored = write_object(owner, key, body, content_type, metadata, dict(headers or {}), quoted_md5(body))
    return stored.etag


def write_object(
    bucket: Bucket,
    key: str,
    body: bytes,
    content_type: str | None,
    metadata: dict[str, str],
    headers: dict[str, str],
    etag: str,
) -> StoredObject:
    """The one row write behind PutObject, CopyObject and CompleteMultipartUpload; checks nothing."""
    stored, _ = StoredObject.objects.update_or_create(
        bucket=bucket,
        key=key,
        defaults={
            "body": body,
            "content_type": content_type or DEFAULT_CONTENT_TYPE,
            "etag": etag,
            "size": len(body),
            "last_modified": now(),
            "metadata": metadata,
            "headers": headers,
        },
    )
    return stored


def get_object(workspace: Workspace, bucket: str, key: str) -> StoredObject:
    """The object with its body as ``bytes`` (never a memoryview, whatever the database)."""
    stored = _find(workspace, bucket, key, with_body=True)
    stored.body = bytes(stored.body)
    return stored


def read_object(workspace: Workspace, bucket: str, key: str) -> bytes:
    """Just the bytes: what an ItemReader needs."""
    return bytes(get_object(workspace, bucket, key).body)


def head_object(workspace: Workspace, bucket: str, key: str) -> StoredObject:
    """The object's headers without loading its body."""
    return _find(workspace, bucket, key, with_body=False)


def _find(workspace: Workspace, bucket: str, key: str, *, with_body: bool) -> StoredObject:
    owner = get_bucket(workspace, bucket)
    objects = StoredObject.objects.filter(bucket=owner, key=key).select_related("bucket")
    if not with_body:
        objects = objects.defer("body")
    found = objects.first()
    if found is None:
        raise NoSuchKey(Key=key)
    return found


def delete_object(workspace: Workspace, bucket: str, key: str) -> None:
    """Deleting a key that does not exist succeeds, as in S3 (204 either way)."""
    owner = get_bucket(workspace, bucket)
    StoredObject.objects.filter(bucket=owner, key=key).delete()


def delete_objects(workspace: Workspace, bucket: str, keys: list[str]) -> list[str]:
    """DeleteObjects: remove every key; returns the keys, all reported deleted as S3 does."""
    owner = get_bucket(workspace, bucket)
    StoredObject.objects.filter(bucket=owner, key__in=keys).delete()
    return keys


def copy_object(
    workspace: Workspace,
    source_bucket: str,
    source_key: str,
    bucket: str,
    key: str,
    *,
    replace_metadata: bool = False,
    content_type: str | None = None,
    metadata: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> StoredObject:
    """CopyObject: the source's bytes under a new key; its metadata unless ``replace_metadata``."""
    source = get_object(workspace, source_bucket, source_key)
    if source_bucket == bucket and source_key == key and not replace_metadata:
        raise InvalidRequest(
            "This copy request is illegal because it is trying to copy an object to itself without "
            "changing the object's metadata, storage class, website redirect location or encryption "
            "attributes."
        )
    limits.check_key(key)
    if replace_metadata:
        new_type, new_metadata, new_headers = content_type, dict(metadata or {}), dict(headers or {})
        limits.check_metadata(new_metadata)
    else:
        new_type, new_metadata, new_headers = source.content_type, source.metadata, source.headers
    with transaction.atomic():
        target = get_bucket(workspace, bucket)
        return write_object(target, key, source.body, new_type, new_metadata, new_headers, source.etag)


# Listing ------------------------------------------------------------------------------------


def _checked_max_keys(max_keys: int) -> int:
    if max_keys < 0:
        raise InvalidArgument(
            "Argument maxKeys must be an integer between 0 and 2147483647",
            ArgumentName="maxKeys",
            ArgumentValue=str(max_keys),
        )
    return min(max_keys, limits.LIST_MAX_KEYS)


def list_objects_v2(
    workspace: Workspace,
    bucket: str,
    prefix: str = "",
    delimiter: str | None = None,
    max_keys: int = 1000,
    continuation_token: str | None = None,
    start_after: str | None = None,
) -> dict[str, Any]:
    """One page of ListObjectsV2, in the shape boto3 returns it (LastModified as datetime).

    A continuation token wins over StartAfter, as in S3.
    """
    owner = get_bucket(workspace, bucket)
    page_size = _checked_max_keys(max_keys)
    if continuation_token is not None:
        resume = listing.decode_token(continuation_token)
    else:
        resume = listing.Resume(start_after or "")
    page = listing.walk(owner, prefix=prefix, delimiter=delimiter, max_keys=page_size, resume=resume)
    result: dict[str, Any] = {
        "Name": owner.name,
        "Prefix": prefix,
        "MaxKeys": max_keys,
        "KeyCount": page.count,
        "IsTruncated": page.truncated,
    }
    if page.contents:
        result["Contents"] = page.contents
    if page.common_prefixes:
        result["CommonPrefixes"] = [{"Prefix": common} for common in page.common_prefixes]
    if delimiter:
        result["Delimiter"] = delimiter
    if continuation_token is not None:
        result["ContinuationToken"] = continuation_token
    if start_after:
        result["StartAfter"] = start_after
    following = listing.next_resume(page)
    if following is not None:
        result["NextContinuationToken"] = listing.encode_token(following)
    return result


def list_objects(
    workspace: Workspace,
    bucket: str,
    prefix: str = "",
    delimiter: str | None = None,
    max_keys: int = 1000,
    marker: str = "",
) -> dict[str, Any]:
    """One page of ListObjects (version 1); NextMarker is given when a delimiter is, as in S3."""
    owner = get_bucket(workspace, bucket)
    page_size = _checked_max_keys(max_keys)
    skip = marker if delimiter and marker.endswith(delimiter) else None
    page = listing.walk(
        owner, prefix=prefix, delimiter=delimiter, max_keys=page_size, resume=listing.Resume(marker, skip)
    )
    owner_block = owner_of(workspace)
    result: dict[str, Any] = {
        "Name": owner.name,
        "Prefix": prefix,
        "Marker": marker,
        "MaxKeys": max_keys,
        "IsTruncated": page.truncated,
    }
    if page.contents:
        result["Contents"] = [{**entry, "Owner": owner_block} for entry in page.contents]
    if page.common_prefixes:
        result["CommonPrefixes"] = [{"Prefix": common} for common in page.common_prefixes]
    if delimiter:
        result["Delimiter"] = delimiter
        if page.truncated and page.last_entry is not None:
            result["NextMarker"] = page.last_entry
    return result


def owner_of(workspace: Workspace) -> dict[str, str]:
    """The canonical user of a workspace: a stable 64-hex id, as S3's canonical user IDs are."""
    return {
        "DisplayName": workspace.name,
        "ID": hashlib.sha256(f"stepbridge:{workspace.account_id}".encode()).hexdigest(),
    }
