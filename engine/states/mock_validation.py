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

Which model applies: the optimized integrations in ``OUTPUT_SHAPES``, whose results Step Functions
shapes itself (lambda:invoke's JSON Payload; ``.sync`` start-execution variants answer with the
polled DescribeExecution, as the page's note on ``.sync`` says). Every other resource's model is
the caller's (``model``): the engine holds no copy of AWS's two hundred service models, the shell
converts them (``workbench.stepfunctions.api_models``). No model applies to what is not an AWS API
response: a Lambda function ARN (the function's own result), an activity or a
``.waitForTaskToken`` task (whatever SendTaskSuccess sends); the page says HTTP Task, API Gateway,
EKS Call and EKS RunJob mocks are not validated either. A resource with no model anywhere (an
unknown service or action) is refused in STRICT and PRESENT with the words AWS's definition
validator uses for an unrecognized resource.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from engine.states.history import ACTIVITY, LAMBDA_FUNCTION, describe_resource
from engine.states.mock_shapes import SHAPES, Shape
from engine.states.model import JSON

__all__ = [
    "DEFAULT_MODE",
    "OUTPUT_SHAPES",
    "VALIDATION_MODES",
    "ApiModel",
    "MockValidationError",
    "needs_api_model",
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

ApiModel = tuple[Mapping[str, Shape], str]
"""A caller's model of one API result: its shape table and the name of the result's shape in it."""


class MockValidationError(Exception):
    """The mock does not fit the model (or none is available); ``message`` is AWS's text."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def needs_api_model(resource: str, mode: str = DEFAULT_MODE) -> bool:
    """Whether checking a mock for ``resource`` in ``mode`` takes a model from the caller: the
    result is an API response and the engine carries no shape for it. Lets the caller skip
    loading a model nobody reads."""
    if mode == "NONE" or not _is_api_response(resource):
        return False
    info = describe_resource(resource)
    return (info.resource_type, info.resource_name) not in OUTPUT_SHAPES


def validate_mock_result(
    resource: str, result: JSON, mode: str = DEFAULT_MODE, model: ApiModel | None = None
) -> None:
    """Check a Task's mocked ``result`` for ``resource`` (its ``Resource`` ARN); raises
    MockValidationError. ``mode`` is one of VALIDATION_MODES; ``model`` is the caller's model of
    the result, used where the engine has none of its own (see ``needs_api_model``)."""
    if mode == "NONE" or not _is_api_response(resource):
        return
    info = describe_resource(resource)
    shape_name = OUTPUT_SHAPES.get((info.resource_type, info.resource_name))
    if shape_name is not None:
        shapes, root = SHAPES, shape_name
    elif model is not None:
        shapes, root = model
    else:
        raise MockValidationError(
            f"The resource provided {resource} is not recognized. The value is not a valid resource ARN, "
            "or the resource is not available in this region. No API model is known for it to check the "
            "mocked result against; set mock.fieldValidationMode to NONE to use this mock unchecked."
        )
    shape = shapes[root]
    if shape.kind == "structure" and not isinstance(result, dict):
        raise MockValidationError("Mocked result must be a JSON object.")
    _Checker(shapes, strict=mode == "STRICT").check(result, shape, "")


def _is_api_response(resource: str) -> bool:
    """A function's own result, a callback's or an activity's output, and the integrations AWS
    does not validate (HTTP Task, API Gateway, EKS) are no checked API response."""
    info = describe_resource(resource)
    if info.kind in (LAMBDA_FUNCTION, ACTIVITY) or resource.endswith(_WAIT_FOR_TOKEN):
        return False
    return info.resource_type not in _NOT_VALIDATED_SERVICES


class _Checker:
    """Walks a value along its shape; ``shapes`` resolves the names a shape refers to."""

    def __init__(self, shapes: Mapping[str, Shape], *, strict: bool) -> None:
        self.shapes = shapes
        self.strict = strict

    def check(self, value: JSON, shape: Shape, name: str) -> None:
        kind = shape.kind
        if kind == "any":
            return
        if kind == "structure":
            self._structure(value, shape, name)
            return
        items: Iterable[JSON]
        if kind == "list":
            if not isinstance(value, list):
                raise _wrong(name, "an array")
            items = value
        elif kind == "map":
            if not isinstance(value, dict):
                raise _wrong(name, "an object")
            items = value.values()
        else:
            _check_scalar(value, shape, name)
            return
        element = self.shapes[shape.element]
        for item in items:
            self.check(item, element, name)

    def _structure(self, value: JSON, shape: Shape, name: str) -> None:
        if not isinstance(value, dict):
            raise _wrong(name, "an object")
        if self.strict:
            missing = next((member for member in shape.required if member not in value), None)
            if missing is not None:
                raise MockValidationError(f"{PREFIX}Required field '{missing}' is missing")
        for member, member_value in value.items():
            member_shape = shape.members.get(member)
            if member_shape is not None:
                self.check(member_value, self.shapes[member_shape], member)


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
