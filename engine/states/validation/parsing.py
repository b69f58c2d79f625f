"""From definition text to a JSON object, with the failures AWS reports before any schema check."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from engine.states.model import JSON
from engine.states.validation.report import (
    DEFINITION_TOO_LARGE,
    INVALID_JSON_DESCRIPTION,
    MISSING_DESCRIPTION,
    TOO_DEEPLY_NESTED,
    Report,
)

MAX_DEFINITION_CHARS = 1_048_576
"""The Definition member's maximum length in the Step Functions API model (1 MB)."""

MAX_JSON_DEPTH = 200
"""Our bound on nesting (objects in objects); deeper text is refused as TOO_DEEPLY_NESTED."""


@dataclass
class ParsedDefinition:
    """The parsed definition plus the keys that appeared twice in one JSON object.

    ``duplicate_keys`` maps ``id(obj)`` of each parsed object to its repeated keys: JSON text may
    repeat a state name in ``States``, which a dict silently collapses.
    """

    document: JSON
    duplicate_keys: dict[int, list[str]] = field(default_factory=dict)


def load_definition(text: str, report: Report) -> ParsedDefinition | None:
    """Parse ``text``; on failure add the diagnostic AWS would give and return None."""
    if not isinstance(text, str) or not text.strip():
        report.error(MISSING_DESCRIPTION, "The state machine definition is empty.", "")
        return None
    if len(text.encode("utf-16-le")) // 2 > MAX_DEFINITION_CHARS:
        message = f"The definition is longer than the maximum of {MAX_DEFINITION_CHARS} characters."
        report.error(DEFINITION_TOO_LARGE, message, "")
        return None
    duplicates: dict[int, list[str]] = {}

    def build_object(pairs: list[tuple[str, JSON]]) -> dict[str, JSON]:
        built = dict(pairs)
        if len(built) < len(pairs):
            seen: set[str] = set()
            repeated: list[str] = []
            for key, _ in pairs:
                if key in seen:
                    repeated.append(key)
                seen.add(key)
            duplicates[id(built)] = repeated
        return built

    def refuse_constant(name: str) -> JSON:
        raise ValueError(f"'{name}' is not a JSON value")

    try:
        document = json.loads(text, object_pairs_hook=build_object, parse_constant=refuse_constant)
    except RecursionError:
        report.error(TOO_DEEPLY_NESTED, "The definition is nested too deeply.", "")
        return None
    except json.JSONDecodeError as error:
        message = f"Invalid JSON: {error.msg} at line {error.lineno}, column {error.colno}"
        report.error(INVALID_JSON_DESCRIPTION, message, "")
        return None
    except ValueError as error:
        report.error(INVALID_JSON_DESCRIPTION, f"Invalid JSON: {error}", "")
        return None
    if not isinstance(document, dict):
        report.error(INVALID_JSON_DESCRIPTION, "The definition must be a JSON object.", "")
        return None
    if _depth_exceeds(document, MAX_JSON_DEPTH):
        message = f"The definition nests objects and arrays more than {MAX_JSON_DEPTH} levels deep."
        report.error(TOO_DEEPLY_NESTED, message, "")
        return None
    return ParsedDefinition(document=document, duplicate_keys=duplicates)


def _depth_exceeds(document: JSON, limit: int) -> bool:
    """Iterative so that a deep document cannot exhaust Python's stack here."""
    pending: list[tuple[JSON, int]] = [(document, 1)]
    while pending:
        value, depth = pending.pop()
        if depth > limit:
            return True
        if isinstance(value, dict):
            pending.extend((inner, depth + 1) for inner in value.values())
        elif isinstance(value, list):
            pending.extend((inner, depth + 1) for inner in value)
    return False
