"""Wildcard matching of actions and resource ARNs, as the IAM User Guide describes it.

Actions ("IAM JSON policy elements: Action"): case-insensitive; ``*`` any run of characters,
``?`` any one character; ``"*"`` alone is every action of every service.

Resources ("IAM JSON policy elements: Resource", section "Using wildcards in resource ARNs"):
case-sensitive; ``*`` and ``?`` work within the colon-separated segments of an ARN, and "if the
``*`` wildcard is the last character of a resource ARN segment, it can expand to match beyond
the colon boundaries". So ``function:my-function`` does not match version ``my-function:1`` but
``function:my-function*`` and ``function:my-function:*`` do, and ``bucket/*`` spans ``/``.
"""

from __future__ import annotations

import re
from functools import lru_cache


def action_matches(pattern: str, action: str) -> bool:
    return _glob_regex(pattern, True).fullmatch(action) is not None


@lru_cache(maxsize=4096)
def _arn_regex(pattern: str) -> re.Pattern[str]:
    parts: list[str] = []
    for index, char in enumerate(pattern):
        if char == "*":
            ends_segment = index + 1 == len(pattern) or pattern[index + 1] == ":"
            parts.append(".*" if ends_segment else "[^:]*")
        elif char == "?":
            parts.append("[^:]")
        else:
            parts.append(re.escape(char))
    return re.compile("".join(parts), re.DOTALL)


def arn_matches(pattern: str, arn: str) -> bool:
    if pattern == "*":
        return True
    return _arn_regex(pattern).fullmatch(arn) is not None


@lru_cache(maxsize=4096)
def _glob_regex(pattern: str, ignore_case: bool) -> re.Pattern[str]:
    body = "".join(".*" if c == "*" else "." if c == "?" else re.escape(c) for c in pattern)
    return re.compile(body, (re.IGNORECASE if ignore_case else 0) | re.DOTALL)


def string_like(pattern: str, value: str) -> bool:
    """StringLike: case-sensitive; ``*`` and ``?`` anywhere in the value, across any character."""
    return _glob_regex(pattern, False).fullmatch(value) is not None
