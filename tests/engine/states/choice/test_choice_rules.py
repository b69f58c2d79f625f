"""Choice Rule evaluation: every operator, AWS's documented examples, and its edge behaviour.

Examples quoted from the AWS Step Functions Developer Guide page "Choice workflow state"
(step-functions/latest/dg/state-choice.html, section "Choice Rules (JSONPath)") and from the
Amazon States Language specification (states-language.net, "Choice Rules").
"""

from __future__ import annotations

from typing import Any

import pytest

from engine.states.choice import (
    ChoiceRuntimeError,
    choice_operator_kind,
    choice_rule_ops,
    evaluate_choice_rule,
    is_timestamp,
    string_matches,
)

MISSING = object()


def resolver(data: Any, context: Any = None) -> Any:
    """A tiny resolve(path) for dotted paths (``$.a.b``, ``$$.Execution.Id``, ``$.list[0]``)."""

    def resolve(path: str) -> tuple[bool, Any]:
        node = context if path.startswith("$$") else data
        rest = path[2:] if path.startswith("$$") else path[1:]
        for part in [p for p in rest.replace("[", ".").replace("]", "").split(".") if p]:
            if isinstance(node, dict) and part in node:
                node = node[part]
            elif isinstance(node, list) and part.isdigit() and int(part) < len(node):
                node = node[int(part)]
            else:
                return False, None
        return True, node

    return resolve


def check(rule: dict[str, Any], data: Any) -> bool:
    return evaluate_choice_rule(rule, resolver(data))


# --- documented examples -------------------------------------------------------------------


def test_doc_numeric_equals_one() -> None:
    # Developer Guide "Choice workflow state": checks whether the numerical value is equal to 1.
    rule = {"Variable": "$.foo", "NumericEquals": 1, "Next": "FirstMatchState"}
    assert check(rule, {"foo": 1}) is True
    assert check(rule, {"foo": 2}) is False


def test_doc_string_equals_mystring() -> None:
    # Developer Guide "Choice workflow state": checks whether the string is equal to MyString.
    rule = {"Variable": "$.foo", "StringEquals": "MyString", "Next": "FirstMatchState"}
    assert check(rule, {"foo": "MyString"}) is True
    assert check(rule, {"foo": "mystring"}) is False


def test_doc_string_greater_than() -> None:
    # Developer Guide "Choice workflow state": checks whether the string is greater than MyStringABC.
    rule = {"Variable": "$.foo", "StringGreaterThan": "MyStringABC", "Next": "FirstMatchState"}
    assert check(rule, {"foo": "MyStringABD"}) is True
    assert check(rule, {"foo": "MyStringABC"}) is False
    assert check(rule, {"foo": "MyString"}) is False


def test_doc_is_null() -> None:
    # Developer Guide "Choice workflow state": checks whether the string is null.
    rule = {"Variable": "$.possiblyNullValue", "IsNull": True}
    assert check(rule, {"possiblyNullValue": None}) is True
    assert check(rule, {"possiblyNullValue": "x"}) is False


def test_doc_is_present_guards_string_equals() -> None:
    # Developer Guide "Choice workflow state": StringEquals is evaluated only if
    # $.keyThatMightNotExist exists, because of the preceding IsPresent rule.
    rule = {
        "And": [
            {"Variable": "$.keyThatMightNotExist", "IsPresent": True},
            {"Variable": "$.keyThatMightNotExist", "StringEquals": "foo"},
        ]
    }
    assert check(rule, {}) is False
    assert check(rule, {"keyThatMightNotExist": "foo"}) is True
    assert check(rule, {"keyThatMightNotExist": "bar"}) is False


def test_doc_string_matches_wildcard() -> None:
    # Developer Guide "Choice workflow state": checks whether a pattern with a wildcard matches.
    rule = {"Variable": "$.foo", "StringMatches": "log-*.txt"}
    assert check(rule, {"foo": "log-2024-01-01.txt"}) is True
    assert check(rule, {"foo": "log-.txt"}) is True
    assert check(rule, {"foo": "log-1.txt.bak"}) is False


def test_doc_timestamp_equals() -> None:
    # Developer Guide "Choice workflow state": checks whether the timestamp is equal to 2001-01-01T12:00:00Z.
    rule = {"Variable": "$.foo", "TimestampEquals": "2001-01-01T12:00:00Z", "Next": "FirstMatchState"}
    assert check(rule, {"foo": "2001-01-01T12:00:00Z"}) is True
    assert check(rule, {"foo": "2001-01-01T12:00:01Z"}) is False


