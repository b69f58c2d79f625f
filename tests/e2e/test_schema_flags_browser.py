"""A bus that flags events not fitting its schema (beyond AWS): in Chromium, the binding made in
the schema page's form, a flagged event tailed into the bus page with its badge, the badge
reached by keyboard and leading to the journey page's list of problems."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from tests.support.browser import chromium_page, tab_to

pytestmark = [pytest.mark.live, pytest.mark.browser]

SCHEMA = {
    "openapi": "3.0.0",
    "info": {"title": "OrderPlaced", "version": "1.0.0"},
    "paths": {},
    "components": {
        "schemas": {
            "AWSEvent": {
                "type": "object",
                "required": ["detail"],
                "properties": {"detail": {"$ref": "#/components/schemas/OrderPlaced"}},
            },
            "OrderPlaced": {
                "type": "object",
                "required": ["orderId"],
                "properties": {"orderId": {"type": "string"}, "amount": {"type": "number"}},
            },
        }
    },
}


def test_a_flagged_event_shows_its_badge_on_the_bus_page(aws: Callable[[str], Any], live_url: str) -> None:
    events = aws("events")
    events.create_event_bus(Name="orders")
    schemas = aws("schemas")
    schemas.create_registry(RegistryName="shop")
    schemas.create_schema(
        RegistryName="shop", SchemaName="OrderPlaced", Type="OpenApi3", Content=json.dumps(SCHEMA)
    )

    with chromium_page() as page:
        page.set_viewport_size({"width": 1280, "height": 800})
        page.goto(f"{live_url}/schemas/shop/OrderPlaced/")
        page.select_option("select[name=bus]", "orders")
        page.select_option("select[name=mode]", "flag")
        page.click("form[aria-labelledby=validation-heading] button[type=submit]")
        page.wait_for_selector(".bound[data-bus='orders']")

        page.goto(f"{live_url}/buses/orders/")
        rows = ".recent-events tr[data-event-id]"
        assert page.locator(rows).count() == 0
        [result] = events.put_events(
            Entries=[
                {
                    "EventBusName": "orders",
                    "Source": "shop",
                    "DetailType": "OrderPlaced",
                    "Detail": json.dumps({"orderId": "o-1", "amount": "12.50"}),
                }
            ]
        )["Entries"]
        assert "EventId" in result  # flagged, not refused
        badge = f'.recent-events tr[data-event-id="{result["EventId"]}"] .schema-flag'
        page.wait_for_selector(badge, timeout=20_000)  # the live tail brings it without a reload
        assert page.inner_text(badge) == "schema: detail.amount type"

        page.set_viewport_size({"width": 390, "height": 800})
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")  # usable at 390px
        page.set_viewport_size({"width": 1280, "height": 800})
        tab_to(page, badge)
        page.keyboard.press("Enter")
        page.wait_for_selector("#schema-problems")
        assert "is not of type 'number'" in page.inner_text("#schema-problems")
