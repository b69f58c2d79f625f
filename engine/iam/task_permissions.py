"""Which IAM permission a Task state's Resource needs from the execution role.

From the Step Functions Developer Guide pages on IAM policies for integrated services
("Lambda", "EventBridge", "Amazon SQS", "Amazon SNS" and "IAM policies for using Distributed
Map states"):

- a Lambda function ARN, or ``arn:aws:states:::lambda:invoke`` with ``FunctionName`` (a name,
  ``name:alias``, a partial ARN ``account:function:name`` or a full ARN, plus an optional
  ``Qualifier``): ``lambda:InvokeFunction`` on the function ARN, qualified when the call is;
- ``arn:aws:states:::events:putEvents``: ``events:PutEvents`` on each event bus the entries
  name (``EventBusName`` as a name or ARN; the default bus when an entry names none);
- ``arn:aws:states:::s3:getObject`` (ItemReader): ``s3:GetObject`` on ``arn:aws:s3:::bucket/key``;
  ``s3:listObjectsV2`` (ItemReader): ``s3:ListBucket`` on ``arn:aws:s3:::bucket``, with the
  ``s3:prefix`` condition key when a Prefix is given; ``s3:putObject`` (ResultWriter):
  ``s3:PutObject`` on the object written (``Key``, else ``<Prefix>/manifest.json``);
- ``arn:aws:states:::sqs:sendMessage`` / ``sns:publish`` (with or without
  ``.waitForTaskToken``): ``sqs:SendMessage`` on the queue's ARN (from QueueUrl),
  ``sns:Publish`` on TopicArn/TargetArn (``*`` for an SMS PhoneNumber);
- ``arn:aws:states:::states:startExecution`` ("Step Functions" page of the IAM policies for
  integrated services): ``states:StartExecution`` on the StateMachineArn; with ``.sync`` or
  ``.sync:2`` also ``states:DescribeExecution`` and ``states:StopExecution`` on its executions
  (``execution:<machine>:*``). The EventBridge managed rule AWS also needs for ``.sync`` has
  no workbench counterpart.

Any other resource needs nothing this module knows of: the empty tuple.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from engine.iam.evaluation import Request

_SUFFIXES = (".waitForTaskToken", ".sync:2", ".sync")
_LAMBDA_INVOKE = "arn:aws:states:::lambda:invoke"
_PUT_EVENTS = "arn:aws:states:::events:putEvents"
_S3_GET = "arn:aws:states:::s3:getObject"
_S3_LIST = "arn:aws:states:::s3:listObjectsV2"
_S3_PUT = "arn:aws:states:::s3:putObject"
_SQS_SEND = "arn:aws:states:::sqs:sendMessage"
_SNS_PUBLISH = "arn:aws:states:::sns:publish"
_START_EXECUTION = "arn:aws:states:::states:startExecution"
_RESULT_MANIFEST = "manifest.json"


Permission = Request
"""One IAM request the service makes with the role: action, resource ARN, condition keys."""


def required_permissions(resource: str, payload: Any, *, region: str, account: str) -> tuple[Permission, ...]:
    """What performing ``resource`` with ``payload`` (the resolved Parameters/Arguments) needs."""
    base = _without_pattern_suffix(resource)
    params: dict[str, Any] = payload if isinstance(payload, dict) else {}
    if base == _LAMBDA_INVOKE:
        function = lambda_function_arn(params.get("FunctionName"), params.get("Qualifier"), region, account)
        return (Permission("lambda:InvokeFunction", function),) if function else ()
    if base.startswith("arn:aws:lambda:"):
        return (Permission("lambda:InvokeFunction", base),)
    if base == _PUT_EVENTS:
        return tuple(Permission("events:PutEvents", arn) for arn in _event_bus_arns(params, region, account))
    if base in (_S3_GET, _S3_LIST, _S3_PUT):
        return _s3_permissions(base, params)
    if base == _SQS_SEND:
        queue = _queue_arn(params.get("QueueUrl"), region, account)
        return (Permission("sqs:SendMessage", queue),) if queue else ()
    if base == _SNS_PUBLISH:
        return (Permission("sns:Publish", _sns_target(params)),)
    if base == _START_EXECUTION:
        return _start_execution_permissions(
            params.get("StateMachineArn"), resource.endswith((".sync", ".sync:2"))
        )
    return ()


def _start_execution_permissions(machine: Any, waits: bool) -> tuple[Permission, ...]:
    if not isinstance(machine, str) or ":stateMachine:" not in machine:
        return ()
    start = Permission("states:StartExecution", machine)
    if not waits:
        return (start,)
    executions = machine.replace(":stateMachine:", ":execution:", 1) + ":*"
    return (
        start,
        Permission("states:DescribeExecution", executions),
        Permission("states:StopExecution", executions),
    )


def _without_pattern_suffix(resource: str) -> str:
    for suffix in _SUFFIXES:
        if resource.endswith(suffix):
            return resource[: -len(suffix)]
    return resource


def lambda_function_arn(function_name: Any, qualifier: Any, region: str, account: str) -> str | None:
    """The ARN Lambda authorizes for Invoke's FunctionName/Qualifier; None when unnamed."""
    if not isinstance(function_name, str) or not function_name:
        return None
    parts = function_name.split(":")
    if function_name.startswith("arn:"):
        arn = function_name
    elif len(parts) >= 3 and parts[1] == "function":  # partial ARN: account:function:name[:qualifier]
        arn = f"arn:aws:lambda:{region}:{function_name}"
    else:  # name or name:qualifier
        arn = f"arn:aws:lambda:{region}:{account}:function:{function_name}"
    qualified = arn.count(":") >= 7
    if isinstance(qualifier, str) and qualifier and not qualified:
        arn = f"{arn}:{qualifier}"
    return arn


