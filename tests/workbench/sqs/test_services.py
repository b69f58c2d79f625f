"""sqs.services in-process: attributes, visibility timeout and receipt handles, receive counts,
redrive to a dead-letter queue, FIFO de-duplication and the digests SDKs compare.

Behaviour as the SQS API reference describes it (ReceiveMessage, DeleteMessage,
ChangeMessageVisibility, SetQueueAttributes); the attribute digest is checked against moto's
independent implementation of AWS's documented algorithm."""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from workbench.accounts.services import default_workspace
from workbench.sqs import arrivals, md5, services
from workbench.sqs.errors import (
    InvalidAttributeName,
    InvalidAttributeValue,
    InvalidParameterValue,
    MessageNotInflight,
    MissingParameter,
    QueueDoesNotExist,
    QueueNameExists,
    ReceiptHandleIsInvalid,
)
from workbench.sqs.models import Message


def _later(seconds: float) -> mock._patch:  # type: ignore[type-arg]
    """The clock ``seconds`` from now, for visibility timeouts and delays."""
    moment = timezone.now() + timedelta(seconds=seconds)
    return mock.patch("django.utils.timezone.now", return_value=moment)


@pytest.mark.django_db
def test_attributes_default_as_aws_lists_them_and_bad_ones_are_refused() -> None:
    queue = services.create_queue(default_workspace(), "orders")
    attributes = services.attributes_of(queue, ["All"])
    # Defaults from the SetQueueAttributes reference.
    assert attributes["VisibilityTimeout"] == "30"
    assert attributes["MessageRetentionPeriod"] == "345600"
    assert attributes["DelaySeconds"] == "0"
    assert attributes["ReceiveMessageWaitTimeSeconds"] == "0"
    assert attributes["QueueArn"] == "arn:aws:sqs:us-east-1:123456789012:orders"
    assert attributes["ApproximateNumberOfMessages"] == "0"
    assert services.attributes_of(queue, ["VisibilityTimeout"]) == {"VisibilityTimeout": "30"}
    with pytest.raises(InvalidAttributeName):
        services.attributes_of(queue, ["Colour"])
    with pytest.raises(InvalidAttributeValue):
        services.set_attributes(queue, {"VisibilityTimeout": "43201"})
    with pytest.raises(InvalidAttributeName):
        services.set_attributes(queue, {"FifoQueue": "true"})
    with pytest.raises(QueueNameExists):
        services.create_queue(default_workspace(), "orders", {"VisibilityTimeout": "5"})
    assert services.create_queue(default_workspace(), "orders", {"VisibilityTimeout": "30"}) == queue
    with pytest.raises(InvalidParameterValue):
        services.create_queue(default_workspace(), "bad name")
    with pytest.raises(InvalidParameterValue):
        services.create_queue(default_workspace(), "plain", {"FifoQueue": "true"})


@pytest.mark.django_db
def test_queue_urls_resolve_by_account_and_name() -> None:
    workspace = default_workspace()
    queue = services.create_queue(workspace, "approvals")
    assert (
        services.queue_url(queue, "http://127.0.0.1:9000/") == "http://127.0.0.1:9000/123456789012/approvals"
    )
    assert services.queue_for_url(workspace, "http://127.0.0.1:9000/123456789012/approvals") == queue
    assert (
        services.queue_for_url(workspace, "https://sqs.us-east-1.amazonaws.com/123456789012/approvals")
        == queue
    )
    with pytest.raises(QueueDoesNotExist):
        services.queue_for_url(workspace, "http://127.0.0.1:9000/999999999999/approvals")
    with pytest.raises(QueueDoesNotExist):
        services.queue_for_url(workspace, "http://127.0.0.1:9000/123456789012/missing")


@pytest.mark.django_db
def test_a_received_message_hides_for_the_visibility_timeout_and_counts_receives() -> None:
    queue = services.create_queue(default_workspace(), "work", {"VisibilityTimeout": "10"})
    sent = services.send_message(queue, "hello")
    assert sent.md5_of_body == hashlib.md5(b"hello").hexdigest()
    [first] = services.receive_messages(queue)
    assert first.message.receive_count == 1
    assert services.receive_messages(queue) == [], "in flight: hidden"
    assert services.counts(queue) == services.Counts(visible=0, in_flight=1, delayed=0)
    with _later(11):
        [second] = services.receive_messages(queue)
        assert second.message.message_id == sent.message_id and second.message.receive_count == 2
        assert second.receipt_handle != first.receipt_handle
        # The older handle no longer deletes (and still succeeds, as DeleteMessage documents).
        services.delete_message(queue, first.receipt_handle)
        assert Message.objects.filter(message_id=sent.message_id).exists()
        services.delete_message(queue, second.receipt_handle)
        assert not Message.objects.filter(message_id=sent.message_id).exists()
    with pytest.raises(ReceiptHandleIsInvalid):
        services.delete_message(queue, "not a handle")


@pytest.mark.django_db
def test_a_batch_received_is_stored_as_it_is_returned() -> None:
    """ReceiveMessage writes its messages with one UPDATE: each row holds the count, handle,
    first receipt and visibility the answer gave; DeleteMessage deletes by the latest handle."""
    queue = services.create_queue(default_workspace(), "batch")
    for n in range(3):
        services.send_message(queue, f"m{n}", delay_seconds=0)
    received = services.receive_messages(queue, max_messages=10, visibility_timeout=0)
    again = services.receive_messages(queue, max_messages=10, visibility_timeout=60)
    assert [r.message.body for r in again] == ["m0", "m1", "m2"]
    for first, second in zip(received, again, strict=True):
        row = Message.objects.get(message_id=second.message.message_id)
        assert (row.receive_count, row.receipt_handle) == (2, second.receipt_handle)
        assert row.first_received == first.message.first_received
        assert row.visible_at == second.message.visible_at
        services.delete_message(queue, first.receipt_handle)  # an older handle: succeeds, keeps it
    assert Message.objects.filter(queue=queue).count() == 3
    for second in again:
        services.delete_message(queue, second.receipt_handle)
    assert not Message.objects.filter(queue=queue).exists()


