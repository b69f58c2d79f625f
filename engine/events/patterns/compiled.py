"""All rules of a bus compiled into one automaton, in the spirit of aws/event-ruler's NameState.

Each alternative of a rule is a chain of field steps. Chains start at one root and share their
common beginnings, so a hundred rules that all begin ``merchantId = "m-1"`` cost one dictionary
lookup for that field, not a hundred comparisons. Leaving a state, the steps on one field path are
indexed by value (``transitions.FieldMachine``).

Matching walks the automaton once per event, following only the transitions the event's own leaf
values select, so the cost tracks how many rules nearly match, not how many rules exist. That
holds only if every chain starts with a selective step: ``source = "com.myapp.orders"`` first would
send every order event down thousands of chains. Steps are therefore ordered by statistics over
all rules (indexable steps first, then the paths where rules use the most distinct values), and
since the statistics shift as rules arrive, every rule is re-ordered whenever the rule count has
doubled or shrunk to a quarter since the last ordering (amortised O(1) per add), or on
``optimize()``.

Rules are added and removed incrementally; states are reference counted and pruned when unused.
"""

from __future__ import annotations

import bisect
from typing import TypeAlias

from engine.events.patterns.extractor import compile_extractor
from engine.events.patterns.flatten import Membership
from engine.events.patterns.leaves import MISSING, Extractor, PathTrie, event_leaves, path_trie
from engine.events.patterns.model import (
    JSON,
    Condition,
    EqualsIgnoreCase,
    FieldTest,
    Numeric,
    Pattern,
    Prefix,
    Suffix,
    ruler_order,
)
from engine.events.patterns.transitions import EXACT, FieldMachine

# One field path leaving a state: (the path's slot among the event's leaves, the exact-value index
# when that is all there is, the targets reached when the path is absent, the full transitions).
_Transition: TypeAlias = (
    "tuple[int, dict[object, tuple[_State, ...]] | None, tuple[_State, ...], FieldMachine[_State]]"
)
_AFFIX = (Prefix, Suffix, EqualsIgnoreCase)
_FIRST_ORDERING = 8  # below this many rules the add-time order is kept: it costs nothing to walk


def _step_group(field: FieldTest) -> int:
    """0: exact or affix values (dict lookups); 1: numeric ranges too; 2: tested one by one;
    3: satisfied by absence, which must be checked on every visit."""
    if field.allows_absence:
        return 3
    if all(isinstance(c, (*EXACT, *_AFFIX)) for c in field.conditions):
        return 0
    if all(isinstance(c, (*EXACT, *_AFFIX, Numeric)) for c in field.conditions):
        return 1
    return 2


def _around_absences(ordered: list[tuple[int, FieldTest]]) -> tuple[FieldTest, ...]:
    """The steps in ``ordered`` (most selective first), with each ``exists: false`` moved to where
    ruler checks it: after every step whose path ruler walks before it and before every other, so
    that it sees exactly the array elements those steps chose (see ``evaluate.alternative_matches``)."""
    absences = sorted((step for _, step in ordered if step.allows_absence), key=lambda s: ruler_order(s.path))
    if not absences:
        return tuple(step for _, step in ordered)
    bounds = [ruler_order(step.path) for step in absences]
    segments: list[list[FieldTest]] = [[] for _ in range(len(absences) + 1)]
    for _, step in ordered:
        if not step.allows_absence:
            segments[bisect.bisect(bounds, ruler_order(step.path))].append(step)
    chain = list(segments[0])
    for absence, segment in zip(absences, segments[1:], strict=True):
        chain.append(absence)
        chain.extend(segment)
    return tuple(chain)


class _State:
    """A point reached after some field steps; ``rules`` end here, ``machines`` lead on.

    Containers are created on first use: most states of a large bus are leaves of the tree.
    """

    __slots__ = ("children", "machines", "next_key", "next_slot", "next_state", "plan", "refs", "rules")

    def __init__(self) -> None:
        # Ids of the rules ending here, once per alternative; a tuple of strings, which the garbage
        # collector stops tracking, and large buses have tens of thousands of states.
        self.rules: tuple[str, ...] = ()
        self.machines: dict[str, FieldMachine[_State]] | None = None
        self.children: dict[FieldTest, _State] | None = None  # equal steps of different rules share
        self.plan: tuple[_Transition, ...] = ()
        # Most states past the first step lead on by one string value to one state ("source" is
        # "com.myapp.orders"). For those, next_slot is set and match compares the leaf inline:
        # no index to look into, and no more memory to fetch than this object.
        self.next_slot = 0
        self.next_key = ""
        self.next_state: _State | None = None
        self.refs = 0

    def _replan(self) -> None:
        """What ``match`` reads, flattened so a visit costs few lookups."""
        self.plan = tuple(
            (machine.slot, machine.exact if machine.simple else None, tuple(machine.absent or ()), machine)
            for machine in (self.machines or {}).values()
        )
        self.next_slot, self.next_key, self.next_state = 0, "", None
        if len(self.plan) == 1:
            slot, exact, absent, _ = self.plan[0]
            if exact is not None and len(exact) == 1 and not absent:
                ((key, targets),) = exact.items()
                if type(key) is str and len(targets) == 1:
                    self.next_slot, self.next_key, self.next_state = slot, key, targets[0]

    def child(self, step: FieldTest, slot: int) -> _State:
        if self.children is None:
            self.children, self.machines = {}, {}
        assert self.machines is not None
        found = self.children.get(step)
        if found is None:
            found = self.children[step] = _State()
            machine = self.machines.get(step.path)
            if machine is None:
                machine = self.machines[step.path] = FieldMachine(slot)
            for cond in step.conditions:
                machine.add(cond, found)
            machine.targets += 1
            self._replan()
        return found

    def drop_child(self, step: FieldTest) -> None:
        assert self.children is not None and self.machines is not None
        found = self.children.pop(step)
        machine = self.machines[step.path]
        machine.remove_target(step.conditions, found)
        machine.targets -= 1
        if machine.targets == 0:
            del self.machines[step.path]
        if not self.children:
            self.children = self.machines = None
        self._replan()


