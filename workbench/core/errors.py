"""Errors in AWS's shape, raised by services and rendered by the API and the browser alike.

The class name of each subclass is not what boto3 sees; ``code`` is. Services raise these so
that a fault found in a form and in an API call reads the same. The codes every AWS JSON
service shares live here ("Common Errors" of each API reference); a service's own codes live
in its app's ``errors.py``.

``invalid`` writes AWS's model-constraint message, the one place the shell does: "1 validation
error detected: Value 'x' at 'name' failed to satisfy constraint: Member must ...", and
``validation_message`` AWS's "N validation errors detected: ...; ..." for several at once
(the wording boto3 users see from AWS's request validation; the engine's
``constraint_messages`` holds the clauses, which the engine's own checks use too).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from engine.events.constraint_messages import NOT_NULL as NOT_NULL
from engine.events.constraint_messages import ConstraintViolation, quoted
from engine.events.constraint_messages import max_length as max_length
from engine.events.constraint_messages import min_length as min_length
from engine.events.constraint_messages import pattern as pattern
from engine.events.constraint_messages import validation_message as _joined


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


def refusals(*checks: Callable[[], object]) -> list[AwsError]:
    """What each check refuses, each run on its own: an operation's API raises the first, as AWS
    answers one error a call, while a browser form shows every one beside its field at once."""
    found: list[AwsError] = []
    for check in checks:
        try:
            check()
        except AwsError as exc:
            found.append(exc)
    return found


class SerializationError(AwsError):
    code = "SerializationException"


class UnknownOperationError(AwsError):
    code = "UnknownOperationException"


class ResourceNotFound(AwsError):
    code = "ResourceNotFoundException"


class ResourceAlreadyExists(AwsError):
    code = "ResourceAlreadyExistsException"


class InvalidToken(AwsError):
    """A NextToken this service did not issue (every List call), or Step Functions' task token."""

    code = "InvalidToken"


class LimitExceeded(AwsError):
    code = "LimitExceededException"


class RequestTooLarge(AwsError):
    """A body over the service's maximum request size, refused before it is read."""

    code = "RequestEntityTooLargeException"
    status = 413


class InternalFailure(AwsError):
    """A fault of the workbench's own, answered as AWS's JSON services answer one (HTTP 500)."""

    code = "InternalFailure"
    status = 500


class _Unshown:
    """AWS leaves the value out of a violation for some members (lists, long documents)."""


UNSHOWN = _Unshown()


@dataclass(frozen=True)
class _ValueLeftOut(ConstraintViolation):
    def describe(self) -> str:
        return f"Value at '{self.location}' failed to satisfy constraint: {self.constraint}"


def violation(location: str, constraint: str, value: object = UNSHOWN) -> ConstraintViolation:
    """One broken constraint: ``value`` is shown quoted (``null`` for None) unless UNSHOWN."""
    if isinstance(value, _Unshown):
        return _ValueLeftOut("", location, constraint)
    return ConstraintViolation(quoted(value), location, constraint)


def validation_message(violations: Iterable[ConstraintViolation]) -> str:
    """The message for all ``violations``: "1 validation error detected: ..." or "N ... errors ..."."""
    return _joined(list(violations))


def invalid(
    location: str, constraint: str, value: object = UNSHOWN, *, error: type[AwsError] = ValidationError
) -> AwsError:
    """The error for one broken constraint (IAM passes its own ``ValidationError`` class)."""
    return error(validation_message([violation(location, constraint, value)]))


def enum_value_set(values: Iterable[str]) -> str:
    return f"Member must satisfy enum value set: [{', '.join(values)}]"


def value_at_least(low: float) -> str:
    return f"Member must have value greater than or equal to {low:g}"


def value_at_most(high: float) -> str:
    return f"Member must have value less than or equal to {high:g}"


def value_between(low: float, high: float) -> str:
    return f"Member must have value between {low:g} and {high:g}"


def missing_parameter(name: str) -> AwsError:
    """AWS's wording for a required member that is absent (as botocore models it)."""
    return invalid(name, NOT_NULL, None)


def field_for(message: str, words_by_field: Mapping[str, str], default: str) -> str:
    """The form field a refusal is about: the first (in ``words_by_field``'s order) whose
    words the message carries (AWS's messages name the parameter), else ``default``. A browser
    form shows the error beside that field, what was typed kept."""
    for field, words in words_by_field.items():
        if words in message:
            return field
    return default
