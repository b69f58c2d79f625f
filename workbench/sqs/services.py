"""Queues and messages: check, then do. The API, the browser and Step Functions' sqs:sendMessage
integration all come through here.

Behaviour follows the Amazon SQS API reference
(https://docs.aws.amazon.com/AWSSimpleQueueService/latest/APIReference/): attribute defaults
and ranges (SetQueueAttributes), visibility timeout and receipt handles (ReceiveMessage,
DeleteMessage: an outdated handle deletes nothing and still succeeds), redrive to the
dead-letter queue once a message was received maxReceiveCount times, FIFO de-duplication for
five minutes. Receiving is one short transaction; waiting for a message (long polling) is the
caller's, between calls of ``has_visible`` that take no lock. Every write that moves a queue's
counts or messages tells ``changes`` (the live queue pages look again after its commit).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Min
from django.utils import timezone

from workbench.accounts.models import Workspace
from workbench.core import planner, rows
from workbench.core.ids import random_id
from workbench.core.prepared import Prepared
from workbench.sqs import arrivals, changes, md5
from workbench.sqs.errors import (
    InvalidAttributeName,
    InvalidAttributeValue,
    InvalidMessageContents,
    InvalidParameterValue,
    MessageNotInflight,
    MissingParameter,
    QueueDoesNotExist,
    QueueNameExists,
    ReceiptHandleIsInvalid,
)
from workbench.sqs.models import Message, Queue

NAME = re.compile(r"^[A-Za-z0-9_-]{1,80}$")
FIFO_NAME = re.compile(r"^[A-Za-z0-9_-]{1,75}\.fifo$")
ATTRIBUTE_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,256}$")
DEDUPLICATION_WINDOW = timedelta(minutes=5)
MAX_BATCH = 10
MAX_WAIT_SECONDS = 20

# Settable attributes: default and (low, high) for the integer ones.
RANGES: dict[str, tuple[int, int, int]] = {
    "DelaySeconds": (0, 0, 900),
    "MaximumMessageSize": (262144, 1024, 262144),
    "MessageRetentionPeriod": (345600, 60, 1209600),
    "ReceiveMessageWaitTimeSeconds": (0, 0, 20),
    "VisibilityTimeout": (30, 0, 43200),
}
OTHER_SETTABLE = {
    "RedrivePolicy",
    "RedriveAllowPolicy",
    "Policy",
    "FifoQueue",
    "ContentBasedDeduplication",
    "KmsMasterKeyId",
    "KmsDataKeyReusePeriodSeconds",
    "SqsManagedSseEnabled",
    "DeduplicationScope",
    "FifoThroughputLimit",
}
COMPUTED = {
    "ApproximateNumberOfMessages",
    "ApproximateNumberOfMessagesNotVisible",
    "ApproximateNumberOfMessagesDelayed",
    "CreatedTimestamp",
    "LastModifiedTimestamp",
    "QueueArn",
}


def queue_arn(queue: Queue) -> str:
    return f"arn:aws:sqs:{queue.workspace.region}:{queue.workspace.account_id}:{queue.name}"


def queue_url(queue: Queue, base_url: str) -> str:
    """``<endpoint the client used>/<account>/<name>``."""
    return f"{base_url.rstrip('/')}/{queue.workspace.account_id}/{queue.name}"


# -- queues ---------------------------------------------------------------------------------


def check_attributes(name: str, attributes: dict[str, Any], *, creating: bool) -> dict[str, str]:
    """The attributes as SQS stores them (strings), or SQS's error for the first bad one."""
    checked: dict[str, str] = {}
    for key, raw in attributes.items():
        value = str(raw).lower() if isinstance(raw, bool) else str(raw)
        if key in RANGES:
            _, low, high = RANGES[key]
            if not re.fullmatch(r"-?\d+", value) or not low <= int(value) <= high:
                raise InvalidAttributeValue(f"Invalid value for the parameter {key}.")
        elif key in ("FifoQueue", "ContentBasedDeduplication"):
            if value not in ("true", "false"):
                raise InvalidAttributeValue(f"Invalid value for the parameter {key}.")
            if key == "FifoQueue" and not creating:
                raise InvalidAttributeName(f"Unknown Attribute {key}.")
        elif key == "RedrivePolicy":
            value = _check_redrive_policy(value)
        elif key not in OTHER_SETTABLE:
            raise InvalidAttributeName(f"Unknown Attribute {key}.")
        checked[key] = value
    fifo = checked.get("FifoQueue") == "true"
    if creating and (fifo != name.endswith(".fifo")):
        raise InvalidParameterValue(
            "The name of a FIFO queue can only include alphanumeric characters, hyphens, or "
            "underscores, must end with .fifo suffix and be 1 to 80 in length."
        )
    if checked.get("ContentBasedDeduplication") == "true" and creating and not fifo:
        raise InvalidAttributeName("Unknown Attribute ContentBasedDeduplication.")
    return checked


