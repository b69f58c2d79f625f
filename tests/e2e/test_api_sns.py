"""SNS through boto3 (the Query protocol) against the served workbench: topics,
subscriptions, publish fan-out into SQS queues, SNS's errors, and sns:publish as a Step
Functions task with a task token (connect-sns.html)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import wait_for

pytestmark = pytest.mark.live
ROLE = "arn:aws:iam::123456789012:role/unit"


def test_topics_subscriptions_and_publish(aws: Any) -> None:
    sns, sqs = aws("sns"), aws("sqs")
    topic = sns.create_topic(Name="orders")["TopicArn"]
    assert topic == "arn:aws:sns:us-east-1:123456789012:orders"
    assert sns.create_topic(Name="orders")["TopicArn"] == topic
    assert [t["TopicArn"] for t in sns.list_topics()["Topics"]] == [topic]
    url = sqs.create_queue(QueueName="inbox")["QueueUrl"]
    queue_arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    raw_url = sqs.create_queue(QueueName="raw")["QueueUrl"]
    subscription = sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn)["SubscriptionArn"]
    sns.subscribe(
        TopicArn=topic,
        Protocol="sqs",
        Endpoint=queue_arn.replace(":inbox", ":raw"),
        Attributes={"RawMessageDelivery": "true"},
    )
    listed = sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
    assert {(s["Protocol"], s["Endpoint"]) for s in listed} == {
        ("sqs", queue_arn),
        ("sqs", queue_arn.replace(":inbox", ":raw")),
    }
    assert subscription.startswith(topic + ":")

    message_id = sns.publish(
        TopicArn=topic,
        Message="hello",
        Subject="greeting",
        MessageAttributes={"lang": {"DataType": "String", "StringValue": "en"}},
    )["MessageId"]
    [wrapped] = sqs.receive_message(QueueUrl=url)["Messages"]
    document = json.loads(wrapped["Body"])
    assert (document["Type"], document["MessageId"], document["Message"]) == (
        "Notification",
        message_id,
        "hello",
    )
    assert document["Subject"] == "greeting" and document["TopicArn"] == topic
    [raw] = sqs.receive_message(QueueUrl=raw_url, MessageAttributeNames=["All"])["Messages"]
    assert raw["Body"] == "hello" and raw["MessageAttributes"]["lang"]["StringValue"] == "en"

    sns.unsubscribe(SubscriptionArn=subscription)
    assert len(sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]) == 1
    sns.delete_topic(TopicArn=topic)
    assert sns.list_topics()["Topics"] == []
    with pytest.raises(sns.exceptions.NotFoundException):
        sns.publish(TopicArn=topic, Message="late")
    with pytest.raises(sns.exceptions.InvalidParameterException):
        sns.create_topic(Name="no spaces")


def test_sns_publish_task_carries_the_token_to_a_subscribed_queue(aws: Any) -> None:
    sns, sqs, sfn = aws("sns"), aws("sqs"), aws("stepfunctions")
    topic = sns.create_topic(Name="approvals")["TopicArn"]
    url = sqs.create_queue(QueueName="approvers")["QueueUrl"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint="arn:aws:sqs:us-east-1:123456789012:approvers")
    definition = {
        "StartAt": "Ask",
        "States": {
            "Ask": {
                "Type": "Task",
                "Resource": "arn:aws:states:::sns:publish.waitForTaskToken",
                "Parameters": {
                    "TopicArn": topic,
                    "Message": {"order.$": "$.order", "token.$": "$$.Task.Token"},
                },
                "Next": "Tell",
            },
            "Tell": {
                "Type": "Task",
                "Resource": "arn:aws:states:::sns:publish",
                "Parameters": {"TopicArn": topic, "Message": "decided"},
                "End": True,
            },
        },
    }
    machine = sfn.create_state_machine(name="ask", definition=json.dumps(definition), roleArn=ROLE)
    run = sfn.start_execution(stateMachineArn=machine["stateMachineArn"], input='{"order": "o-9"}')
    [message] = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=20)["Messages"]
    asked = json.loads(json.loads(message["Body"])["Message"])
    assert asked["order"] == "o-9"
    sfn.send_task_success(taskToken=asked["token"], output='{"ok": true}')

    def finished() -> dict[str, Any] | None:
        described = sfn.describe_execution(executionArn=run["executionArn"])
        return described if described["status"] != "RUNNING" else None

    done = wait_for(finished)
    assert done["status"] == "SUCCEEDED"
    assert set(json.loads(done["output"])) >= {"MessageId", "SdkHttpMetadata", "SdkResponseMetadata"}

    missing = {
        "StartAt": "P",
        "States": {
            "P": {
                "Type": "Task",
                "Resource": "arn:aws:states:::sns:publish",
                "Parameters": {"TopicArn": topic + "-nope", "Message": "x"},
                "End": True,
            }
        },
    }
    machine = sfn.create_state_machine(name="missing-topic", definition=json.dumps(missing), roleArn=ROLE)
    run = sfn.start_execution(stateMachineArn=machine["stateMachineArn"], input="{}")
    done = wait_for(finished)
    assert done["status"] == "FAILED" and done["error"] == "SNS.NotFoundException"
