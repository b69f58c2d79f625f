"""Listing a bucket the way S3 does: keys in UTF-8 binary order, grouped by a delimiter, in pages.

A page holds at most ``max_keys`` entries, counting each key and each common prefix once.
The continuation token is opaque to clients; it carries the last entry of the page so the
next page resumes after it (and after every key under it, when it was a common prefix).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import connection
from django.db.models import F, QuerySet
from django.db.models.functions import Collate

from workbench.core.jsonio import dumps
from workbench.storage.errors import InvalidArgument
from workbench.storage.integrity import CHECKSUM_HEADER_PREFIX
from workbench.storage.models import Bucket, StoredObject


@dataclass(frozen=True)
class Resume:
    """Where a page starts: after ``after``; skipping keys under ``skip_prefix`` if set."""

    after: str = ""
    skip_prefix: str | None = None


@dataclass
class Page:
    contents: list[dict[str, Any]] = field(default_factory=list)
    common_prefixes: list[str] = field(default_factory=list)
    truncated: bool = False
    last_entry: str | None = None
    last_is_prefix: bool = False

    @property
    def count(self) -> int:
        return len(self.contents) + len(self.common_prefixes)


def encode_token(resume: Resume) -> str:
    raw = dumps([resume.after, resume.skip_prefix]).encode("utf-8")
    return base64.b64encode(raw).decode("ascii")


def decode_token(token: str) -> Resume:
    fault = InvalidArgument(
        "The continuation token provided is incorrect",
        ArgumentName="continuation-token",
        ArgumentValue=token,
    )
    try:
        after, skip_prefix = json.loads(base64.b64decode(token.encode("ascii"), validate=True))
    except (ValueError, TypeError, binascii.Error, UnicodeError) as exc:
        raise fault from exc
    if not isinstance(after, str) or not (skip_prefix is None or isinstance(skip_prefix, str)):
        raise fault
    return Resume(after, skip_prefix)


def _in_binary_order(bucket: Bucket, lower: str) -> QuerySet[StoredObject]:
    """Objects with key >= lower, in S3's order (bytes of UTF-8, which is code point order).

    SQLite compares text bytewise already; PostgreSQL needs the "C" collation to do so.
    """
    objects = StoredObject.objects.filter(bucket=bucket)
    if connection.vendor == "postgresql":
        objects = objects.annotate(sort_key=Collate(F("key"), "C"))
    else:
        objects = objects.annotate(sort_key=F("key"))
    return objects.filter(sort_key__gte=lower).order_by("sort_key")


def _rows(bucket: Bucket, lower: str) -> Iterator[dict[str, Any]]:
    rows = _in_binary_order(bucket, lower).values("key", "etag", "size", "last_modified", "headers")
    yield from rows.iterator(chunk_size=500)


def walk(bucket: Bucket, *, prefix: str, delimiter: str | None, max_keys: int, resume: Resume) -> Page:
    """One page of the listing; stops one entry past the page to know whether it is truncated."""
    page = Page()
    if max_keys <= 0:
        return page
    last_prefix: str | None = None
    for row in _rows(bucket, max(prefix, resume.after)):
        key: str = row["key"]
        if not key.startswith(prefix):
            break  # keys sharing the prefix are contiguous in binary order: past them, done
        if key <= resume.after:
            continue
        if resume.skip_prefix and key.startswith(resume.skip_prefix):
            continue
        common = _common_prefix(key, prefix, delimiter)
        if common is not None and common == last_prefix:
            continue
        if page.count >= max_keys:
            page.truncated = True
            break
        if common is not None:
            page.common_prefixes.append(common)
            last_prefix = common
            page.last_entry, page.last_is_prefix = common, True
        else:
            page.contents.append(_entry(row))
            page.last_entry, page.last_is_prefix = key, False
    return page


def _common_prefix(key: str, prefix: str, delimiter: str | None) -> str | None:
    if not delimiter:
        return None
    at = key.find(delimiter, len(prefix))
    return None if at < 0 else key[: at + len(delimiter)]


def _entry(row: dict[str, Any]) -> dict[str, Any]:
    last_modified: datetime = row["last_modified"]
    entry: dict[str, Any] = {
        "Key": row["key"],
        "LastModified": last_modified,
        "ETag": row["etag"],
        "Size": row["size"],
        "StorageClass": "STANDARD",
    }
    algorithm = checksum_algorithm(row["headers"] or {})
    if algorithm:
        entry["ChecksumAlgorithm"] = [algorithm]
        entry["ChecksumType"] = "FULL_OBJECT"
    return entry


def checksum_algorithm(headers: dict[str, str]) -> str | None:
    """The algorithm of the full-object checksum stored with an object (CRC32, SHA256...)."""
    for name in headers:
        if name.startswith(CHECKSUM_HEADER_PREFIX):
            return name[len(CHECKSUM_HEADER_PREFIX) :].upper()
    return None


def next_resume(page: Page) -> Resume | None:
    """Where the next page starts, when this one was cut short."""
    if not page.truncated or page.last_entry is None:
        return None
    return Resume(page.last_entry, page.last_entry if page.last_is_prefix else None)
