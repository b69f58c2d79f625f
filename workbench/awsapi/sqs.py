"""Amazon SQS at the server root, in the protocol current boto3 speaks.

botocore's sqs model (metadata ``protocol: json``, ``jsonVersion: 1.0``,
``targetPrefix: AmazonSQS``, ``awsQueryCompatible``) POSTs ``X-Amz-Target: AmazonSQS.<Op>``
with ``application/x-amz-json-1.0``. Errors carry both the JSON ``__type`` and the header
``x-amzn-query-error: <Query code>;Sender`` that botocore turns into the error code it raises
(https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-json-faqs.html).
Queue URLs are ``<the endpoint the client used>/<account>/<queue>``. Handled here rather than by
the shared JSON dispatcher because SQS needs the request's host (queue URLs) and its own error
header; the body is read, bounded and checked against botocore's sqs model by the dispatcher's
own steps (workbench.awsapi.protocol, workbench.awsapi.validation), so nothing a client sends
answers 500.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse

from workbench.accounts.models import Workspace
from workbench.accounts.services import workspace_for_access_key
from workbench.awsapi import protocol
from workbench.awsapi.validation import validate
from workbench.core.errors import AwsError, UnknownOperationError, ValidationError
from workbench.core.ids import random_id
from workbench.sqs import md5, services
from workbench.sqs.errors import (
    BatchEntryIdsNotDistinct,
    EmptyBatchRequest,
    InvalidBatchEntryId,
    InvalidParameterValue,
    MissingParameter,
    QueueDoesNotExist,
    SqsError,
    TooManyEntriesInBatchRequest,
)
from workbench.sqs.models import Message, Queue

log = logging.getLogger(__name__)

TARGET_PREFIX = "AmazonSQS."
CONTENT_TYPE = "application/x-amz-json-1.0"
_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/")
_BATCH_ID = re.compile(r"^[A-Za-z0-9_-]{1,80}$")
SYSTEM_ATTRIBUTES = (
    "SenderId",
    "SentTimestamp",
    "ApproximateReceiveCount",
    "ApproximateFirstReceiveTimestamp",
    "MessageGroupId",
    "MessageDeduplicationId",
    "SequenceNumber",
)

Operation = Callable[["Call"], dict[str, Any]]
_operations: dict[str, Operation] = {}


class Call:
    """One request: the workspace, its parameters and the endpoint the client used."""

    def __init__(self, workspace: Workspace, params: dict[str, Any], base_url: str) -> None:
        self.workspace = workspace
        self.params = params
        self.base_url = base_url

    def required(self, name: str) -> Any:
        value = self.params.get(name)
        if value is None:
            raise MissingParameter(f"The request must contain the parameter {name}.")
        return value

    def queue(self) -> Queue:
        return services.queue_for_url(self.workspace, self.required("QueueUrl"))

    def integer(self, name: str) -> int | None:
        value = self.params.get(name)
        if value is None:
            return None
        if not isinstance(value, int) or isinstance(value, bool):
            raise InvalidParameterValue(f"Value {value} for parameter {name} is invalid.")
        return value


def _operation(name: str) -> Callable[[Operation], Operation]:
    def register(handler: Operation) -> Operation:
        _operations[name] = handler
        return handler

    return register


def is_api_call(request: HttpRequest) -> bool:
    return request.method == "POST" and request.headers.get("X-Amz-Target", "").startswith(TARGET_PREFIX)


def handle(request: HttpRequest) -> HttpResponse:
    op_name = request.headers["X-Amz-Target"][len(TARGET_PREFIX) :]
    try:
        operation = _operations.get(op_name)
        if operation is None:
            raise UnknownOperationError(f"Operation {op_name} is not supported")
        params = protocol._parse_body(protocol._read_body(request, protocol.DEFAULT_MAX_BODY_BYTES))
        match = _CREDENTIAL.search(request.headers.get("Authorization", ""))
        workspace = workspace_for_access_key(match.group(1) if match else None)
        params = _validated(op_name, params)
        result = operation(Call(workspace, params, request.build_absolute_uri("/")))
        return _respond(200, result)
    except SqsError as exc:
        response = _respond(exc.status, exc.to_body())
        response["x-amzn-query-error"] = f"{exc.query_code};{exc.fault}"
        return response
    except AwsError as exc:
        return _respond(exc.status, exc.to_body())
    except RecursionError:
        too_deep = ValidationError("The request holds JSON text nested too deeply to be read")
        return _respond(too_deep.status, too_deep.to_body())
    except Exception:
        log.exception("internal error in SQS %s", op_name)
        return _respond(
            500, {"__type": "com.amazonaws.sqs#InternalError", "message": "An internal error occurred"}
        )


def _validated(op_name: str, params: dict[str, Any]) -> dict[str, Any]:
    """The request checked against botocore's sqs model, except ReceiveMessage's deprecated
    AttributeNames: the model types it as queue attribute names, but SQS takes message system
    attribute names there (ApproximateReceiveCount, SentTimestamp, ... in the ReceiveMessage
    reference), as SDK users still send them."""
    legacy = params.pop("AttributeNames", None) if op_name == "ReceiveMessage" else None
    checked = validate("sqs", op_name, params)
    if legacy is not None:
        if not isinstance(legacy, list) or not all(isinstance(name, str) for name in legacy):
            raise InvalidParameterValue("AttributeNames must be a list of attribute names")
        checked["AttributeNames"] = legacy
    return checked


def _respond(status: int, body: dict[str, Any]) -> HttpResponse:
    response = HttpResponse(json.dumps(body), status=status, content_type=CONTENT_TYPE)
    response["x-amzn-RequestId"] = random_id()
    return response


# -- queues ---------------------------------------------------------------------------------


@_operation("CreateQueue")
def create_queue(call: Call) -> dict[str, Any]:
    queue = services.create_queue(
        call.workspace,
        call.required("QueueName"),
        call.params.get("Attributes") or {},
        call.params.get("tags"),
    )
    return {"QueueUrl": services.queue_url(queue, call.base_url)}


@_operation("GetQueueUrl")
def get_queue_url(call: Call) -> dict[str, Any]:
    owner = call.params.get("QueueOwnerAWSAccountId")
    if owner not in (None, call.workspace.account_id):
        raise QueueDoesNotExist("The specified queue does not exist.")
    queue = services.get_queue(call.workspace, str(call.required("QueueName")))
    return {"QueueUrl": services.queue_url(queue, call.base_url)}


@_operation("ListQueues")
def list_queues(call: Call) -> dict[str, Any]:
    limit = call.integer("MaxResults")
    if limit is not None and not 1 <= limit <= 1000:
        raise InvalidParameterValue(
            f"Value {limit} for parameter MaxResults is invalid. Reason: Must be between 1 and 1000."
        )
    queues = services.list_queues(call.workspace, str(call.params.get("QueueNamePrefix") or ""))
    offset = (
        int(call.params.get("NextToken") or 0) if str(call.params.get("NextToken") or "0").isdigit() else 0
    )
    chosen = queues[offset : offset + limit] if limit else queues[:1000]
    result: dict[str, Any] = {}
    if chosen:
        result["QueueUrls"] = [services.queue_url(queue, call.base_url) for queue in chosen]
    if limit and offset + limit < len(queues):
        result["NextToken"] = str(offset + limit)
    return result


@_operation("GetQueueAttributes")
def get_queue_attributes(call: Call) -> dict[str, Any]:
    names = call.params.get("AttributeNames") or []
    attributes = services.attributes_of(call.queue(), list(names))
    return {"Attributes": attributes} if attributes else {}


@_operation("SetQueueAttributes")
def set_queue_attributes(call: Call) -> dict[str, Any]:
    services.set_attributes(call.queue(), call.required("Attributes"))
    return {}


@_operation("PurgeQueue")
def purge_queue(call: Call) -> dict[str, Any]:
    services.purge_queue(call.queue())
    return {}


@_operation("DeleteQueue")
def delete_queue(call: Call) -> dict[str, Any]:
    services.delete_queue(call.queue())
    return {}


# -- messages -------------------------------------------------------------------------------


def _sent(sent: services.Sent) -> dict[str, Any]:
    result: dict[str, Any] = {"MessageId": sent.message_id, "MD5OfMessageBody": sent.md5_of_body}
    if sent.md5_of_message_attributes:
        result["MD5OfMessageAttributes"] = sent.md5_of_message_attributes
    if sent.sequence_number:
        result["SequenceNumber"] = sent.sequence_number
    return result


def _send(queue: Queue, entry: dict[str, Any]) -> services.Sent:
    return services.send_message(
        queue,
        entry.get("MessageBody"),
        delay_seconds=entry.get("DelaySeconds"),
        message_attributes=entry.get("MessageAttributes"),
        group_id=entry.get("MessageGroupId"),
        deduplication_id=entry.get("MessageDeduplicationId"),
    )


@_operation("SendMessage")
def send_message(call: Call) -> dict[str, Any]:
    queue = call.queue()
    call.required("MessageBody")
    return _sent(_send(queue, call.params))


def _entries(call: Call) -> list[dict[str, Any]]:
    """A batch's entries, checked as SQS checks them before trying any."""
    entries = call.params.get("Entries") or []
    if not isinstance(entries, list) or not entries:
        raise EmptyBatchRequest("There should be at least one SendMessageBatchRequestEntry in the request.")
    if len(entries) > services.MAX_BATCH:
        raise TooManyEntriesInBatchRequest(
            f"Maximum number of entries per request are 10. You have sent {len(entries)}."
        )
    ids = [entry.get("Id") if isinstance(entry, dict) else None for entry in entries]
    for entry_id in ids:
        if not isinstance(entry_id, str) or not _BATCH_ID.match(entry_id):
            raise InvalidBatchEntryId(
                "A batch entry id can only contain alphanumeric characters, hyphens and underscores. "
                "It can be at most 80 letters long."
            )
    if len(set(ids)) != len(ids):
        raise BatchEntryIdsNotDistinct("Two or more batch entries in the request have the same Id.")
    return entries


