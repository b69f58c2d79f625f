"""The AWS API models TestState checks a mocked Task result against, read from botocore.

AWS validates a mock's ``result`` against "the integrated service's API model" (TestState page,
test-state-isolation, "Mock validation modes"). The engine keeps shapes only for the integrations
whose results Step Functions reshapes itself (``engine.states.mock_validation.OUTPUT_SHAPES``);
every other resource's model is botocore's ``service-2`` model of that service, converted here
into the engine's ``Shape`` table form. Kept out of the engine because the engine reads no files.

How a ``Resource`` names its API:

- ``arn:aws:states:::aws-sdk:<service>:<action>``: ``<service>`` is the AWS SDK for Java's name of
  the service (the "AWS SDK service integrations" page lists them: ``sfn``, ``cloudwatchlogs``,
  ``eventbridge``, ``costexplorer``...), which is botocore's ``serviceId`` lower-cased without
  spaces and a trailing " Service"; ``<action>`` is the operation in camelCase.
- ``arn:aws:states:::<service>:<action>``: an optimized integration ("Optimized integrations for
  Step Functions"); its service names are mostly botocore's (``states`` and ``elasticmapreduce``
  are not). Amazon EMR's optimized actions wrap the EMR API with answers of their own
  (connect-emr page), modelled below from the EMR shapes they carry.

Member names are written as Step Functions returns them: first letter upper-cased
(``taskArn`` -> ``TaskArn``), as AWS's recorded ECS and S3 answers show (LocalStack's AWS snapshots
test_ecs_task_service.snapshot.json, test_field_validation_mode.snapshot.json).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache

import botocore.session
from botocore.exceptions import UnknownServiceError
from botocore.model import (
    ListShape,
    MapShape,
    OperationNotFoundError,
    ServiceModel,
    StringShape,
    StructureShape,
)
from botocore.model import Shape as BotoShape

from engine.states.history import SERVICE, describe_resource
from engine.states.mock_shapes import Shape
from engine.states.mock_validation import ApiModel

__all__ = ["ANY", "botocore_service", "output_model", "sfn_member_name"]

AWS_SDK = "aws-sdk:"
_SYNC, _SYNC_2 = "sync", "sync:2"

ANY: ApiModel = ({"any": Shape("any")}, "any")
"""The model of a result whose shape this workbench does not know: every JSON value passes."""

_SDK_NAMES: Mapping[str, str] = {
    "applicationdiscovery": "discovery",
    "cloudwatchlogs": "logs",
    "cognitoidentityprovider": "cognito-idp",
    "costandusagereport": "cur",
    "costexplorer": "ce",
    "databasemigration": "dms",
    "directory": "ds",
    "directoryservicedata": "ds-data",
    "elasticloadbalancing": "elb",
    "elasticloadbalancingv2": "elbv2",
    "elasticsearch": "es",
    "eventbridge": "events",
    "iotdataplane": "iot-data",
    "iotjobsdataplane": "iot-jobs-data",
    "lexmodelbuilding": "lex-models",
    "lexmodelsv2": "lexv2-models",
    "lexruntimev2": "lexv2-runtime",
    "marketplacemetering": "meteringmarketplace",
    "migrationhub": "mgh",
    "serverlessapplicationrepository": "serverlessrepo",
    "sfn": "stepfunctions",
    "simpledb": "sdb",
}
"""aws-sdk service names that are not botocore's name without its hyphens (derived from each
service's ``serviceId``; tests/workbench/stepfunctions/test_mock_validation_models.py checks the
whole catalogue)."""

_OPTIMIZED: Mapping[str, str] = {
    "athena": "athena",
    "batch": "batch",
    "bedrock": "bedrock",
    "codebuild": "codebuild",
    "databrew": "databrew",
    "dynamodb": "dynamodb",
    "ecs": "ecs",
    "elasticmapreduce": "emr",
    "emr-containers": "emr-containers",
    "emr-serverless": "emr-serverless",
    "events": "events",
    "glue": "glue",
    "lambda": "lambda",
    "mediaconvert": "mediaconvert",
    "sagemaker": "sagemaker",
    "sns": "sns",
    "sqs": "sqs",
    "states": "stepfunctions",
}
"""Optimized integrations ("Optimized integrations for Step Functions") -> botocore service. API
Gateway, EKS and HTTP Task mocks are not validated (the engine never asks for them)."""

_OPERATIONS: Mapping[tuple[str, str], tuple[str, str]] = {
    ("bedrock", "invokeModel"): ("bedrock-runtime", "InvokeModel"),
}
"""Optimized actions served by another botocore service than the integration's name says."""

