"""The Queues and Topics pages in Chromium at phone width (390 px), driven by the keyboard:
create a queue, send a message that boto3 then receives, see a refused send keep its text with
the error beside the field, delete after confirming; publish to a topic into a subscribed queue."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.support.browser import chromium_page

pytestmark = [pytest.mark.live, pytest.mark.browser]


def test_queue_pages_by_keyboard_at_phone_width(aws: Any, live_url: str) -> None:
    sqs = aws("sqs")
    with chromium_page() as page:
        page.set_viewport_size({"width": 390, "height": 800})
        page.goto(f"{live_url}/queues/")
        page.focus("#create-queue input[name=name]")
        page.keyboard.type("jobs")
        page.keyboard.press("Enter")
        page.wait_for_url(f"{live_url}/queues/jobs/")
        page.focus("#send-message textarea[name=body]")
        page.keyboard.type('{"job": 1}')
        page.keyboard.press("Tab")
        page.keyboard.type("901")  # delay out of range: refused beside the field
        page.keyboard.press("Tab")
        page.keyboard.press("Tab")
        page.keyboard.press("Enter")
        page.wait_for_selector("#delay-error")
        assert page.input_value("#send-message textarea[name=body]") == '{"job": 1}'
        assert page.get_attribute("#send-message input[name=delay]", "aria-describedby") == "delay-error"
        page.fill("#send-message input[name=delay]", "")
        page.click("#send-message button")
        page.wait_for_selector('#messages tr[data-state="visible"]')
        width = page.evaluate("document.querySelector('#send-message').getBoundingClientRect().right")
        assert width <= 390, "the send form fits the phone's width"

        url = sqs.get_queue_url(QueueName="jobs")["QueueUrl"]
        [message] = sqs.receive_message(QueueUrl=url)["Messages"]
        assert json.loads(message["Body"]) == {"job": 1}
        page.reload()
        assert page.locator('#messages tr[data-state="in flight"]').count() == 1
        assert page.inner_text('#counts [data-count="in-flight"]') == "1"

        page.click("#delete-queue button")
        page.wait_for_selector("#delete-queue input[name=confirm]")
        page.keyboard.type("jobs")
        page.keyboard.press("Enter")
        page.wait_for_url(f"{live_url}/queues/")
    with pytest.raises(sqs.exceptions.QueueDoesNotExist):
        sqs.get_queue_url(QueueName="jobs")


def test_publish_from_the_topic_page_reaches_a_subscribed_queue(aws: Any, live_url: str) -> None:
    sqs, sns = aws("sqs"), aws("sns")
    url = sqs.create_queue(QueueName="listeners")["QueueUrl"]
    topic = sns.create_topic(Name="news")["TopicArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint="arn:aws:sqs:us-east-1:123456789012:listeners")
    with chromium_page() as page:
        page.set_viewport_size({"width": 390, "height": 800})
        page.goto(f"{live_url}/topics/")
        page.click('#topics a:text("news")')
        page.fill("#publish input[name=subject]", "Extra")
        page.fill("#publish textarea[name=message]", "read all about it")
        page.click("#publish button")
        page.wait_for_selector('#deliveries li[data-ok="true"]')
    [message] = sqs.receive_message(QueueUrl=url)["Messages"]
    envelope = json.loads(message["Body"])
    assert (envelope["Subject"], envelope["Message"]) == ("Extra", "read all about it")
