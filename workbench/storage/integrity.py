"""Checking that the bytes S3 received are the bytes the client meant to send.

Clients send Content-MD5, a signed payload hash (x-amz-content-sha256) and, since botocore
1.36, a flexible checksum (x-amz-checksum-<algorithm>, as a header or an aws-chunked trailer).
S3 refuses a body that fails any of them; so does the workbench, for the algorithms the
standard library computes. CRC32C and CRC64NVME are stored unchecked and returned as sent.
https://docs.aws.amazon.com/AmazonS3/latest/userguide/checking-object-integrity.html
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import zlib
from collections.abc import Callable, Mapping

from workbench.storage.errors import BadDigest, InvalidDigest, InvalidRequest, S3Error

CHECKSUM_HEADER_PREFIX = "x-amz-checksum-"
UNSIGNED_PAYLOADS = ("UNSIGNED-PAYLOAD", "STREAMING-")


def _crc32(body: bytes) -> bytes:
    return zlib.crc32(body).to_bytes(4, "big")


def _sha1(body: bytes) -> bytes:
    return hashlib.sha1(body).digest()


def _sha256(body: bytes) -> bytes:
    return hashlib.sha256(body).digest()


_COMPUTED: dict[str, Callable[[bytes], bytes]] = {"crc32": _crc32, "sha1": _sha1, "sha256": _sha256}
_DIGEST_BYTES = {"crc32": 4, "crc32c": 4, "crc64nvme": 8, "sha1": 20, "sha256": 32}


class ContentSha256Mismatch(S3Error):
    code, status = "XAmzContentSHA256Mismatch", 400
    default_message = "The provided 'x-amz-content-sha256' header does not match what was computed."


def check_content_md5(value: str | None, body: bytes) -> None:
    if value is None:
        return
    try:
        expected = base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidDigest() from exc
    if len(expected) != 16:
        raise InvalidDigest()
    if hashlib.md5(body).digest() != expected:
        raise BadDigest(ExpectedDigest=expected.hex(), CalculatedDigest=hashlib.md5(body).hexdigest())


def check_content_sha256(value: str | None, body: bytes) -> None:
    """A hex payload hash is the signed body's SHA-256; the UNSIGNED/STREAMING markers are not."""
    if not value or value.startswith(UNSIGNED_PAYLOADS):
        return
    computed = hashlib.sha256(body).hexdigest()
    if value.lower() != computed:
        raise ContentSha256Mismatch(ClientComputedContentSHA256=value, S3ComputedContentSHA256=computed)


def verified_checksums(sent: Mapping[str, str], body: bytes) -> dict[str, str]:
    """The x-amz-checksum-* values in ``sent`` (headers and trailers, lower-case names), checked.

    Returns them keyed by header name, to be stored with the object and returned on GET.
    """
    found: dict[str, str] = {}
    for name, value in sent.items():
        if not name.startswith(CHECKSUM_HEADER_PREFIX):
            continue
        algorithm = name[len(CHECKSUM_HEADER_PREFIX) :]
        if algorithm not in _DIGEST_BYTES:
            continue  # x-amz-checksum-algorithm, -type, -mode: not digests
        try:
            digest = base64.b64decode(value.strip(), validate=True)
        except (binascii.Error, ValueError):
            digest = b""
        if len(digest) != _DIGEST_BYTES[algorithm]:
            raise InvalidRequest(f"Value for {name} header is invalid.")
        compute = _COMPUTED.get(algorithm)
        if compute is not None and compute(body) != digest:
            raise BadDigest(f"The {algorithm.upper()} you specified did not match the calculated checksum.")
        found[name] = value.strip()
    if len(found) > 1:
        raise InvalidRequest(
            "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed."
        )
    return found