def _check_redrive_policy(text: str) -> str:
    if text == "":
        return ""
    try:
        policy = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InvalidAttributeValue(
            "Invalid value for the parameter RedrivePolicy. Reason: Invalid JSON."
        ) from exc
    if not isinstance(policy, dict) or "deadLetterTargetArn" not in policy or "maxReceiveCount" not in policy:
        raise InvalidAttributeValue(
            "Value "
            + text
            + " for parameter RedrivePolicy is invalid. Reason: Redrive policy does not contain mandatory "
            "attribute: deadLetterTargetArn, maxReceiveCount."
        )
    try:
        count = int(policy["maxReceiveCount"])
    except (TypeError, ValueError) as exc:
        raise InvalidAttributeValue(
            f"Value {text} for parameter RedrivePolicy is invalid. Reason: Invalid value for maxReceiveCount."
        ) from exc
    if not 1 <= count <= 1000:
        raise InvalidAttributeValue(
            f"Value {text} for parameter RedrivePolicy is invalid. Reason: "
            f"Invalid value for maxReceiveCount: {count}, valid values are from 1 to 1000 both inclusive."
        )
    return json.dumps({"deadLetterTargetArn": str(policy["deadLetterTargetArn"]), "maxReceiveCount": count})


def check_name(name: Any) -> str:
    if not isinstance(name, str) or not (NAME.match(name) or FIFO_NAME.match(name)):
        raise InvalidParameterValue(
            "Can only include alphanumeric characters, hyphens, or underscores. 1 to 80 in length"
        )
    return name


def create_queue(
    workspace: Workspace,
    name: Any,
    attributes: dict[str, Any] | None = None,
    tags: dict[str, str] | None = None,
) -> Queue:
    """CreateQueue: the same name with the same attributes returns the existing queue."""
    name = check_name(name)
    checked = check_attributes(name, attributes or {}, creating=True)
    existing = Queue.objects.filter(workspace=workspace, name=name).first()
    if existing is not None:
        if any(existing.attributes.get(key, _default(key)) != value for key, value in checked.items()):
            raise QueueNameExists(
                "A queue already exists with the same name and a different value for attribute(s)"
            )
        return existing
    now = timezone.now()
    queue = Queue.objects.create(
        workspace=workspace,
        name=name,
        attributes=checked,
        tags=dict(tags or {}),
        created=now,
        last_modified=now,
    )
    changes.changed(queue)  # the queue list shows it
    return queue


def _default(key: str) -> str:
    if key in RANGES:
        return str(RANGES[key][0])
    return "false" if key in ("FifoQueue", "ContentBasedDeduplication") else ""


def get_queue(workspace: Workspace, name: str) -> Queue:
    queue = Queue.objects.filter(workspace=workspace, name=name).select_related("workspace").first()
    if queue is None:
        raise QueueDoesNotExist("The specified queue does not exist.")
    return queue


def queue_for_url(workspace: Workspace, url: Any) -> Queue:
    """The queue a QueueUrl names: ``.../<account>/<name>`` (any host, so a URL copied from AWS's
    console with the workspace's account id works too)."""
    if not isinstance(url, str) or not url:
        raise QueueDoesNotExist("The specified queue does not exist.")
    parts = [part for part in url.split("?")[0].split("/") if part]
    if len(parts) >= 2 and parts[-2].isdigit() and parts[-2] != workspace.account_id:
        raise QueueDoesNotExist("The specified queue does not exist.")
    return get_queue(workspace, parts[-1] if parts else "")


