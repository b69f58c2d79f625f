"""AWS's wording for request-model constraint failures ("1 validation error detected: ...").

The AWS JSON services reject a request whose fields break the service model (lengths,
patterns, list sizes) with one ValidationException listing every broken field. boto3 users
see that text verbatim, so the engine reproduces its shape.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ConstraintViolation:
    """One broken model constraint: the offending value as AWS prints it, where it is, and the rule."""

    shown_value: str
    location: str
    constraint: str

    def describe(self) -> str:
        """The clause AWS writes for this violation."""
        return (
            f"Value {self.shown_value} at '{self.location}' failed to satisfy constraint: {self.constraint}"
        )


def quoted(value: object) -> str:
    """Show ``value`` the way AWS does inside a violation: in single quotes, or ``null``."""
    return "null" if value is None else f"'{value}'"


def max_length(limit: int) -> str:
    """The constraint text for a maximum length (of a string, list or map)."""
    return f"Member must have length less than or equal to {limit}"


def min_length(limit: int) -> str:
    """The constraint text for a minimum length."""
    return f"Member must have length greater than or equal to {limit}"


def pattern(regex: str) -> str:
    """The constraint text for a regular-expression pattern, as the model spells the pattern."""
    return f"Member must satisfy regular expression pattern: {regex}"


NOT_NULL = "Member must not be null"


def validation_message(violations: list[ConstraintViolation]) -> str:
    """Join violations into the single ValidationException message AWS returns."""
    count = len(violations)
    noun = "error" if count == 1 else "errors"
    clauses = "; ".join(violation.describe() for violation in violations)
    return f"{count} validation {noun} detected: {clauses}"
