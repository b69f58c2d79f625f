"""The approval inbox for a token sent to a queue (sqs:sendMessage.waitForTaskToken): the task
is listed as before, with the queue and the message that carries its token; approving it goes
through SendTaskSuccess as for any other waiting task."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

from tests.support.inprocess import Broker, start
from workbench.accounts.services import default_workspace
from workbench.sqs import services as sqs
from workbench.stepfunctions.models import Execution

ASK = {
    "StartAt": "Ask",
    "States": {
        "Ask": {
            "Type": "Task",
            "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
            "Parameters": {
                "QueueUrl": "http://127.0.0.1:8000/123456789012/approvals",
                "MessageBody": {"order.$": "$.order", "token.$": "$$.Task.Token"},
            },
            "End": True,
        }
    },
}


@pytest.mark.django_db(transaction=True)
def test_a_token_sent_to_a_queue_shows_the_queue_and_can_be_approved(broker: Broker) -> None:
    queue = sqs.create_queue(default_workspace(), "approvals")
    execution = start(ASK, name="asker", input_text='{"order": "o-7"}')
    broker.drain()
    [received] = sqs.receive_messages(queue)
    body = json.loads(received.message.body)
    assert body["order"] == "o-7"

    page = Client().get("/inbox/").content.decode()
    item = re.search(r'<section class="card inbox-item".*?</section>', page, re.S)
    assert item is not None and 'data-state="Ask"' in item.group(0)
    assert 'data-queue="approvals"' in item.group(0) and received.message.message_id in item.group(0)
    assert "received 1 time." in item.group(0)

    Client().post("/inbox/", {"token": body["token"], "decision": "approve", "output": '{"ok": 1}'})
    broker.drain()
    execution.refresh_from_db()
    assert execution.status == Execution.SUCCEEDED and json.loads(execution.output) == {"ok": 1}