def queue_for_arn(workspace: Workspace, arn: str) -> Queue | None:
    parts = arn.split(":")
    if len(parts) != 6 or parts[2] != "sqs" or parts[4] != workspace.account_id:
        return None
    return _QUEUE.first(workspace.id, parts[5])


# A rule's queue target is looked up on every delivery: compiled once per thread (issue 13's
# profile of a delivery batch put this lookup at a fifth of its CPU).
_QUEUE: Prepared[Queue] = Prepared(
    lambda workspace_id, name: Queue.objects.filter(workspace_id=workspace_id, name=name).order_by()[:1],
    int,
    str,
)


def list_queues(workspace: Workspace, prefix: str = "") -> list[Queue]:
    return list(
        Queue.objects.filter(workspace=workspace, name__startswith=prefix).select_related("workspace")
    )


@dataclass(frozen=True)
class Counts:
    visible: int
    in_flight: int
    delayed: int


def counts(queue: Queue) -> Counts:
    now = timezone.now()
    messages = Message.objects.filter(queue=queue)
    return Counts(
        visible=messages.filter(visible_at__lte=now).count(),
        in_flight=messages.filter(visible_at__gt=now, receive_count__gt=0).count(),
        delayed=messages.filter(visible_at__gt=now, receive_count=0).count(),
    )


def next_change(queue_ids: list[int]) -> datetime | None:
    """The next moment a count of these queues changes with no write: a delayed message
    becomes visible, or an in-flight one's visibility timeout runs out (the live pages read
    again then: static/console/tail.js, ``data-live-next``)."""
    later = Message.objects.filter(queue_id__in=queue_ids, visible_at__gt=timezone.now())
    found: datetime | None = later.aggregate(Min("visible_at"))["visible_at__min"]
    return found


def attributes_of(queue: Queue, names: list[str]) -> dict[str, str]:
    """GetQueueAttributes: ``All`` or the names asked for; unknown names are refused."""
    for name in names:
        if name != "All" and name not in RANGES and name not in OTHER_SETTABLE and name not in COMPUTED:
            raise InvalidAttributeName(f"Unknown Attribute {name}.")
    everything: dict[str, str] = {key: str(default) for key, (default, _, _) in RANGES.items()}
    everything.update(queue.attributes)
    if queue.fifo:
        everything.setdefault("ContentBasedDeduplication", "false")
    found = counts(queue)
    everything.update(
        {
            "ApproximateNumberOfMessages": str(found.visible),
            "ApproximateNumberOfMessagesNotVisible": str(found.in_flight),
            "ApproximateNumberOfMessagesDelayed": str(found.delayed),
            "CreatedTimestamp": str(int(queue.created.timestamp())),
            "LastModifiedTimestamp": str(int(queue.last_modified.timestamp())),
            "QueueArn": queue_arn(queue),
        }
    )
    everything = {key: value for key, value in everything.items() if value != ""}
    if "All" in names:
        return everything
    return {name: everything[name] for name in names if name in everything}


def set_attributes(queue: Queue, attributes: dict[str, Any]) -> Queue:
    checked = check_attributes(queue.name, attributes, creating=False)
    queue.attributes = {**queue.attributes, **checked}
    queue.last_modified = timezone.now()
    queue.save(update_fields=["attributes", "last_modified"])
    return queue


def delete_queue(queue: Queue) -> None:
    changes.changed(queue)  # before the delete clears its id
    queue.delete()


def purge_queue(queue: Queue) -> int:
    deleted, _ = Message.objects.filter(queue=queue).delete()
    changes.changed(queue)
    return deleted


def _int_attribute(queue: Queue, key: str) -> int:
    return int(queue.attributes.get(key, RANGES[key][0]))


def redrive_policy(queue: Queue) -> tuple[str, int] | None:
    text = queue.attributes.get("RedrivePolicy")
    if not text:
        return None
    policy = json.loads(text)
    return str(policy["deadLetterTargetArn"]), int(policy["maxReceiveCount"])


# -- sending --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sent:
    message_id: str
    md5_of_body: str
    md5_of_message_attributes: str
    sequence_number: str = ""


_VALID_BODY = re.compile("^[\x09\x0a\x0d\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]*$")