def test_doc_string_equals_path() -> None:
    # Developer Guide "Choice workflow state": compares $.foo with the value at $.bar.
    rule = {"Variable": "$.foo", "StringEqualsPath": "$.bar", "Next": "FirstMatchState"}
    assert check(rule, {"foo": "x", "bar": "x"}) is True
    assert check(rule, {"foo": "x", "bar": "y"}) is False


def test_doc_choice_state_example_picks_value_in_twenties() -> None:
    # Developer Guide "Choice workflow state", "Choice state example": with input
    # {"type": "Private", "value": 22} the state machine transitions to ValueInTwenties.
    choices = [
        {"Not": {"Variable": "$.type", "StringEquals": "Private"}, "Next": "Public"},
        {"Variable": "$.value", "NumericEquals": 0, "Next": "ValueIsZero"},
        {
            "And": [
                {"Variable": "$.value", "NumericGreaterThanEquals": 20},
                {"Variable": "$.value", "NumericLessThan": 30},
            ],
            "Next": "ValueInTwenties",
        },
    ]

    def first_match(data: Any) -> str:
        return next((rule["Next"] for rule in choices if check(rule, data)), "DefaultState")

    assert first_match({"type": "Private", "value": 22}) == "ValueInTwenties"
    assert first_match({"type": "Public", "value": 22}) == "Public"
    assert first_match({"type": "Private", "value": 0}) == "ValueIsZero"
    assert first_match({"type": "Private", "value": 30}) == "DefaultState"


@pytest.mark.parametrize(
    ("pattern", "value", "expected"),
    [
        # States Language spec, StringMatches: "foo*.log" matches "foo23.log", "*.log" matches
        # "zebra.log", and "foo*.*" matches "foobar.zebra".
        ("foo*.log", "foo23.log", True),
        ("*.log", "zebra.log", True),
        ("foo*.*", "foobar.zebra", True),
        # Only "*" is special; "\\*" is a literal star and "\\\\" a literal backslash.
        ("a\\*b", "a*b", True),
        ("a\\*b", "axxb", False),
        ("a\\\\*", "a\\xyz", True),
        ("a?c", "abc", False),
        ("a.c", "abc", False),
        ("[ab]", "a", False),
        ("*", "", True),
        ("abc", "abcd", False),
    ],
)
def test_string_matches_wildcards_and_escapes(pattern: str, value: str, expected: bool) -> None:
    assert string_matches(value, pattern) is expected
    assert check({"Variable": "$.v", "StringMatches": pattern}, {"v": value}) is expected


# --- every operator -------------------------------------------------------------------------

ORDERED_CASES = [
    # (operator family, smaller value, larger value)
    ("String", "apple", "banana"),
    ("Numeric", 1.5, 2),
    ("Timestamp", "2020-01-01T00:00:00Z", "2020-01-01T00:00:01Z"),
]
RELATIONS = {
    "Equals": (False, True, False),
    "LessThan": (True, False, False),
    "GreaterThan": (False, False, True),
    "LessThanEquals": (True, True, False),
    "GreaterThanEquals": (False, True, True),
}


@pytest.mark.parametrize(("family", "small", "large"), ORDERED_CASES)
@pytest.mark.parametrize("relation", sorted(RELATIONS))
@pytest.mark.parametrize("via_path", [False, True])
def test_ordered_operators(family: str, small: Any, large: Any, relation: str, via_path: bool) -> None:
    """Each of value<other, value==other, value>other against every relation, literal and Path."""
    operator = f"{family}{relation}"
    for (left, right), expected in zip(
        [(small, large), (small, small), (large, small)], RELATIONS[relation], strict=True
    ):
        if via_path:
            rule = {"Variable": "$.v", f"{operator}Path": "$.other"}
            data = {"v": left, "other": right}
        else:
            rule = {"Variable": "$.v", operator: right}
            data = {"v": left}
        assert check(rule, data) is expected, (operator, left, right)


@pytest.mark.parametrize("via_path", [False, True])
def test_boolean_equals(via_path: bool) -> None:
    for value, expected_value, result in [(True, True, True), (False, True, False), (False, False, True)]:
        if via_path:
            rule = {"Variable": "$.v", "BooleanEqualsPath": "$.w"}
            data = {"v": value, "w": expected_value}
        else:
            rule, data = {"Variable": "$.v", "BooleanEquals": expected_value}, {"v": value}
        assert check(rule, data) is result


