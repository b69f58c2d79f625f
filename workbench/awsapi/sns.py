"""Amazon SNS over the Query protocol, the protocol botocore's sns model declares.

boto3's ``client("sns")`` POSTs a form (``Action=Publish&Version=2010-03-31&...``) with no
X-Amz-Target, recognised by the service in the SigV4 credential scope
(``Credential=AKID/date/region/sns/aws4_request``); the plumbing is workbench/awsapi/query.py.
Answers are XML in SNS's namespace (``<PublishResponse><PublishResult><MessageId>``);
errors ``<ErrorResponse><Error><Type>Sender</Type><Code>NotFound</Code>...`` with SNS's status.
Maps travel as ``Attributes.entry.N.key/value`` and
``MessageAttributes.entry.N.Name/Value.DataType/Value.StringValue``.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

from workbench.accounts.models import Workspace
from workbench.awsapi.query import Params, QueryService, entries, text
from workbench.sns import services
from workbench.sns.errors import InvalidAction, InvalidParameter

PAGE = 100
service = QueryService("sns", "2010-03-31", "http://sns.amazonaws.com/doc/2010-03-31/", InvalidAction)
is_api_call = service.is_api_call
handle = service.handle


def _required(params: Params, name: str) -> str:
    if name not in params:
        raise InvalidParameter(f"Invalid parameter: {name}")
    return params[name]


def _message_attributes(params: Params) -> dict[str, dict[str, Any]]:
    attributes: dict[str, dict[str, Any]] = {}
    index = 1
    while f"MessageAttributes.entry.{index}.Name" in params:
        stem = f"MessageAttributes.entry.{index}.Value"
        attribute: dict[str, Any] = {"DataType": params.get(f"{stem}.DataType", "")}
        for field in ("StringValue", "BinaryValue"):
            if f"{stem}.{field}" in params:
                attribute[field] = params[f"{stem}.{field}"]
        attributes[params[f"MessageAttributes.entry.{index}.Name"]] = attribute
        index += 1
    return attributes


def _tags(params: Params) -> dict[str, str]:
    tags: dict[str, str] = {}
    index = 1
    while f"Tags.member.{index}.Key" in params:
        tags[params[f"Tags.member.{index}.Key"]] = params.get(f"Tags.member.{index}.Value", "")
        index += 1
    return tags


def _offset(params: Params) -> int:
    token = params.get("NextToken", "")
    if token and not token.isdigit():
        raise InvalidParameter("Invalid parameter: NextToken")
    return int(token or 0)


def _page(result: ET.Element, items: list[Any], offset: int) -> list[Any]:
    chosen = items[offset : offset + PAGE]
    if offset + PAGE < len(items):
        text(result, "NextToken", offset + PAGE)
    return chosen


@service.operation("CreateTopic")
def create_topic(workspace: Workspace, params: Params, result: ET.Element) -> None:
    topic = services.create_topic(
        workspace, _required(params, "Name"), entries(params, "Attributes", "key", "value"), _tags(params)
    )
    text(result, "TopicArn", services.topic_arn(topic))


@service.operation("ListTopics")
def list_topics(workspace: Workspace, params: Params, result: ET.Element) -> None:
    topics = ET.SubElement(result, "Topics")
    for topic in _page(result, services.list_topics(workspace), _offset(params)):
        text(ET.SubElement(topics, "member"), "TopicArn", services.topic_arn(topic))


@service.operation("GetTopicAttributes")
def get_topic_attributes(workspace: Workspace, params: Params, result: ET.Element) -> None:
    topic = services.topic_for_arn(workspace, _required(params, "TopicArn"))
    subscriptions = services.subscriptions_of(topic)
    values = {
        **topic.attributes,
        "TopicArn": services.topic_arn(topic),
        "Owner": workspace.account_id,
        "SubscriptionsConfirmed": str(len(subscriptions)),
        "SubscriptionsPending": "0",
        "SubscriptionsDeleted": "0",
    }
    attributes = ET.SubElement(result, "Attributes")
    for key, value in values.items():
        entry = ET.SubElement(attributes, "entry")
        text(entry, "key", key)
        text(entry, "value", value)


@service.operation("DeleteTopic")
def delete_topic(workspace: Workspace, params: Params, result: ET.Element) -> None:
    services.delete_topic(workspace, _required(params, "TopicArn"))


@service.operation("Subscribe")
def subscribe(workspace: Workspace, params: Params, result: ET.Element) -> None:
    topic = services.topic_for_arn(workspace, _required(params, "TopicArn"))
    subscription = services.subscribe(
        topic,
        _required(params, "Protocol"),
        params.get("Endpoint"),
        entries(params, "Attributes", "key", "value"),
    )
    text(result, "SubscriptionArn", services.subscription_arn(subscription))


@service.operation("Unsubscribe")
def unsubscribe(workspace: Workspace, params: Params, result: ET.Element) -> None:
    services.unsubscribe(workspace, _required(params, "SubscriptionArn"))


@service.operation("ListSubscriptionsByTopic")
def list_subscriptions_by_topic(workspace: Workspace, params: Params, result: ET.Element) -> None:
    topic = services.topic_for_arn(workspace, _required(params, "TopicArn"))
    members = ET.SubElement(result, "Subscriptions")
    for subscription in _page(result, services.subscriptions_of(topic), _offset(params)):
        member = ET.SubElement(members, "member")
        text(member, "SubscriptionArn", services.subscription_arn(subscription))
        text(member, "Owner", workspace.account_id)
        text(member, "Protocol", subscription.protocol)
        text(member, "Endpoint", subscription.endpoint)
        text(member, "TopicArn", services.topic_arn(topic))


@service.operation("Publish")
def publish(workspace: Workspace, params: Params, result: ET.Element) -> None:
    if "TopicArn" not in params and "TargetArn" not in params:
        raise InvalidParameter(
            "Invalid parameter: TopicArn or TargetArn Reason: no value for required parameter"
        )
    topic = services.topic_for_arn(workspace, params.get("TopicArn") or params.get("TargetArn"))
    published = services.publish(
        topic,
        params.get("Message"),
        subject=params.get("Subject"),
        message_attributes=_message_attributes(params),
        message_structure=params.get("MessageStructure"),
    )
    text(result, "MessageId", published.message_id)
