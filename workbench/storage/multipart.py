"""Multipart uploads: how aws-cli and boto3's transfer manager send files of 8 MiB and more.

Rules as S3 documents them: part numbers 1..10,000; every part but the last at least 5 MiB;
CompleteMultipartUpload lists parts in ascending order with the ETags UploadPart returned; the
object's ETag is the MD5 of the parts' binary MD5s, a dash, and the part count.
https://docs.aws.amazon.com/AmazonS3/latest/userguide/mpuoverview.html
"""

from __future__ import annotations

import hashlib
import uuid

from django.db import transaction

from workbench.accounts.models import Workspace
from workbench.storage import limits, services
from workbench.storage.errors import (
    EntityTooSmall,
    InvalidArgument,
    InvalidPart,
    InvalidPartOrder,
    MalformedXML,
    NoSuchUpload,
)
from workbench.storage.models import MultipartUpload, StoredObject, UploadedPart


def create_multipart_upload(
    workspace: Workspace,
    bucket: str,
    key: str,
    content_type: str | None = None,
    *,
    metadata: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> MultipartUpload:
    limits.check_key(key)
    metadata = dict(metadata or {})
    limits.check_metadata(metadata)
    owner = services.get_bucket(workspace, bucket)
    return MultipartUpload.objects.create(
        bucket=owner,
        key=key,
        upload_id=uuid.uuid4().hex,
        content_type=content_type or services.DEFAULT_CONTENT_TYPE,
        metadata=metadata,
        headers=dict(headers or {}),
        initiated=services.now(),
    )


def _upload(workspace: Workspace, bucket: str, key: str, upload_id: str) -> MultipartUpload:
    owner = services.get_bucket(workspace, bucket)
    found = MultipartUpload.objects.filter(bucket=owner, key=key, upload_id=upload_id).first()
    if found is None:
        raise NoSuchUpload(UploadId=upload_id)
    return found


def upload_part(
    workspace: Workspace, bucket: str, key: str, upload_id: str, part_number: int, body: bytes
) -> str:
    """Store one part (replacing an earlier one of the same number); returns its quoted ETag."""
    if not 1 <= part_number <= limits.PART_NUMBER_MAX:
        raise InvalidArgument(
            f"Part number must be an integer between 1 and {limits.PART_NUMBER_MAX}, inclusive",
            ArgumentName="partNumber",
            ArgumentValue=str(part_number),
        )
    limits.check_object_size(len(body), limits.PART_MAX_BYTES)
    upload = _upload(workspace, bucket, key, upload_id)
    etag = services.quoted_md5(body)
    UploadedPart.objects.update_or_create(
        upload=upload,
        part_number=part_number,
        defaults={"body": body, "etag": etag, "size": len(body), "last_modified": services.now()},
    )
    return etag


def complete_multipart_upload(
    workspace: Workspace, bucket: str, key: str, upload_id: str, parts: list[tuple[int, str]]
) -> StoredObject:
    """Join the listed parts, in order, into the object; the upload is gone afterwards."""
    if not parts:
        raise MalformedXML("You must specify at least one part")
    numbers = [number for number, _ in parts]
    if numbers != sorted(numbers) or len(set(numbers)) != len(numbers):
        raise InvalidPartOrder(UploadId=upload_id)
    with transaction.atomic():
        upload = _upload(workspace, bucket, key, upload_id)
        stored = {part.part_number: part for part in upload.parts.all()}
        chosen: list[UploadedPart] = []
        for number, etag in parts:
            part = stored.get(number)
            if part is None or _unquoted(part.etag) != _unquoted(etag):
                raise InvalidPart(UploadId=upload_id, PartNumber=str(number), ETag=etag)
            chosen.append(part)
        for part in chosen[:-1]:
            if part.size < limits.PART_MIN_BYTES:
                raise EntityTooSmall(
                    ProposedSize=str(part.size),
                    MinSizeAllowed=str(limits.PART_MIN_BYTES),
                    PartNumber=str(part.part_number),
                    ETag=part.etag,
                )
        body = b"".join(bytes(part.body) for part in chosen)
        digests = b"".join(bytes.fromhex(_unquoted(part.etag)) for part in chosen)
        etag = f'"{hashlib.md5(digests).hexdigest()}-{len(chosen)}"'
        obj = services.write_object(
            upload.bucket, key, body, upload.content_type, upload.metadata, upload.headers, etag
        )
        upload.delete()
    return obj


def abort_multipart_upload(workspace: Workspace, bucket: str, key: str, upload_id: str) -> None:
    _upload(workspace, bucket, key, upload_id).delete()


def _unquoted(etag: str) -> str:
    return etag.strip().strip('"')
