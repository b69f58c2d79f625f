"""IAM's error codes, in AWS's shape; the Query API renders them as ``<ErrorResponse>`` XML."""

from __future__ import annotations

from workbench.core.errors import AwsError


class NoSuchEntity(AwsError):
    code = "NoSuchEntity"
    status = 404


class EntityAlreadyExists(AwsError):
    code = "EntityAlreadyExists"
    status = 409


class DeleteConflict(AwsError):
    code = "DeleteConflict"
    status = 409


class MalformedPolicyDocument(AwsError):
    code = "MalformedPolicyDocument"
    status = 400


class IamLimitExceeded(AwsError):
    code = "LimitExceeded"
    status = 409


class IamValidationError(AwsError):
    """IAM calls it ``ValidationError``, not the JSON services' ``ValidationException``."""

    code = "ValidationError"
    status = 400


class InvalidAction(AwsError):
    """The Query API's answer to an Action it does not know."""

    code = "InvalidAction"
    status = 400
