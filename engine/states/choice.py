"""Evaluation of JSONPath Choice Rules, with AWS's recorded semantics.

* A comparison on a value of the wrong type is false, never an error ("Step Functions doesn't
  attempt to match a numeric field to a string value"). Booleans are not numbers.
* A ``Variable`` (or ``...Path`` operand) that selects nothing fails the execution with
  ``States.Runtime`` and the cause "Invalid path '$.x': The choice state's condition path
  references an invalid value." Only ``IsPresent`` may look at a missing path: that is what
  it is for. The interpreter adds AWS's prefix ("An error occurred while executing the state
  'S' (entered at the event id #N). ") to the cause.
* ``And`` / ``Or`` short-circuit, so an ``IsPresent`` guard placed first protects the rules
  after it, as the Developer Guide's "Choice workflow state" example relies on.
* String ordering is Java's ``String.compareTo`` (UTF-16 code units), as the guide says.
* Timestamps follow the RFC 3339 profile AWS requires: an uppercase ``T`` and either an
  uppercase ``Z`` or a numeric offset; they compare as instants.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Literal

from engine.states.model import JSON

Resolver = Callable[[str], tuple[bool, JSON]]
ValueKind = Literal["string", "number", "boolean", "timestamp", "path"]

_STRING_OPS: tuple[str, ...] = (
    "StringEquals",
    "StringLessThan",
    "StringGreaterThan",
    "StringLessThanEquals",
    "StringGreaterThanEquals",
)
_NUMERIC_OPS: tuple[str, ...] = tuple(operator.replace("String", "Numeric") for operator in _STRING_OPS)
_TIMESTAMP_OPS: tuple[str, ...] = tuple(operator.replace("String", "Timestamp") for operator in _STRING_OPS)
_TYPE_TESTS = ("IsPresent", "IsNull", "IsNumeric", "IsString", "IsBoolean", "IsTimestamp")
_PATHABLE = (*_STRING_OPS, *_NUMERIC_OPS, *_TIMESTAMP_OPS, "BooleanEquals")

BOOLEAN_OPERATORS = frozenset({"And", "Or", "Not"})
"""Operators that combine other Choice Rules instead of testing a Variable."""

_VALUE_KINDS: dict[str, ValueKind] = {
    **dict.fromkeys(_STRING_OPS, "string"),
    "StringMatches": "string",
    **dict.fromkeys(_NUMERIC_OPS, "number"),
    **dict.fromkeys(_TIMESTAMP_OPS, "timestamp"),
    "BooleanEquals": "boolean",
    **dict.fromkeys(_TYPE_TESTS, "boolean"),
    **{f"{operator}Path": "path" for operator in _PATHABLE},
}

DATA_TEST_OPERATORS = frozenset(_VALUE_KINDS)
"""Operators that test the value a rule's ``Variable`` selects."""


class ChoiceRuntimeError(Exception):
    """A Choice Rule could not be evaluated; the execution fails with ``error`` / ``cause``."""

    def __init__(self, error: str, cause: str) -> None:
        super().__init__(f"{error}: {cause}")
        self.error = error
        self.cause = cause


def choice_rule_ops() -> frozenset[str]:
    """Every operator a JSONPath Choice Rule may use: the data tests plus And, Or, Not."""
    return DATA_TEST_OPERATORS | BOOLEAN_OPERATORS


def choice_operator_kind(operator: str) -> ValueKind | None:
    """What an operator's own value must be (``path`` for ``...Path`` operators)."""
    return _VALUE_KINDS.get(operator)


def evaluate_choice_rule(rule: dict[str, JSON], resolve: Resolver) -> bool:
    """Evaluate one (possibly nested) Choice Rule against the data ``resolve`` reads.

    ``resolve(path)`` returns ``(found, value)`` for a ``$...`` / ``$$...`` / ``$var`` path.
    Raises ChoiceRuntimeError (``States.Runtime``) when a path the rule compares selects nothing.
    """
    if "And" in rule:
        return all(evaluate_choice_rule(inner, resolve) for inner in rule["And"])
    if "Or" in rule:
        return any(evaluate_choice_rule(inner, resolve) for inner in rule["Or"])
    if "Not" in rule:
        return not evaluate_choice_rule(rule["Not"], resolve)
    operator = _data_test_operator(rule)
    variable = rule["Variable"]
    found, value = resolve(variable)
    expected = rule[operator]
    if operator == "IsPresent":
        return found is bool(expected)
    if not found:
        raise _invalid_path(variable)
    if operator in _TYPE_TESTS:
        return _type_test(operator, value) is bool(expected)
    if operator.endswith("Path"):
        operator = operator.removesuffix("Path")
        found, expected = resolve(rule[f"{operator}Path"])
        if not found:
            raise _invalid_path(rule[f"{operator}Path"])
    return _compare(operator, value, expected)


