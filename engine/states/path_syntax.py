"""Syntax checks for the JSONPath strings an ASL definition holds (no evaluation here).

AWS distinguishes two kinds of path (Developer Guide, "Paths"):

* a *path* (InputPath, OutputPath, ``"key.$"`` values) may use the whole JSONPath syntax:
  wildcards, deep scans, unions, slices and filters;
* a *reference path* (ResultPath, ItemsPath, Choice ``Variable`` and ``...Path`` operands)
  addresses a single node, so only dot and bracket notation with names and indexes is allowed:
  "The operators @ .. , : ? * aren't supported".

Both may start at the state input (``$``), the context object (``$$``) or a workflow
variable (``$name``). Evaluation lives in ``engine.states.paths``; the validator only needs to
know whether a string is well formed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

RootKind = Literal["input", "context", "variable"]
SegmentKind = Literal["name", "index", "wildcard", "deep", "union", "slice", "filter", "script"]

_VARIABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_INTEGER = re.compile(r"-?\d+")
_SLICE = re.compile(r"(-?\d+)?:(-?\d+)?(:(-?\d+)?)?")
_NAME_STOP = frozenset(".[]")


@dataclass(frozen=True)
class ParsedPath:
    """The shape of a path: where it starts and which kinds of step it takes."""

    root: RootKind
    variable: str | None
    segments: tuple[SegmentKind, ...]


def parse_path(text: str) -> ParsedPath | None:
    """Split a JSONPath into its root and step kinds, or None when it is not well formed."""
    if not isinstance(text, str) or not text.startswith("$"):
        return None
    root: RootKind = "input"
    variable: str | None = None
    position = 1
    if text.startswith("$$"):
        root, position = "context", 2
    else:
        match = _VARIABLE_NAME.match(text, 1)
        if match:
            root, variable, position = "variable", match.group(0), match.end()
    segments: list[SegmentKind] = []
    while position < len(text):
        step = _next_segment(text, position)
        if step is None:
            return None
        kind, position = step
        segments.append(kind)
    return ParsedPath(root=root, variable=variable, segments=tuple(segments))


def is_path(text: object) -> bool:
    """True for a well-formed JSONPath (``$``, ``$$`` or ``$variable`` rooted)."""
    return isinstance(text, str) and parse_path(text) is not None


def is_reference_path(text: object) -> bool:
    """True for a path that names one node: only ``.name``, ``['name']`` and ``[n]`` steps."""
    if not isinstance(text, str):
        return False
    parsed = parse_path(text)
    return parsed is not None and all(kind in ("name", "index") for kind in parsed.segments)


def is_input_reference_path(text: object) -> bool:
    """True for a reference path into the state input itself (what ResultPath needs)."""
    if not isinstance(text, str):
        return False
    parsed = parse_path(text)
    return (
        parsed is not None
        and parsed.root == "input"
        and all(kind in ("name", "index") for kind in parsed.segments)
    )


def is_variable_name(text: object) -> bool:
    """True for a name ``Assign`` may create (letters, digits, underscore; not a digit first)."""
    return isinstance(text, str) and _VARIABLE_NAME.fullmatch(text) is not None


# --- the scanner -------------------------------------------------------------------------


def _next_segment(text: str, position: int) -> tuple[SegmentKind, int] | None:
    if text.startswith("..", position):
        after = position + 2
        if after < len(text) and text[after] == "[":
            bracket = _bracket_segment(text, after)
            return None if bracket is None else ("deep", bracket[1])
        name_end = _name_end(text, after)
        return None if name_end == after else ("deep", name_end)
    if text[position] == ".":
        after = position + 1
        if text.startswith("*", after):
            return "wildcard", after + 1
        name_end = _name_end(text, after)
        return None if name_end == after else ("name", name_end)
    if text[position] == "[":
        return _bracket_segment(text, position)
    return None


def _name_end(text: str, start: int) -> int:
    end = start
    while end < len(text) and text[end] not in _NAME_STOP:
        end += 1
    name = text[start:end]
    if "*" in name or not name.strip():
        return start
    return end


def _bracket_segment(text: str, position: int) -> tuple[SegmentKind, int] | None:
    """Read ``[...]`` starting at ``position`` (the ``[``); return its kind and the end index."""
    inner_start = position + 1
    if text.startswith("?(", inner_start) or text.startswith("(", inner_start):
        close = _balanced_paren_end(text, text.index("(", inner_start))
        if close is None or not text.startswith("]", close):
            return None
        kind: SegmentKind = "filter" if text[inner_start] == "?" else "script"
        return kind, close + 1
    close = _bracket_close(text, inner_start)
    if close is None:
        return None
    inner = text[inner_start:close].strip()
    kind_or_none = _bracket_kind(inner)
    return None if kind_or_none is None else (kind_or_none, close + 1)


def _bracket_kind(inner: str) -> SegmentKind | None:
    if inner == "*":
        return "wildcard"
    if _INTEGER.fullmatch(inner):
        return "index" if not inner.startswith("-") else "slice"
    if _SLICE.fullmatch(inner) and ":" in inner:
        return "slice"
    parts = _split_union(inner)
    if parts is None:
        return None
    if len(parts) == 1:
        return "name" if _is_quoted(parts[0]) else None
    if all(_is_quoted(part) or _INTEGER.fullmatch(part) for part in parts):
        return "union"
    return None


def _split_union(inner: str) -> list[str] | None:
    parts: list[str] = []
    current: list[str] = []
    quote: str | None = None
    escaped = False
    for char in inner:
        if quote:
            current.append(char)
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == quote:
                quote = None
        elif char in "'\"":
            quote = char
            current.append(char)
        elif char == ",":
            parts.append("".join(current).strip())
            current = []
        else:
            current.append(char)
    if quote:
        return None
    parts.append("".join(current).strip())
    return parts if all(parts) else None


def _is_quoted(part: str) -> bool:
    return len(part) >= 2 and part[0] == part[-1] and part[0] in "'\""


def _bracket_close(text: str, start: int) -> int | None:
    quote: str | None = None
    escaped = False
    for index in range(start, len(text)):
        char = text[index]
        if quote:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == quote:
                quote = None
        elif char in "'\"":
            quote = char
        elif char == "]":
            return index
    return None


def _balanced_paren_end(text: str, open_index: int) -> int | None:
    """Index just past the ``)`` matching the ``(`` at ``open_index``, skipping quoted text."""
    depth = 0
    quote: str | None = None
    escaped = False
    for index in range(open_index, len(text)):
        char = text[index]
        if quote:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == quote:
                quote = None
        elif char in "'\"":
            quote = char
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
            if depth == 0:
                return index + 1 if index + 1 > open_index + 2 else None
    return None
