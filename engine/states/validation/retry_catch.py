"""Retry and Catch: error names, back-off numbers, and ``States.ALL`` alone and last.

States Language spec, "Error names": "States.ALL ... MUST appear alone in the ErrorEquals
array and MUST appear in the last Retrier in the Retry array" (and likewise for Catchers).
"""

from __future__ import annotations

from engine.states.model import JSON
from engine.states.path_syntax import is_input_reference_path
from engine.states.validation.fields import (
    CATCHER_FIELDS,
    MAX_RETRY_DELAY_SECONDS,
    MAX_SECONDS,
    RETRIER_FIELDS,
)
from engine.states.validation.payloads import check_assign, check_jsonata_strings
from engine.states.validation.report import Report, child, item
from engine.states.validation.values import check_enum, check_integer, check_number

ALL_ERRORS = "States.ALL"


def check_retry(state: dict[str, JSON], location: str, report: Report) -> None:
    retriers = _handler_list(state, "Retry", location, report)
    for index, retrier in enumerate(retriers):
        retrier_location = item(child(location, "Retry"), index)
        if not isinstance(retrier, dict):
            report.schema("A Retrier must be an OBJECT", retrier_location)
            continue
        _check_handler_fields(retrier, RETRIER_FIELDS, retrier_location, report)
        catches_all = _check_error_equals(retrier, retrier_location, report)
        if catches_all and index != len(retriers) - 1:
            report.schema(f"A Retrier with '{ALL_ERRORS}' must be the last Retrier", retrier_location)
        check_integer(retrier, "IntervalSeconds", retrier_location, report, minimum=1, maximum=MAX_SECONDS)
        check_integer(retrier, "MaxAttempts", retrier_location, report, minimum=0, maximum=MAX_SECONDS)
        check_number(retrier, "BackoffRate", retrier_location, report, minimum=1.0)
        check_integer(
            retrier, "MaxDelaySeconds", retrier_location, report, minimum=1, maximum=MAX_RETRY_DELAY_SECONDS
        )
        check_enum(retrier, "JitterStrategy", ("FULL", "NONE"), retrier_location, report)


def check_catch(state: dict[str, JSON], location: str, report: Report, language: str) -> None:
    catchers = _handler_list(state, "Catch", location, report)
    for index, catcher in enumerate(catchers):
        catcher_location = item(child(location, "Catch"), index)
        if not isinstance(catcher, dict):
            report.schema("A Catcher must be an OBJECT", catcher_location)
            continue
        _check_handler_fields(catcher, CATCHER_FIELDS, catcher_location, report)
        catches_all = _check_error_equals(catcher, catcher_location, report)
        if catches_all and index != len(catchers) - 1:
            report.schema(f"A Catcher with '{ALL_ERRORS}' must be the last Catcher", catcher_location)
        if "Next" not in catcher:
            report.schema("These fields are required: [Next]", catcher_location)
        elif not isinstance(catcher["Next"], str) or not catcher["Next"]:
            report.schema(
                "The value for the field 'Next' must be a non-empty STRING", child(catcher_location, "Next")
            )
        _check_catcher_language(catcher, catcher_location, report, language)


def _check_catcher_language(catcher: dict[str, JSON], location: str, report: Report, language: str) -> None:
    if "ResultPath" in catcher:
        if language == "JSONata":
            report.schema(_only_in("JSONata", "ResultPath", "JSONPath"), location)
        elif catcher["ResultPath"] is not None and not is_input_reference_path(catcher["ResultPath"]):
            message = "The value for the field 'ResultPath' must be a valid ReferencePath"
            report.schema(message, child(location, "ResultPath"))
    if "Output" in catcher:
        if language == "JSONPath":
            report.schema(_only_in("JSONPath", "Output", "JSONata"), location)
        else:
            check_jsonata_strings(catcher["Output"], child(location, "Output"), report)
    if "Assign" in catcher:
        check_assign(catcher["Assign"], child(location, "Assign"), report, language)


def _only_in(language: str, field: str, other: str) -> str:
    return (
        f"The QueryLanguage is set to '{language}', but field '{field}' is only supported "
        f"for the '{other}' QueryLanguage"
    )


def _handler_list(state: dict[str, JSON], field: str, location: str, report: Report) -> list[JSON]:
    if field not in state:
        return []
    value = state[field]
    if not isinstance(value, list):
        report.schema(f"The value for the field '{field}' must be an ARRAY", child(location, field))
        return []
    return value


def _check_handler_fields(
    handler: dict[str, JSON], allowed: frozenset[str], location: str, report: Report
) -> None:
    for key in handler:
        if key not in allowed:
            report.schema(f'The field "{key}" is not supported by Step Functions', child(location, key))


def _check_error_equals(handler: dict[str, JSON], location: str, report: Report) -> bool:
    """Check ErrorEquals; return whether it is the catch-all ``["States.ALL"]``."""
    if "ErrorEquals" not in handler:
        report.schema("These fields are required: [ErrorEquals]", location)
        return False
    names = handler["ErrorEquals"]
    names_location = child(location, "ErrorEquals")
    if not isinstance(names, list) or not names or not all(isinstance(name, str) and name for name in names):
        report.schema(
            "The value for the field 'ErrorEquals' must be a non-empty ARRAY of STRINGs", names_location
        )
        return False
    if ALL_ERRORS in names and len(names) > 1:
        report.schema(f"'{ALL_ERRORS}' must appear alone in the field 'ErrorEquals'", names_location)
    return ALL_ERRORS in names
