"""ASL definition validation: Choice rules, both query languages.

Expected texts are AWS's own, from the reports named in ``support``.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.engine.states.definition.support import (
    PASS_END,
    errors,
    machine,
    only_in,
)

# --- Choice ---------------------------------------------------------------------------------------


def choice(*rules: Any, default: str | None = "Z") -> str:
    state: dict[str, Any] = {"Type": "Choice", "Choices": list(rules)}
    if default:
        state["Default"] = default
    return machine({"C": state, "Z": {"Type": "Succeed"}}, "C")


def test_choices_must_be_non_empty() -> None:
    assert errors(choice()) == [
        (
            "SCHEMA_VALIDATION_FAILED",
            "The value for the field 'Choices' must be a non-empty ARRAY",
            "/States/C/Choices",
        )
    ]


def test_top_level_rule_needs_next_nested_rule_must_not_have_it() -> None:
    # cfn-lint#4077 quotes AWS: "These fields are required: [Next] at /States/Choice/Ch...".
    assert errors(choice({"Variable": "$.a", "IsNull": True})) == [
        ("SCHEMA_VALIDATION_FAILED", "These fields are required: [Next]", "/States/C/Choices[0]")
    ]
    nested = {"Not": {"Variable": "$.a", "IsNull": True, "Next": "Z"}, "Next": "Z"}
    assert errors(choice(nested)) == [
        ("SCHEMA_VALIDATION_FAILED", "Field 'Next' is not supported", "/States/C/Choices[0]/Not/Next")
    ]


def test_rule_needs_exactly_one_operator() -> None:
    assert errors(choice({"Variable": "$.a", "Next": "Z"})) == [
        (
            "SCHEMA_VALIDATION_FAILED",
            "A Choice Rule must contain exactly one comparison operator, or one of And, Or, Not",
            "/States/C/Choices[0]",
        )
    ]
    assert errors(choice({"Variable": "$.a", "IsNull": True, "IsString": True, "Next": "Z"})) == [
        (
            "SCHEMA_VALIDATION_FAILED",
            "A Choice Rule must contain only one operator, found: [IsNull, IsString]",
            "/States/C/Choices[0]",
        )
    ]


def test_data_test_needs_a_valid_variable() -> None:
    assert errors(choice({"NumericEquals": 1, "Next": "Z"})) == [
        ("SCHEMA_VALIDATION_FAILED", "These fields are required: [Variable]", "/States/C/Choices[0]")
    ]
    assert errors(choice({"Variable": "$.items[*]", "NumericEquals": 1, "Next": "Z"})) == [
        (
            "SCHEMA_VALIDATION_FAILED",
            "The value for the field 'Variable' must be a valid JSONPath",
            "/States/C/Choices[0]/Variable",
        )
    ]


@pytest.mark.parametrize(
    ("operator", "bad", "good", "kind"),
    [
        ("StringEquals", 1, "x", "a STRING"),
        ("StringMatches", None, "log-*", "a STRING"),
        ("NumericEquals", "1", 1.5, "a NUMBER"),
        ("NumericLessThan", True, 0, "a NUMBER"),
        ("BooleanEquals", "true", False, "a BOOLEAN"),
        (
            "TimestampEquals",
            "2001-01-01",
            "2001-01-01T12:00:00+02:00",
            "a timestamp STRING such as 2016-03-14T01:59:00Z",
        ),
        ("IsPresent", 1, True, "a BOOLEAN"),
        ("StringEqualsPath", "foo", "$.b", "a valid JSONPath"),
        ("NumericGreaterThanPath", "$.b[?(@.x)]", "$$.Execution.Input.n", "a valid JSONPath"),
    ],
)
def test_operator_value_types(operator: str, bad: Any, good: Any, kind: str) -> None:
    assert errors(choice({"Variable": "$.a", operator: good, "Next": "Z"})) == []
    assert errors(choice({"Variable": "$.a", operator: bad, "Next": "Z"})) == [
        (
            "SCHEMA_VALIDATION_FAILED",
            f"The value for the field '{operator}' must be {kind}",
            f"/States/C/Choices[0]/{operator}",
        )
    ]


def test_and_or_need_non_empty_arrays_and_no_variable() -> None:
    assert errors(choice({"And": [], "Next": "Z"})) == [
        (
            "SCHEMA_VALIDATION_FAILED",
            "The value for the field 'And' must be a non-empty ARRAY of Choice Rules",
            "/States/C/Choices[0]/And",
        )
    ]
    rule = {"Variable": "$.a", "Or": [{"Variable": "$.a", "IsNull": True}, {"Variable": "$.b"}], "Next": "Z"}
    assert errors(choice(rule)) == [
        ("SCHEMA_VALIDATION_FAILED", "Field 'Variable' is not supported", "/States/C/Choices[0]/Variable"),
        (
            "SCHEMA_VALIDATION_FAILED",
            "A Choice Rule must contain exactly one comparison operator, or one of And, Or, Not",
            "/States/C/Choices[0]/Or[1]",
        ),
    ]


def test_choice_with_next_or_end_is_refused() -> None:
    text = machine(
        {
            "C": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.a", "IsNull": True, "Next": "Z"}],
                "Next": "Z",
            },
            "Z": PASS_END,
        }
    )
    assert ("SCHEMA_VALIDATION_FAILED", "Field 'Next' is not supported", "/States/C") in errors(text)


def test_jsonata_choice_rules() -> None:
    good = {"QueryLanguage": "JSONata"}
    state = {"Type": "Choice", "Choices": [{"Condition": "{% $x > 1 %}", "Next": "Z"}]}
    assert errors(machine({"C": {**state, **good}, "Z": PASS_END})) == []
    bad = {
        "Type": "Choice",
        "QueryLanguage": "JSONata",
        "Choices": [{"Variable": "$.x", "IsNull": True, "Next": "Z"}],
    }
    assert errors(machine({"C": bad, "Z": PASS_END})) == [
        (
            "SCHEMA_VALIDATION_FAILED",
            only_in("JSONata", "Variable", "JSONPath"),
            "/States/C/Choices[0]",
        ),
        (
            "SCHEMA_VALIDATION_FAILED",
            only_in("JSONata", "IsNull", "JSONPath"),
            "/States/C/Choices[0]",
        ),
        ("SCHEMA_VALIDATION_FAILED", "These fields are required: [Condition]", "/States/C/Choices[0]"),
    ]