@pytest.mark.django_db
def test_change_visibility_makes_a_message_visible_again_or_refuses_one_not_in_flight() -> None:
    queue = services.create_queue(default_workspace(), "work")
    services.send_message(queue, "again")
    [received] = services.receive_messages(queue, visibility_timeout=300)
    services.change_visibility(queue, received.receipt_handle, 0)
    [again] = services.receive_messages(queue, visibility_timeout=0)
    assert again.message.receive_count == 2
    with pytest.raises(MessageNotInflight):
        services.change_visibility(queue, again.receipt_handle, 30)
    with pytest.raises(InvalidParameterValue):
        services.change_visibility(queue, again.receipt_handle, 43201)


@pytest.mark.django_db
def test_delay_keeps_a_message_back_and_bad_sends_are_refused() -> None:
    queue = services.create_queue(default_workspace(), "later")
    services.send_message(queue, "soon", delay_seconds=5)
    assert services.counts(queue) == services.Counts(visible=0, in_flight=0, delayed=1)
    assert services.receive_messages(queue) == []
    with _later(6):
        assert [r.message.body for r in services.receive_messages(queue)] == ["soon"]
    with pytest.raises(MissingParameter):
        services.send_message(queue, "")
    with pytest.raises(InvalidParameterValue):
        services.send_message(queue, "x", delay_seconds=901)
    with pytest.raises(InvalidParameterValue):
        services.send_message(
            queue, "x", message_attributes={"a": {"DataType": "Colour", "StringValue": "1"}}
        )
    with pytest.raises(InvalidParameterValue):
        services.receive_messages(queue, max_messages=11)


@pytest.mark.django_db
def test_after_max_receive_count_a_message_moves_to_the_dead_letter_queue() -> None:
    workspace = default_workspace()
    dead = services.create_queue(workspace, "dead")
    policy = {"deadLetterTargetArn": services.queue_arn(dead), "maxReceiveCount": 2}
    source = services.create_queue(workspace, "source", {"RedrivePolicy": json.dumps(policy)})
    sent = services.send_message(source, "poison")
    assert len(services.receive_messages(source, visibility_timeout=0)) == 1
    assert len(services.receive_messages(source, visibility_timeout=0)) == 1
    assert services.receive_messages(source, visibility_timeout=0) == [], "received twice: moved"
    [moved] = services.receive_messages(dead)
    assert moved.message.message_id == sent.message_id and moved.message.body == "poison"
    with pytest.raises(InvalidAttributeValue):
        services.set_attributes(source, {"RedrivePolicy": json.dumps({"maxReceiveCount": 2})})
    with pytest.raises(InvalidAttributeValue):
        services.set_attributes(
            source, {"RedrivePolicy": json.dumps({"deadLetterTargetArn": "x", "maxReceiveCount": 0})}
        )


@pytest.mark.django_db
def test_fifo_queues_deduplicate_and_keep_a_group_in_order() -> None:
    queue = services.create_queue(
        default_workspace(), "steps.fifo", {"FifoQueue": "true", "ContentBasedDeduplication": "true"}
    )
    one = services.send_message(queue, "one", group_id="g")
    assert services.send_message(queue, "one", group_id="g").message_id == one.message_id
    services.send_message(queue, "two", group_id="g")
    [first] = services.receive_messages(queue)
    assert first.message.body == "one"
    assert services.receive_messages(queue, max_messages=10) == [], "the group waits while 'one' is in flight"
    services.delete_message(queue, first.receipt_handle)
    assert [r.message.body for r in services.receive_messages(queue)] == ["two"]
    with pytest.raises(MissingParameter):
        services.send_message(queue, "three")


def test_attribute_digest_matches_an_independent_implementation() -> None:
    from moto.sqs.models import Message as MotoMessage

    attributes = {
        "colour": {"DataType": "String", "StringValue": "blue"},
        "count": {"DataType": "Number", "StringValue": "3"},
        "émoji": {"DataType": "String.custom", "StringValue": "✓"},
    }
    reference = MotoMessage("id", "body")
    reference.message_attributes = attributes
    reference.validate_attribute_name = lambda name: None  # type: ignore[method-assign]
    assert md5.of_attributes(attributes) == reference.attribute_md5
    assert md5.of_attributes({}) == ""
    # The body digest is plain MD5 of the UTF-8 body.
    assert md5.of_body("é") == hashlib.md5("é".encode()).hexdigest()


@pytest.mark.django_db(transaction=True)
def test_long_polling_returns_when_a_message_arrives_and_waits_out_an_empty_queue() -> None:
    import threading
    import time

    queue = services.create_queue(default_workspace(), "poll")
    started = time.monotonic()
    assert services.receive_waiting(queue, wait_seconds=1) == []
    assert time.monotonic() - started >= 1

    def send_soon() -> None:
        time.sleep(0.5)
        services.send_message(queue, "arrived")

    sender = threading.Thread(target=send_soon)
    started = time.monotonic()
    sender.start()
    received = services.receive_waiting(queue, wait_seconds=20)
    sender.join()
    assert [r.message.body for r in received] == ["arrived"]
    assert time.monotonic() - started < 10, "answered when the message came, not at the end of the wait"
    with pytest.raises(InvalidParameterValue):
        services.receive_waiting(queue, wait_seconds=21)
    assert arrivals.LOOK_EVERY < 1
