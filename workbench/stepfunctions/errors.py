"""Step Functions' error codes, in AWS's shape (the errors of each operation in the AWS Step
Functions API Reference, e.g. StartExecution: ExecutionAlreadyExists, InvalidExecutionInput...).

Raise the class instead of writing its code by hand: ``raise ExecutionAlreadyExists(message)``.
"""

from __future__ import annotations

from workbench.core.errors import AwsError


class InvalidName(AwsError):
    code = "InvalidName"


class InvalidArn(AwsError):
    code = "InvalidArn"


class InvalidDefinition(AwsError):
    code = "InvalidDefinition"


class InvalidExecutionInput(AwsError):
    code = "InvalidExecutionInput"


class InvalidOutput(AwsError):
    code = "InvalidOutput"


class TaskTimedOut(AwsError):
    code = "TaskTimedOut"


class MissingRequiredParameter(AwsError):
    code = "MissingRequiredParameter"


class StateMachineDoesNotExist(AwsError):
    code = "StateMachineDoesNotExist"


class StateMachineAlreadyExists(AwsError):
    code = "StateMachineAlreadyExists"


class StateMachineTypeNotSupported(AwsError):
    code = "StateMachineTypeNotSupported"


class ExecutionDoesNotExist(AwsError):
    code = "ExecutionDoesNotExist"


class ExecutionAlreadyExists(AwsError):
    code = "ExecutionAlreadyExists"


class ResourceNotFound(AwsError):
    """Step Functions spells it without the ``Exception`` suffix (DescribeMapRun, tags)."""

    code = "ResourceNotFound"


class ConflictException(AwsError):
    """Versions and aliases: a revision that moved, an alias that differs, a routed version."""

    code = "ConflictException"


class ServiceQuotaExceeded(AwsError):
    code = "ServiceQuotaExceededException"


class ActivityDoesNotExist(AwsError):
    code = "ActivityDoesNotExist"


class ActivityAlreadyExists(AwsError):
    code = "ActivityAlreadyExists"


class TooManyTags(AwsError):
    code = "TooManyTags"
