"""core.errors: AWS's model-constraint messages, written in one place.

The shape is the ValidationException AWS's JSON services return for a request that breaks
the service model ("1 validation error detected: Value 'x' at 'member' failed to satisfy
constraint: Member must ...", several joined with "; " after "N validation errors
detected:"); the engine's envelope checks use the same clauses (tests/engine/events). The
regular expression below is RuleName's pattern in botocore's events service model.
"""

from __future__ import annotations

import pytest

from workbench.core.errors import (
    NOT_NULL,
    ValidationError,
    enum_value_set,
    invalid,
    max_length,
    missing_parameter,
    pattern,
    validation_message,
    value_at_most,
    value_between,
    violation,
)
from workbench.identity.errors import IamValidationError


def test_one_violation_shows_the_value_quoted() -> None:
    error = invalid("name", pattern(r"[\.\-_A-Za-z0-9]+"), "bad name")
    assert isinstance(error, ValidationError) and error.code == "ValidationException"
    assert error.message == (
        "1 validation error detected: Value 'bad name' at 'name' failed to satisfy constraint: "
        r"Member must satisfy regular expression pattern: [\.\-_A-Za-z0-9]+"
    )


def test_a_missing_member_is_null_and_a_left_out_value_is_not_shown() -> None:
    assert missing_parameter("stateMachineArn").message == (
        "1 validation error detected: Value null at 'stateMachineArn' failed to satisfy constraint: "
        "Member must not be null"
    )
    assert invalid("targets", "Member must have length greater than or equal to 1").message == (
        "1 validation error detected: Value at 'targets' failed to satisfy constraint: "
        "Member must have length greater than or equal to 1"
    )


def test_several_violations_are_counted_and_joined() -> None:
    message = validation_message(
        [
            violation("name", max_length(64), "x" * 3),
            violation("state", enum_value_set(["ENABLED", "DISABLED"]), "ON"),
            violation("roleArn", NOT_NULL, None),
        ]
    )
    assert message == (
        "3 validation errors detected: "
        "Value 'xxx' at 'name' failed to satisfy constraint: "
        "Member must have length less than or equal to 64; "
        "Value 'ON' at 'state' failed to satisfy constraint: Member must satisfy enum value set: "
        "[ENABLED, DISABLED]; "
        "Value null at 'roleArn' failed to satisfy constraint: Member must not be null"
    )


@pytest.mark.parametrize(
    ("constraint", "text"),
    [
        (value_at_most(1000), "Member must have value less than or equal to 1000"),
        (value_between(1, 10000), "Member must have value between 1 and 10000"),
    ],
)
def test_value_ranges_print_whole_numbers_without_a_fraction(constraint: str, text: str) -> None:
    assert constraint == text


def test_iam_keeps_its_own_error_code() -> None:
    error = invalid("maxItems", value_at_most(1000), 5000, error=IamValidationError)
    assert error.code == "ValidationError" and error.message.startswith("1 validation error detected: ")
