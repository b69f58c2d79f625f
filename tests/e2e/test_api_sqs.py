"""SQS through boto3 against the served workbench: every operation, visibility timeout and
receive counts, long polling, redrive to a dead-letter queue, AWS's error codes, and aws-cli.

Behaviour from the SQS API reference; the digests checked here are MD5 of the body and AWS's
documented message-attribute digest (sqs-message-metadata.html#sqs-attributes-md5-message-digest-
calculation), as SDKs that verify them compute them."""

from __future__ import annotations

import hashlib
import json
import os
import struct
import subprocess
import sys
import threading
import time
from typing import Any

import pytest
from botocore.exceptions import ClientError

pytestmark = pytest.mark.live


def _attribute_digest(attributes: dict[str, dict[str, str]]) -> str:
    """AWS's documented algorithm for String attributes, written out for the test."""
    digest = hashlib.md5()
    for name in sorted(attributes):
        for part in (name, attributes[name]["DataType"]):
            digest.update(struct.pack(">I", len(part.encode())) + part.encode())
        digest.update(b"\x01")
        value = attributes[name]["StringValue"].encode()
        digest.update(struct.pack(">I", len(value)) + value)
    return digest.hexdigest()


def test_queue_lifecycle_and_attributes(aws: Any, live_url: str) -> None:
    sqs = aws("sqs")
    url = sqs.create_queue(QueueName="orders", Attributes={"VisibilityTimeout": "5"})["QueueUrl"]
    assert url == f"{live_url}/123456789012/orders"
    assert sqs.get_queue_url(QueueName="orders")["QueueUrl"] == url
    sqs.create_queue(QueueName="other")
    assert sqs.list_queues(QueueNamePrefix="ord")["QueueUrls"] == [url]
    assert len(sqs.list_queues()["QueueUrls"]) == 2
    sqs.set_queue_attributes(QueueUrl=url, Attributes={"DelaySeconds": "2"})
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attributes["VisibilityTimeout"] == "5" and attributes["DelaySeconds"] == "2"
    assert attributes["QueueArn"] == "arn:aws:sqs:us-east-1:123456789012:orders"
    with pytest.raises(sqs.exceptions.QueueNameExists):
        sqs.create_queue(QueueName="orders", Attributes={"VisibilityTimeout": "6"})
    with pytest.raises(ClientError) as bad:
        sqs.set_queue_attributes(QueueUrl=url, Attributes={"VisibilityTimeout": "-1"})
    assert bad.value.response["Error"]["Code"] == "InvalidAttributeValue"
    sqs.delete_queue(QueueUrl=url)
    # boto3 raises the modelled exception from the query-compatible code, as with AWS.
    with pytest.raises(sqs.exceptions.QueueDoesNotExist) as gone:
        sqs.get_queue_url(QueueName="orders")
    assert gone.value.response["Error"]["Code"] == "AWS.SimpleQueueService.NonExistentQueue"
    with pytest.raises(sqs.exceptions.QueueDoesNotExist):
        sqs.send_message(QueueUrl=url, MessageBody="x")


def test_send_receive_visibility_and_delete(aws: Any) -> None:
    sqs = aws("sqs")
    url = sqs.create_queue(QueueName="work", Attributes={"VisibilityTimeout": "2"})["QueueUrl"]
    attributes = {
        "kind": {"DataType": "String", "StringValue": "order"},
        "n": {"DataType": "Number", "StringValue": "7"},
    }
    sent = sqs.send_message(QueueUrl=url, MessageBody="héllo", MessageAttributes=attributes)
    assert sent["MD5OfMessageBody"] == hashlib.md5("héllo".encode()).hexdigest()
    assert sent["MD5OfMessageAttributes"] == _attribute_digest(attributes)

    [first] = sqs.receive_message(
        QueueUrl=url, MessageAttributeNames=["All"], MessageSystemAttributeNames=["All"]
    )["Messages"]
    assert first["Body"] == "héllo" and first["MD5OfBody"] == sent["MD5OfMessageBody"]
    assert first["MessageAttributes"] == attributes and first["MD5OfMessageAttributes"] == _attribute_digest(
        attributes
    )
    assert first["Attributes"]["ApproximateReceiveCount"] == "1"
    assert abs(int(first["Attributes"]["SentTimestamp"]) / 1000 - time.time()) < 60
    assert "Messages" not in sqs.receive_message(QueueUrl=url), "in flight for 2 s"
    counts = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessagesNotVisible"])
    assert counts["Attributes"] == {"ApproximateNumberOfMessagesNotVisible": "1"}
    time.sleep(2.5)
    [second] = sqs.receive_message(QueueUrl=url, AttributeNames=["ApproximateReceiveCount"])["Messages"]
    assert second["MessageId"] == first["MessageId"]
    assert second["Attributes"] == {"ApproximateReceiveCount": "2"}
    sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=second["ReceiptHandle"], VisibilityTimeout=0)
    [third] = sqs.receive_message(QueueUrl=url, VisibilityTimeout=30)["Messages"]
    sqs.delete_message(QueueUrl=url, ReceiptHandle=third["ReceiptHandle"])
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    with pytest.raises(sqs.exceptions.ReceiptHandleIsInvalid):
        sqs.delete_message(QueueUrl=url, ReceiptHandle="nonsense")


