"""Errors in AWS's shape, raised by services and rendered by the API and the browser alike.

The class name of each subclass is not what boto3 sees; ``code`` is. Services raise these so
that a fault found in a form and in an API call reads the same.
"""

from __future__ import annotations


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


def missing_parameter(name: str) -> ValidationError:
    """AWS's wording for a required member that is absent (as botocore models it)."""
    return ValidationError(
        f"1 validation error detected: Value null at '{name}' failed to satisfy constraint: "
        "Member must not be null"
    )
