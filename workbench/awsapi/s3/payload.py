"""The body of an upload, as sent: size limits, aws-chunked framing, and the digests that vouch for it."""

from __future__ import annotations

from workbench.awsapi.s3.call import S3Call
from workbench.storage import chunked, integrity, limits
from workbench.storage.errors import EntityTooLarge, IncompleteBody


def declared_length(call: S3Call) -> int | None:
    for name in ("x-amz-decoded-content-length", "Content-Length"):
        value = call.header(name)
        if value and value.strip().isdigit():
            return int(value)
    return None


def verified_body(call: S3Call, limit: int = limits.PUT_MAX_BYTES) -> tuple[bytes, dict[str, str]]:
    """The request payload, aws-chunked framing removed and every digest the client sent checked.

    Returns the payload and the flexible checksum to store with it (header name -> base64).
    """
    declared = declared_length(call)
    if declared is not None and declared > limit:
        raise EntityTooLarge(ProposedSize=str(declared), MaxSizeAllowed=str(limit))
    raw = call.request.read()
    content_sha256 = call.header("x-amz-content-sha256") or ""
    sent = {name.lower(): value for name, value in call.request.headers.items()}
    if chunked.is_aws_chunked(call.header("Content-Encoding") or "", content_sha256):
        body, trailers = chunked.decode(raw)
        sent.update(trailers)
        decoded_length = call.header("x-amz-decoded-content-length")
        if decoded_length and decoded_length.strip().isdigit() and int(decoded_length) != len(body):
            raise IncompleteBody(
                f"x-amz-decoded-content-length says {decoded_length} bytes; the body holds {len(body)}."
            )
    else:
        body = raw
        integrity.check_content_sha256(content_sha256, body)
    limits.check_object_size(len(body), limit)
    integrity.check_content_md5(call.header("Content-MD5"), body)
    return body, integrity.verified_checksums(sent, body)
