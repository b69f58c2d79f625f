"""The reference evaluator: one pattern against one event, written to be obviously right.

The compiled Matcher must agree with ``matches`` on every pattern and event; property tests hold
it to that.
"""

from __future__ import annotations

from collections.abc import Sequence

from engine.events.patterns.flatten import LeafIndex, Membership, flatten_event, merge_membership
from engine.events.patterns.model import JSON, FieldTest, Pattern


def matches(pattern: Pattern, event: dict[str, JSON]) -> bool:
    """True when the event matches any alternative of the pattern."""
    leaves = flatten_event(event)
    return any(alternative_matches(alternative, leaves) for alternative in pattern.alternatives)


def field_candidates(field: FieldTest, leaves: LeafIndex) -> list[Membership] | None:
    """Memberships of the leaves meeting the field; [] when it is satisfied by absence; None on a miss."""
    present = leaves.get(field.path)
    if not present:
        return [] if field.allows_absence else None
    found = {m for value, m in present if any(c.test(value) for c in field.conditions)}
    return sorted(found) if found else None


def alternative_matches(alternative: Sequence[FieldTest], leaves: LeafIndex) -> bool:
    choices: list[list[Membership]] = []
    for field in alternative:
        candidates = field_candidates(field, leaves)
        if candidates is None:
            return False
        if candidates:
            choices.append(candidates)
    return consistent_choice(choices, 0, {})


def consistent_choice(choices: list[list[Membership]], at: int, held: dict[int, int]) -> bool:
    """Can one leaf per field be picked so that no two sit in different elements of one array?"""
    if at == len(choices):
        return True
    for membership in choices[at]:
        merged = merge_membership(held, membership)
        if merged is not None and consistent_choice(choices, at + 1, merged):
            return True
    return False
