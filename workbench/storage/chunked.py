"""Decoding aws-chunked request bodies (Content-Encoding: aws-chunked).

SDKs send streaming uploads as chunks of ``<hex size>[;chunk-signature=<sig>]\\r\\n<bytes>\\r\\n``,
ended by a zero-size chunk, optionally followed by trailer lines such as
``x-amz-checksum-crc32:<base64>`` and a blank line. The signed variant
(x-amz-content-sha256: STREAMING-AWS4-HMAC-SHA256-PAYLOAD[-TRAILER]) carries per-chunk
signatures; the unsigned one (STREAMING-UNSIGNED-PAYLOAD-TRAILER) does not.
https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-streaming.html
"""

from __future__ import annotations

from workbench.storage.errors import IncompleteBody, InvalidRequest

CRLF = b"\r\n"


def is_aws_chunked(content_encoding: str, content_sha256: str) -> bool:
    encodings = [part.strip().lower() for part in content_encoding.split(",")]
    return "aws-chunked" in encodings or content_sha256.startswith("STREAMING-")


def remaining_content_encoding(content_encoding: str) -> str:
    """What Content-Encoding the object keeps once the aws-chunked transport layer is removed."""
    parts = [part.strip() for part in content_encoding.split(",") if part.strip()]
    return ", ".join(part for part in parts if part.lower() != "aws-chunked")


def decode(encoded: bytes) -> tuple[bytes, dict[str, str]]:
    """The payload and the trailers (lower-case names) of an aws-chunked body."""
    payload = bytearray()
    position = 0
    while True:
        end_of_header = encoded.find(CRLF, position)
        if end_of_header < 0:
            raise IncompleteBody("The aws-chunked body ended before its final zero-size chunk.")
        size = _chunk_size(encoded[position:end_of_header])
        position = end_of_header + len(CRLF)
        if size == 0:
            break
        chunk = encoded[position : position + size]
        if len(chunk) < size:
            raise IncompleteBody(f"An aws-chunked chunk announced {size} bytes; only {len(chunk)} arrived.")
        payload += chunk
        position += size
        if encoded[position : position + len(CRLF)] != CRLF:
            raise InvalidRequest("An aws-chunked chunk is not followed by CRLF.")
        position += len(CRLF)
    return bytes(payload), _trailers(encoded[position:])


def _chunk_size(header: bytes) -> int:
    size_text = header.split(b";", 1)[0].strip()
    try:
        size = int(size_text, 16)
    except ValueError as exc:
        raise InvalidRequest(
            f"Invalid aws-chunked chunk header {header[:80]!r}: expected a hexadecimal size."
        ) from exc
    if size < 0:
        raise InvalidRequest("An aws-chunked chunk size must not be negative.")
    return size


def _trailers(tail: bytes) -> dict[str, str]:
    trailers: dict[str, str] = {}
    for line in tail.split(CRLF):
        if not line.strip():
            continue
        name, separator, value = line.partition(b":")
        if not separator:
            raise InvalidRequest(f"Malformed aws-chunked trailer line {line[:80]!r}.")
        trailers[name.strip().lower().decode("ascii", "replace")] = value.strip().decode("ascii", "replace")
    return trailers
