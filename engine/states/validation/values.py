"""Checks for the scalar fields of a state: integers in range, strings, booleans, enums.

In a JSONata state a numeric field may instead hold a ``"{% ... %}"`` expression.
"""

from __future__ import annotations

from engine.states.model import JSON
from engine.states.validation.expressions import jsonata_body
from engine.states.validation.payloads import check_jsonata_strings
from engine.states.validation.report import Report, child


def is_integer(value: JSON) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value: JSON) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def check_integer(
    container: dict[str, JSON],
    field: str,
    location: str,
    report: Report,
    *,
    minimum: int,
    maximum: int,
    language: str = "JSONPath",
) -> None:
    """``field`` (when present) is an integer in [minimum, maximum], or a JSONata expression."""
    if field not in container:
        return
    value = container[field]
    field_location = child(location, field)
    if language == "JSONata" and jsonata_body(value) is not None:
        check_jsonata_strings(value, field_location, report)
        return
    if not is_integer(value) or not minimum <= value <= maximum:
        message = f"The value for the field '{field}' must be an integer from {minimum} to {maximum}"
        report.schema(message, field_location)


def check_number(
    container: dict[str, JSON],
    field: str,
    location: str,
    report: Report,
    *,
    minimum: float,
    maximum: float | None = None,
    language: str = "JSONPath",
) -> None:
    """``field`` (when present) is a number in range, or a JSONata expression."""
    if field not in container:
        return
    value = container[field]
    field_location = child(location, field)
    if language == "JSONata" and jsonata_body(value) is not None:
        check_jsonata_strings(value, field_location, report)
        return
    in_range = is_number(value) and value >= minimum and (maximum is None or value <= maximum)
    if not in_range:
        bound = f"at least {minimum}" if maximum is None else f"from {minimum} to {maximum}"
        report.schema(f"The value for the field '{field}' must be a number {bound}", field_location)


def check_string(container: dict[str, JSON], field: str, location: str, report: Report) -> bool:
    """``field`` (when present) is a non-empty string; returns whether it is."""
    if field not in container:
        return False
    value = container[field]
    if not isinstance(value, str) or not value:
        report.schema(f"The value for the field '{field}' must be a non-empty STRING", child(location, field))
        return False
    return True


def check_enum(
    container: dict[str, JSON], field: str, allowed: tuple[str, ...], location: str, report: Report
) -> None:
    if field in container and container[field] not in allowed:
        message = f"The value for the field '{field}' must be one of: {', '.join(allowed)}"
        report.schema(message, child(location, field))
