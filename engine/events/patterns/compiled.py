"""All rules of a bus compiled into one automaton, in the spirit of aws/event-ruler's NameState.

Each alternative of a rule is a chain of field steps. Chains start at one root and share their
common beginnings, so a hundred rules that all begin ``source = "com.myapp.orders"`` cost one
dictionary lookup for that field, not a hundred comparisons. A state keeps, per field path, an
index over the steps leaving it: exact values in a dict, prefixes and suffixes in dicts probed by
length, numeric ranges in sorted boundaries; only the rare operators (wildcard, cidr, anything-but)
are tested one by one. Steps are ordered so that the indexable ones come first.

Matching walks the automaton once per event, following only the transitions the event's own leaf
values select, so the cost tracks how many rules nearly match, not how many rules exist. Rules are
added and removed incrementally; states are reference counted and pruned when unused.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable

from engine.events.patterns.addresses import ip_value
from engine.events.patterns.flatten import LeafIndex, Membership
from engine.events.patterns.model import (
    JSON,
    Condition,
    EqualsIgnoreCase,
    ExactLiteral,
    ExactNumber,
    ExactString,
    Exists,
    FieldTest,
    Leaf,
    Numeric,
    Pattern,
    Prefix,
    Suffix,
    fold_case,
)
from engine.events.patterns.numbers import canonical_number_text, event_micros

_EXACT = (ExactString, ExactNumber, ExactLiteral)
_MISSING = object()
_AFFIX = (Prefix, Suffix, EqualsIgnoreCase)


def _step_rank(field: FieldTest) -> int:
    """Indexable steps first, so unselective ones are only tried for rules that are nearly matched."""
    if field.allows_absence:
        return 4
    if all(isinstance(c, _EXACT) for c in field.conditions):
        return 0
    if all(isinstance(c, _EXACT + _AFFIX) for c in field.conditions):
        return 1
    if all(isinstance(c, (*_EXACT, *_AFFIX, Numeric)) for c in field.conditions):
        return 2
    return 3


def leaf_key(value: Leaf) -> object:
    """The dict key an exact pattern value and an equal event value share (JSON types stay apart)."""
    if type(value) is str:
        return value
    if value is None or type(value) is bool:
        return ("l", value)
    assert isinstance(value, (int, float))
    micros = event_micros(value)
    return ("n", micros) if micros is not None else ("x", canonical_number_text(value))


def _condition_key(cond: ExactString | ExactNumber | ExactLiteral) -> object:
    if isinstance(cond, ExactString):
        return cond.value
    if isinstance(cond, ExactLiteral):
        return ("l", cond.value)
    return cond.key()


class _AffixIndex:
    """Prefixes (or reversed suffixes) by value, probed once per distinct length."""

    __slots__ = ("by_value", "lengths")

    def __init__(self) -> None:
        self.by_value: dict[str, set[_State]] = {}
        self.lengths: list[int] = []

    def add(self, value: str, target: _State) -> None:
        self.by_value.setdefault(value, set()).add(target)
        self.lengths = sorted({len(v) for v in self.by_value})

    def discard(self, value: str, target: _State) -> None:
        targets = self.by_value.get(value)
        if targets is not None:
            targets.discard(target)
            if not targets:
                del self.by_value[value]
                self.lengths = sorted({len(v) for v in self.by_value})

    def collect(self, text: str, out: list[_State]) -> None:
        size = len(text)
        by_value = self.by_value
        for length in self.lengths:
            if length > size:
                break
            found = by_value.get(text[:length])
            if found:
                out.extend(found)


class _NumericIndex:
    """Ranges over millionths, answered by binary search over their boundaries."""

    __slots__ = ("dirty", "points", "ranges", "segments")

    def __init__(self) -> None:
        self.ranges: list[tuple[Numeric, _State]] = []
        self.points: list[int] = []
        self.segments: list[tuple[_State, ...]] = []
        self.dirty = False

    def add(self, cond: Numeric, target: _State) -> None:
        self.ranges.append((cond, target))
        self.dirty = True

    def discard_target(self, target: _State) -> None:
        self.ranges = [(c, t) for c, t in self.ranges if t is not target]
        self.dirty = True

    def _rebuild(self) -> None:
        points = sorted({b for cond, _ in self.ranges for b in (cond.low, cond.high) if b is not None})
        # Segment 2k is the open interval below points[k]; 2k+1 is the point itself.
        probes: list[int | None] = []
        for point in points:
            probes.extend([None, point])
        probes.append(None)
        segments: list[tuple[_State, ...]] = []
        for k, probe in enumerate(probes):
            if probe is None:
                hits = [t for c, t in self.ranges if _covers_gap(c, points, k // 2)]
            else:
                hits = [t for c, t in self.ranges if c.contains(probe)]
            segments.append(tuple(dict.fromkeys(hits)))
        self.points, self.segments, self.dirty = points, segments, False

    def collect(self, micros: int, out: list[_State]) -> None:
        if self.dirty:
            self._rebuild()
        k = bisect_left(self.points, micros)
        at_point = k < len(self.points) and self.points[k] == micros
        out.extend(self.segments[2 * k + 1 if at_point else 2 * k])


def _covers_gap(cond: Numeric, points: list[int], k: int) -> bool:
    """Does the range contain the open gap just below points[k] (or above the last point)?"""
    above = points[k - 1] if k > 0 else None
    below = points[k] if k < len(points) else None
    if cond.low is not None and (above is None or above < cond.low):
        return False
    return not (cond.high is not None and (below is None or below > cond.high))


class _FieldMachine:
    """The transitions leaving one state on one field path."""

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
        "present",
        "simple",
        "suffix",
        "targets",
    )

    def __init__(self) -> None:
        self.exact: dict[object, set[_State]] = {}
        self.ips: dict[tuple[int, int], set[_State]] = {}
        self.prefix: _AffixIndex | None = None
        self.suffix: _AffixIndex | None = None
        self.folded: dict[str, set[_State]] = {}
        self.folded_prefix: _AffixIndex | None = None
        self.folded_suffix: _AffixIndex | None = None
        self.numeric: _NumericIndex | None = None
        self.others: list[tuple[Condition, _State]] = []
        self.present: set[_State] = set()
        self.absent: list[_State] = []
        self.targets = 0
        self.simple = True  # only exact values: match() looks them up inline

    def _refresh(self) -> None:
        self.simple = not (
            self.ips
            or self.prefix
            or self.suffix
            or self.folded
            or self.folded_prefix
            or self.folded_suffix
            or self.numeric
            or self.others
            or self.present
        )

    def add(self, cond: Condition, target: _State) -> None:
        if isinstance(cond, _EXACT):
            self.exact.setdefault(_condition_key(cond), set()).add(target)
            if isinstance(cond, ExactString) and cond.ip is not None:
                self.ips.setdefault(cond.ip, set()).add(target)
        elif isinstance(cond, Prefix):
            if cond.ignore_case:
                self.folded_prefix = self.folded_prefix or _AffixIndex()
                self.folded_prefix.add(fold_case(cond.value), target)
            else:
                self.prefix = self.prefix or _AffixIndex()
                self.prefix.add(cond.value, target)
        elif isinstance(cond, Suffix):
            if cond.ignore_case:
                self.folded_suffix = self.folded_suffix or _AffixIndex()
                self.folded_suffix.add(fold_case(cond.value)[::-1], target)
            else:
                self.suffix = self.suffix or _AffixIndex()
                self.suffix.add(cond.value[::-1], target)
        elif isinstance(cond, EqualsIgnoreCase):
            self.folded.setdefault(fold_case(cond.value), set()).add(target)
        elif isinstance(cond, Numeric):
            self.numeric = self.numeric or _NumericIndex()
            self.numeric.add(cond, target)
        elif isinstance(cond, Exists):
            if cond.present:
                self.present.add(target)
            elif target not in self.absent:
                self.absent.append(target)
        else:
            self.others.append((cond, target))
        self._refresh()

    def remove_target(self, conditions: Iterable[Condition], target: _State) -> None:
        for cond in conditions:
            if isinstance(cond, _EXACT):
                _discard(self.exact, _condition_key(cond), target)
                if isinstance(cond, ExactString) and cond.ip is not None:
                    _discard(self.ips, cond.ip, target)
            elif isinstance(cond, Prefix):
                index = self.folded_prefix if cond.ignore_case else self.prefix
                if index is not None:
                    index.discard(fold_case(cond.value) if cond.ignore_case else cond.value, target)
            elif isinstance(cond, Suffix):
                index = self.folded_suffix if cond.ignore_case else self.suffix
                if index is not None:
                    index.discard((fold_case(cond.value) if cond.ignore_case else cond.value)[::-1], target)
            elif isinstance(cond, EqualsIgnoreCase):
                _discard(self.folded, fold_case(cond.value), target)
            elif isinstance(cond, Numeric):
                if self.numeric is not None:
                    self.numeric.discard_target(target)
            elif isinstance(cond, Exists):
                self.present.discard(target)
                if target in self.absent:
                    self.absent.remove(target)
        self.others = [(c, t) for c, t in self.others if t is not target]
        for name in ("prefix", "suffix", "folded_prefix", "folded_suffix"):
            index = getattr(self, name)
            if index is not None and not index.by_value:
                setattr(self, name, None)
        if self.numeric is not None and not self.numeric.ranges:
            self.numeric = None
        self._refresh()

    def collect(self, value: Leaf, out: list[_State]) -> None:
        """Append every target whose step accepts this leaf value (duplicates allowed)."""
        if type(value) is str:
            found = self.exact.get(value)
            if found:
                out.extend(found)
            if self.ips:
                address = ip_value(value)
                if address is not None and address in self.ips:
                    out.extend(self.ips[address])
            if self.prefix is not None:
                self.prefix.collect(value, out)
            if self.suffix is not None:
                self.suffix.collect(value[::-1], out)
            if self.folded or self.folded_prefix is not None or self.folded_suffix is not None:
                folded = fold_case(value)
                found = self.folded.get(folded)
                if found:
                    out.extend(found)
                if self.folded_prefix is not None:
                    self.folded_prefix.collect(folded, out)
                if self.folded_suffix is not None:
                    self.folded_suffix.collect(folded[::-1], out)
        else:
            if self.exact:
                found = self.exact.get(leaf_key(value))
                if found:
                    out.extend(found)
            if self.numeric is not None and (type(value) is int or type(value) is float):
                assert isinstance(value, (int, float))
                micros = event_micros(value)
                if micros is not None:
                    self.numeric.collect(micros, out)
        if self.present:
            out.extend(self.present)
        for cond, target in self.others:
            if cond.test(value):
                out.append(target)


def _discard(
    index: dict[object, set[_State]] | dict[str, set[_State]] | dict[tuple[int, int], set[_State]],
    key: object,
    target: _State,
) -> None:
    targets = index.get(key)  # type: ignore[call-overload]
    if targets is not None:
        targets.discard(target)
        if not targets:
            del index[key]  # type: ignore[arg-type]


class _State:
    """A point reached after some field steps; ``rules`` end here, ``machines`` lead on."""

    __slots__ = ("children", "machines", "refs", "rules")

    def __init__(self) -> None:
        self.rules: Counter[str] = Counter()
        self.machines: dict[str, _FieldMachine] = {}
        self.children: dict[tuple[str, tuple[Condition, ...]], _State] = {}
        self.refs = 0

    def child(self, step: FieldTest) -> _State:
        key = (step.path, step.conditions)
        found = self.children.get(key)
        if found is None:
            found = self.children[key] = _State()
            machine = self.machines.get(step.path)
            if machine is None:
                machine = self.machines[step.path] = _FieldMachine()
            for cond in step.conditions:
                machine.add(cond, found)
            machine.targets += 1
        return found

    def drop_child(self, step: FieldTest) -> None:
        key = (step.path, step.conditions)
        found = self.children.pop(key)
        machine = self.machines[step.path]
        machine.remove_target(step.conditions, found)
        machine.targets -= 1
        if machine.targets == 0:
            del self.machines[step.path]


class _PathNode:
    """The paths rules look at, as a tree, so flattening skips everything else in an event."""

    __slots__ = ("children", "path")

    def __init__(self, path: str) -> None:
        self.path = path
        self.children: dict[str, _PathNode] = {}


def _path_tree(paths: Iterable[str]) -> _PathNode:
    root = _PathNode("")
    for path in paths:
        node = root
        for part in path.split("."):
            child = node.children.get(part)
            if child is None:
                child = node.children[part] = _PathNode(f"{node.path}.{part}" if node.path else part)
            node = child
    return root


class Matcher:
    """Every rule of a bus in one structure: ``add``, ``remove``, and ``match`` an event."""

    def __init__(self) -> None:
        self._root = _State()
        self._rules: dict[str, Pattern] = {}
        self._chains: dict[str, list[list[FieldTest]]] = {}
        self._path_counts: Counter[str] = Counter()
        self._values_by_path: dict[str, Counter[Condition]] = {}
        self._tree: _PathNode | None = _PathNode("")

    def __len__(self) -> int:
        return len(self._rules)

    def __contains__(self, rule_id: object) -> bool:
        return rule_id in self._rules

    def _order(self, alternative: Iterable[FieldTest]) -> list[FieldTest]:
        """Most selective step first: indexable steps on paths where rules use many distinct values."""

        def key(step: FieldTest) -> tuple[int, float, str]:
            rank = _step_rank(step)
            group = 0 if rank <= 1 else rank - 1
            distinct = len(self._values_by_path.get(step.path, ()))
            return group, -distinct / len(step.conditions), step.path

        return sorted(alternative, key=key)

    def add(self, rule_id: str, pattern: Pattern) -> None:
        """Add a rule (replacing any rule with the same id)."""
        if rule_id in self._rules:
            self.remove(rule_id)
        for alternative in pattern.alternatives:
            for step in alternative:
                self._values_by_path.setdefault(step.path, Counter()).update(step.conditions)
        chains = [self._order(alt) for alt in pattern.alternatives]
        self._rules[rule_id] = pattern
        self._chains[rule_id] = chains
        for chain in chains:
            state = self._root
            for step in chain:
                state = state.child(step)
                state.refs += 1
            state.rules[rule_id] += 1
        self._path_counts.update(pattern.paths)
        self._tree = None

    def remove(self, rule_id: str) -> None:
        """Remove a rule; unknown ids are ignored."""
        pattern = self._rules.pop(rule_id, None)
        if pattern is None:
            return
        for chain in self._chains.pop(rule_id):
            trail = [self._root]
            for step in chain:
                trail.append(trail[-1].children[(step.path, step.conditions)])
            end = trail[-1]
            end.rules[rule_id] -= 1
            if end.rules[rule_id] <= 0:
                del end.rules[rule_id]
            for depth in range(len(chain), 0, -1):
                state = trail[depth]
                state.refs -= 1
                if state.refs == 0:
                    trail[depth - 1].drop_child(chain[depth - 1])
        for alternative in pattern.alternatives:
            for step in alternative:
                counts = self._values_by_path[step.path]
                counts.subtract(step.conditions)
                self._values_by_path[step.path] = +counts
        self._path_counts.subtract(pattern.paths)
        self._path_counts = +self._path_counts
        self._tree = None

    def match(self, event: dict[str, JSON]) -> set[str]:
        """Ids of the rules the event matches."""
        tree = self._tree
        if tree is None:
            tree = self._tree = _path_tree(self._path_counts)
        single: dict[str, Leaf] = {}  # paths with one leaf outside any array: the common case
        multi: LeafIndex = {}
        _flatten_object(event, tree.children, (), single, multi, [0])
        matched: set[str] = set()
        stack: list[tuple[_State, Membership]] = [(self._root, ())]
        seen: set[object] = set()
        collected: list[_State] = []
        while stack:
            state, held = stack.pop()
            if state.rules:
                matched.update(state.rules)
            for path, machine in state.machines.items():
                value = single.get(path, _MISSING)
                if value is not _MISSING:
                    if machine.simple:
                        found = machine.exact.get(value if type(value) is str else leaf_key(value))  # type: ignore[arg-type]
                        if not found:
                            continue
                        targets: Iterable[_State] = found
                    else:
                        collected.clear()
                        machine.collect(value, collected)  # type: ignore[arg-type]
                        targets = collected
                    for target in targets:
                        key: object = (target, held) if held else target
                        if key not in seen:
                            seen.add(key)
                            stack.append((target, held))
                    continue
                present = multi.get(path)
                if present is None:
                    for target in machine.absent:
                        key = (target, held) if held else target
                        if key not in seen:
                            seen.add(key)
                            stack.append((target, held))
                    continue
                for leaf, membership in present:
                    if membership and held:
                        merged = _merge(held, membership)
                        if merged is None:
                            continue
                    else:
                        merged = held or membership
                    collected.clear()
                    machine.collect(leaf, collected)
                    for target in collected:
                        key = (target, merged) if merged else target
                        if key not in seen:
                            seen.add(key)
                            stack.append((target, merged))
        return matched


def _merge(held: Membership, membership: Membership) -> Membership | None:
    combined = dict(held)
    for array_id, index in membership:
        current = combined.get(array_id)
        if current is None:
            combined[array_id] = index
        elif current != index:
            return None
    return tuple(sorted(combined.items()))


def _flatten_object(
    node: dict[str, JSON],
    wanted: dict[str, _PathNode],
    membership: Membership,
    single: dict[str, Leaf],
    multi: LeafIndex,
    counter: list[int],
) -> None:
    """flatten.flatten_event, restricted to the wanted paths and written for speed: a path with
    one leaf outside arrays goes to ``single``, anything else to ``multi``."""
    for key, value in node.items():
        sub = wanted.get(key)
        if sub is None:
            if "." not in key:
                continue
            sub = _dotted(wanted, key)
            if sub is None:
                continue
        kind = type(value)
        if kind is dict:
            if sub.children:
                _flatten_object(value, sub.children, membership, single, multi, counter)  # type: ignore[arg-type]
        elif kind is list:
            _flatten_list(value, sub, membership, single, multi, counter)  # type: ignore[arg-type]
        else:
            path = sub.path
            if not membership and path not in single and path not in multi:
                single[path] = value  # type: ignore[assignment]
            else:
                _add_leaf(path, value, membership, single, multi)  # type: ignore[arg-type]


def _add_leaf(
    path: str, value: Leaf, membership: Membership, single: dict[str, Leaf], multi: LeafIndex
) -> None:
    if not membership and path not in single and path not in multi:
        single[path] = value
        return
    bucket = multi.get(path)
    if bucket is None:
        bucket = multi[path] = []
        if path in single:
            bucket.append((single.pop(path), ()))
    bucket.append((value, membership))


def _flatten_list(
    items: list[JSON],
    node: _PathNode,
    membership: Membership,
    single: dict[str, Leaf],
    multi: LeafIndex,
    counter: list[int],
) -> None:
    counter[0] += 1
    array_id = counter[0]
    for index, item in enumerate(items):
        inner = (*membership, (array_id, index))
        kind = type(item)
        if kind is dict:
            if node.children:
                _flatten_object(item, node.children, inner, single, multi, counter)  # type: ignore[arg-type]
        elif kind is list:
            _flatten_list(item, node, inner, single, multi, counter)  # type: ignore[arg-type]
        else:
            _add_leaf(node.path, item, inner, single, multi)  # type: ignore[arg-type]


def _dotted(wanted: dict[str, _PathNode], key: str) -> _PathNode | None:
    """An event key with dots in it ("a.b") names the same path as nested keys."""
    node: _PathNode | None = None
    children = wanted
    for part in key.split("."):
        node = children.get(part)
        if node is None:
            return None
        children = node.children
    return node