class Matcher:
    """Every rule of a bus in one structure: ``add``, ``remove``, and ``match`` an event."""

    def __init__(self) -> None:
        self._root = _State()
        self._rules: dict[str, Pattern] = {}
        self._groups: dict[str, tuple[tuple[int, ...], ...]] = {}  # per alternative, per step
        self._chains: dict[str, tuple[tuple[FieldTest, ...], ...]] = {}  # the steps as linked
        self._path_counts: dict[str, int] = {}  # how many rules look at each path
        self._slots: dict[str, int] = {}  # each path's index among an event's leaves, from 1
        self._free_slots: list[int] = []
        self._slot_count = 1
        self._value_counts: dict[str, dict[Condition, int]] = {}  # path -> condition -> rules using it
        self._ordered_size = 0  # the rule count when every rule was last re-ordered
        self._trie: PathTrie | None = None  # built on the first match after the path set changes
        self._extract: Extractor | None = None

    def __len__(self) -> int:
        return len(self._rules)

    def __contains__(self, rule_id: object) -> bool:
        return rule_id in self._rules

    def _order(
        self, pattern: Pattern, groups: tuple[tuple[int, ...], ...]
    ) -> tuple[tuple[FieldTest, ...], ...]:
        """Most selective step first: indexable steps on paths where rules use many distinct values."""
        value_counts = self._value_counts

        def key(grouped: tuple[int, FieldTest]) -> tuple[int, float, str]:
            group, step = grouped
            return group, -len(value_counts[step.path]) / len(step.conditions), step.path

        return tuple(
            _around_absences(sorted(zip(alt_groups, alternative, strict=True), key=key))
            for alt_groups, alternative in zip(groups, pattern.alternatives, strict=True)
        )

    def add(self, rule_id: str, pattern: Pattern) -> None:
        """Add a rule (replacing any rule with the same id)."""
        if rule_id in self._rules:
            self.remove(rule_id)
        groups = tuple(tuple(_step_group(step) for step in alt) for alt in pattern.alternatives)
        for alternative in pattern.alternatives:
            for step in alternative:
                counts = self._value_counts.setdefault(step.path, {})
                for cond in step.conditions:
                    counts[cond] = counts.get(cond, 0) + 1
        for path in pattern.paths:
            self._path_counts[path] = self._path_counts.get(path, 0) + 1
            if path not in self._slots:
                if self._free_slots:
                    self._slots[path] = self._free_slots.pop()
                else:
                    self._slots[path] = self._slot_count
                    self._slot_count += 1
                self._trie = None  # a new path: rebuild the trie (and its extractor) on the next match
        self._rules[rule_id] = pattern
        self._groups[rule_id] = groups
        self._link(rule_id, self._order(pattern, groups))
        if len(self._rules) >= max(_FIRST_ORDERING, 2 * self._ordered_size):
            self.optimize()

    def remove(self, rule_id: str) -> None:
        """Remove a rule; unknown ids are ignored."""
        pattern = self._rules.pop(rule_id, None)
        if pattern is None:
            return
        self._unlink(rule_id)
        del self._groups[rule_id]
        for alternative in pattern.alternatives:
            for step in alternative:
                counts = self._value_counts[step.path]
                for cond in step.conditions:
                    counts[cond] -= 1
                    if not counts[cond]:
                        del counts[cond]
                if not counts:
                    del self._value_counts[step.path]
        for path in pattern.paths:
            self._path_counts[path] -= 1
            if not self._path_counts[path]:
                del self._path_counts[path]
                self._free_slots.append(self._slots.pop(path))  # no machine reads it any more
                self._trie = None
        if self._ordered_size >= _FIRST_ORDERING and 4 * len(self._rules) <= self._ordered_size:
            self.optimize()

    def optimize(self) -> None:
        """Re-order every rule's steps by the statistics of the rules present now.

        ``add`` and ``remove`` call this when the rule count has doubled or fallen to a quarter;
        call it yourself after changing many rules at once to have the best order straight away.
        """
        self._ordered_size = len(self._rules)
        for rule_id, pattern in self._rules.items():
            chains = self._order(pattern, self._groups[rule_id])
            if chains != self._chains[rule_id]:
                self._unlink(rule_id)
                self._link(rule_id, chains)

    def _link(self, rule_id: str, chains: tuple[tuple[FieldTest, ...], ...]) -> None:
        self._chains[rule_id] = chains
        for chain in chains:
            state = self._root
            for step in chain:
                state = state.child(step, self._slots[step.path])
                state.refs += 1
            state.rules = (*state.rules, rule_id)

    def _unlink(self, rule_id: str) -> None:
        for chain in self._chains.pop(rule_id):
            trail = [self._root]
            for step in chain:
                children = trail[-1].children
                assert children is not None
                trail.append(children[step])
            end = trail[-1]
            at = end.rules.index(rule_id)
            end.rules = end.rules[:at] + end.rules[at + 1 :]
            for depth in range(len(chain), 0, -1):
                state = trail[depth]
                state.refs -= 1
                if state.refs == 0:
                    trail[depth - 1].drop_child(chain[depth - 1])

    def match(self, event: dict[str, JSON]) -> set[str]:
        """Ids of the rules the event matches."""
        trie = self._trie
        if trie is None:
            trie = self._trie = path_trie(self._slots)
            self._extract = compile_extractor(trie)
        values, list_slots = event_leaves(event, trie, self._slot_count, self._extract)
        matched: set[str] = set()
        # States reached with no array element chosen: each is reached at most once, no seen set.
        plain: list[_State] = [self._root]
        push = plain.extend
        # States reached holding array elements (array id, index): kept apart, with a seen set.
        tracked: list[tuple[_State, Membership]] = []
        while plain:
            state = plain.pop()
            if state.rules:
                matched.update(state.rules)
            if state.next_slot:
                value = values[state.next_slot]
                if value == state.next_key:  # equal only to an equal string
                    plain.append(state.next_state)  # type: ignore[arg-type]
                    continue
                if type(value) is not list:
                    continue
            for slot, exact, absent, machine in state.plan:
                value = values[slot]
                if type(value) is str:
                    if exact is not None:
                        found = exact.get(value)
                        if found:
                            push(found)
                    elif machine.prefix_only:  # probed inline: a state may come twice, which is harmless
                        prefix = machine.prefix
                        assert prefix is not None
                        by_value, size = prefix.by_value, len(value)
                        for length in prefix.lengths:
                            if length > size:
                                break
                            found = by_value.get(value[:length])
                            if found:
                                push(found)
                    else:
                        push(machine.targets_for(value))
                elif value is MISSING:
                    if absent:
                        push(absent)
                elif type(value) is list:
                    for leaf, membership in value:
                        targets = (
                            exact.get(leaf, ())
                            if exact is not None and type(leaf) is str
                            else machine.targets_for(leaf)
                        )
                        if list_slots == 1:  # only this path has several leaves: no elements to track
                            push(targets)
                        else:
                            for target in targets:
                                tracked.append((target, membership))
                else:
                    push(machine.targets_for(value))  # type: ignore[arg-type]
        if tracked:
            _follow_tracked(tracked, values, matched)
        return matched