_ANY_MEMBERS: Mapping[tuple[str, str], tuple[str, ...]] = {
    ("bedrock", "invokeModel"): ("Body",),
}
"""Members the integration hands back as parsed JSON where the API model has a blob."""

_EMR_ANSWERS: Mapping[str, Mapping[str, str]] = {
    "createCluster": {"ClusterId": "XmlStringMaxLen256"},
    "addStep": {"StepId": "XmlStringMaxLen256"},
    "cancelStep": {"CancelStepsInfo": "CancelStepsInfo"},
    "setClusterTerminationProtection": {},
    "terminateCluster": {},
    "modifyInstanceFleetByName": {},
    "modifyInstanceGroupByName": {},
}
"""Amazon EMR's optimized actions and the members of their answers, named by EMR model shapes
(connect-emr page: createCluster answers ``{"ClusterId"}`` where RunJobFlow has JobFlowId, addStep
``{"StepId"}``, cancelStep ``{"CancelStepsInfo"}``; the others wrap APIs that answer nothing).
The page says each ``.sync`` variant is "the same as" its request-response action."""

_SYNC_RESULTS: Mapping[tuple[str, str], str] = {
    ("ecs", "runTask"): "Task",
}
"""``.sync`` actions whose result is one shape of the polled service: ecs:runTask.sync answers with
the task as DescribeTasks describes it (LocalStack's AWS snapshot test_ecs_task_service.snapshot
.json, test_run_task_sync). The result of other ``.sync`` variants is not recorded: ``ANY``."""


def output_model(resource: str) -> ApiModel | None:
    """The model of ``resource``'s result (a Task ``Resource`` ARN); None when no API model is
    known for it (an unknown service or action)."""
    info = describe_resource(resource)
    if info.kind != SERVICE:
        return None
    return _model(info.resource_type, info.resource_name)


def botocore_service(sdk_name: str) -> str | None:
    """botocore's name of the service an ``aws-sdk:<sdk_name>`` integration calls, or None."""
    if sdk_name in _SDK_NAMES:
        return _SDK_NAMES[sdk_name]
    renamed = set(_SDK_NAMES.values())
    found = [
        name for name in _available_services() if name not in renamed and name.replace("-", "") == sdk_name
    ]
    return found[0] if len(found) == 1 else None


def sfn_member_name(member: str) -> str:
    """A member name as Step Functions returns it (first letter upper-cased)."""
    return member[:1].upper() + member[1:]


@lru_cache(maxsize=512)
def _model(service: str, action: str) -> ApiModel | None:
    """The converted model of one (service, action), cached: converting walks the shape graph."""
    base, _, pattern = action.partition(".")
    if not base[:1].islower():
        return None  # actions are camelCase ("AWS SDK service integrations" page)
    if service.startswith(AWS_SDK):
        boto_name = botocore_service(service[len(AWS_SDK) :])
        if boto_name is None or pattern:
            return None  # AWS SDK integrations have no .sync pattern
        return _operation_model(boto_name, sfn_member_name(base))
    if pattern not in ("", _SYNC, _SYNC_2):
        return None
    if service == "elasticmapreduce":
        return _emr_model(base)
    if (service, base) in _OPERATIONS:
        boto_name, operation = _OPERATIONS[service, base]
    elif service in _OPTIMIZED:
        boto_name, operation = _OPTIMIZED[service], sfn_member_name(base)
    else:
        return None
    model = _operation_model(boto_name, operation, _ANY_MEMBERS.get((service, base), ()))
    if model is None or not pattern:
        return model
    polled = _SYNC_RESULTS.get((service, base))
    return _shape_model(boto_name, polled) if polled else ANY


