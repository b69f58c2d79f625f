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