def _follow_tracked(
    tracked: list[tuple[_State, Membership]],
    values: list[object],
    matched: set[str],
) -> None:
    """The walk on from states reached through array elements: a step may only take a leaf from
    the same elements of each array as the steps before it."""
    seen = set(tracked)
    tracked = list(seen)  # a leaf may repeat (dotted keys): visit each (state, elements) once
    while tracked:
        state, held = tracked.pop()
        if state.rules:
            matched.update(state.rules)
        for slot, _, absent, machine in state.plan:
            value = values[slot]
            if type(value) is list:
                elsewhere = True  # every leaf sits in other elements than those held: absent here
                for leaf, membership in value:
                    merged = _merge(held, membership) if membership else held
                    if merged is None:
                        continue
                    elsewhere = False
                    for target in machine.targets_for(leaf):
                        key = (target, merged)
                        if key not in seen:
                            seen.add(key)
                            tracked.append(key)
                if elsewhere:
                    for target in absent:
                        key = (target, held)
                        if key not in seen:
                            seen.add(key)
                            tracked.append(key)
                continue
            targets = absent if value is MISSING else machine.targets_for(value)  # type: ignore[arg-type]
            for target in targets:
                key = (target, held)
                if key not in seen:
                    seen.add(key)
                    tracked.append(key)


def _merge(held: Membership, membership: Membership) -> Membership | None:
    """The array elements chosen so far plus a leaf's, or None when they name different elements
    of one array. Kept sorted so equal choices are equal keys."""
    if not held:
        return membership
    combined = dict(held)
    for array_id, index in membership:
        current = combined.get(array_id)
        if current is None:
            combined[array_id] = index
        elif current != index:
            return None
    return tuple(sorted(combined.items()))
