"""The Topics pages in-process: create, subscribe, publish (SNS's error beside the field,
keeping what was typed), unsubscribe and delete."""

from __future__ import annotations

import pytest
from django.test import Client

from workbench.accounts.services import default_workspace
from workbench.sns.models import Subscription, Topic
from workbench.sqs import services as sqs


@pytest.mark.django_db
def test_topic_pages_subscribe_publish_and_delete() -> None:
    queue = sqs.create_queue(default_workspace(), "inbox")
    client = Client()
    assert client.post("/topics/", {"name": "orders"})["Location"] == "/topics/orders/"
    refused = client.post("/topics/", {"name": "bad name"}).content.decode()
    assert 'id="name-error"' in refused and 'value="bad name"' in refused
    arn = sqs.queue_arn(queue)
    client.post("/topics/orders/", {"action": "subscribe", "protocol": "sqs", "endpoint": arn})
    assert Subscription.objects.filter(endpoint=arn).exists()
    refused = client.post(
        "/topics/orders/", {"action": "subscribe", "protocol": "sqs", "endpoint": "not-an-arn"}
    ).content.decode()
    assert 'id="endpoint-error"' in refused and 'value="not-an-arn"' in refused
    client.post("/topics/orders/", {"action": "publish", "subject": "", "message": "hi"})
    [received] = sqs.receive_messages(queue)
    assert '"Message": "hi"' in received.message.body
    page = client.get("/topics/orders/").content.decode()
    assert 'data-ok="true"' in page and arn in page
    refused = client.post(
        "/topics/orders/", {"action": "publish", "subject": "kept", "message": ""}
    ).content.decode()
    assert 'id="message-error"' in refused and 'value="kept"' in refused
    client.post("/topics/orders/", {"action": "delete"})
    assert not Topic.objects.filter(name="orders").exists()
    assert client.get("/topics/orders/").status_code == 404


@pytest.mark.django_db
def test_the_query_api_refuses_nul_and_unknown_actions_in_snss_shape() -> None:
    signed = (
        "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/sns/aws4_request, "
        "SignedHeaders=host, Signature=0"
    )
    client = Client()
    nul = client.post("/", {"Action": "CreateTopic", "Name": "a\x00b"}, HTTP_AUTHORIZATION=signed)
    assert nul.status_code == 400 and b"<Code>ValidationError</Code>" in nul.content
    unknown = client.post("/", {"Action": "Frobnicate"}, HTTP_AUTHORIZATION=signed)
    assert unknown.status_code == 400 and b"<Code>InvalidAction</Code>" in unknown.content
    missing = client.post("/", {"Action": "Publish", "Message": "m"}, HTTP_AUTHORIZATION=signed)
    assert missing.status_code == 400 and b"<Code>InvalidParameter</Code>" in missing.content
    assert not Topic.objects.exists()
