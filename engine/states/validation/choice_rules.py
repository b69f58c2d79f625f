"""Choice Rules: one operator per rule, the right value type, Next only at the top level.

JSONPath rules compare a ``Variable`` (Developer Guide, "Choice workflow state", Choice Rules
(JSONPath)); JSONata rules hold a ``Condition`` expression instead.
"""

from __future__ import annotations

from engine.states.choice import BOOLEAN_OPERATORS, choice_operator_kind, choice_rule_ops, is_timestamp
from engine.states.model import JSON
from engine.states.path_syntax import is_reference_path
from engine.states.validation.expressions import jsonata_body
from engine.states.validation.payloads import check_assign, check_jsonata_strings
from engine.states.validation.report import Report, child, item

_TOP_LEVEL_ONLY = frozenset({"Next", "Assign", "Output"})
_JSONATA_RULE_FIELDS = frozenset({"Condition", "Comment"})
_JSONPATH_RULE_FIELDS = frozenset({"Variable", "Comment"})


def check_choices(state: dict[str, JSON], location: str, report: Report, language: str) -> None:
    if "Choices" not in state:
        return
    choices = state["Choices"]
    choices_location = child(location, "Choices")
    if not isinstance(choices, list) or not choices:
        report.schema("The value for the field 'Choices' must be a non-empty ARRAY", choices_location)
        return
    for index, rule in enumerate(choices):
        _check_rule(rule, item(choices_location, index), report, language, top_level=True)


def _check_rule(rule: JSON, location: str, report: Report, language: str, *, top_level: bool) -> None:
    if not isinstance(rule, dict):
        report.schema("A Choice Rule must be an OBJECT", location)
        return
    _check_rule_fields(rule, location, report, language, top_level=top_level)
    if top_level:
        if "Next" not in rule:
            report.schema("These fields are required: [Next]", location)
        elif not isinstance(rule["Next"], str) or not rule["Next"]:
            report.schema(
                "The value for the field 'Next' must be a non-empty STRING", child(location, "Next")
            )
        if "Assign" in rule:
            check_assign(rule["Assign"], child(location, "Assign"), report, language)
        if "Output" in rule and language == "JSONata":
            check_jsonata_strings(rule["Output"], child(location, "Output"), report)
    if language == "JSONata":
        _check_condition(rule, location, report)
    else:
        _check_comparison(rule, location, report, language)


def _check_rule_fields(
    rule: dict[str, JSON], location: str, report: Report, language: str, *, top_level: bool
) -> None:
    operators = choice_rule_ops()
    for key in rule:
        if key in _TOP_LEVEL_ONLY:
            if not top_level:
                report.schema(f"Field '{key}' is not supported", child(location, key))
            elif key == "Output" and language == "JSONPath":
                report.schema(_language_message("JSONPath", key), location)
        elif language == "JSONata" and (key in operators or key == "Variable"):
            report.schema(_language_message("JSONata", key), location)
        elif language == "JSONPath" and key == "Condition":
            report.schema(_language_message("JSONPath", key), location)
        elif key not in operators and key not in _JSONATA_RULE_FIELDS | _JSONPATH_RULE_FIELDS:
            report.schema(f'The field "{key}" is not supported by Step Functions', child(location, key))


def _language_message(language: str, field: str) -> str:
    other = "JSONata" if language == "JSONPath" else "JSONPath"
    return (
        f"The QueryLanguage is set to '{language}', but field '{field}' is only supported "
        f"for the '{other}' QueryLanguage"
    )


def _check_condition(rule: dict[str, JSON], location: str, report: Report) -> None:
    if "Condition" not in rule:
        report.schema("These fields are required: [Condition]", location)
        return
    condition = rule["Condition"]
    if isinstance(condition, bool):
        return
    if jsonata_body(condition) is None:
        message = "The value for the field 'Condition' must be a JSONata expression '{% ... %}' or a boolean"
        report.schema(message, child(location, "Condition"))
        return
    check_jsonata_strings(condition, child(location, "Condition"), report)


def _check_comparison(rule: dict[str, JSON], location: str, report: Report, language: str) -> None:
    present = [key for key in rule if key in choice_rule_ops()]
    if not present:
        message = "A Choice Rule must contain exactly one comparison operator, or one of And, Or, Not"
        report.schema(message, location)
        return
    if len(present) > 1:
        report.schema(
            f"A Choice Rule must contain only one operator, found: [{', '.join(present)}]", location
        )
        return
    operator = present[0]
    if operator in BOOLEAN_OPERATORS:
        _check_boolean_operator(rule, operator, location, report, language)
        return
    if "Variable" not in rule:
        report.schema("These fields are required: [Variable]", location)
    elif not is_reference_path(rule["Variable"]):
        report.schema(
            "The value for the field 'Variable' must be a valid JSONPath", child(location, "Variable")
        )
    _check_operator_value(operator, rule[operator], child(location, operator), report)


def _check_boolean_operator(
    rule: dict[str, JSON], operator: str, location: str, report: Report, language: str
) -> None:
    if "Variable" in rule:
        report.schema("Field 'Variable' is not supported", child(location, "Variable"))
    value = rule[operator]
    operator_location = child(location, operator)
    if operator == "Not":
        if not isinstance(value, dict):
            report.schema("The value for the field 'Not' must be a Choice Rule OBJECT", operator_location)
            return
        _check_rule(value, operator_location, report, language, top_level=False)
        return
    if not isinstance(value, list) or not value:
        message = f"The value for the field '{operator}' must be a non-empty ARRAY of Choice Rules"
        report.schema(message, operator_location)
        return
    for index, inner in enumerate(value):
        _check_rule(inner, item(operator_location, index), report, language, top_level=False)


_KIND_WORDS = {
    "string": "a STRING",
    "number": "a NUMBER",
    "boolean": "a BOOLEAN",
    "timestamp": "a timestamp STRING such as 2016-03-14T01:59:00Z",
    "path": "a valid JSONPath",
}


def _check_operator_value(operator: str, value: JSON, location: str, report: Report) -> None:
    kind = choice_operator_kind(operator)
    valid = {
        "string": isinstance(value, str),
        "number": isinstance(value, int | float) and not isinstance(value, bool),
        "boolean": isinstance(value, bool),
        "timestamp": is_timestamp(value),
        "path": is_reference_path(value),
    }
    if kind is not None and not valid[kind]:
        report.schema(f"The value for the field '{operator}' must be {_KIND_WORDS[kind]}", location)