def _operation_model(boto_name: str, operation: str, any_members: tuple[str, ...] = ()) -> ApiModel | None:
    service_model = _service_model(boto_name)
    if service_model is None:
        return None
    try:
        output = service_model.operation_model(operation).output_shape
    except OperationNotFoundError:
        return None
    if output is None:
        # An operation that answers nothing: Step Functions returns an empty object.
        root = f"{boto_name}.{operation}Output"
        return {root: Shape("structure")}, root
    shapes, root = _shape_model(boto_name, output.name)
    if any_members:
        shapes = _with_any_members(shapes, root, any_members)
    return shapes, root


def _emr_model(action: str) -> ApiModel | None:
    members = _EMR_ANSWERS.get(action)
    service_model = _service_model("emr")
    if members is None or service_model is None:
        return None
    shapes: dict[str, Shape] = {}
    for shape_name in members.values():
        shapes.update(_convert(service_model, shape_name))
    root = f"emr.StepFunctions.{action}"
    shapes[root] = Shape("structure", members={member: f"emr.{name}" for member, name in members.items()})
    return shapes, root


def _with_any_members(shapes: Mapping[str, Shape], root: str, members: tuple[str, ...]) -> dict[str, Shape]:
    table = dict(shapes)
    top = table[root]
    table["any"] = Shape("any")
    table[root] = Shape(
        "structure",
        members={name: "any" if name in members else target for name, target in top.members.items()},
        required=top.required,
    )
    return table


def _shape_model(boto_name: str, shape_name: str) -> ApiModel:
    service_model = _service_model(boto_name)
    assert service_model is not None, boto_name
    return _convert(service_model, shape_name), f"{service_model.service_name}.{shape_name}"


def _convert(service_model: ServiceModel, root: str) -> dict[str, Shape]:
    """The shape ``root`` of ``service_model`` and every shape it reaches, keyed
    ``<service>.<ShapeName>`` like engine.states.mock_shapes."""
    prefix = service_model.service_name
    table: dict[str, Shape] = {}
    pending = [service_model.shape_for(root)]
    while pending:
        shape = pending.pop()
        key = f"{prefix}.{shape.name}"
        if key in table:
            continue
        converted, reached = _convert_one(shape, prefix)
        table[key] = converted
        pending.extend(reached)
    return table


def _convert_one(shape: BotoShape, prefix: str) -> tuple[Shape, list[BotoShape]]:
    metadata = shape.metadata
    if isinstance(shape, StructureShape):
        if metadata.get("document") or shape.serialization.get("eventstream"):
            return Shape("any"), []
        members = {sfn_member_name(name): f"{prefix}.{member.name}" for name, member in shape.members.items()}
        required = tuple(sfn_member_name(name) for name in shape.required_members)
        return Shape("structure", members=members, required=required), list(shape.members.values())
    if isinstance(shape, ListShape):
        return Shape("list", element=f"{prefix}.{shape.member.name}"), [shape.member]
    if isinstance(shape, MapShape):
        return Shape("map", element=f"{prefix}.{shape.value.name}"), [shape.value]
    kind = shape.type_name
    low, high = _bound(metadata.get("min")), _bound(metadata.get("max"))
    if isinstance(shape, StringShape):
        return Shape("string", enum=tuple(shape.enum), low=low, high=high), []
    if kind in ("blob", "integer", "long"):
        return Shape(kind, low=low, high=high), []
    if kind in ("timestamp", "float", "double", "boolean"):
        return Shape(kind), []
    return Shape("any"), []


def _bound(value: object) -> int | None:
    """botocore's min/max as the engine's whole-number bound (None where there is none)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return int(value) if float(value).is_integer() else None


@lru_cache(maxsize=64)
def _service_model(boto_name: str) -> ServiceModel | None:
    try:
        return _session().get_service_model(boto_name)
    except UnknownServiceError:
        return None


@lru_cache(maxsize=1)
def _available_services() -> tuple[str, ...]:
    return tuple(_session().get_available_services())


@lru_cache(maxsize=1)
def _session() -> botocore.session.Session:
    return botocore.session.get_session()
