"""The pattern sandbox's verdict: does this pattern match this event, and if not, why not.

Uses the validator PutRule uses (``services.validate_pattern_text``), so the sandbox refuses
exactly the patterns AWS refuses, in AWS's words, and the engine's ``explain`` for the reasons.
"""

from __future__ import annotations

from typing import Any

from engine.events.patterns import explain, matches, parse_pattern
from workbench.core.errors import ValidationError
from workbench.core.jsonio import dumps, loads_located
from workbench.events.errors import InvalidEventPattern
from workbench.events.services import validate_pattern_text


def parse_event_text(text: Any) -> dict[str, Any]:
    """The sample event as a JSON object; a ValidationError that says where the JSON breaks."""
    if isinstance(text, dict):
        return text
    if not isinstance(text, str) or not text.strip():
        raise ValidationError("Event is empty: paste an event (a JSON object) or pick a sample.")
    event = loads_located(text, "Event")
    if not isinstance(event, dict):
        raise ValidationError(f"Event must be a JSON object, not {type(event).__name__}.")
    return event


def evaluate_pattern(pattern_text: Any, event_text: Any) -> dict[str, Any]:
    """The sandbox endpoint's answer: validity, AWS's error, the verdict and each failed field."""
    result: dict[str, Any] = {
        "valid": False,
        "error": None,
        "error_code": None,
        "event_error": None,
        "matches": False,
        "misses": [],
    }
    try:
        validate_pattern_text(pattern_text)
    except InvalidEventPattern as exc:
        result.update(error=exc.message, error_code=exc.code)
        return result
    result["valid"] = True
    try:
        event = parse_event_text(event_text)
    except ValidationError as exc:
        result["event_error"] = exc.message
        return result
    pattern = parse_pattern(pattern_text)
    result["matches"] = matches(pattern, event)
    result["misses"] = [miss.to_dict() for miss in explain(pattern, event)]
    return result


def actual_text(miss: dict[str, Any]) -> str:
    """How a miss's row shows the event's value (static/pattern_sandbox.js words it the same)."""
    text = dumps(miss["actual"])
    if miss["present"]:
        return text
    return "absent" if miss["actual"] is None else f"absent as a value (holds {text})"