def check_message_attributes(attributes: Any) -> dict[str, dict[str, Any]]:
    if attributes is None:
        return {}
    if not isinstance(attributes, dict):
        raise InvalidParameterValue("MessageAttributes must be a map")
    checked: dict[str, dict[str, Any]] = {}
    for name, attribute in attributes.items():
        if not ATTRIBUTE_NAME.match(name) or name.lower().startswith(("aws.", "amazon.")):
            raise InvalidParameterValue(
                f"The message attribute name '{name}' is invalid. Attribute name can contain A-Z, a-z, "
                "0-9, underscore (_), hyphen (-), and period (.) characters."
            )
        if not isinstance(attribute, dict) or not isinstance(attribute.get("DataType"), str):
            raise InvalidParameterValue(
                f"The message attribute '{name}' must contain a non-empty attribute type."
            )
        data_type = attribute["DataType"]
        base = data_type.split(".")[0]
        if base in ("String", "Number"):
            if not isinstance(attribute.get("StringValue"), str):
                raise InvalidParameterValue(
                    f"The message attribute '{name}' with type '{base}' must use field 'String'."
                )
            checked[name] = {"DataType": data_type, "StringValue": attribute["StringValue"]}
        elif base == "Binary":
            value = attribute.get("BinaryValue")
            try:
                base64.b64decode(value or "", validate=True)
            except (binascii.Error, TypeError) as exc:
                raise InvalidParameterValue(
                    f"The message attribute '{name}' with type 'Binary' must use field 'Binary'."
                ) from exc
            checked[name] = {"DataType": data_type, "BinaryValue": value}
        else:
            raise InvalidParameterValue(
                f"The type of message (user) attribute '{name}' is invalid. You must use only the "
                "following supported type prefixes: Binary, Number, String."
            )
    return checked


def send_message(
    queue: Queue,
    body: Any,
    *,
    delay_seconds: Any = None,
    message_attributes: Any = None,
    group_id: Any = None,
    deduplication_id: Any = None,
) -> Sent:
    """SendMessage: check the body, delay and attributes, then store the message."""
    if not isinstance(body, str) or body == "":
        raise MissingParameter("The request must contain the parameter MessageBody.")
    if not _VALID_BODY.match(body):
        raise InvalidMessageContents(
            "Invalid characters found. Valid unicode characters are #x9 | #xA | #xD | "
            "#x20 to #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF"
        )
    if len(body.encode("utf-8")) > _int_attribute(queue, "MaximumMessageSize"):
        raise InvalidParameterValue(
            "One or more parameters are invalid. Reason: Message must be shorter than "
            f"{_int_attribute(queue, 'MaximumMessageSize')} bytes."
        )
    attributes = check_message_attributes(message_attributes)
    delay = _int_attribute(queue, "DelaySeconds") if delay_seconds is None else delay_seconds
    if not isinstance(delay, int) or isinstance(delay, bool) or not 0 <= delay <= 900:
        raise InvalidParameterValue(
            f"Value {delay} for parameter DelaySeconds is invalid. "
            "Reason: must be between 0 and 900, if provided."
        )
    now = timezone.now()
    group = ""
    dedup = ""
    if queue.fifo:
        if not isinstance(group_id, str) or not group_id:
            raise MissingParameter("The request must contain the parameter MessageGroupId.")
        if delay_seconds not in (None, 0):
            raise InvalidParameterValue(
                f"Value {delay_seconds} for parameter DelaySeconds is invalid. Reason: The request include "
                "parameter that is not valid for this queue type."
            )
        delay = 0
        group = group_id
        if isinstance(deduplication_id, str) and deduplication_id:
            dedup = deduplication_id
        elif queue.attributes.get("ContentBasedDeduplication") == "true":
            dedup = hashlib.sha256(body.encode("utf-8")).hexdigest()
        else:
            raise InvalidParameterValue(
                "The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId "
                "provided explicitly"
            )
        duplicate = Message.objects.filter(
            queue=queue, deduplication_id=dedup, sent__gte=now - DEDUPLICATION_WINDOW
        ).first()
        if duplicate is not None:
            return Sent(
                duplicate.message_id,
                duplicate.md5_of_body,
                duplicate.md5_of_message_attributes,
                duplicate.sequence_number,
            )
    elif group_id is not None or deduplication_id is not None:
        name = "MessageGroupId" if group_id is not None else "MessageDeduplicationId"
        raise InvalidParameterValue(
            f"The request include parameter {name} which is not valid for this queue type"
        )
    message = rows.new(
        Message,
        queue=queue,
        message_id=random_id(),
        body=body,
        md5_of_body=md5.of_body(body),
        message_attributes=attributes,
        md5_of_message_attributes=md5.of_attributes(attributes),
        sent=now,
        visible_at=now + timedelta(seconds=delay),
        delayed=delay > 0,
        group_id=group,
        deduplication_id=dedup,
        sequence_number=str(int(now.timestamp() * 1_000_000)).rjust(20, "0") if queue.fifo else "",
    )
    # One INSERT without the save path, its key not read back: on a rule's queue target it
    # goes with the delivery batch's other writes (core.together).
    rows.insert(message, keyed=False)
    changes.changed(queue, also=arrivals.announce)  # wake long polls, then the pages, after commit
    return Sent(
        message.message_id, message.md5_of_body, message.md5_of_message_attributes, message.sequence_number
    )


