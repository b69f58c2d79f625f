"""The leaves of one event that some rule looks at, gathered by looking up only the rules' paths.

The result is ``flatten.flatten_event`` restricted to those paths, in the shape the Matcher reads
fastest: a list indexed by path slot (the Matcher numbers its paths), where a path with exactly
one leaf outside any array holds the leaf itself (the common case: no membership to merge), a
path with more leaves holds a list of (leaf, membership), and a path with none holds ``MISSING``.
A leaf is never a list, so the type tells the cases apart.

The walk follows a trie of the wanted paths and looks their keys up, so it never visits a key
no rule names, nor enters a sub-object no rule looks into. One thing needs care: an event key
containing a dot (``{"detail.state": "on"}``) names the same path as nested keys. The keys that
could do that at a level are exactly the dotted spellings of the trie's deeper paths, so one set
test per object finds them; if there are any, the event is walked again key by key.

``extractor`` compiles the same lookups for one trie into straight-line code; the functions here
are what it falls back to for anything unusual, and what runs when the trie is too large.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TypeAlias

from engine.events.patterns.flatten import Membership
from engine.events.patterns.model import JSON, Leaf

MISSING: object = object()
Extractor: TypeAlias = "Callable[[dict[str, JSON], list[object], list[int]], None]"


class PathTrie:
    """One dotted-path prefix some rule looks under.

    ``slot`` is the path's index in the leaf list (0 when no rule looks at the path itself, only
    below it); ``steps`` lists the children as (key, child) for the lookups; ``spellings`` holds
    the dotted keys that would reach a path two or more levels down (None when there are none).
    """

    __slots__ = ("children", "slot", "spellings", "steps")

    def __init__(self, slot: int) -> None:
        self.slot = slot
        self.children: dict[str, PathTrie] = {}
        self.steps: tuple[tuple[str, PathTrie], ...] = ()
        self.spellings: frozenset[str] | None = None


def path_trie(slots: Mapping[str, int]) -> PathTrie:
    """The trie of the rules' paths (split at dots), each wanted path knowing its slot."""
    root = PathTrie(0)
    for path, slot in slots.items():
        node = root
        for part in path.split("."):
            child = node.children.get(part)
            if child is None:
                child = node.children[part] = PathTrie(0)
            node = child
        node.slot = slot
    _finish(root)
    return root


def _finish(node: PathTrie) -> list[list[str]]:
    """Fill in steps and spellings below ``node``; return the key sequences of its descendants."""
    below: list[list[str]] = []
    for key, child in node.children.items():
        below.append([key])
        below.extend([key, *rest] for rest in _finish(child))
    node.steps = tuple(node.children.items())
    dotted = frozenset(".".join(keys) for keys in below if len(keys) > 1)
    node.spellings = dotted or None
    return below


class DottedKey(Exception):
    """The event has a dotted key that reaches a wanted path: walk it again, key by key."""


def event_leaves(
    event: dict[str, JSON],
    trie: PathTrie,
    size: int,
    extract: Extractor | None = None,
) -> tuple[list[object], int]:
    """The wanted leaves of the event by slot (``size`` slots), as the module docstring says, and
    how many slots hold lists: with at most one, no two steps of a rule can read leaves of
    different elements of one array, so the Matcher need not track elements at all.

    ``extract`` is the trie compiled into straight-line code (``extractor``); it does what
    ``_plain_object`` does, faster."""
    values: list[object] = [MISSING] * size
    counter = [0, 0]  # arrays met (for their ids), slots holding lists
    try:
        if extract is not None:
            extract(event, values, counter)
        else:
            _plain_object(event, trie, values, counter)
    except DottedKey:
        values = [MISSING] * size
        counter = [0, 0]
        _careful_object(event, trie, (), values, counter)
    return values, counter[1]


def plain_value(value: JSON, trie: PathTrie, values: list[object], counter: list[int]) -> None:
    """A value found outside any array at the path of ``trie``."""
    kind = type(value)
    if kind is dict:
        if trie.steps:
            _plain_object(value, trie, values, counter)  # type: ignore[arg-type]
    elif kind is list:
        if trie.slot or trie.steps:
            _array_list(value, trie, (), values, counter)  # type: ignore[arg-type]
    elif trie.slot:
        values[trie.slot] = value


def array_value(
    value: JSON, trie: PathTrie, membership: Membership, values: list[object], counter: list[int]
) -> None:
    """A value found inside an array (its elements in ``membership``) at the path of ``trie``."""
    kind = type(value)
    if kind is dict:
        if trie.steps:
            _array_object(value, trie, membership, values, counter)  # type: ignore[arg-type]
    elif kind is list:
        if trie.slot or trie.steps:
            _array_list(value, trie, membership, values, counter)  # type: ignore[arg-type]
    elif trie.slot:
        _append(values, trie.slot, value, membership, counter)  # type: ignore[arg-type]