def _failed(entry_id: str, exc: SqsError) -> dict[str, Any]:
    return {"Id": entry_id, "SenderFault": True, "Code": exc.query_code, "Message": exc.message}


@_operation("SendMessageBatch")
def send_message_batch(call: Call) -> dict[str, Any]:
    queue = call.queue()
    successful: list[dict[str, Any]] = []
    failed: list[dict[str, Any]] = []
    for entry in _entries(call):
        try:
            successful.append({"Id": entry["Id"], **_sent(_send(queue, entry))})
        except SqsError as exc:
            failed.append(_failed(entry["Id"], exc))
    return {"Successful": successful, "Failed": failed}


def _wanted(names: list[str], available: dict[str, Any]) -> dict[str, Any]:
    """The attributes asked for by name, ``All``/``.*`` or a ``prefix.*``."""
    chosen: dict[str, Any] = {}
    for key, value in available.items():
        for name in names:
            if name in ("All", ".*") or name == key or (name.endswith(".*") and key.startswith(name[:-1])):
                chosen[key] = value
                break
    return chosen


def _system_attributes(message: Message, call: Call) -> dict[str, str]:
    values = {
        "SenderId": call.workspace.account_id,
        "SentTimestamp": str(int(message.sent.timestamp() * 1000)),
        "ApproximateReceiveCount": str(message.receive_count),
        "ApproximateFirstReceiveTimestamp": str(
            int((message.first_received or message.sent).timestamp() * 1000)
        ),
    }
    if message.group_id:
        values.update(
            MessageGroupId=message.group_id,
            MessageDeduplicationId=message.deduplication_id,
            SequenceNumber=message.sequence_number,
        )
    names = list(call.params.get("AttributeNames") or []) + list(
        call.params.get("MessageSystemAttributeNames") or []
    )
    return _wanted(names, values)


