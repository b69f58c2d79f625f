"""S3's naming rules and size limits, checked before anything is stored.

Bucket names: https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html
Keys (1,024 bytes of UTF-8): https://docs.aws.amazon.com/AmazonS3/latest/userguide/object-keys.html
Object and part sizes: https://docs.aws.amazon.com/AmazonS3/latest/userguide/qfacts.html
User metadata (2 KB): https://docs.aws.amazon.com/AmazonS3/latest/userguide/UsingMetadata.html
"""

from __future__ import annotations

import re

from workbench.storage.errors import (
    EntityTooLarge,
    InvalidArgument,
    InvalidBucketName,
    KeyTooLong,
    MetadataTooLarge,
)

KEY_MAX_BYTES = 1024
PUT_MAX_BYTES = 5 * 1024**3
PART_MAX_BYTES = 5 * 1024**3
PART_MIN_BYTES = 5 * 1024**2
PART_NUMBER_MAX = 10_000
METADATA_MAX_BYTES = 2 * 1024
LIST_MAX_KEYS = 1000
DELETE_MAX_KEYS = 1000
BUCKETS_MAX = 10_000

_BUCKET_CHARS = re.compile(r"^[a-z0-9][a-z0-9.-]*[a-z0-9]$")
_IP_ADDRESS = re.compile(r"^\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}$")
_RESERVED_PREFIXES = ("xn--", "sthree-", "amzn-s3-demo-")
_RESERVED_SUFFIXES = ("-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3")


def bucket_name_fault(name: str) -> str | None:
    """Which naming rule ``name`` breaks, or None when it is a valid general purpose bucket name."""
    if not 3 <= len(name) <= 63:
        return "must be between 3 and 63 characters long"
    if not _BUCKET_CHARS.match(name):
        return (
            "may hold only lowercase letters, numbers, dots and hyphens, "
            "and must begin and end with a letter or number"
        )
    if ".." in name:
        return "must not contain two adjacent periods"
    if _IP_ADDRESS.match(name):
        return "must not be formatted as an IP address"
    for prefix in _RESERVED_PREFIXES:
        if name.startswith(prefix):
            return f"must not start with the reserved prefix {prefix}"
    for suffix in _RESERVED_SUFFIXES:
        if name.endswith(suffix):
            return f"must not end with the reserved suffix {suffix}"
    return None


def check_bucket_name(name: str) -> None:
    fault = bucket_name_fault(name)
    if fault is not None:
        raise InvalidBucketName(f"The specified bucket is not valid: a bucket name {fault}.", BucketName=name)


def check_key(key: str) -> None:
    if not key:
        raise InvalidArgument("An object key must not be empty.", ArgumentName="key", ArgumentValue="")
    if len(key.encode("utf-8")) > KEY_MAX_BYTES:
        raise KeyTooLong(
            f"Your key is too long: {len(key.encode('utf-8'))} bytes of UTF-8, at most {KEY_MAX_BYTES}.",
            Size=str(len(key.encode("utf-8"))),
            MaxSizeAllowed=str(KEY_MAX_BYTES),
        )


def check_object_size(size: int, limit: int = PUT_MAX_BYTES) -> None:
    if size > limit:
        raise EntityTooLarge(ProposedSize=str(size), MaxSizeAllowed=str(limit))


def check_metadata(metadata: dict[str, str]) -> None:
    """S3 counts the UTF-8 bytes of every user metadata key and value together."""
    used = sum(len(name.encode("utf-8")) + len(value.encode("utf-8")) for name, value in metadata.items())
    if used > METADATA_MAX_BYTES:
        raise MetadataTooLarge(Size=str(used), MaxSizeAllowed=str(METADATA_MAX_BYTES))
