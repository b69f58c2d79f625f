"""Why an event does not match a pattern: each failing field, what it wanted, what it got."""

from __future__ import annotations

from dataclasses import dataclass

from engine.events.patterns.evaluate import alternative_matches, field_candidates
from engine.events.patterns.flatten import flatten_event
from engine.events.patterns.model import JSON, Pattern


@dataclass(frozen=True)
class Miss:
    """One field condition the event failed. ``alternative`` numbers the $or combination (from 0)
    when the pattern has more than one, else None."""

    path: str
    expected: str
    actual: JSON | None
    present: bool
    alternative: int | None = None

    def to_dict(self) -> dict[str, JSON]:
        return {
            "path": self.path,
            "expected": self.expected,
            "actual": self.actual,
            "present": self.present,
            "alternative": self.alternative,
        }


def _raw_value(event: dict[str, JSON], path: str) -> tuple[bool, JSON]:
    """The event's value at a dotted path through objects (dotted keys allowed), if any."""
    if path in event:
        return True, event[path]
    parts = path.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        head = ".".join(parts[:cut])
        nested = event.get(head)
        if isinstance(nested, dict):
            found, value = _raw_value(nested, ".".join(parts[cut:]))
            if found:
                return True, value
    return False, None


def explain(pattern: Pattern, event: dict[str, JSON]) -> list[Miss]:
    """Every failed field of every alternative; [] when the event matches."""
    leaves = flatten_event(event)
    if any(alternative_matches(alt, leaves) for alt in pattern.alternatives):
        return []
    numbered = len(pattern.alternatives) > 1
    misses: list[Miss] = []
    for number, alternative in enumerate(pattern.alternatives):
        label = number if numbered else None
        failed: list[Miss] = []
        for field in alternative:
            present = leaves.get(field.path)
            values: list[JSON] = [value for value, _ in present] if present else []
            if field_candidates(field, leaves) is not None:
                continue
            if not present:
                _, raw = _raw_value(event, field.path)
                failed.append(Miss(field.path, field.describe(), raw, False, label))
            else:
                failed.append(
                    Miss(field.path, field.describe(), values[0] if len(values) == 1 else values, True, label)
                )
        if not failed:
            # Each field matched some leaf, but never all within the same array element.
            for field in alternative:
                present = leaves.get(field.path)
                if present and any(membership for _, membership in present):
                    values = [value for value, _ in present]
                    failed.append(
                        Miss(
                            field.path,
                            field.describe() + " (in the same array element as the other fields)",
                            values,
                            True,
                            label,
                        )
                    )
        misses.extend(failed)
    return misses