@_operation("ReceiveMessage")
def receive_message(call: Call) -> dict[str, Any]:
    queue = call.queue()
    received = services.receive_waiting(
        queue,
        max_messages=call.integer("MaxNumberOfMessages") or 1,
        visibility_timeout=call.integer("VisibilityTimeout"),
        wait_seconds=call.integer("WaitTimeSeconds"),
    )
    messages: list[dict[str, Any]] = []
    for item in received:
        message = item.message
        shown: dict[str, Any] = {
            "MessageId": message.message_id,
            "ReceiptHandle": item.receipt_handle,
            "MD5OfBody": message.md5_of_body,
            "Body": message.body,
        }
        system = _system_attributes(message, call)
        if system:
            shown["Attributes"] = system
        attributes = _wanted(list(call.params.get("MessageAttributeNames") or []), message.message_attributes)
        if attributes:
            shown["MessageAttributes"] = attributes
            shown["MD5OfMessageAttributes"] = md5.of_attributes(attributes)
        messages.append(shown)
    return {"Messages": messages} if messages else {}


@_operation("DeleteMessage")
def delete_message(call: Call) -> dict[str, Any]:
    services.delete_message(call.queue(), call.required("ReceiptHandle"))
    return {}


@_operation("DeleteMessageBatch")
def delete_message_batch(call: Call) -> dict[str, Any]:
    queue = call.queue()
    successful: list[dict[str, Any]] = []
    failed: list[dict[str, Any]] = []
    for entry in _entries(call):
        try:
            services.delete_message(queue, entry.get("ReceiptHandle"))
            successful.append({"Id": entry["Id"]})
        except SqsError as exc:
            failed.append(_failed(entry["Id"], exc))
    return {"Successful": successful, "Failed": failed}


@_operation("ChangeMessageVisibility")
def change_message_visibility(call: Call) -> dict[str, Any]:
    services.change_visibility(
        call.queue(), call.required("ReceiptHandle"), call.required("VisibilityTimeout")
    )
    return {}
