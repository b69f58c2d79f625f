"""Wildcard patterns: ruler's syntax checks, a regex to match with, and its complexity measure."""

from __future__ import annotations

import re
from typing import Final

STAR: Final = None  # a wildcard token; literal tokens are one-character strings
# Above this many simultaneously live states in one field, AWS refuses the rule (see README note:
# AWS does not publish its threshold; this one rejects AWS's documented "too complex" example
# "*:*:*:*:*:event-bus/*" and accepts ordinary patterns such as "*/dir/*.png").
MAX_COMPLEXITY: Final = 10
TOO_COMPLEX: Final = (
    "Rule is too complex - try using fewer wildcard characters or fewer repeating character "
    "sequences after a wildcard character"
)


class WildcardSyntaxError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def wildcard_tokens(text: str) -> list[str | None]:
    """Tokens of a wildcard value; errors give ruler's byte position in the quoted value."""
    tokens: list[str | None] = []
    byte_pos = 1  # ruler parses '"' + value + '"'
    i = 0
    while i < len(text):
        ch = text[i]
        if ch == "*":
            if i + 1 < len(text) and text[i + 1] == "*":
                raise WildcardSyntaxError(f"Consecutive wildcard characters at pos {byte_pos}")
            tokens.append(STAR)
        elif ch == "\\":
            nxt = text[i + 1] if i + 1 < len(text) else '"'
            if nxt not in "*\\":
                raise WildcardSyntaxError(f"Invalid escape character at pos {byte_pos}")
            tokens.append(nxt)
            i += 1
            byte_pos += 1
        else:
            tokens.append(ch)
        byte_pos += len(ch.encode("utf-8", "surrogatepass"))
        i += 1
    return tokens


def wildcard_regex(text: str) -> re.Pattern[str]:
    parts = [".*" if t is STAR else re.escape(t) for t in wildcard_tokens(text)]
    return re.compile("".join(parts), re.DOTALL)


def _closure(tokens: list[str | None], states: set[int]) -> frozenset[int]:
    result = set(states)
    for i in sorted(states):
        j = i
        while j < len(tokens) and tokens[j] is STAR:
            j += 1
            result.add(j)
    return frozenset(result)


def wildcard_complexity(tokens: list[str | None], cap: int = MAX_COMPLEXITY + 1) -> int:
    """Most NFA states one input can keep alive at once (a star state and its successor both count)."""
    alphabet = {t for t in tokens if t is not STAR}
    start = _closure(tokens, {0})
    seen = {start}
    frontier = [start]
    worst = 0
    while frontier and worst < cap:
        current = frontier.pop()
        for ch in [*alphabet, None]:  # None: a character that appears nowhere in the pattern
            moved = set()
            for i in current:
                if i < len(tokens):
                    if tokens[i] is STAR:
                        moved.add(i)
                    elif tokens[i] == ch:
                        moved.add(i + 1)
            if not moved:
                continue
            nxt = _closure(tokens, moved)
            worst = max(worst, len(nxt))
            if nxt not in seen:
                seen.add(nxt)
                frontier.append(nxt)
    return worst
