"""Errors in AWS's shape, raised by services and rendered by the API and the browser alike.

The class name of each subclass is not what boto3 sees; ``code`` is. Services raise these so
that a fault found in a form and in an API call reads the same.
"""

from __future__ import annotations

from collections.abc import Sequence


class AwsError(Exception):
    """A client fault that AWS reports as HTTP 400 with ``{"__type": code, "message": ...}``."""

    code = "ValidationException"
    status = 400

    def __init__(self, message: str, *, code: str | None = None, status: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status is not None:
            self.status = status

    def to_body(self) -> dict[str, str]:
        return {"__type": self.code, "message": self.message}


class ValidationError(AwsError):
    code = "ValidationException"


class SerializationError(AwsError):
    code = "SerializationException"


class UnknownOperationError(AwsError):
    code = "UnknownOperationException"


class ResourceNotFound(AwsError):
    code = "ResourceNotFoundException"


class ResourceAlreadyExists(AwsError):
    code = "ResourceAlreadyExistsException"


class LimitExceeded(AwsError):
    code = "LimitExceededException"


class InvalidEventPattern(AwsError):
    code = "InvalidEventPatternException"


class RequestTooLarge(AwsError):
    code = "RequestEntityTooLargeException"
    status = 413


def constraint_message(value: object, path: str, constraint: str, *, echo: bool = True) -> str:
    """One clause of AWS's validation message, as its JSON front end words it.

    ``Value 'x' at 'name' failed to satisfy constraint: Member must ...``; ``Value null`` for an
    absent required member; ``Value at`` (no value) where AWS does not echo it (sensitive
    members, structures and lists). Recorded in AWS answers, e.g. "Value null at
    'globalSecondaryIndexUpdates.1.member...' failed to satisfy constraint: Member must not be null".
    """
    if value is None:
        shown = "Value null"
    elif not echo:
        shown = "Value"
    else:
        shown = f"Value '{_java_text(value)}'"
    return f"{shown} at '{path}' failed to satisfy constraint: {constraint}"


def validation_errors(clauses: Sequence[str]) -> ValidationError:
    """AWS's counting and joining: "2 validation errors detected: <clause>; <clause>"."""
    noun = "error" if len(clauses) == 1 else "errors"
    return ValidationError(f"{len(clauses)} validation {noun} detected: " + "; ".join(clauses))


def missing_parameter(name: str) -> ValidationError:
    """AWS's wording for a required member that is absent (as botocore models it)."""
    return validation_errors([constraint_message(None, name, "Member must not be null")])


def _java_text(value: object) -> str:
    """A value as AWS's Java front end prints it (booleans in lower case)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
