"""Reading boto3's answers in tests: the error code of a refused call, the keys of a listing."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError


def error_code(exc: pytest.ExceptionInfo[ClientError]) -> str:
    """The AWS error code boto3 raised (``Error.Code`` of the response)."""
    return str(exc.value.response["Error"]["Code"])


def listed_keys(listing: dict[str, Any]) -> list[str]:
    """The object keys of a ListObjects(V2) answer, in the order S3 gave them."""
    return [entry["Key"] for entry in listing.get("Contents", [])]
