"""Pages that follow their rows live, in Chromium against the served workbench (embedded mode,
its deliveries made by the delivery process, which relays its nudges to the server): a queue's
page and the queue list show boto3's SendMessage, ReceiveMessage and DeleteMessage and an
EventBridge rule's delivery to the queue without a reload; the Archives page shows each
archive's event count grow as boto3 puts events (static/console/tail.js, live.publish)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.support.browser import chromium_page

pytestmark = [pytest.mark.live, pytest.mark.browser]

NOT_RELOADED = "window.stepbridgeNotReloaded === true"


def _wait_for_text(page: Any, selector: str, text: str) -> None:
    page.wait_for_function(
        "([selector, text]) => document.querySelector(selector)?.textContent.trim() === text",
        arg=[selector, text],
        timeout=15_000,
    )


def test_a_queue_page_and_the_queue_list_follow_boto3_and_deliveries(aws: Any, live_url: str) -> None:
    sqs, events = aws("sqs"), aws("events")
    url = sqs.create_queue(QueueName="orders")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sqs.create_queue(QueueName="other")
    with chromium_page() as page:
        listing = page.context.browser.new_page()  # a second window of the same browser
        page.goto(f"{live_url}/queues/orders/")
        listing.goto(f"{live_url}/queues/")
        for tab, panel in ((page, "#counts"), (page, "#messages-panel"), (listing, "#queues-panel")):
            tab.evaluate("window.stepbridgeNotReloaded = true")
            tab.wait_for_selector(f'{panel}[data-live-state="open"]')
        _wait_for_text(page, '[data-count="visible"]', "0")

        sqs.send_message(QueueUrl=url, MessageBody="first")
        _wait_for_text(page, '[data-count="visible"]', "1")
        page.wait_for_selector('#messages tr[data-state="visible"]')
        assert "first" in page.inner_text("#messages")
        _wait_for_text(listing, '#queues tr[data-queue="orders"] [data-count="visible"]', "1")

        [message] = sqs.receive_message(QueueUrl=url, VisibilityTimeout=600)["Messages"]
        _wait_for_text(page, '[data-count="in-flight"]', "1")
        _wait_for_text(page, '[data-count="visible"]', "0")
        page.wait_for_selector('#messages tr[data-state="in flight"]')
        sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        _wait_for_text(page, '[data-count="in-flight"]', "0")
        page.wait_for_selector("#no-messages")

        # A rule's delivery to the queue, made by the delivery process.
        events.put_rule(Name="to-orders", EventPattern=json.dumps({"source": ["shop"]}))
        events.put_targets(Rule="to-orders", Targets=[{"Id": "q", "Arn": arn}])
        entry = {"Source": "shop", "DetailType": "Paid", "Detail": json.dumps({"n": 1})}
        assert events.put_events(Entries=[entry])["FailedEntryCount"] == 0
        _wait_for_text(page, '[data-count="visible"]', "1")
        assert '"Paid"' in page.inner_text("#messages")
        _wait_for_text(listing, '#queues tr[data-queue="orders"] [data-count="visible"]', "1")
        assert listing.inner_text('#queues tr[data-queue="other"] [data-count="visible"]') == "0"
        assert page.evaluate(NOT_RELOADED) and listing.evaluate(NOT_RELOADED)


def test_the_archives_page_counts_events_as_they_are_archived(aws: Any, live_url: str) -> None:
    events = aws("events")
    events.create_event_bus(Name="orders")
    bus_arn = events.describe_event_bus(Name="orders")["Arn"]
    events.create_archive(ArchiveName="orders-all", EventSourceArn=bus_arn)
    count = '#archives tr[data-archive="orders-all"] [data-count]'
    with chromium_page() as page:
        page.goto(f"{live_url}/archives/")
        page.evaluate("window.stepbridgeNotReloaded = true")
        page.wait_for_selector('#archives-panel[data-live-state="open"]')
        _wait_for_text(page, count, "0")
        entry = {"Source": "shop", "DetailType": "Paid", "Detail": "{}", "EventBusName": "orders"}
        for expected in ("1", "3"):
            entries = [entry] * (1 if expected == "1" else 2)
            assert events.put_events(Entries=entries)["FailedEntryCount"] == 0
            _wait_for_text(page, count, expected)
        assert page.evaluate(NOT_RELOADED)
    assert events.describe_archive(ArchiveName="orders-all")["EventCount"] == 3


def test_a_delayed_message_shows_as_visible_when_its_delay_ends_with_no_write(
    aws: Any, live_url: str
) -> None:
    """No commit says a delay ended: the page marks the moment (data-live-next) and reads
    itself again just after it."""
    sqs = aws("sqs")
    url = sqs.create_queue(QueueName="later")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="wait for me", DelaySeconds=2)
    with chromium_page() as page:
        page.goto(f"{live_url}/queues/later/")
        page.evaluate("window.stepbridgeNotReloaded = true")
        assert page.inner_text('[data-count="delayed"]') == "1"
        _wait_for_text(page, '[data-count="visible"]', "1")
        _wait_for_text(page, '[data-count="delayed"]', "0")
        page.wait_for_selector('#messages tr[data-state="visible"]')
        assert page.evaluate(NOT_RELOADED)
