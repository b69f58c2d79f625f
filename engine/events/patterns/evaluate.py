"""The reference evaluator: one pattern against one event, written to be obviously right.

The compiled Matcher must agree with ``matches`` on every pattern and event; property tests hold
it to that.
"""

from __future__ import annotations

from collections.abc import Sequence

from engine.events.patterns.flatten import LeafIndex, Membership, flatten_event, merge_membership
from engine.events.patterns.model import JSON, FieldTest, Pattern, ruler_order


def matches(pattern: Pattern, event: dict[str, JSON]) -> bool:
    """True when the event matches any alternative of the pattern."""
    leaves = flatten_event(event)
    return any(alternative_matches(alternative, leaves) for alternative in pattern.alternatives)


def field_candidates(field: FieldTest, leaves: LeafIndex) -> list[Membership] | None:
    """Memberships of the leaves meeting the field; [] when it may be satisfied by absence (no
    leaf, or leaves only inside arrays, whose other elements may lack it); None on a miss."""
    present = leaves.get(field.path)
    if not present:
        return [] if field.allows_absence else None
    found = {m for value, m in present if any(c.test(value) for c in field.conditions)}
    if found:
        return sorted(found)
    return [] if field.allows_absence and all(m for _, m in present) else None


def alternative_matches(alternative: Sequence[FieldTest], leaves: LeafIndex) -> bool:
    """Ruler's array-consistent walk (ACFinder): fields in ruler's order, each taking a leaf from
    the same array elements as the fields before it; ``exists: false`` holds when no leaf of its
    path sits in elements consistent with those chosen so far (NameState.getNameTransitions)."""
    for field in alternative:
        if field_candidates(field, leaves) is None:
            return False
    ordered = sorted(alternative, key=lambda field: ruler_order(field.path))
    return _choose(ordered, 0, {}, leaves)


def _choose(fields: list[FieldTest], at: int, held: dict[int, int], leaves: LeafIndex) -> bool:
    """Can the fields from ``at`` on be met within the array elements ``held`` so far?"""
    if at == len(fields):
        return True
    field = fields[at]
    present = leaves.get(field.path, [])
    for membership in {m for value, m in present if any(c.test(value) for c in field.conditions)}:
        merged = merge_membership(held, membership)
        if merged is not None and _choose(fields, at + 1, merged, leaves):
            return True
    if field.allows_absence and all(merge_membership(held, m) is None for _, m in present):
        return _choose(fields, at + 1, held, leaves)
    return False
