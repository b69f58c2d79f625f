"""Payload templates (Parameters, ResultSelector, ItemSelector, ...), Assign, and JSONata strings.

In JSONPath states a key ending in ``.$`` takes a path or an intrinsic call; a plain key whose
value merely looks like one gets AWS's NO_DOLLAR warning. In JSONata states every
``"{% ... %}"`` string anywhere in the field must compile.
"""

from __future__ import annotations

from engine.states.model import JSON
from engine.states.path_syntax import is_variable_name
from engine.states.validation.expressions import (
    is_path_or_intrinsic,
    jsonata_body,
    jsonata_error,
    looks_dynamic,
)
from engine.states.validation.report import (
    INVALID_JSONATA_EXPRESSION,
    NO_DOLLAR,
    Report,
    child,
    item,
)

MAX_VARIABLE_NAME_LENGTH = 80


def check_jsonpath_template(template: JSON, location: str, report: Report) -> None:
    """Check the ``.$`` fields of a JSONPath payload template, recursively."""
    if isinstance(template, list):
        for index, value in enumerate(template):
            check_jsonpath_template(value, item(location, index), report)
        return
    if not isinstance(template, dict):
        return
    for key, value in template.items():
        if key.endswith(".$"):
            if not is_path_or_intrinsic(value):
                message = (
                    f"The value for the field '{key}' must be a valid JSONPath or a valid intrinsic "
                    + ("function call")
                )
                report.schema(message, location)
        elif looks_dynamic(value):
            message = (
                f"The value for the field '{key}' looks like a JSONPath or intrinsic function, "
                "but the field name does not end with '.$'"
            )
            report.warning(NO_DOLLAR, message, child(location, key))
        else:
            check_jsonpath_template(value, child(location, key), report)


def check_jsonata_strings(value: JSON, location: str, report: Report) -> None:
    """Every ``"{% ... %}"`` string inside ``value`` must compile as JSONata."""
    if isinstance(value, dict):
        for key, inner in value.items():
            check_jsonata_strings(inner, child(location, key), report)
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            check_jsonata_strings(inner, item(location, index), report)
    else:
        body = jsonata_body(value)
        if body is None:
            return
        error = jsonata_error(body)
        if error is not None:
            report.error(
                INVALID_JSONATA_EXPRESSION, f"Invalid JSONata expression '{body.strip()}': {error}", location
            )


def check_payload(value: JSON, location: str, report: Report, language: str) -> None:
    """A payload field in whichever language its state uses."""
    if language == "JSONata":
        check_jsonata_strings(value, location, report)
    else:
        check_jsonpath_template(value, location, report)


def check_object_payload(
    state: dict[str, JSON], field: str, location: str, report: Report, language: str
) -> None:
    """Parameters, ResultSelector and friends must be JSON objects; then check their contents."""
    if field not in state:
        return
    value = state[field]
    field_location = child(location, field)
    if field in ("Parameters", "ResultSelector", "Credentials") and not isinstance(value, dict):
        report.schema(f"The value for the field '{field}' must be an OBJECT", field_location)
        return
    check_payload(value, field_location, report, language)


def check_assign(assign: JSON, location: str, report: Report, language: str) -> None:
    """``Assign``: an object of variable names; values follow the state's language."""
    if not isinstance(assign, dict):
        report.schema("The value for the field 'Assign' must be an OBJECT", location)
        return
    for key in assign:
        name = key.removesuffix(".$") if language == "JSONPath" else key
        if not is_variable_name(name) or len(name) > MAX_VARIABLE_NAME_LENGTH or name == "states":
            message = (
                f"The variable name '{name}' is not valid: use letters, digits and underscores, "
                f"not starting with a digit, at most {MAX_VARIABLE_NAME_LENGTH} characters, not 'states'"
            )
            report.schema(message, child(location, key))
    check_payload(assign, location, report, language)
