"""Events as ruler sees them: leaf values by dotted path, each with the array elements it sits in.

Only leaves count (strings, numbers, booleans, null): an object or an empty array contributes
nothing, so ``exists`` treats it as absent. Every array in the event gets its own id, and each leaf
records (array id, index) for every array around it, so that fields taken from different elements
of one array are never combined into a match.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import TypeAlias

from engine.events.patterns.model import JSON, Leaf

Membership: TypeAlias = tuple[tuple[int, int], ...]
LeafIndex: TypeAlias = dict[str, list[tuple[Leaf, Membership]]]


def flatten_event(event: dict[str, JSON], wanted: Collection[str] | None = None) -> LeafIndex:
    """Leaves of ``event`` by path; with ``wanted``, only paths in it (and their prefixes) are walked."""
    out: LeafIndex = {}
    counter = [0]
    for key, value in event.items():
        if wanted is None or key in wanted:
            _walk(value, key, (), out, wanted, counter)
    return out


def _walk(
    node: JSON,
    path: str,
    membership: Membership,
    out: LeafIndex,
    wanted: Collection[str] | None,
    counter: list[int],
) -> None:
    """Below the top level a key always adds a segment, so ``{"": {"b": 1}}`` is at ".b", as a
    pattern spells it."""
    if isinstance(node, dict):
        for key, value in node.items():
            child = f"{path}.{key}"
            if wanted is None or child in wanted:
                _walk(value, child, membership, out, wanted, counter)
    elif isinstance(node, list):
        counter[0] += 1
        array_id = counter[0]
        for index, item in enumerate(node):
            _walk(item, path, (*membership, (array_id, index)), out, wanted, counter)
    else:
        out.setdefault(path, []).append((node, membership))


def merge_membership(held: dict[int, int], membership: Membership) -> dict[int, int] | None:
    """``held`` plus ``membership``, or None when they name different elements of one array."""
    merged = held
    for array_id, index in membership:
        current = merged.get(array_id)
        if current is None:
            if merged is held:
                merged = dict(held)
            merged[array_id] = index
        elif current != index:
            return None
    return merged


def path_prefixes(paths: Collection[str]) -> set[str]:
    """Every dotted prefix of the paths, so a walk can skip parts of an event no rule looks at."""
    prefixes: set[str] = set()
    for path in paths:
        parts = path.split(".")
        for end in range(1, len(parts) + 1):
            prefixes.add(".".join(parts[:end]))
    return prefixes