def _event_bus_arns(params: dict[str, Any], region: str, account: str) -> list[str]:
    entries = params.get("Entries")
    buses = (
        [entry.get("EventBusName") for entry in entries if isinstance(entry, dict)]
        if isinstance(entries, list)
        else []
    )
    arns: list[str] = []
    for bus in buses or [None]:
        name = bus if isinstance(bus, str) and bus else "default"
        arn = name if name.startswith("arn:") else f"arn:aws:events:{region}:{account}:event-bus/{name}"
        if arn not in arns:
            arns.append(arn)
    return arns


def _s3_permissions(base: str, params: dict[str, Any]) -> tuple[Permission, ...]:
    bucket = params.get("Bucket")
    if not isinstance(bucket, str) or not bucket:
        return ()
    prefix = params.get("Prefix")
    if base == _S3_LIST:
        context = {"s3:prefix": prefix} if isinstance(prefix, str) else {}
        return (Permission("s3:ListBucket", f"arn:aws:s3:::{bucket}", context),)
    key = params.get("Key")
    if not isinstance(key, str) and base == _S3_PUT and isinstance(prefix, str):
        key = f"{prefix.rstrip('/')}/{_RESULT_MANIFEST}" if prefix else _RESULT_MANIFEST
    if not isinstance(key, str):
        return ()
    action = "s3:GetObject" if base == _S3_GET else "s3:PutObject"
    return (Permission(action, f"arn:aws:s3:::{bucket}/{key}"),)


def _queue_arn(queue_url: Any, region: str, account: str) -> str | None:
    """``https://sqs.<region>.amazonaws.com/<account>/<name>`` -> ``arn:aws:sqs:<region>:<account>:<name>``;
    a URL of another shape keeps its last path segment as the name in the workspace's region/account."""
    if not isinstance(queue_url, str):
        return None
    split = urlsplit(queue_url)
    segments = [s for s in split.path.split("/") if s]
    if not segments:
        return None
    host = (split.hostname or "").split(".")
    if len(host) >= 3 and host[0] == "sqs":
        region = host[1]
    if len(segments) >= 2 and segments[-2].isdigit() and len(segments[-2]) == 12:
        account = segments[-2]
    return f"arn:aws:sqs:{region}:{account}:{segments[-1]}"


def _sns_target(params: dict[str, Any]) -> str:
    for key in ("TopicArn", "TargetArn"):
        value = params.get(key)
        if isinstance(value, str) and value:
            return value
    return "*"
