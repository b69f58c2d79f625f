"""The transitions leaving one automaton state on one field path, indexed by the leaf value.

Exact values sit in a dict, prefixes and suffixes in dicts probed once per distinct length,
numeric ranges in sorted boundaries; only the rare operators (wildcard, cidr, anything-but) are
tested one by one. ``Target`` is whatever the automaton steps to: this module never looks inside.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable
from typing import Generic, TypeVar

from engine.events.patterns.addresses import ip_value
from engine.events.patterns.model import (
    Condition,
    EqualsIgnoreCase,
    ExactLiteral,
    ExactNumber,
    ExactString,
    Exists,
    Leaf,
    Numeric,
    Prefix,
    Suffix,
    fold_case,
)
from engine.events.patterns.numbers import canonical_number_text, event_micros

Target = TypeVar("Target")
EXACT = (ExactString, ExactNumber, ExactLiteral)
_TRUE_KEY, _FALSE_KEY, _NULL_KEY = ("l", True), ("l", False), ("l", None)


def leaf_key(value: Leaf) -> object:
    """The dict key an exact pattern value and an equal event value share (JSON types stay apart)."""
    if type(value) is str:
        return value
    if value is None:
        return _NULL_KEY
    if value is True:
        return _TRUE_KEY
    if value is False:
        return _FALSE_KEY
    assert isinstance(value, (int, float))
    micros = event_micros(value)
    return ("n", micros) if micros is not None else ("x", canonical_number_text(value))


def condition_key(cond: ExactString | ExactNumber | ExactLiteral) -> object:
    if isinstance(cond, ExactString):
        return cond.value
    if isinstance(cond, ExactLiteral):
        return ("l", cond.value)
    return cond.key()


Key = TypeVar("Key")


def put(index: dict[Key, tuple[Target, ...]], key: Key, target: Target) -> None:
    """Add a target under a key. Targets are kept in tuples: compact, and cheap to extend a list with."""
    held = index.get(key, ())
    if target not in held:
        index[key] = (*held, target)


def drop(index: dict[Key, tuple[Target, ...]] | None, key: Key, target: Target) -> bool:
    """Remove a target from under a key; False when the key is left with none (and so removed)."""
    if index is None or key not in index:
        return True
    kept = tuple(t for t in index[key] if t is not target)
    if kept:
        index[key] = kept
        return True
    del index[key]
    return False


class AffixIndex(Generic[Target]):
    """Prefixes (or reversed suffixes) by value, probed once per distinct length."""

    __slots__ = ("by_value", "length_counts", "lengths")

    def __init__(self) -> None:
        self.by_value: dict[str, tuple[Target, ...]] = {}
        self.length_counts: dict[int, int] = {}
        self.lengths: tuple[int, ...] = ()

    def add(self, value: str, target: Target) -> None:
        if value not in self.by_value:
            size = len(value)
            self.length_counts[size] = self.length_counts.get(size, 0) + 1
            if self.length_counts[size] == 1:
                self.lengths = tuple(sorted(self.length_counts))
        put(self.by_value, value, target)

    def discard(self, value: str, target: Target) -> None:
        if value in self.by_value and not drop(self.by_value, value, target):
            size = len(value)
            self.length_counts[size] -= 1
            if not self.length_counts[size]:
                del self.length_counts[size]
                self.lengths = tuple(sorted(self.length_counts))

    def collect(self, text: str, out: list[Target]) -> None:
        size = len(text)
        by_value = self.by_value
        for length in self.lengths:
            if length > size:
                break
            found = by_value.get(text[:length])
            if found:
                out.extend(found)


class NumericIndex(Generic[Target]):
    """Ranges over millionths, answered by one binary search over their boundaries.

    Boundary k splits the line into segment 2k (the open gap below it) and 2k+1 (the point
    itself); each segment lists the targets whose range covers it. Rebuilt lazily after changes.
    """

    __slots__ = ("dirty", "points", "ranges", "segments")

    def __init__(self) -> None:
        self.ranges: list[tuple[Numeric, Target]] = []
        self.points: list[int] = []
        self.segments: list[list[Target]] = []
        self.dirty = False

    def add(self, cond: Numeric, target: Target) -> None:
        self.ranges.append((cond, target))
        self.dirty = True

    def discard_target(self, target: Target) -> None:
        self.ranges = [(c, t) for c, t in self.ranges if t is not target]
        self.dirty = True

    def _rebuild(self) -> None:
        points = sorted({b for cond, _ in self.ranges for b in (cond.low, cond.high) if b is not None})
        position = {point: k for k, point in enumerate(points)}
        segments: list[list[Target]] = [[] for _ in range(2 * len(points) + 1)]
        for cond, target in self.ranges:
            first = 0 if cond.low is None else 2 * position[cond.low] + (2 if cond.low_open else 1)
            last = (
                len(segments) - 1
                if cond.high is None
                else 2 * position[cond.high] + (0 if cond.high_open else 1)
            )
            for segment in range(first, last + 1):
                bucket = segments[segment]
                if not bucket or bucket[-1] is not target:
                    bucket.append(target)
        self.points, self.segments, self.dirty = points, segments, False

    def collect(self, micros: int, out: list[Target]) -> None:
        if self.dirty:
            self._rebuild()
        k = bisect_left(self.points, micros)
        at_point = k < len(self.points) and self.points[k] == micros
        out.extend(self.segments[2 * k + 1 if at_point else 2 * k])


class FieldMachine(Generic[Target]):
    """The transitions leaving one state on one field path.

    Indexes are created on first use; ``simple`` says only exact values are present, so the
    matcher can look the leaf up inline without calling ``targets_for``.
    """

    __slots__ = (
        "absent",
        "exact",
        "folded",
        "folded_prefix",
        "folded_suffix",
        "ips",
        "numeric",
        "others",
        "prefix",
        "prefix_only",
        "present",
        "simple",
        "slot",
        "string_indexes",
        "suffix",
        "targets",
    )

    def __init__(self, slot: int) -> None:
        self.slot = slot  # where the path's leaves are in the matcher's per-event leaf list
        self.exact: dict[object, tuple[Target, ...]] = {}
        self.ips: dict[object, tuple[Target, ...]] | None = None
        self.prefix: AffixIndex[Target] | None = None
        self.suffix: AffixIndex[Target] | None = None
        self.folded: dict[object, tuple[Target, ...]] | None = None
        self.folded_prefix: AffixIndex[Target] | None = None
        self.folded_suffix: AffixIndex[Target] | None = None
        self.numeric: NumericIndex[Target] | None = None
        self.others: list[tuple[Condition, Target]] | None = None
        self.present: list[Target] | None = None
        self.absent: list[Target] | None = None
        self.targets = 0  # how many steps (children of the state) use this path
        self.simple = True  # only exact values
        self.prefix_only = False  # only prefixes: the matcher probes them inline too
        self.string_indexes = False  # suffix, ip, or case-folded values

    def _refresh(self) -> None:
        self.string_indexes = bool(
            self.ips or self.suffix or self.folded or self.folded_prefix or self.folded_suffix
        )
        rest = self.string_indexes or self.numeric or self.others or self.present
        self.simple = not (rest or self.prefix)
        self.prefix_only = bool(self.prefix and not rest and not self.exact)

    def add(self, cond: Condition, target: Target) -> None:
        if isinstance(cond, EXACT):
            put(self.exact, condition_key(cond), target)
            if isinstance(cond, ExactString) and cond.ip is not None:
                self.ips = self.ips or {}
                put(self.ips, cond.ip, target)
        elif isinstance(cond, Prefix):
            if cond.ignore_case:
                self.folded_prefix = self.folded_prefix or AffixIndex()
                self.folded_prefix.add(fold_case(cond.value), target)
            else:
                self.prefix = self.prefix or AffixIndex()
                self.prefix.add(cond.value, target)
        elif isinstance(cond, Suffix):
            if cond.ignore_case:
                self.folded_suffix = self.folded_suffix or AffixIndex()
                self.folded_suffix.add(fold_case(cond.value)[::-1], target)
            else:
                self.suffix = self.suffix or AffixIndex()
                self.suffix.add(cond.value[::-1], target)
        elif isinstance(cond, EqualsIgnoreCase):
            self.folded = self.folded or {}
            put(self.folded, fold_case(cond.value), target)
        elif isinstance(cond, Numeric):
            self.numeric = self.numeric or NumericIndex()
            self.numeric.add(cond, target)
        elif isinstance(cond, Exists):
            if cond.present:
                self.present = self.present or []
                if target not in self.present:
                    self.present.append(target)
            else:
                self.absent = self.absent or []
                if target not in self.absent:
                    self.absent.append(target)
        else:
            self.others = self.others or []
            self.others.append((cond, target))
        self._refresh()

    def remove_target(self, conditions: Iterable[Condition], target: Target) -> None:
        for cond in conditions:
            if isinstance(cond, EXACT):
                drop(self.exact, condition_key(cond), target)
                if isinstance(cond, ExactString) and cond.ip is not None:
                    drop(self.ips, cond.ip, target)
            elif isinstance(cond, Prefix):
                index = self.folded_prefix if cond.ignore_case else self.prefix
                if index is not None:
                    index.discard(fold_case(cond.value) if cond.ignore_case else cond.value, target)
            elif isinstance(cond, Suffix):
                index = self.folded_suffix if cond.ignore_case else self.suffix
                if index is not None:
                    index.discard((fold_case(cond.value) if cond.ignore_case else cond.value)[::-1], target)
            elif isinstance(cond, EqualsIgnoreCase):
                drop(self.folded, fold_case(cond.value), target)
            elif isinstance(cond, Numeric):
                if self.numeric is not None:
                    self.numeric.discard_target(target)
            elif isinstance(cond, Exists):
                listed = self.present if cond.present else self.absent
                if listed is not None and target in listed:
                    listed.remove(target)
        if self.others is not None:
            self.others = [(c, t) for c, t in self.others if t is not target]
        for name in ("prefix", "suffix", "folded_prefix", "folded_suffix"):
            index = getattr(self, name)
            if index is not None and not index.by_value:
                setattr(self, name, None)
        if self.numeric is not None and not self.numeric.ranges:
            self.numeric = None
        self._refresh()

    def targets_for(self, value: Leaf) -> list[Target]:
        """Every target whose step accepts this leaf value, each once.

        The common indexes (exact, prefix, numeric) are probed inline: this runs for most
        states a matching event visits, and Python calls are dear.
        """
        out: list[Target] = []
        if type(value) is str:
            found = self.exact.get(value)
            if found:
                out += found
            prefix = self.prefix
            if prefix is not None:
                by_value, size = prefix.by_value, len(value)
                for length in prefix.lengths:
                    if length > size:
                        break
                    found = by_value.get(value[:length])
                    if found:
                        out += found
            if self.string_indexes:
                self._string_targets(value, out)
        else:
            if self.exact:
                found = self.exact.get(leaf_key(value))
                if found:
                    out += found
            numeric = self.numeric
            if numeric is not None and (type(value) is int or type(value) is float):
                micros = event_micros(value)
                if micros is not None:
                    numeric.collect(micros, out)
        if self.present:
            out += self.present
        if self.others:
            for cond, target in self.others:
                if cond.test(value):
                    out.append(target)
        if len(out) > 1:
            return list(dict.fromkeys(out))
        return out

    def _string_targets(self, value: str, out: list[Target]) -> None:
        """The rarer string indexes: suffixes, addresses, case-folded values."""
        if self.suffix is not None:
            self.suffix.collect(value[::-1], out)
        if self.ips:
            address = ip_value(value)
            if address is not None:
                found = self.ips.get(address)
                if found:
                    out.extend(found)
        if self.folded or self.folded_prefix is not None or self.folded_suffix is not None:
            folded = fold_case(value)
            if self.folded:
                found = self.folded.get(folded)
                if found:
                    out.extend(found)
            if self.folded_prefix is not None:
                self.folded_prefix.collect(folded, out)
            if self.folded_suffix is not None:
                self.folded_suffix.collect(folded[::-1], out)
