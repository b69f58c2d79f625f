"""The permission each Task resource needs, per the Step Functions Developer Guide's pages on IAM
policies for integrated services (step-functions/latest/dg/lambda-iam.html, eventbridge-iam.html,
sqs-iam.html, sns-iam.html, stepfunctions-iam.html, iam-policies-eg-dist-map.html)."""

from __future__ import annotations

from typing import Any

import pytest

from engine.iam.task_permissions import Permission, lambda_function_arn, required_permissions

REGION = "us-east-1"
ACCOUNT = "123456789012"
FN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:my-function"


def needs(resource: str, payload: Any = None) -> tuple[Permission, ...]:
    return required_permissions(resource, payload, region=REGION, account=ACCOUNT)


@pytest.mark.parametrize(
    ("function_name", "qualifier", "arn"),
    [
        # The Lambda Invoke API's FunctionName forms: name, name:alias, partial ARN, full ARN.
        ("my-function", None, FN),
        ("my-function:v1", None, f"{FN}:v1"),
        ("my-function", "prod", f"{FN}:prod"),
        (f"{ACCOUNT}:function:my-function", None, FN),
        ("210987654321:function:other", None, f"arn:aws:lambda:{REGION}:210987654321:function:other"),
        (FN, None, FN),
        (f"{FN}:3", None, f"{FN}:3"),
        (f"{FN}:3", "ignored-when-qualified", f"{FN}:3"),
        ("arn:aws:lambda:eu-west-1:210987654321:function:far", None,
         "arn:aws:lambda:eu-west-1:210987654321:function:far"),
        ("", None, None),
        (None, None, None),
    ],
)  # fmt: skip
def test_lambda_function_name_forms(function_name: Any, qualifier: Any, arn: str | None) -> None:
    assert lambda_function_arn(function_name, qualifier, REGION, ACCOUNT) == arn


def test_lambda_invoke_integration_and_function_arn_resource() -> None:
    invoke = "arn:aws:states:::lambda:invoke"
    assert needs(invoke, {"FunctionName": "my-function", "Payload": {}}) == (
        Permission("lambda:InvokeFunction", FN),
    )
    assert needs(f"{invoke}.waitForTaskToken", {"FunctionName": FN}) == (
        Permission("lambda:InvokeFunction", FN),
    )
    assert needs(FN, {"any": "input"}) == (Permission("lambda:InvokeFunction", FN),)
    assert needs(invoke, {"Payload": {}}) == ()  # no FunctionName: the task fails on its own


def test_put_events_needs_each_named_bus_once_and_the_default_bus_when_unnamed() -> None:
    put = "arn:aws:states:::events:putEvents"
    default_bus = f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/default"
    orders_bus = f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/orders"
    far_bus = "arn:aws:events:eu-west-1:210987654321:event-bus/far"
    assert needs(put, {"Entries": [{"Detail": {}, "DetailType": "t", "Source": "s"}]}) == (
        Permission("events:PutEvents", default_bus),
    )
    entries = [{"EventBusName": "orders"}, {"EventBusName": far_bus}, {"EventBusName": "orders"}, {}]
    assert needs(put, {"Entries": entries}) == (
        Permission("events:PutEvents", orders_bus),
        Permission("events:PutEvents", far_bus),
        Permission("events:PutEvents", default_bus),
    )


def test_distributed_map_s3_reader_and_writer() -> None:
    assert needs("arn:aws:states:::s3:getObject", {"Bucket": "b", "Key": "in/items.json"}) == (
        Permission("s3:GetObject", "arn:aws:s3:::b/in/items.json"),
    )
    assert needs("arn:aws:states:::s3:listObjectsV2", {"Bucket": "b", "Prefix": "processData/"}) == (
        Permission("s3:ListBucket", "arn:aws:s3:::b", {"s3:prefix": "processData/"}),
    )
    assert needs("arn:aws:states:::s3:listObjectsV2", {"Bucket": "b"}) == (
        Permission("s3:ListBucket", "arn:aws:s3:::b"),
    )
    assert needs("arn:aws:states:::s3:putObject", {"Bucket": "b", "Key": "out/x.json"}) == (
        Permission("s3:PutObject", "arn:aws:s3:::b/out/x.json"),
    )
    assert needs("arn:aws:states:::s3:putObject", {"Bucket": "b", "Prefix": "results/"}) == (
        Permission("s3:PutObject", "arn:aws:s3:::b/results/manifest.json"),
    )
    assert needs("arn:aws:states:::s3:getObject", {"Key": "k"}) == ()


def test_sqs_and_sns_callbacks() -> None:
    url = f"https://sqs.eu-west-1.amazonaws.com/{ACCOUNT}/approvals"
    assert needs("arn:aws:states:::sqs:sendMessage.waitForTaskToken", {"QueueUrl": url}) == (
        Permission("sqs:SendMessage", f"arn:aws:sqs:eu-west-1:{ACCOUNT}:approvals"),
    )
    # A URL of another shape: the queue is named by its last path segment in the workspace.
    assert needs(
        "arn:aws:states:::sqs:sendMessage.waitForTaskToken", {"QueueUrl": "https://example.invalid/q"}
    ) == (Permission("sqs:SendMessage", f"arn:aws:sqs:{REGION}:{ACCOUNT}:q"),)
    topic = f"arn:aws:sns:{REGION}:{ACCOUNT}:alerts"
    assert needs("arn:aws:states:::sns:publish.waitForTaskToken", {"TopicArn": topic, "Message": {}}) == (
        Permission("sns:Publish", topic),
    )
    assert needs("arn:aws:states:::sns:publish", {"PhoneNumber": "+15555550100", "Message": "hi"}) == (
        Permission("sns:Publish", "*"),
    )


def test_start_execution_needs_start_and_with_sync_describe_and_stop() -> None:
    """connect-stepfunctions / stepfunctions-iam.html: StartExecution on the machine; .sync
    also DescribeExecution and StopExecution on its executions."""
    machine = f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:child"
    executions = f"arn:aws:states:{REGION}:{ACCOUNT}:execution:child:*"
    start = Permission("states:StartExecution", machine)
    base = "arn:aws:states:::states:startExecution"
    assert needs(base, {"StateMachineArn": machine}) == (start,)
    assert needs(base + ".waitForTaskToken", {"StateMachineArn": machine}) == (start,)
    for suffix in (".sync", ".sync:2"):
        assert needs(base + suffix, {"StateMachineArn": machine}) == (
            start,
            Permission("states:DescribeExecution", executions),
            Permission("states:StopExecution", executions),
        )
    assert needs(base, {}) == ()


def test_resources_without_a_known_permission_need_nothing() -> None:
    assert needs("arn:aws:states:::dynamodb:putItem", {"TableName": "t"}) == ()
    assert needs("arn:aws:states:us-east-1:123456789012:activity:a") == ()