def _plain_object(node: dict[str, JSON], trie: PathTrie, values: list[object], counter: list[int]) -> None:
    """An object outside any array: each wanted key holds at most one leaf."""
    spellings = trie.spellings
    if spellings is not None and not spellings.isdisjoint(node):
        raise DottedKey
    for key, sub in trie.steps:
        value = node.get(key, MISSING)
        if value is MISSING:
            continue
        kind = type(value)
        if kind is dict:
            if sub.steps:
                _plain_object(value, sub, values, counter)  # type: ignore[arg-type]
        elif kind is list:
            if sub.slot or sub.steps:
                _array_list(value, sub, (), values, counter)  # type: ignore[arg-type]
        elif sub.slot:
            values[sub.slot] = value


def _array_object(
    node: dict[str, JSON], trie: PathTrie, membership: Membership, values: list[object], counter: list[int]
) -> None:
    """An object inside an array: every leaf has a membership, so all go into lists."""
    spellings = trie.spellings
    if spellings is not None and not spellings.isdisjoint(node):
        raise DottedKey
    for key, sub in trie.steps:
        value = node.get(key, MISSING)
        if value is MISSING:
            continue
        kind = type(value)
        if kind is dict:
            if sub.steps:
                _array_object(value, sub, membership, values, counter)  # type: ignore[arg-type]
        elif kind is list:
            if sub.slot or sub.steps:
                _array_list(value, sub, membership, values, counter)  # type: ignore[arg-type]
        elif sub.slot:
            _append(values, sub.slot, value, membership, counter)  # type: ignore[arg-type]


def _array_list(
    items: list[JSON], trie: PathTrie, membership: Membership, values: list[object], counter: list[int]
) -> None:
    counter[0] += 1
    array_id = counter[0]
    slot = trie.slot
    for index, item in enumerate(items):
        inner = (*membership, (array_id, index))
        kind = type(item)
        if kind is dict:
            if trie.steps:
                _array_object(item, trie, inner, values, counter)  # type: ignore[arg-type]
        elif kind is list:
            _array_list(item, trie, inner, values, counter)  # type: ignore[arg-type]
        elif slot:
            _append(values, slot, item, inner, counter)  # type: ignore[arg-type]


def _append(values: list[object], slot: int, value: Leaf, membership: Membership, counter: list[int]) -> None:
    """Add a leaf that sits in an array (outside the careful walk its path has no single leaf)."""
    bucket = values[slot]
    if bucket is MISSING:
        values[slot] = [(value, membership)]
        counter[1] += 1
    else:
        bucket.append((value, membership))  # type: ignore[attr-defined]


def _dotted(trie: PathTrie, key: str) -> PathTrie | None:
    """The trie node a dotted key ("a.b") reaches, as the nested keys would."""
    node: PathTrie | None = trie
    for part in key.split("."):
        node = node.children.get(part) if node is not None else None
    return node


def _careful_object(
    node: dict[str, JSON], trie: PathTrie, membership: Membership, values: list[object], counter: list[int]
) -> None:
    """Any object, visiting every key, dotted ones too: a second leaf on a path makes a list."""
    for key, value in node.items():
        sub = trie.children.get(key)
        if sub is None:
            if "." not in key:
                continue
            sub = _dotted(trie, key)
            if sub is None:
                continue
        kind = type(value)
        if kind is dict:
            _careful_object(value, sub, membership, values, counter)  # type: ignore[arg-type]
        elif kind is list:
            _careful_list(value, sub, membership, values, counter)  # type: ignore[arg-type]
        elif sub.slot:
            _add_leaf(values, sub.slot, value, membership, counter)  # type: ignore[arg-type]


def _careful_list(
    items: list[JSON], trie: PathTrie, membership: Membership, values: list[object], counter: list[int]
) -> None:
    counter[0] += 1
    array_id = counter[0]
    for index, item in enumerate(items):
        inner = (*membership, (array_id, index))
        kind = type(item)
        if kind is dict:
            _careful_object(item, trie, inner, values, counter)  # type: ignore[arg-type]
        elif kind is list:
            _careful_list(item, trie, inner, values, counter)  # type: ignore[arg-type]
        elif trie.slot:
            _add_leaf(values, trie.slot, item, inner, counter)  # type: ignore[arg-type]


def _add_leaf(
    values: list[object], slot: int, value: Leaf, membership: Membership, counter: list[int]
) -> None:
    held = values[slot]
    if held is MISSING:
        if membership:
            values[slot] = [(value, membership)]
            counter[1] += 1
        else:
            values[slot] = value
    elif type(held) is list:
        held.append((value, membership))
    else:
        values[slot] = [(held, ()), (value, membership)]
        counter[1] += 1
