"""sns.services in-process: fan-out to queue and function subscriptions, the notification
envelope an SQS subscriber receives (sns-message-and-json-formats.html) or the raw message with
RawMessageDelivery (sns-large-payload-raw-message-delivery.html), and SNS's refusals."""

from __future__ import annotations

import json

import pytest

from workbench.accounts.services import default_workspace
from workbench.functions.models import Invocation
from workbench.functions.services import save_mock
from workbench.sns import services
from workbench.sns.errors import InvalidParameter, NotFound
from workbench.sns.models import Delivery
from workbench.sqs import services as sqs


@pytest.mark.django_db
def test_publish_fans_out_to_queues_and_functions() -> None:
    workspace = default_workspace()
    topic = services.create_topic(workspace, "orders")
    assert services.create_topic(workspace, "orders") == topic, "CreateTopic is idempotent"
    wrapped = sqs.create_queue(workspace, "wrapped")
    raw = sqs.create_queue(workspace, "raw")
    function = save_mock(workspace, "notify", [{"output": None}])
    services.subscribe(topic, "sqs", sqs.queue_arn(wrapped))
    services.subscribe(topic, "sqs", sqs.queue_arn(raw), {"RawMessageDelivery": "true"})
    subscription = services.subscribe(
        topic, "lambda", "arn:aws:lambda:us-east-1:123456789012:function:notify"
    )
    attributes = {"kind": {"DataType": "String", "StringValue": "big"}}

    published = services.publish(topic, "order o-1", subject="New order", message_attributes=attributes)

    [envelope] = sqs.receive_messages(wrapped)
    document = json.loads(envelope.message.body)
    assert document["Type"] == "Notification" and document["MessageId"] == published.message_id
    assert document["TopicArn"] == "arn:aws:sns:us-east-1:123456789012:orders"
    assert (document["Subject"], document["Message"]) == ("New order", "order o-1")
    assert document["MessageAttributes"] == {"kind": {"Type": "String", "Value": "big"}}
    [plain] = sqs.receive_messages(raw)
    assert plain.message.body == "order o-1" and plain.message.message_attributes == attributes
    [call] = Invocation.objects.filter(function=function)
    [record] = call.payload["Records"]
    assert record["EventSource"] == "aws:sns" and record["Sns"]["Message"] == "order o-1"
    assert record["EventSubscriptionArn"] == services.subscription_arn(subscription)
    assert Delivery.objects.filter(message_id=published.message_id, ok=True).count() == 3


@pytest.mark.django_db
def test_a_deleted_queue_is_recorded_not_fatal_and_bad_input_is_refused() -> None:
    workspace = default_workspace()
    topic = services.create_topic(workspace, "alerts")
    queue = sqs.create_queue(workspace, "gone")
    services.subscribe(topic, "sqs", sqs.queue_arn(queue))
    sqs.delete_queue(queue)
    published = services.publish(topic, "hello")
    [delivery] = Delivery.objects.filter(message_id=published.message_id)
    assert not delivery.ok and "does not exist" in delivery.detail
    with pytest.raises(InvalidParameter):
        services.publish(topic, "")
    with pytest.raises(InvalidParameter):
        services.subscribe(topic, "email", "someone@example.com")
    with pytest.raises(InvalidParameter):
        services.create_topic(workspace, "bad name")
    with pytest.raises(NotFound):
        services.topic_for_arn(workspace, "arn:aws:sns:us-east-1:123456789012:nope")
    with pytest.raises(InvalidParameter):
        services.publish(topic, '{"sqs": "x"}', message_structure="json")
    services.delete_topic(workspace, services.topic_arn(topic))
    with pytest.raises(NotFound):
        services.topic_for_arn(workspace, services.topic_arn(topic))