@pytest.mark.parametrize(
    ("operator", "value", "expected"),
    [
        ("IsNull", None, True),
        ("IsNull", 0, False),
        ("IsNumeric", 3, True),
        ("IsNumeric", 3.5, True),
        ("IsNumeric", "3", False),
        ("IsNumeric", True, False),
        ("IsString", "x", True),
        ("IsString", 1, False),
        ("IsBoolean", False, True),
        ("IsBoolean", 0, False),
        ("IsTimestamp", "2016-03-14T01:59:00Z", True),
        ("IsTimestamp", "2016-03-14T01:59:00+05:30", True),
        ("IsTimestamp", "2016-03-14T01:59:00", False),
        ("IsTimestamp", "2016-03-14 01:59:00Z", False),
        ("IsTimestamp", 1457920740, False),
        ("IsPresent", None, True),
        ("IsPresent", "anything", True),
    ],
)
def test_type_tests(operator: str, value: Any, expected: bool) -> None:
    assert check({"Variable": "$.v", operator: True}, {"v": value}) is expected
    assert check({"Variable": "$.v", operator: False}, {"v": value}) is (not expected)


def test_is_present_false_on_missing_path() -> None:
    assert check({"Variable": "$.nope", "IsPresent": False}, {"v": 1}) is True
    assert check({"Variable": "$.nope", "IsPresent": True}, {"v": 1}) is False


def test_explicit_null_is_both_present_and_null() -> None:
    data = {"v": None}
    assert check({"Variable": "$.v", "IsPresent": True}, data) is True
    assert check({"Variable": "$.v", "IsNull": True}, data) is True


# --- type mismatches are false, never errors ---------------------------------------------------


@pytest.mark.parametrize(
    ("rule", "value"),
    [
        ({"NumericEquals": 1}, "1"),
        ({"NumericEquals": 1}, True),
        ({"NumericGreaterThan": 0}, True),
        ({"StringEquals": "1"}, 1),
        ({"StringLessThan": "z"}, None),
        ({"BooleanEquals": True}, 1),
        ({"BooleanEquals": False}, 0),
        ({"TimestampEquals": "2001-01-01T12:00:00Z"}, "not a time"),
        ({"TimestampLessThan": "2001-01-01T12:00:00Z"}, 5),
        ({"StringMatches": "*"}, 5),
        ({"NumericEquals": 1}, [1]),
    ],
)
def test_comparison_on_wrong_type_is_false(rule: dict[str, Any], value: Any) -> None:
    assert check({"Variable": "$.v", **rule}, {"v": value}) is False


def test_path_operand_of_wrong_type_is_false() -> None:
    assert check({"Variable": "$.v", "NumericEqualsPath": "$.w"}, {"v": 1, "w": "1"}) is False
    assert check({"Variable": "$.v", "StringEqualsPath": "$.w"}, {"v": "1", "w": 1}) is False


def test_integral_float_equals_integer() -> None:
    assert check({"Variable": "$.v", "NumericEquals": 2}, {"v": 2.0}) is True


# --- missing paths are runtime errors ------------------------------------------------------------


@pytest.mark.parametrize(
    "rule",
    [
        {"Variable": "$.missing", "StringEquals": "x"},
        {"Variable": "$.missing", "NumericEquals": 1},
        {"Variable": "$.missing", "BooleanEquals": True},
        {"Variable": "$.missing", "IsNull": True},
        {"Variable": "$.missing", "IsString": False},
        {"Variable": "$.missing", "StringMatches": "*"},
    ],
)
def test_missing_variable_is_states_runtime(rule: dict[str, Any]) -> None:
    with pytest.raises(ChoiceRuntimeError) as raised:
        check(rule, {"present": 1})
    assert raised.value.error == "States.Runtime"
    assert raised.value.cause == (
        "Invalid path '$.missing': The choice state's condition path references an invalid value."
    )


def test_missing_path_operand_is_states_runtime_naming_that_path() -> None:
    with pytest.raises(ChoiceRuntimeError) as raised:
        check({"Variable": "$.v", "NumericEqualsPath": "$.limit"}, {"v": 1})
    assert raised.value.error == "States.Runtime"
    assert "Invalid path '$.limit'" in raised.value.cause


def test_context_object_paths_are_resolved_by_the_caller() -> None:
    resolve = resolver({"v": "abc"}, context={"Execution": {"Name": "abc"}})
    assert evaluate_choice_rule({"Variable": "$.v", "StringEqualsPath": "$$.Execution.Name"}, resolve) is True


# --- And / Or / Not ------------------------------------------------------------------------------


