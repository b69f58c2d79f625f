"""Topics: create, subscribe, publish (fan-out), unsubscribe, delete; check, then do.

Follows the Amazon SNS API reference (https://docs.aws.amazon.com/sns/latest/api/) and its
message formats: an SQS subscription receives the JSON envelope
(https://docs.aws.amazon.com/sns/latest/dg/sns-message-and-json-formats.html) unless
RawMessageDelivery is on, when it receives the message itself with its attributes as message
attributes (https://docs.aws.amazon.com/sns/latest/dg/sns-large-payload-raw-message-delivery.html);
a function subscription receives the ``Records[].Sns`` event Lambda gets from SNS.
A delivery that cannot be made (a queue since deleted) is recorded, as SNS logs it, and never
fails the publish.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from workbench.accounts.models import Workspace
from workbench.core.errors import AwsError
from workbench.core.ids import random_id
from workbench.functions import services as functions
from workbench.sns.errors import InvalidParameter, NotFound
from workbench.sns.models import Delivery, Subscription, Topic
from workbench.sqs import services as sqs

TOPIC_NAME = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
FIFO_TOPIC_NAME = re.compile(r"^[A-Za-z0-9_-]{1,251}\.fifo$")
PROTOCOLS = ("sqs", "lambda")
MAX_MESSAGE_BYTES = 262144


def topic_arn(topic: Topic) -> str:
    return f"arn:aws:sns:{topic.workspace.region}:{topic.workspace.account_id}:{topic.name}"


def subscription_arn(subscription: Subscription) -> str:
    return f"{topic_arn(subscription.topic)}:{subscription.subscription_id}"


def create_topic(
    workspace: Workspace,
    name: Any,
    attributes: dict[str, str] | None = None,
    tags: dict[str, str] | None = None,
) -> Topic:
    """CreateTopic is idempotent: the same name returns the existing topic."""
    if not isinstance(name, str) or not (TOPIC_NAME.match(name) or FIFO_TOPIC_NAME.match(name)):
        raise InvalidParameter("Invalid parameter: Topic Name")
    attributes = dict(attributes or {})
    if (attributes.get("FifoQueue", "false").lower() == "true") != name.endswith(".fifo") and (
        name.endswith(".fifo") or "FifoQueue" in attributes
    ):
        raise InvalidParameter(
            "Invalid parameter: Fifo Topic names must end with .fifo and must be made up of "
            "only uppercase and lowercase ASCII letters, numbers, underscores, and hyphens, "
            "and must be between 1 and 256 characters long."
        )
    topic, _ = Topic.objects.get_or_create(
        workspace=workspace, name=name, defaults={"attributes": attributes, "tags": dict(tags or {})}
    )
    return topic


def topic_for_arn(workspace: Workspace, arn: Any) -> Topic:
    if not isinstance(arn, str) or not arn.startswith("arn:"):
        raise InvalidParameter("Invalid parameter: TopicArn")
    parts = arn.split(":")
    if len(parts) != 6 or parts[2] != "sns":
        raise InvalidParameter("Invalid parameter: TopicArn")
    topic = (
        Topic.objects.filter(workspace=workspace, name=parts[5]).select_related("workspace").first()
        if parts[4] == workspace.account_id
        else None
    )
    if topic is None:
        raise NotFound("Topic does not exist")
    return topic


def list_topics(workspace: Workspace) -> list[Topic]:
    return list(Topic.objects.filter(workspace=workspace).select_related("workspace"))


def delete_topic(workspace: Workspace, arn: Any) -> None:
    """DeleteTopic: deleting a topic that does not exist succeeds, as on AWS."""
    try:
        topic_for_arn(workspace, arn)
    except NotFound:
        return
    Topic.objects.filter(workspace=workspace, name=str(arn).split(":")[5]).delete()


def subscribe(
    topic: Topic, protocol: Any, endpoint: Any, attributes: dict[str, str] | None = None
) -> Subscription:
    """Subscribe a queue or function ARN; the same endpoint twice is the same subscription."""
    if protocol not in PROTOCOLS:
        raise InvalidParameter(
            f"Invalid parameter: Amazon SNS does not support this protocol string: {protocol}"
        )
    service = "sqs" if protocol == "sqs" else "lambda"
    if not isinstance(endpoint, str) or not endpoint.startswith(f"arn:aws:{service}:"):
        raise InvalidParameter(f"Invalid parameter: {'SQS' if protocol == 'sqs' else 'Lambda'} endpoint ARN")
    attributes = {key: str(value) for key, value in (attributes or {}).items()}
    unknown = set(attributes) - {"RawMessageDelivery", "FilterPolicy", "FilterPolicyScope", "RedrivePolicy"}
    if unknown:
        raise InvalidParameter(
            f"Invalid parameter: Attributes Reason: Unknown attribute {sorted(unknown)[0]}"
        )
    if attributes.get("RawMessageDelivery", "false").lower() not in ("true", "false"):
        raise InvalidParameter("Invalid parameter: Attributes Reason: RawMessageDelivery: Invalid value")
    existing = Subscription.objects.filter(topic=topic, protocol=protocol, endpoint=endpoint).first()
    if existing is not None:
        return existing
    return Subscription.objects.create(
        topic=topic,
        subscription_id=str(uuid.uuid4()),
        protocol=protocol,
        endpoint=endpoint,
        attributes=attributes,
    )


def subscriptions_of(topic: Topic) -> list[Subscription]:
    return list(Subscription.objects.filter(topic=topic).select_related("topic__workspace"))


def unsubscribe(workspace: Workspace, arn: Any) -> None:
    parts = str(arn).split(":")
    if len(parts) != 7 or parts[2] != "sns":
        raise InvalidParameter("Invalid parameter: SubscriptionArn")
    found = Subscription.objects.filter(topic__workspace=workspace, subscription_id=parts[6]).first()
    if found is None:
        raise NotFound("Subscription does not exist")
    found.delete()


@dataclass(frozen=True)
class Published:
    message_id: str
    sequence_number: str = ""


def check_message(message: Any, subject: Any = None) -> str:
    if not isinstance(message, str) or message == "":
        raise InvalidParameter("Invalid parameter: Empty message")
    if len(message.encode("utf-8")) > MAX_MESSAGE_BYTES:
        raise InvalidParameter("Invalid parameter: Message too long")
    if subject is not None and (not isinstance(subject, str) or not subject or len(subject) > 100):
        raise InvalidParameter("Invalid parameter: Subject")
    return message


def publish(
    topic: Topic,
    message: Any,
    *,
    subject: str | None = None,
    message_attributes: dict[str, dict[str, Any]] | None = None,
    message_structure: str | None = None,
) -> Published:
    """Publish: hand the message to every subscription of the topic."""
    text = check_message(message, subject)
    if message_structure is not None:
        if message_structure != "json":
            raise InvalidParameter("Invalid parameter: MessageStructure")
        try:
            per_protocol = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InvalidParameter(
                "Invalid parameter: Message Structure - JSON message body failed to parse"
            ) from exc
        if not isinstance(per_protocol, dict) or "default" not in per_protocol:
            raise InvalidParameter(
                "Invalid parameter: Message Structure - No default entry in JSON message body"
            )
    else:
        per_protocol = {"default": text}
    attributes = sqs.check_message_attributes(message_attributes)
    message_id = random_id()
    for subscription in subscriptions_of(topic):
        body = str(per_protocol.get(subscription.protocol, per_protocol["default"]))
        ok, detail = _deliver(subscription, message_id, body, subject, attributes)
        Delivery.objects.create(subscription=subscription, message_id=message_id, ok=ok, detail=detail)
    return Published(message_id)


def _sns_attributes(attributes: dict[str, dict[str, Any]]) -> dict[str, dict[str, str]]:
    """Message attributes as the envelope shows them: ``{"Type": ..., "Value": ...}``."""
    return {
        name: {
            "Type": value["DataType"],
            "Value": str(value.get("StringValue", value.get("BinaryValue", ""))),
        }
        for name, value in attributes.items()
    }


def envelope(
    subscription: Subscription,
    message_id: str,
    body: str,
    subject: str | None,
    attributes: dict[str, dict[str, Any]],
) -> dict[str, Any]:
    """The notification document an SQS subscription receives (fields in AWS's order)."""
    document: dict[str, Any] = {
        "Type": "Notification",
        "MessageId": message_id,
        "TopicArn": topic_arn(subscription.topic),
    }
    if subject is not None:
        document["Subject"] = subject
    document.update(
        {
            "Message": body,
            "Timestamp": timezone.now().strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
            "SignatureVersion": "1",
            "Signature": "",
            "SigningCertURL": "",
            "UnsubscribeURL": "",
        }
    )
    if attributes:
        document["MessageAttributes"] = _sns_attributes(attributes)
    return document


def _deliver(
    subscription: Subscription,
    message_id: str,
    body: str,
    subject: str | None,
    attributes: dict[str, dict[str, Any]],
) -> tuple[bool, str]:
    workspace = subscription.topic.workspace
    notification = envelope(subscription, message_id, body, subject, attributes)
    try:
        if subscription.protocol == "sqs":
            queue = sqs.queue_for_arn(workspace, subscription.endpoint)
            if queue is None:
                return False, f"Queue {subscription.endpoint} does not exist"
            if subscription.raw:
                sent = sqs.send_message(queue, body, message_attributes=attributes or None)
            else:
                sent = sqs.send_message(queue, json.dumps(notification))
            return True, f"SQS message {sent.message_id}"
        event = {
            "Records": [
                {
                    "EventSource": "aws:sns",
                    "EventVersion": "1.0",
                    "EventSubscriptionArn": subscription_arn(subscription),
                    "Sns": {**notification, "MessageAttributes": _sns_attributes(attributes)},
                }
            ]
        }
        function = functions.resolve(workspace, subscription.endpoint)
        outcome = functions.invoke(function, event, caller=topic_arn(subscription.topic))
    except AwsError as exc:
        return False, f"{exc.code}: {exc.message}"
    if outcome.error is not None:
        return False, f"{outcome.error}: {outcome.cause}"
    return True, "invoked"