# -- receiving ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Received:
    message: Message
    receipt_handle: str


def has_visible(queue_id: int) -> bool:
    """A lock-free look: is any message of the queue visible now (long polling asks this)."""
    return Message.objects.filter(queue_id=queue_id, visible_at__lte=timezone.now()).exists()


def receive_messages(
    queue: Queue, *, max_messages: int = 1, visibility_timeout: int | None = None
) -> list[Received]:
    """ReceiveMessage without waiting: up to ``max_messages`` visible messages, hidden for the
    visibility timeout; messages past retention are dropped, and a message already received
    maxReceiveCount times moves to the dead-letter queue instead of being returned."""
    if not 1 <= max_messages <= MAX_BATCH:
        raise InvalidParameterValue(
            f"Value {max_messages} for parameter MaxNumberOfMessages is invalid. "
            "Reason: Must be between 1 and 10, if provided."
        )
    timeout = _int_attribute(queue, "VisibilityTimeout") if visibility_timeout is None else visibility_timeout
    if not 0 <= timeout <= 43200:
        raise InvalidParameterValue(
            f"Value {timeout} for parameter VisibilityTimeout is invalid. "
            "Reason: Must be between 0 and 43200."
        )
    redrive = redrive_policy(queue)
    dead_letter = queue_for_arn(queue.workspace, redrive[0]) if redrive else None
    received: list[Received] = []
    with transaction.atomic():
        now = timezone.now()
        retention = timedelta(seconds=_int_attribute(queue, "MessageRetentionPeriod"))
        expired, _ = Message.objects.filter(queue=queue, sent__lt=now - retention).delete()
        moved = False
        candidates = Message.objects.filter(queue=queue, visible_at__lte=now).order_by("sent", "id")
        if queue.fifo:
            busy = Message.objects.filter(queue=queue, visible_at__gt=now, receive_count__gt=0).values(
                "group_id"
            )
            candidates = candidates.exclude(group_id__in=busy)
        if connection.features.has_select_for_update_skip_locked:
            candidates = candidates.select_for_update(skip_locked=True)
        with planner.index_order():  # the queue's head, not a sort of the queue (core.planner)
            heads = list(candidates[: max_messages * 4])
        for message in heads:
            if len(received) == max_messages:
                break
            if redrive is not None and dead_letter is not None and message.receive_count >= redrive[1]:
                message.queue = dead_letter
                message.save(update_fields=["queue"])
                moved = True
                continue
            # The row is locked (or the write turn held, on SQLite): its count is counted here.
            message.receive_count += 1
            message.visible_at = now + timedelta(seconds=timeout)
            message.receipt_handle = _receipt_handle(queue, message)
            message.delayed = False
            message.first_received = message.first_received or now
            received.append(Received(message, message.receipt_handle))
        # One UPDATE for the messages received (issue 13's bench/delivery.py drained a queue at
        # 2.6 ms of server CPU a message: an UPDATE and a re-read each).
        rows.update_fields(Message, [r.message for r in received], _RECEIVED_FIELDS)
        if received or moved or expired:  # an empty poll changes nothing: no page looks again
            changes.changed(queue)
        if moved and dead_letter is not None:
            changes.changed(dead_letter)
    return received