def test_nested_and_or_not() -> None:
    rule = {
        "Or": [
            {
                "And": [
                    {"Variable": "$.a", "NumericGreaterThan": 10},
                    {"Not": {"Variable": "$.b", "IsNull": True}},
                ]
            },
            {"Variable": "$.c", "BooleanEquals": True},
        ]
    }
    assert check(rule, {"a": 11, "b": 1, "c": False}) is True
    assert check(rule, {"a": 11, "b": None, "c": False}) is False
    assert check(rule, {"a": 1, "b": None, "c": True}) is True
    assert check(rule, {"a": 1, "b": 1, "c": False}) is False


def test_or_short_circuits_before_a_missing_path() -> None:
    rule = {"Or": [{"Variable": "$.a", "IsPresent": False}, {"Variable": "$.a", "NumericEquals": 1}]}
    assert check(rule, {}) is True


def test_and_evaluates_a_missing_path_when_not_short_circuited() -> None:
    rule = {"And": [{"Variable": "$.a", "IsPresent": False}, {"Variable": "$.a", "NumericEquals": 1}]}
    with pytest.raises(ChoiceRuntimeError):
        check(rule, {})


# --- timestamps and strings --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("left", "right", "equal"),
    [
        ("2001-01-01T13:00:00+01:00", "2001-01-01T12:00:00Z", True),
        ("2001-01-01T07:00:00-05:00", "2001-01-01T12:00:00Z", True),
        ("2001-01-01T12:00:00.000Z", "2001-01-01T12:00:00Z", True),
        ("2001-01-01T12:00:00.5Z", "2001-01-01T12:00:00.50Z", True),
        ("2001-01-01T12:00:00.000001Z", "2001-01-01T12:00:00.0000011Z", False),
        ("2001-01-01T12:00:00+01:00", "2001-01-01T12:00:00Z", False),
    ],
)
def test_timestamps_compare_as_instants(left: str, right: str, equal: bool) -> None:
    assert check({"Variable": "$.v", "TimestampEquals": right}, {"v": left}) is equal


def test_timestamp_with_offset_orders_by_instant() -> None:
    # 10:00 at +01:00 is 09:00Z, earlier than 09:30Z even though "10" > "09" as text.
    rule = {"Variable": "$.v", "TimestampLessThan": "2001-01-01T09:30:00Z"}
    assert check(rule, {"v": "2001-01-01T10:00:00+01:00"}) is True


@pytest.mark.parametrize(
    "text",
    [
        "2016-03-14t01:59:00Z",
        "2016-03-14T01:59:00z",
        "2016-02-30T00:00:00Z",
        "2016-03-14T25:00:00Z",
        "2016-03-14",
    ],
)
def test_malformed_timestamps_are_not_timestamps(text: str) -> None:
    assert is_timestamp(text) is False
    assert check({"Variable": "$.v", "TimestampEquals": "2016-03-14T01:59:00Z"}, {"v": text}) is False


def test_string_order_is_javas_utf16_order() -> None:
    # The guide defers to Java's String.compareTo: U+FFFF sorts after an astral character,
    # whose first UTF-16 code unit is a surrogate (0xD83D), though its code point is larger.
    rule = {"Variable": "$.v", "StringGreaterThan": "\U0001f600"}
    assert check(rule, {"v": "\uffff"}) is True


# --- the operator catalogue --------------------------------------------------------------------


def test_choice_rule_ops_lists_every_operator() -> None:
    ops = choice_rule_ops()
    for family in ("String", "Numeric", "Timestamp"):
        for relation in RELATIONS:
            assert f"{family}{relation}" in ops
            assert f"{family}{relation}Path" in ops
    expected_others = {"StringMatches", "BooleanEquals", "BooleanEqualsPath", "And", "Or", "Not"}
    expected_others |= {"IsPresent", "IsNull", "IsNumeric", "IsString", "IsBoolean", "IsTimestamp"}
    assert expected_others <= ops
    assert "StringMatchesPath" not in ops
    assert "Variable" not in ops and "Next" not in ops
    assert len(ops) == 15 * 2 + 2 + 1 + 6 + 3


def test_operator_kinds() -> None:
    assert choice_operator_kind("StringMatches") == "string"
    assert choice_operator_kind("NumericLessThan") == "number"
    assert choice_operator_kind("TimestampEquals") == "timestamp"
    assert choice_operator_kind("IsPresent") == "boolean"
    assert choice_operator_kind("NumericLessThanPath") == "path"
    assert choice_operator_kind("And") is None
