"""NextToken paging over ordered querysets, shared by every List* operation."""

from __future__ import annotations

import base64
from typing import Any

from workbench.core.errors import AwsError


def page(
    items: Any, next_token: str | None, limit: int | None, *, default_limit: int = 100
) -> tuple[list[Any], str | None]:
    """Slice an ordered sequence/queryset by an opaque offset token."""
    offset = 0
    if next_token:
        try:
            offset = int(base64.urlsafe_b64decode(next_token.encode()).decode())
        except (ValueError, UnicodeDecodeError) as exc:
            raise AwsError("Invalid NextToken", code="InvalidToken") from exc
    size = limit or default_limit
    chunk = list(items[offset : offset + size + 1])
    token = None
    if len(chunk) > size:
        chunk = chunk[:size]
        token = base64.urlsafe_b64encode(str(offset + size).encode()).decode()
    return chunk, token
