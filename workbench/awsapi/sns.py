"""Amazon SNS over the Query protocol, the protocol botocore's sns model declares.

boto3's ``client("sns")`` POSTs a form (``Action=Publish&Version=2010-03-31&...``) with no
X-Amz-Target, recognised by the service in the SigV4 credential scope
(``Credential=AKID/date/region/sns/aws4_request``), as workbench/awsapi/iam.py recognises IAM.
Answers are XML in SNS's namespace (``<PublishResponse><PublishResult><MessageId>``);
errors ``<ErrorResponse><Error><Type>Sender</Type><Code>NotFound</Code>...`` with SNS's status.
Maps travel as ``Attributes.entry.N.key/value`` and
``MessageAttributes.entry.N.Name/Value.DataType/Value.StringValue``.
"""

from __future__ import annotations

import logging
import re
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse

from workbench.accounts.models import Workspace
from workbench.accounts.services import workspace_for_access_key
from workbench.core.errors import AwsError
from workbench.sns import services
from workbench.sns.errors import InvalidAction, InvalidParameter

log = logging.getLogger(__name__)

VERSION = "2010-03-31"
NAMESPACE = "http://sns.amazonaws.com/doc/2010-03-31/"
_SCOPE = re.compile(r"Credential=([^/,\s]+)/[^/,\s]+/[^/,\s]+/([^/,\s]+)/aws4_request")
PAGE = 100

Params = dict[str, str]
Operation = Callable[[Workspace, Params, ET.Element], None]
_operations: dict[str, Operation] = {}


def _operation(name: str) -> Callable[[Operation], Operation]:
    def register(handler: Operation) -> Operation:
        _operations[name] = handler
        return handler

    return register


def is_api_call(request: HttpRequest) -> bool:
    """A POST signed for the ``sns`` service."""
    if request.method != "POST":
        return False
    match = _SCOPE.search(request.headers.get("Authorization", ""))
    return match is not None and match.group(2) == "sns"


def handle(request: HttpRequest) -> HttpResponse:
    params: Params = {key: request.POST.get(key, "") for key in request.POST}
    action = params.get("Action", "")
    request_id = str(uuid.uuid4())
    try:
        operation = _operations.get(action)
        if operation is None:
            raise InvalidAction(f"Could not find operation {action} for version {VERSION}")
        match = _SCOPE.search(request.headers.get("Authorization", ""))
        workspace = workspace_for_access_key(match.group(1) if match else None)
        root = ET.Element(f"{action}Response", xmlns=NAMESPACE)
        result = ET.SubElement(root, f"{action}Result")
        operation(workspace, params, result)
        if len(result) == 0:
            root.remove(result)
        _text(ET.SubElement(root, "ResponseMetadata"), "RequestId", request_id)
        return _xml(200, root, request_id)
    except AwsError as exc:
        return _error(exc.status, exc.code, exc.message, request_id)
    except Exception:
        log.exception("internal error in SNS %s", action)
        return _error(500, "InternalError", "An internal error occurred", request_id, fault="Receiver")


def _error(status: int, code: str, message: str, request_id: str, *, fault: str = "Sender") -> HttpResponse:
    root = ET.Element("ErrorResponse", xmlns=NAMESPACE)
    error = ET.SubElement(root, "Error")
    _text(error, "Type", fault)
    _text(error, "Code", code)
    _text(error, "Message", message)
    _text(root, "RequestId", request_id)
    return _xml(status, root, request_id)


def _xml(status: int, root: ET.Element, request_id: str) -> HttpResponse:
    body = b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="utf-8")
    response = HttpResponse(body, status=status, content_type="text/xml")
    response["x-amzn-RequestId"] = request_id
    return response


def _text(parent: ET.Element, tag: str, value: Any) -> ET.Element:
    element = ET.SubElement(parent, tag)
    element.text = str(value)
    return element


def _required(params: Params, name: str) -> str:
    if name not in params:
        raise InvalidParameter(f"Invalid parameter: {name}")
    return params[name]


def _entries(params: Params, prefix: str, key: str, value: str) -> dict[str, str]:
    """A map sent as ``<prefix>.entry.N.<key>`` / ``<prefix>.entry.N.<value>``."""
    found: dict[str, str] = {}
    index = 1
    while f"{prefix}.entry.{index}.{key}" in params:
        found[params[f"{prefix}.entry.{index}.{key}"]] = params.get(f"{prefix}.entry.{index}.{value}", "")
        index += 1
    return found


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
        _text(result, "NextToken", offset + PAGE)
    return chosen


@_operation("CreateTopic")
def create_topic(workspace: Workspace, params: Params, result: ET.Element) -> None:
    topic = services.create_topic(
        workspace, _required(params, "Name"), _entries(params, "Attributes", "key", "value"), _tags(params)
    )
    _text(result, "TopicArn", services.topic_arn(topic))


@_operation("ListTopics")
def list_topics(workspace: Workspace, params: Params, result: ET.Element) -> None:
    topics = ET.SubElement(result, "Topics")
    for topic in _page(result, services.list_topics(workspace), _offset(params)):
        _text(ET.SubElement(topics, "member"), "TopicArn", services.topic_arn(topic))


@_operation("GetTopicAttributes")
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
        _text(entry, "key", key)
        _text(entry, "value", value)


@_operation("DeleteTopic")
def delete_topic(workspace: Workspace, params: Params, result: ET.Element) -> None:
    services.delete_topic(workspace, _required(params, "TopicArn"))


@_operation("Subscribe")
def subscribe(workspace: Workspace, params: Params, result: ET.Element) -> None:
    topic = services.topic_for_arn(workspace, _required(params, "TopicArn"))
    subscription = services.subscribe(
        topic,
        _required(params, "Protocol"),
        params.get("Endpoint"),
        _entries(params, "Attributes", "key", "value"),
    )
    _text(result, "SubscriptionArn", services.subscription_arn(subscription))


@_operation("Unsubscribe")
def unsubscribe(workspace: Workspace, params: Params, result: ET.Element) -> None:
    services.unsubscribe(workspace, _required(params, "SubscriptionArn"))


@_operation("ListSubscriptionsByTopic")
def list_subscriptions_by_topic(workspace: Workspace, params: Params, result: ET.Element) -> None:
    topic = services.topic_for_arn(workspace, _required(params, "TopicArn"))
    members = ET.SubElement(result, "Subscriptions")
    for subscription in _page(result, services.subscriptions_of(topic), _offset(params)):
        member = ET.SubElement(members, "member")
        _text(member, "SubscriptionArn", services.subscription_arn(subscription))
        _text(member, "Owner", workspace.account_id)
        _text(member, "Protocol", subscription.protocol)
        _text(member, "Endpoint", subscription.endpoint)
        _text(member, "TopicArn", services.topic_arn(topic))


@_operation("Publish")
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
    _text(result, "MessageId", published.message_id)
