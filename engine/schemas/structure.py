"""Structural comparison and diff of two schema versions, with a verdict per change.

The verdicts follow the usual rule for event consumers that the EventBridge schema registry
leaves to its users ("consumers upgrade at their own pace"): a change is backward compatible
when every event valid under the old version stays valid under the new one (an added optional
field, a field made optional); it is breaking otherwise (a removed field, a changed type, an
added required field, a field made required).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine.schemas.layout import JsonSchema, as_draft4, inline

COMPATIBLE = "compatible"
BREAKING = "breaking"


@dataclass(frozen=True)
class Field:
    """One field of a schema: its path (``detail.items[].sku``), JSON type and whether required."""

    path: str
    kind: str
    required: bool


@dataclass(frozen=True)
class Change:
    path: str
    change: str  # added | removed | retyped | made-required | made-optional
    before: str | None
    after: str | None
    verdict: str


def fields(document: JsonSchema) -> dict[str, Field]:
    """Every field of the document's root class, flattened, refs followed."""
    draft4 = as_draft4(document)
    root = inline(draft4, draft4.get("definitions", {}))
    found: dict[str, Field] = {}
    _walk(root, "", True, found)
    return found


def _kind(schema: JsonSchema) -> str:
    kind = schema.get("type")
    if isinstance(kind, list):
        return "|".join(sorted(str(k) for k in kind))
    if kind is None:
        return "any"
    return str(kind)


def _walk(schema: JsonSchema, path: str, required: bool, found: dict[str, Field]) -> None:
    if path:
        found[path] = Field(path, _kind(schema), required)
    wanted = set(schema.get("required", []))
    for name, sub in (schema.get("properties") or {}).items():
        if isinstance(sub, dict):
            _walk(sub, f"{path}.{name}" if path else name, name in wanted, found)
    items = schema.get("items")
    if isinstance(items, dict):
        _walk(items, f"{path}[]", True, found)


def same_structure(a: JsonSchema, b: JsonSchema) -> bool:
    """True when the two documents describe the same fields, types and requirements."""
    return fields(a) == fields(b)


def diff(old: JsonSchema, new: JsonSchema) -> list[Change]:
    """Changes from ``old`` to ``new``, ordered by field path, each with its verdict."""
    before, after = fields(old), fields(new)
    changes: list[Change] = []
    for path in sorted(set(before) | set(after)):
        was, now = before.get(path), after.get(path)
        if was is None and now is not None:
            verdict = BREAKING if now.required and _parent_present(path, before) else COMPATIBLE
            changes.append(Change(path, "added", None, now.kind, verdict))
        elif now is None and was is not None:
            if not _parent_gone(path, after):
                changes.append(Change(path, "removed", was.kind, None, BREAKING))
        elif was is not None and now is not None:
            if was.kind != now.kind:
                verdict = COMPATIBLE if _widened(was.kind, now.kind) else BREAKING
                changes.append(Change(path, "retyped", was.kind, now.kind, verdict))
            if was.required != now.required:
                change = "made-required" if now.required else "made-optional"
                changes.append(
                    Change(path, change, was.kind, now.kind, BREAKING if now.required else COMPATIBLE)
                )
    return changes


def _parent(path: str) -> str:
    cut = max(path.rfind("."), path.rfind("[]") if path.endswith("[]") else -1)
    return path[:cut] if cut > 0 else ""


def _parent_present(path: str, known: dict[str, Any]) -> bool:
    """An added required field only breaks old events if its parent existed before."""
    parent = _parent(path)
    return not parent or parent in known


def _parent_gone(path: str, known: dict[str, Any]) -> bool:
    """A removed field under a removed parent is reported once, at the parent."""
    parent = _parent(path)
    return bool(parent) and parent not in known


def _widened(before: str, after: str) -> bool:
    """Every old value still fits: integer to number, or a type gaining ``null``."""
    old, new = set(before.split("|")), set(after.split("|"))
    if "integer" in old and "number" in new:
        old = (old - {"integer"}) | {"number"}
    return old <= new


def verdict(changes: list[Change]) -> str:
    """The version's overall verdict for consumers: breaking if any change is."""
    return BREAKING if any(change.verdict == BREAKING for change in changes) else COMPATIBLE