_RECEIVED_FIELDS = ["receive_count", "visible_at", "receipt_handle", "delayed", "first_received"]


def receive_waiting(
    queue: Queue,
    *,
    max_messages: int = 1,
    visibility_timeout: int | None = None,
    wait_seconds: int | None = None,
) -> list[Received]:
    """ReceiveMessage with long polling: answer as soon as a message is there, or after
    ``wait_seconds`` (the queue's ReceiveMessageWaitTimeSeconds when not given) with none."""
    wait = _int_attribute(queue, "ReceiveMessageWaitTimeSeconds") if wait_seconds is None else wait_seconds
    if not isinstance(wait, int) or isinstance(wait, bool) or not 0 <= wait <= MAX_WAIT_SECONDS:
        raise InvalidParameterValue(
            f"Value {wait} for parameter WaitTimeSeconds is invalid. "
            "Reason: Must be >= 0 and <= 20, if provided."
        )
    received = receive_messages(queue, max_messages=max_messages, visibility_timeout=visibility_timeout)
    deadline = time.monotonic() + wait
    while not received and time.monotonic() < deadline:
        if not arrivals.wait_until(lambda: has_visible(queue.id), deadline - time.monotonic()):
            break
        received = receive_messages(queue, max_messages=max_messages, visibility_timeout=visibility_timeout)
    return received


def _receipt_handle(queue: Queue, message: Message) -> str:
    raw = f"{queue.id}:{message.message_id}:{secrets.token_hex(16)}"
    return base64.urlsafe_b64encode(raw.encode()).decode()


def _message_for_handle(queue: Queue, handle: Any) -> tuple[Message | None, bool]:
    """The message a receipt handle names and whether the handle is its latest one."""
    message_id = _handle_message_id(handle)
    message = Message.objects.filter(queue=queue, message_id=message_id).first()
    return message, message is not None and message.receipt_handle == handle


def _handle_message_id(handle: Any) -> str:
    """The id of the message a receipt handle names; ReceiptHandleIsInvalid for a malformed one."""
    try:
        queue_id, message_id, _ = base64.urlsafe_b64decode(str(handle).encode()).decode().split(":")
        int(queue_id)
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise ReceiptHandleIsInvalid(
            f'The input receipt handle "{handle}" is not a valid receipt handle.'
        ) from exc
    return message_id


def delete_message(queue: Queue, handle: Any) -> None:
    """DeleteMessage: only the latest receipt handle deletes; an older one still succeeds. One
    DELETE by the message's id and handle (nothing points at a message: no cascade to collect)."""
    message_id = _handle_message_id(handle)
    if rows.delete_where(Message, queue_id=queue.id, message_id=message_id, receipt_handle=str(handle)):
        changes.changed(queue)


def change_visibility(queue: Queue, handle: Any, timeout: Any) -> None:
    if not isinstance(timeout, int) or isinstance(timeout, bool) or not 0 <= timeout <= 43200:
        raise InvalidParameterValue(
            f"Value {timeout} for parameter VisibilityTimeout is invalid. "
            "Reason: Must be between 0 and 43200."
        )
    message, current = _message_for_handle(queue, handle)
    now = timezone.now()
    if message is None or not current or message.visible_at <= now:
        raise MessageNotInflight("Message does not exist or is not available for visibility timeout change.")
    message.visible_at = now + timedelta(seconds=timeout)
    message.save(update_fields=["visible_at"])
    changes.changed(queue)  # in flight or visible again


def message_carrying(workspace: Workspace, text: str) -> Message | None:
    """The newest message of the workspace whose body contains ``text`` (a task token), if any."""
    if not text:
        return None
    return (
        Message.objects.filter(queue__workspace=workspace, body__contains=text)
        .select_related("queue")
        .order_by("-sent", "-id")
        .first()
    )


def messages_of(queue: Queue, most: int | None = None) -> list[Message]:
    """The queue's messages, oldest first (what the browser shows), ``most`` of them at most:
    a deep queue's page shows its first ones (the ``message_order`` index reads them)."""
    return list(Message.objects.filter(queue=queue).order_by("sent", "id")[:most])


def message_state(message: Message, now: datetime) -> str:
    if message.visible_at <= now:
        return "visible"
    return "in flight" if message.receive_count else "delayed"
