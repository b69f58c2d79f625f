"""The Schedules page in Chromium at phone width: a refused expression is shown beside its
field with what was typed kept; the created schedule shows its next firing, boto3's
``scheduler`` client sees it, and the page disables it."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.browser import chromium_page

pytestmark = [pytest.mark.live, pytest.mark.browser]

FUNCTION = "arn:aws:lambda:us-east-1:123456789012:function:echo"


def test_create_and_disable_a_schedule_in_the_browser(aws: Any, live_url: str) -> None:
    scheduler = aws("scheduler")
    with chromium_page() as page:
        page.set_viewport_size({"width": 390, "height": 800})
        page.goto(f"{live_url}/scheduler/")
        page.fill("#create-schedule input[name=name]", "weekday-report")
        page.fill("#create-schedule input[name=expression]", "cron(0 9 * * MON-FRI *)")
        page.fill("#create-schedule input[name=target]", FUNCTION)
        page.click("#create-schedule button[type=submit]")
        page.wait_for_selector("#expression-error")
        assert "Invalid Schedule Expression" in page.inner_text("#expression-error")
        assert page.input_value("#create-schedule input[name=expression]") == "cron(0 9 * * MON-FRI *)"
        assert page.input_value("#create-schedule input[name=target]") == FUNCTION
        page.fill("#create-schedule input[name=expression]", "cron(0 9 ? * MON-FRI *)")
        page.focus("#create-schedule input[name=expression]")
        page.keyboard.press("Enter")
        page.wait_for_selector('#schedules tr[data-schedule="weekday-report"][data-state="ENABLED"] time')
        right = page.evaluate("document.querySelector('#create-schedule').getBoundingClientRect().right")
        assert right <= 390, "the create form fits the phone's width"
        assert (
            scheduler.get_schedule(Name="weekday-report")["ScheduleExpression"] == "cron(0 9 ? * MON-FRI *)"
        )
        page.click('button[aria-label="Disable weekday-report"]')
        page.wait_for_selector('#schedules tr[data-schedule="weekday-report"][data-state="DISABLED"]')
    assert scheduler.get_schedule(Name="weekday-report")["State"] == "DISABLED"