def test_batches_and_purge(aws: Any) -> None:
    sqs = aws("sqs")
    url = sqs.create_queue(QueueName="batch")["QueueUrl"]
    sent = sqs.send_message_batch(
        QueueUrl=url,
        Entries=[
            {"Id": "a", "MessageBody": "one"},
            {"Id": "b", "MessageBody": "two"},
            {"Id": "c", "MessageBody": ""},
        ],
    )
    assert [entry["Id"] for entry in sent["Successful"]] == ["a", "b"]
    assert sent["Successful"][0]["MD5OfMessageBody"] == hashlib.md5(b"one").hexdigest()
    assert [(f["Id"], f["SenderFault"]) for f in sent["Failed"]] == [("c", True)]
    with pytest.raises(sqs.exceptions.BatchEntryIdsNotDistinct):
        sqs.send_message_batch(
            QueueUrl=url, Entries=[{"Id": "x", "MessageBody": "1"}, {"Id": "x", "MessageBody": "2"}]
        )
    with pytest.raises(sqs.exceptions.TooManyEntriesInBatchRequest):
        sqs.send_message_batch(QueueUrl=url, Entries=[{"Id": f"e{i}", "MessageBody": "m"} for i in range(11)])
    messages = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
    assert sorted(m["Body"] for m in messages) == ["one", "two"]
    deleted = sqs.delete_message_batch(
        QueueUrl=url,
        Entries=[{"Id": f"d{i}", "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)],
    )
    assert len(deleted["Successful"]) == 2 and deleted["Failed"] == []
    sqs.send_message(QueueUrl=url, MessageBody="left")
    sqs.purge_queue(QueueUrl=url)
    assert "Messages" not in sqs.receive_message(QueueUrl=url)
    with pytest.raises(ClientError) as bad:
        sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=11)
    assert bad.value.response["Error"]["Code"] == "InvalidParameterValue"


def test_long_poll_returns_when_a_message_arrives(aws: Any) -> None:
    sqs = aws("sqs")
    url = sqs.create_queue(QueueName="poll")["QueueUrl"]
    sender = aws("sqs")
    timer = threading.Timer(1.5, lambda: sender.send_message(QueueUrl=url, MessageBody="late"))
    started = time.monotonic()
    timer.start()
    answer = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=20)
    elapsed = time.monotonic() - started
    timer.join()
    assert [m["Body"] for m in answer["Messages"]] == ["late"]
    assert 1.0 <= elapsed < 15, elapsed
    # While one client waits, the server still answers others.
    waiting = threading.Thread(target=lambda: aws("sqs").receive_message(QueueUrl=url, WaitTimeSeconds=3))
    waiting.start()
    time.sleep(0.3)
    quick = time.monotonic()
    sqs.list_queues()
    assert time.monotonic() - quick < 2.5
    waiting.join()


def test_redrive_to_the_dead_letter_queue_after_max_receive_count(aws: Any) -> None:
    sqs = aws("sqs")
    dead_url = sqs.create_queue(QueueName="dead")["QueueUrl"]
    dead_arn = sqs.get_queue_attributes(QueueUrl=dead_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    url = sqs.create_queue(
        QueueName="jobs",
        Attributes={"RedrivePolicy": json.dumps({"deadLetterTargetArn": dead_arn, "maxReceiveCount": "2"})},
    )["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="poison")
    for _ in range(2):
        assert len(sqs.receive_message(QueueUrl=url, VisibilityTimeout=0)["Messages"]) == 1
    assert "Messages" not in sqs.receive_message(QueueUrl=url, VisibilityTimeout=0)
    [moved] = sqs.receive_message(QueueUrl=dead_url)["Messages"]
    assert moved["Body"] == "poison"


def test_aws_cli_sends_and_receives(live_url: str, transactional_db: Any) -> None:
    env = dict(
        os.environ, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test", AWS_DEFAULT_REGION="us-east-1"
    )
    cli = [sys.executable, "-m", "awscli", "--endpoint-url", live_url, "--output", "json", "sqs"]
    created = subprocess.run(
        [*cli, "create-queue", "--queue-name", "cli"], check=True, env=env, capture_output=True, text=True
    )
    url = json.loads(created.stdout)["QueueUrl"]
    subprocess.run(
        [*cli, "send-message", "--queue-url", url, "--message-body", "hi"],
        check=True,
        env=env,
        capture_output=True,
    )
    received = subprocess.run(
        [*cli, "receive-message", "--queue-url", url], check=True, env=env, capture_output=True, text=True
    )
    assert json.loads(received.stdout)["Messages"][0]["Body"] == "hi"
    missing = subprocess.run(
        [*cli, "get-queue-url", "--queue-name", "nope"], env=env, capture_output=True, text=True
    )
    assert missing.returncode != 0 and "NonExistentQueue" in missing.stderr