def is_timestamp(value: object) -> bool:
    """True for a string AWS accepts as a timestamp (RFC 3339 with ``T`` and ``Z``/offset)."""
    return isinstance(value, str) and _parse_timestamp(value) is not None


def string_matches(value: str, pattern: str) -> bool:
    """``StringMatches``: ``*`` matches any run of characters; ``\\*`` and ``\\\\`` are literal."""
    regex: list[str] = []
    index = 0
    while index < len(pattern):
        char = pattern[index]
        if char == "\\" and index + 1 < len(pattern):
            regex.append(re.escape(pattern[index + 1]))
            index += 2
            continue
        regex.append(".*" if char == "*" else re.escape(char))
        index += 1
    return re.fullmatch("".join(regex), value, flags=re.DOTALL) is not None


# --- internals ----------------------------------------------------------------------------


def _data_test_operator(rule: dict[str, JSON]) -> str:
    for key in rule:
        if key in DATA_TEST_OPERATORS:
            return key
    raise ChoiceRuntimeError("States.Runtime", "The Choice Rule has no comparison operator.")


def _invalid_path(path: str) -> ChoiceRuntimeError:
    cause = f"Invalid path '{path}': The choice state's condition path references an invalid value."
    return ChoiceRuntimeError("States.Runtime", cause)


def _is_number(value: JSON) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _type_test(operator: str, value: JSON) -> bool:
    if operator == "IsNull":
        return value is None
    if operator == "IsNumeric":
        return _is_number(value)
    if operator == "IsString":
        return isinstance(value, str)
    if operator == "IsBoolean":
        return isinstance(value, bool)
    return is_timestamp(value)


def _compare(operator: str, value: JSON, expected: JSON) -> bool:
    if operator == "BooleanEquals":
        return isinstance(value, bool) and isinstance(expected, bool) and value is expected
    if operator == "StringMatches":
        return isinstance(value, str) and isinstance(expected, str) and string_matches(value, expected)
    if operator in _STRING_OPS:
        if not (isinstance(value, str) and isinstance(expected, str)):
            return False
        return _ordered(operator.removeprefix("String"), _utf16(value), _utf16(expected))
    if operator in _NUMERIC_OPS:
        if not (_is_number(value) and _is_number(expected)):
            return False
        return _ordered(operator.removeprefix("Numeric"), value, expected)
    if operator in _TIMESTAMP_OPS:
        left = _parse_timestamp(value) if isinstance(value, str) else None
        right = _parse_timestamp(expected) if isinstance(expected, str) else None
        if left is None or right is None:
            return False
        return _ordered(operator.removeprefix("Timestamp"), left, right)
    raise ChoiceRuntimeError("States.Runtime", f"Unknown Choice Rule operator '{operator}'.")


def _ordered(relation: str, left: object, right: object) -> bool:
    """Apply Equals / LessThan / ... to two values of one comparable kind."""
    if relation == "Equals":
        return left == right
    relations: dict[str, Callable[[object, object], bool]] = {
        "LessThan": lambda a, b: a < b,  # type: ignore[operator]
        "GreaterThan": lambda a, b: a > b,  # type: ignore[operator]
        "LessThanEquals": lambda a, b: a <= b,  # type: ignore[operator]
        "GreaterThanEquals": lambda a, b: a >= b,  # type: ignore[operator]
    }
    return relations[relation](left, right)


def _utf16(text: str) -> bytes:
    """Big-endian UTF-16 bytes order exactly as Java compares strings (by code unit)."""
    return text.encode("utf-16-be", errors="surrogatepass")


_TIMESTAMP = re.compile(
    r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:(Z)|([+-])(\d{2}):(\d{2}))",
    flags=re.ASCII,
)


def _parse_timestamp(text: str) -> tuple[datetime, Decimal] | None:
    """The instant a timestamp names, as (whole UTC seconds, exact fraction), or None."""
    match = _TIMESTAMP.fullmatch(text)
    if match is None:
        return None
    year, month, day, hour, minute, second, fraction, zulu, sign, off_h, off_m = match.groups()
    if not zulu and (int(off_h) > 23 or int(off_m) > 59):
        return None
    try:
        whole = datetime(int(year), int(month), int(day), int(hour), int(minute), int(second), tzinfo=UTC)
        if not zulu:
            offset = timedelta(hours=int(off_h), minutes=int(off_m))
            whole = whole - offset if sign == "+" else whole + offset
    except (ValueError, OverflowError):
        return None
    return whole, Decimal(f"0.{fraction or '0'}")
