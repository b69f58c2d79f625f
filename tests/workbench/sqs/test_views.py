"""The Queues pages in-process: counts, a queue's messages, the send form (SQS's error beside
the field, keeping what was typed), purge, delete after confirmation; and the approval inbox
naming the queue that carries a task's token."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

from workbench.accounts.services import default_workspace
from workbench.sqs import services
from workbench.sqs.models import Queue


@pytest.mark.django_db
def test_the_list_shows_counts_and_creates_queues() -> None:
    queue = services.create_queue(default_workspace(), "work")
    services.send_message(queue, "a")
    services.send_message(queue, "b")
    services.send_message(queue, "later", delay_seconds=60)
    services.receive_messages(queue)
    page = Client().get("/queues/").content.decode()
    row = re.search(r'<tr data-queue="work">.*?</tr>', page, re.S)
    assert row is not None
    assert re.findall(r'data-count="([a-z-]+)">(\d+)<', row.group(0)) == [
        ("visible", "1"),
        ("in-flight", "1"),
        ("delayed", "1"),
    ]
    created = Client().post("/queues/", {"name": "fresh", "visibility_timeout": "12"})
    assert created.status_code == 302 and created["Location"] == "/queues/fresh/"
    assert Queue.objects.get(name="fresh").attributes == {"VisibilityTimeout": "12"}
    refused = Client().post("/queues/", {"name": "ok-name", "visibility_timeout": "99999"}).content.decode()
    assert 'id="vt-error"' in refused and "InvalidAttributeValue" in refused
    assert 'value="99999"' in refused and 'value="ok-name"' in refused


@pytest.mark.django_db
def test_the_pages_say_when_their_counts_next_change_by_time_alone() -> None:
    """The earliest moment a message of the shown queues becomes visible (a delay ending, a
    visibility timeout running out), for tail.js to read the page again then; none when no
    count will move without a write."""
    queue = services.create_queue(default_workspace(), "work")
    other = services.create_queue(default_workspace(), "other")
    for path in ("/queues/", "/queues/work/"):
        assert "data-live-next" not in Client().get(path).content.decode()
    later = services.send_message(queue, "later", delay_seconds=60)
    services.send_message(other, "sooner", delay_seconds=30)
    services.send_message(queue, "now")
    [taken] = services.receive_messages(queue, visibility_timeout=600)
    stored = {
        row.message_id: row.visible_at for row in services.messages_of(queue) + services.messages_of(other)
    }
    marker = r'<span hidden data-live-next="([^"]+)"></span>'
    detail = re.findall(marker, Client().get("/queues/work/").content.decode())
    assert detail == [stored[later.message_id].isoformat()]  # not the in-flight one, further off
    assert taken.message.visible_at > stored[later.message_id]
    listed = re.findall(marker, Client().get("/queues/").content.decode())
    assert listed == [min(stored.values()).isoformat()]  # the other queue's, sooner


@pytest.mark.django_db
def test_send_purge_and_delete_from_the_queue_page() -> None:
    services.create_queue(default_workspace(), "work")
    client = Client()
    assert client.post("/queues/work/", {"action": "send", "body": "hello", "delay": ""}).status_code == 302
    page = client.get("/queues/work/").content.decode()
    assert 'data-state="visible"' in page and "hello" in page
    # A message's attributes by name and value (a dead letter's ERROR_CODE, say), not a dict.
    attributes = '{"ERROR_CODE": {"DataType": "String", "StringValue": "Boom"}}'
    client.post("/queues/work/", {"action": "send", "body": "dead", "delay": "", "attributes": attributes})
    page = client.get("/queues/work/").content.decode()
    assert re.search(
        r'<dt>ERROR_CODE <small class="muted">String</small></dt><dd class="mono">Boom</dd>', page
    )
    assert "{&#x27;" not in page  # no Python dict on the page
    refused = client.post(
        "/queues/work/", {"action": "send", "body": "kept text", "delay": "901", "attributes": ""}
    ).content.decode()
    assert 'id="delay-error"' in refused and "DelaySeconds" in refused and "kept text" in refused
    refused = client.post(
        "/queues/work/", {"action": "send", "body": "x", "delay": "", "attributes": "{nope"}
    ).content.decode()
    assert 'id="attributes-error"' in refused and "{nope" in refused
    client.post("/queues/work/", {"action": "purge"})
    assert 'id="no-messages"' in client.get("/queues/work/").content.decode()
    asked = client.post("/queues/work/", {"action": "delete"}).content.decode()
    assert 'name="confirm"' in asked and Queue.objects.filter(name="work").exists()
    wrong = client.post("/queues/work/", {"action": "delete", "confirm": "wrok"}).content.decode()
    assert 'id="confirm-error"' in wrong and 'value="wrok"' in wrong
    assert client.post("/queues/work/", {"action": "delete", "confirm": "work"}).status_code == 302
    assert not Queue.objects.filter(name="work").exists()
    assert client.get("/queues/work/").status_code == 404


@pytest.mark.django_db
def test_a_deep_queues_page_lists_its_oldest_messages_and_says_so() -> None:
    """A queue of thousands of messages would be a page of thousands of rows: the page lists
    the oldest ``SHOWN_MESSAGES`` and says the counts are the whole queue's."""
    from workbench.sqs import views

    queue = services.create_queue(default_workspace(), "deep")
    for n in range(views.SHOWN_MESSAGES + 5):
        services.send_message(queue, f"m{n}")
    page = Client().get("/queues/deep/").content.decode()
    assert page.count("<tr data-message=") == views.SHOWN_MESSAGES
    assert 'id="messages-shown"' in page and f'data-count="visible">{views.SHOWN_MESSAGES + 5}<' in page
    assert ">m0</pre>" in page and f">m{views.SHOWN_MESSAGES + 4}</pre>" not in page


@pytest.mark.django_db
def test_a_message_that_is_an_event_links_to_its_journey() -> None:
    """A dead-letter queue's message (or a rule's whole-event delivery) is the event itself:
    the queue page links it to the events list found by its id; any other body gets no link."""
    queue = services.create_queue(default_workspace(), "dlq")
    event = {"version": "0", "id": "e-17", "detail-type": "Order", "source": "shop", "detail": {}}
    services.send_message(queue, json.dumps(event))
    services.send_message(queue, '{"detail-type": "not an event"}')
    services.send_message(queue, "plain text")
    page = Client().get("/queues/dlq/").content.decode()
    assert re.findall(r'class="message-event" href="([^"]+)"', page) == ["/events/?q=e-17"]
