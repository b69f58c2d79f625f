"""A bus of another workspace as a rule target and as a PutEvents destination, through boto3,
gated by that bus's resource policy (EventBridge User Guide, "Sending and receiving events
between AWS accounts in Amazon EventBridge"; API Reference: PutPermission)."""

from __future__ import annotations

import json
from typing import Any

import boto3
import pytest

from tests.conftest import wait_for
from tests.support.events import PATTERN, entry
from workbench.accounts.models import Workspace

pytestmark = pytest.mark.live

OTHER_ACCOUNT = "210987654321"


def _messages(sqs: Any, url: str) -> list[dict[str, Any]]:
    got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, MessageAttributeNames=["All"])
    return list(got.get("Messages", []))


def test_bus_to_bus_across_workspaces_follows_the_receivers_policy(aws: Any, live_url: str) -> None:
    Workspace.objects.create(name="receiver", account_id=OTHER_ACCOUNT, access_key_id="receiver")

    def receiver(service: str) -> Any:
        return boto3.session.Session().client(
            service,
            endpoint_url=live_url,
            region_name="us-east-1",
            aws_access_key_id="receiver",
            aws_secret_access_key="test",
        )

    their_events, their_sqs = receiver("events"), receiver("sqs")
    inbound = their_events.create_event_bus(Name="inbound")["EventBusArn"]
    assert f":{OTHER_ACCOUNT}:" in inbound
    inbox = their_sqs.create_queue(QueueName="inbox")["QueueUrl"]
    inbox_arn = their_sqs.get_queue_attributes(QueueUrl=inbox, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    their_events.put_rule(Name="all", EventBusName="inbound", EventPattern=json.dumps(PATTERN))
    their_events.put_targets(Rule="all", EventBusName="inbound", Targets=[{"Id": "q", "Arn": inbox_arn}])

    events, sqs = aws("events"), aws("sqs")
    dlq = sqs.create_queue(QueueName="refused")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(Name="forward", EventPattern=json.dumps(PATTERN))
    events.put_targets(
        Rule="forward",
        Targets=[
            {
                "Id": "their-bus",
                "Arn": inbound,
                "RetryPolicy": {"MaximumRetryAttempts": 0},
                "DeadLetterConfig": {"Arn": dlq_arn},
            }
        ],
    )

    # No policy yet: a direct PutEvents is refused, and the forwarded event dead-letters.
    direct = events.put_events(Entries=[{**entry(n=0), "EventBusName": inbound}])
    assert direct["FailedEntryCount"] == 1 and direct["Entries"][0]["ErrorCode"] == "AccessDeniedException"
    events.put_events(Entries=[entry(n=1)])
    [dead] = wait_for(lambda: _messages(sqs, dlq))
    assert dead["MessageAttributes"]["ERROR_CODE"]["StringValue"] == "AccessDeniedException"
    assert dead["MessageAttributes"]["TARGET_ARN"]["StringValue"] == inbound

    their_events.put_permission(
        EventBusName="inbound", Action="events:PutEvents", Principal="123456789012", StatementId="sender"
    )
    policy = json.loads(their_events.describe_event_bus(Name="inbound")["Policy"])
    assert policy["Statement"][0]["Principal"] == {"AWS": "arn:aws:iam::123456789012:root"}
    sent = events.put_events(Entries=[entry(n=2), {**entry(n=3), "EventBusName": inbound}])
    assert sent["FailedEntryCount"] == 0
    received: list[dict[str, Any]] = []
    wait_for(lambda: received.extend(_messages(their_sqs, inbox)) or len(received) >= 2)
    bodies = {json.loads(m["Body"])["detail"]["n"]: json.loads(m["Body"]) for m in received}
    assert set(bodies) == {2, 3}
    assert bodies[2]["id"] == sent["Entries"][0]["EventId"]  # the event kept its id on the way
    assert bodies[2]["account"] == bodies[3]["account"] == "123456789012"
