"""The bus page's inbound webhook and the Log groups page in Chromium at phone width: create
the webhook by keyboard, POST to its URL with the secret shown (a wrong one is 401), and see the
event the rule's log-group target wrote listed on the Log groups page."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import pytest

from tests.conftest import wait_for
from tests.support.browser import chromium_page

pytestmark = [pytest.mark.live, pytest.mark.browser]


def _post(url: str, secret: str, body: dict[str, Any]) -> int:
    request = urllib.request.Request(
        url,
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "X-Stepbridge-Webhook-Secret": secret},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return int(exc.code)


def test_webhook_to_log_group_in_the_browser(aws: Any, live_url: str) -> None:
    events = aws("events")
    events.create_event_bus(Name="partner")
    events.put_rule(
        Name="all", EventBusName="partner", EventPattern=json.dumps({"source": ["stepbridge.webhook"]})
    )
    group = "arn:aws:logs:us-east-1:123456789012:log-group:/aws/events/partner"
    events.put_targets(Rule="all", EventBusName="partner", Targets=[{"Id": "log", "Arn": group}])
    with chromium_page() as page:
        page.set_viewport_size({"width": 390, "height": 800})
        page.goto(f"{live_url}/buses/partner/")
        page.focus("#enable-webhook")
        page.keyboard.press("Enter")
        page.wait_for_selector("#webhook-secret")
        url, secret = page.inner_text("#webhook-url").strip(), page.inner_text("#webhook-secret").strip()
        right = page.evaluate("document.querySelector('#webhook').getBoundingClientRect().right")
        assert right <= 390, "the webhook card fits the phone's width"
        assert _post(url, "wrong", {"order": 1}) == 401
        assert _post(url, secret, {"order": 2}) == 200

        def listed() -> bool:
            page.goto(f"{live_url}/log-groups/")
            return page.locator("#log-events li[data-event-id]").count() == 1

        wait_for(listed, timeout=30, interval=0.5)
        assert '"order": 2' in page.inner_text("#log-events") or '"order":2' in page.inner_text("#log-events")
        assert page.get_attribute('nav a[href="/log-groups/"]', "aria-current") == "page"
