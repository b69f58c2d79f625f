"""The digests SQS returns and SDKs verify: MD5OfMessageBody and MD5OfMessageAttributes.

https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-message-metadata.html#sqs-attributes-md5-message-digest-calculation
Attributes are sorted by name; each contributes its name, data type (both 4-byte big-endian
length then UTF-8), a transport byte (1 for String and Number, 2 for Binary) and its value
(4-byte length then bytes).
"""

from __future__ import annotations

import base64
import hashlib
import struct
from typing import Any


def of_body(body: str) -> str:
    return hashlib.md5(body.encode("utf-8"), usedforsecurity=False).hexdigest()


def of_attributes(attributes: dict[str, dict[str, Any]]) -> str:
    """MD5 of ``attributes`` in the API's JSON form (BinaryValue base64), "" when there are none."""
    if not attributes:
        return ""
    digest = hashlib.md5(usedforsecurity=False)
    for name in sorted(attributes):
        attribute = attributes[name]
        data_type = str(attribute.get("DataType", ""))
        digest.update(_sized(name.encode("utf-8")))
        digest.update(_sized(data_type.encode("utf-8")))
        if data_type.startswith("Binary"):
            digest.update(b"\x02")
            digest.update(_sized(base64.b64decode(attribute.get("BinaryValue", ""))))
        else:
            digest.update(b"\x01")
            digest.update(_sized(str(attribute.get("StringValue", "")).encode("utf-8")))
    return digest.hexdigest()


def _sized(data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + data
