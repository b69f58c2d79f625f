"""Checking a TestState mock's ``result`` against the API model of the service it stands for.

AWS's TestState page ("Mock validation modes", test-state-isolation) says a mocked result is
validated against the integrated service's API model, as ``mock.fieldValidationMode`` asks:

    STRICT (default)  every required field present, every field the model knows well-typed
    PRESENT           only the fields present are checked
    NONE              nothing is checked

Fields the model does not define are ignored in every mode, so ``{}`` passes STRICT for an API
with no required output field. The refusals are ValidationException with AWS's wording, as
LocalStack's AWS-validated snapshots record it (test_field_validation_mode*.snapshot.json):
``Mock result schema validation error: Field 'Entries' must be an array``, ``... must be a
string``, ``... must be a number``, ``... is not an expected value``, ``... is smaller than the
minimum length``, ``... is less than the minimum value``, ``... exceeds the maximum value`` and
``Required field 'ExecutionArn' is missing``. Not recorded, worded alike: ``must be a boolean``,
``must be an object``, ``must be an integer``, ``exceeds the maximum length``.

Which model applies: the optimized integrations in ``OUTPUT_SHAPES`` (``.sync`` start-execution
variants answer with the polled DescribeExecution, as the page's note on ``.sync`` says). No model
applies to what is not an AWS API response: a Lambda function ARN (the function's own result), an
activity or a ``.waitForTaskToken`` task (whatever SendTaskSuccess sends); the page says HTTP Task,
API Gateway, EKS Call and EKS RunJob mocks are not validated either. Any other resource has a model
at AWS that this workbench does not carry: STRICT and PRESENT refuse it, naming what can be checked.
"""

from __future__ import annotations

from collections.abc import Mapping

from engine.states.history import ACTIVITY, LAMBDA_FUNCTION, describe_resource
from engine.states.mock_shapes import SHAPES, Shape
from engine.states.model import JSON

__all__ = [
    "DEFAULT_MODE",
    "OUTPUT_SHAPES",
    "VALIDATION_MODES",
    "MockValidationError",
    "validate_mock_result",
]

VALIDATION_MODES = ("STRICT", "PRESENT", "NONE")
DEFAULT_MODE = "STRICT"
PREFIX = "Mock result schema validation error: "

OUTPUT_SHAPES: Mapping[tuple[str, str], str] = {
    ("lambda", "invoke"): "lambda.InvocationResponse",
    ("events", "putEvents"): "events.PutEventsResponse",
    ("sqs", "sendMessage"): "sqs.SendMessageResult",
    ("sns", "publish"): "sns.PublishResponse",
    ("states", "startExecution"): "states.StartExecutionOutput",
    ("states", "startExecution.sync"): "states.DescribeExecutionOutput",
    ("states", "startExecution.sync:2"): "states.DescribeExecutionOutput",
    ("dynamodb", "getItem"): "dynamodb.GetItemOutput",
    ("dynamodb", "putItem"): "dynamodb.PutItemOutput",
    ("dynamodb", "updateItem"): "dynamodb.UpdateItemOutput",
    ("dynamodb", "deleteItem"): "dynamodb.DeleteItemOutput",
}
"""(service, action) of ``arn:aws:states:::<service>:<action>`` -> the shape of its result."""

_NOT_VALIDATED_SERVICES = ("http", "apigateway", "eks")
"""HTTP Task, API Gateway and EKS integrations: AWS does not validate their mocks."""

_WAIT_FOR_TOKEN = ".waitForTaskToken"


class MockValidationError(Exception):
    """The mock does not fit the model (or none is available); ``message`` is AWS's text."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def validate_mock_result(resource: str, result: JSON, mode: str = DEFAULT_MODE) -> None:
    """Check a Task's mocked ``result`` for ``resource`` (its ``Resource`` ARN); raises
    MockValidationError. ``mode`` is one of VALIDATION_MODES."""
    if mode == "NONE":
        return
    info = describe_resource(resource)
    if info.kind in (LAMBDA_FUNCTION, ACTIVITY) or resource.endswith(_WAIT_FOR_TOKEN):
        return
    if info.resource_type in _NOT_VALIDATED_SERVICES:
        return
    shape_name = OUTPUT_SHAPES.get((info.resource_type, info.resource_name))
    if shape_name is None:
        raise MockValidationError(
            f"Mock result validation (fieldValidationMode {mode}) is not available in this workbench "
            f"for the resource '{resource}'. It knows the API models of: {_known_resources()}; set "
            "mock.fieldValidationMode to NONE to use this mock unchecked."
        )
    shape = SHAPES[shape_name]
    if shape.kind == "structure" and not isinstance(result, dict):
        raise MockValidationError("Mocked result must be a JSON object.")
    _check(result, shape, "", strict=mode == "STRICT")


def _known_resources() -> str:
    return ", ".join(f"arn:aws:states:::{service}:{action}" for service, action in OUTPUT_SHAPES)


def _check(value: JSON, shape: Shape, name: str, *, strict: bool) -> None:
    kind = shape.kind
    if kind == "any":
        return
    if kind == "structure":
        if not isinstance(value, dict):
            raise _wrong(name, "an object")
        if strict:
            missing = next((member for member in shape.required if member not in value), None)
            if missing is not None:
                raise MockValidationError(f"{PREFIX}Required field '{missing}' is missing")
        for member, member_value in value.items():
            member_shape = shape.members.get(member)
            if member_shape is not None:
                _check(member_value, SHAPES[member_shape], member, strict=strict)
        return
    if kind == "list":
        if not isinstance(value, list):
            raise _wrong(name, "an array")
        for element in value:
            _check(element, SHAPES[shape.element], name, strict=strict)
        return
    if kind == "map":
        if not isinstance(value, dict):
            raise _wrong(name, "an object")
        for element in value.values():
            _check(element, SHAPES[shape.element], name, strict=strict)
        return
    _check_scalar(value, shape, name)


def _check_scalar(value: JSON, shape: Shape, name: str) -> None:
    kind = shape.kind
    if kind in ("string", "timestamp", "blob"):
        if not isinstance(value, str):
            raise _wrong(name, "a string")
        if shape.enum and value not in shape.enum:
            raise MockValidationError(f"{PREFIX}Field '{name}' is not an expected value")
        if shape.low is not None and len(value) < shape.low:
            raise MockValidationError(f"{PREFIX}Field '{name}' is smaller than the minimum length")
        if shape.high is not None and len(value) > shape.high:
            raise MockValidationError(f"{PREFIX}Field '{name}' exceeds the maximum length")
        return
    if kind == "boolean":
        if not isinstance(value, bool):
            raise _wrong(name, "a boolean")
        return
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _wrong(name, "a number")
    if kind in ("integer", "long"):
        if isinstance(value, float) and not value.is_integer():
            raise _wrong(name, "an integer")
        if shape.low is not None and value < shape.low:
            raise MockValidationError(f"{PREFIX}Field '{name}' is less than the minimum value")
        if shape.high is not None and value > shape.high:
            raise MockValidationError(f"{PREFIX}Field '{name}' exceeds the maximum value")


def _wrong(name: str, expected: str) -> MockValidationError:
    return MockValidationError(f"{PREFIX}Field '{name}' must be {expected}")
