"""A parsed event pattern: alternatives (one per $or combination) of per-field conditions.

Each condition knows how to test one leaf value of an event and how to describe itself to a
person. JSON types are strict: a string condition never matches a number, ``1`` is not ``true``.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import TypeAlias

from engine.events.patterns.addresses import ip_value
from engine.events.patterns.numbers import canonical_number_text, event_micros, is_number, micros_text

JSON: TypeAlias = "dict[str, JSON] | list[JSON] | str | int | float | bool | None"
Leaf: TypeAlias = "str | int | float | bool | None"


def _quote(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


def fold_case(text: str) -> str:
    """Case folding used by every equals-ignore-case comparison."""
    return text.lower()


@dataclass(frozen=True)
class ExactString:
    value: str
    ip: tuple[int, int] | None = None  # ruler matches an address literal as an address ("::1" == "0::1")

    def test(self, leaf: Leaf) -> bool:
        if type(leaf) is not str:
            return False
        if leaf == self.value:
            return True
        return self.ip is not None and ip_value(leaf) == self.ip

    def describe(self) -> str:
        return _quote(self.value)


@dataclass(frozen=True)
class ExactNumber:
    text: str
    micros: int | None  # None when ruler cannot compare it numerically (huge, or over 6 decimals)

    def key(self) -> tuple[str, int | str]:
        return ("n", self.micros) if self.micros is not None else ("x", canonical_number_text(self.text))

    def test(self, leaf: Leaf) -> bool:
        if not is_number(leaf):
            return False
        assert isinstance(leaf, (int, float))
        micros = event_micros(leaf)
        if self.micros is not None:
            return micros == self.micros
        return micros is None and canonical_number_text(leaf) == canonical_number_text(self.text)

    def describe(self) -> str:
        return self.text


@dataclass(frozen=True)
class ExactLiteral:
    """true, false or null."""

    value: bool | None

    def test(self, leaf: Leaf) -> bool:
        return leaf is self.value

    def describe(self) -> str:
        return json.dumps(self.value)


@dataclass(frozen=True)
class Prefix:
    value: str
    ignore_case: bool = False

    def test(self, leaf: Leaf) -> bool:
        if type(leaf) is not str:
            return False
        if self.ignore_case:
            return fold_case(leaf).startswith(fold_case(self.value))
        return leaf.startswith(self.value)

    def describe(self) -> str:
        return ("prefix (ignoring case) " if self.ignore_case else "prefix ") + _quote(self.value)


@dataclass(frozen=True)
class Suffix:
    value: str
    ignore_case: bool = False

    def test(self, leaf: Leaf) -> bool:
        if type(leaf) is not str:
            return False
        if self.ignore_case:
            return fold_case(leaf).endswith(fold_case(self.value))
        return leaf.endswith(self.value)

    def describe(self) -> str:
        return ("suffix (ignoring case) " if self.ignore_case else "suffix ") + _quote(self.value)


@dataclass(frozen=True)
class EqualsIgnoreCase:
    value: str

    def test(self, leaf: Leaf) -> bool:
        return type(leaf) is str and fold_case(leaf) == fold_case(self.value)

    def describe(self) -> str:
        return "equals-ignore-case " + _quote(self.value)


@dataclass(frozen=True)
class Wildcard:
    value: str
    regex: re.Pattern[str] = field(compare=False, hash=False, repr=False)

    def test(self, leaf: Leaf) -> bool:
        return type(leaf) is str and self.regex.fullmatch(leaf) is not None

    def describe(self) -> str:
        return "wildcard " + _quote(self.value)


@dataclass(frozen=True)
class Numeric:
    """A range in millionths; None means unbounded on that side."""

    low: int | None
    low_open: bool
    high: int | None
    high_open: bool

    def contains(self, micros: int) -> bool:
        if self.low is not None and (micros < self.low or (self.low_open and micros == self.low)):
            return False
        return not (
            self.high is not None and (micros > self.high or (self.high_open and micros == self.high))
        )

    def test(self, leaf: Leaf) -> bool:
        if not is_number(leaf):
            return False
        assert isinstance(leaf, (int, float))
        micros = event_micros(leaf)
        return micros is not None and self.contains(micros)

    def describe(self) -> str:
        parts = []
        if self.low is not None and self.low == self.high:
            return "numeric = " + micros_text(self.low)
        if self.low is not None:
            parts.append((">" if self.low_open else ">=") + " " + micros_text(self.low))
        if self.high is not None:
            parts.append(("<" if self.high_open else "<=") + " " + micros_text(self.high))
        return "numeric " + " and ".join(parts)


@dataclass(frozen=True)
class Exists:
    present: bool

    def test(self, leaf: Leaf) -> bool:
        return self.present

    def describe(self) -> str:
        return "exists" if self.present else "does not exist"


@dataclass(frozen=True)
class Cidr:
    text: str
    version: int
    low: int
    high: int

    def test(self, leaf: Leaf) -> bool:
        if type(leaf) is not str:
            return False
        address = ip_value(leaf)
        return address is not None and address[0] == self.version and self.low <= address[1] <= self.high

    def describe(self) -> str:
        return "cidr " + self.text


@dataclass(frozen=True)
class AnythingBut:
    """Matches any present leaf except the excluded strings or numbers (all one type)."""

    strings: frozenset[str] = frozenset()
    numbers: frozenset[int] = frozenset()  # millionths
    texts: tuple[str, ...] = ()  # the values as written, for descriptions

    def test(self, leaf: Leaf) -> bool:
        if type(leaf) is str:
            return leaf not in self.strings
        if is_number(leaf) and self.numbers:
            assert isinstance(leaf, (int, float))
            return event_micros(leaf) not in self.numbers
        return True

    def describe(self) -> str:
        return "anything-but " + (
            self.texts[0] if len(self.texts) == 1 else "[" + ", ".join(self.texts) + "]"
        )


@dataclass(frozen=True)
class AnythingButMatching:
    """anything-but {prefix | suffix | equals-ignore-case | wildcard: value or list}."""

    operator: str
    values: tuple[str, ...]
    regexes: tuple[re.Pattern[str], ...] = field(default=(), compare=False, hash=False, repr=False)

    def excludes(self, text: str) -> bool:
        op = self.operator
        if op == "prefix":
            return any(text.startswith(v) for v in self.values)
        if op == "suffix":
            return any(text.endswith(v) for v in self.values)
        if op == "equals-ignore-case":
            folded = fold_case(text)
            return any(folded == fold_case(v) for v in self.values)
        return any(r.fullmatch(text) is not None for r in self.regexes)

    def test(self, leaf: Leaf) -> bool:
        return type(leaf) is not str or not self.excludes(leaf)

    def describe(self) -> str:
        shown = (
            _quote(self.values[0])
            if len(self.values) == 1
            else "[" + ", ".join(map(_quote, self.values)) + "]"
        )
        return f"anything-but {self.operator} {shown}"


Condition: TypeAlias = (
    ExactString
    | ExactNumber
    | ExactLiteral
    | Prefix
    | Suffix
    | EqualsIgnoreCase
    | Wildcard
    | Numeric
    | Exists
    | Cidr
    | AnythingBut
    | AnythingButMatching
)


@dataclass(frozen=True)
class FieldTest:
    """One field of an alternative: the leaf at ``path`` must meet any one of ``conditions``."""

    path: str
    conditions: tuple[Condition, ...]

    @property
    def allows_absence(self) -> bool:
        return any(isinstance(c, Exists) and not c.present for c in self.conditions)

    def describe(self) -> str:
        return " or ".join(c.describe() for c in self.conditions)


def ruler_order(path: str) -> bytes:
    """The order ruler walks a rule's fields in: its keys sorted as Java sorts strings (UTF-16
    code units). It decides which array elements an ``exists: false`` is checked against."""
    return path.encode("utf-16-be")


@dataclass(frozen=True)
class Pattern:
    """A validated event pattern. ``alternatives`` has one entry per $or combination (at least one)."""

    alternatives: tuple[tuple[FieldTest, ...], ...]
    source: str = field(compare=False)

    @property
    def paths(self) -> frozenset[str]:
        return frozenset(f.path for alt in self.alternatives for f in alt)
