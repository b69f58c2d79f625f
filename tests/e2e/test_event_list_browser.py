"""The events list across buses in real Chromium: events sent with boto3 to two buses, found
by filter and search, opened to their journey, and the page at 390 px without horizontal
scroll. Screenshots land in docs/console-events*.png."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import wait_for

pytestmark = [pytest.mark.live, pytest.mark.browser]

DOCS = Path(__file__).resolve().parents[2] / "docs"
NO_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"


def test_events_across_buses_filtered_and_opened(aws: Any, live_url: str) -> None:
    from tests.support.browser import chromium_page
    from workbench.events.models import ReceivedEvent

    events = aws("events")
    events.create_event_bus(Name="list-orders")
    events.create_event_bus(Name="list-billing")
    entries = [
        {
            "Source": "shop",
            "DetailType": "Paid",
            "Detail": json.dumps({"order": "o-4711"}),
            "EventBusName": "list-orders",
        },
        {"Source": "crm", "DetailType": "Signed", "Detail": "{}", "EventBusName": "list-orders"},
        {"Source": "ledger", "DetailType": "Invoiced", "Detail": "{}", "EventBusName": "list-billing"},
    ]
    events.put_events(Entries=entries)
    wait_for(lambda: ReceivedEvent.objects.filter(bus__name__startswith="list-").count() == 3)
    with chromium_page() as page:
        page.set_viewport_size({"width": 1280, "height": 800})
        page.goto(f"{live_url}/buses/")
        page.click('nav a[href="/events/"]')
        page.wait_for_selector("#events tr[data-event-id]")
        assert page.locator("#events tr[data-event-id]").count() == 3
        page.select_option('#event-filters select[name="bus"]', "list-orders")
        page.click("#event-filters button[type=submit]")
        page.wait_for_url("**/events/?bus=list-orders*")
        assert page.locator("#events tr[data-event-id]").count() == 2
        page.fill('#event-filters input[name="q"]', "o-4711")
        page.click("#event-filters button[type=submit]")
        page.wait_for_function("document.querySelectorAll('#events tr[data-event-id]').length === 1")
        assert "shop" in page.inner_text("#events tbody") and page.input_value('input[name="q"]') == "o-4711"
        page.goto(f"{live_url}/events/")
        page.fill('#event-filters input[name="from"]', "2024-01-01T00:00")
        page.fill('#event-filters input[name="q"]', "x" * 300)
        page.click("#event-filters button[type=submit]")
        assert page.locator('.field-error[data-field="q"]').is_visible()
        page.goto(f"{live_url}/events/")
        page.screenshot(path=str(DOCS / "console-events.png"))
        page.click("#events tbody tr:first-child td:first-child a")
        page.wait_for_url("**/buses/list-billing/events/**")
        page.set_viewport_size({"width": 390, "height": 844})
        page.goto(f"{live_url}/events/")
        assert page.evaluate(NO_SCROLL)
        page.screenshot(path=str(DOCS / "console-events-phone.png"), full_page=True)


def test_the_bus_page_and_the_dashboard_follow_over_their_websockets(aws: Any, live_url: str) -> None:
    """No polling is left: what appears without a reload came over the socket."""
    from tests.support.browser import chromium_page

    events = aws("events")
    events.create_event_bus(Name="tail-bus")
    sfn = aws("stepfunctions")
    park = {"StartAt": "Park", "States": {"Park": {"Type": "Wait", "Seconds": 3600, "End": True}}}
    machine = sfn.create_state_machine(
        name="tail-park", definition=json.dumps(park), roleArn="arn:aws:iam::123456789012:role/unit"
    )["stateMachineArn"]
    with chromium_page() as page:
        page.set_viewport_size({"width": 1280, "height": 800})
        page.goto(f"{live_url}/buses/tail-bus/")
        page.wait_for_selector('#recent-events-panel[data-live-state="open"]')
        rows = "#recent-events-panel tr[data-event-id]"
        assert page.locator(rows).count() == 0
        entry = {"Source": "tail", "DetailType": "Tailed", "Detail": "{}", "EventBusName": "tail-bus"}
        events.put_events(Entries=[entry])
        page.wait_for_function(f"document.querySelectorAll('{rows}').length === 1", timeout=10_000)
        assert "Tailed" in page.inner_text("#recent-events-panel")

        page.goto(f"{live_url}/")
        page.wait_for_selector('#dashboard[data-live-state="open"]')
        running = int(page.inner_text("#count-running"))
        sfn.start_execution(stateMachineArn=machine, name="tail-run")
        page.wait_for_function(
            f"document.getElementById('count-running').textContent.trim() === '{running + 1}'", timeout=10_000
        )
