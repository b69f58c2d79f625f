"""The Schedules pages in Chromium at phone width against the served workbench: a refused
expression is shown beside its field with what was typed kept; the created schedule shows its
next firing, boto3's ``scheduler`` client sees it, and the page disables it. Then the story of a
new user: create with optional settings (two refusals shown at once in the opened "Optional
settings", each beside its field), open the schedule's page from its name, change one setting
in the pre-filled edit form (GetSchedule shows the others unchanged, as UpdateSchedule would
reset them otherwise), and delete it after the confirm; nothing is wider than the screen.

AWS behaviour followed: CreateSchedule, GetSchedule, UpdateSchedule, DeleteSchedule
(EventBridge Scheduler API Reference)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.browser import chromium_page, tab_to

pytestmark = [pytest.mark.live, pytest.mark.browser]

FUNCTION = "arn:aws:lambda:us-east-1:123456789012:function:echo"
NO_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"


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


def test_create_open_edit_and_delete_a_schedule_at_phone_width(aws: Any, live_url: str) -> None:
    scheduler = aws("scheduler")
    sqs = aws("sqs")
    queue_url = sqs.create_queue(QueueName="schedule-dlq")["QueueUrl"]
    attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"]
    dlq_arn = attributes["QueueArn"]
    with chromium_page() as page:
        page.set_viewport_size({"width": 390, "height": 844})
        page.goto(f"{live_url}/scheduler/")
        form = "#create-schedule"
        page.fill(f"{form} input[name=name]", "hourly-sync")
        page.fill(f"{form} input[name=expression]", "rate(1 hour)")
        page.fill(f"{form} input[name=target]", FUNCTION)
        tab_to(page, "#optional-settings summary")
        page.keyboard.press("Enter")  # the optional settings open from the keyboard
        page.select_option(f"{form} select[name=window_mode]", "FLEXIBLE")
        page.fill(f"{form} input[name=retry_attempts]", "two")
        page.select_option(f"{form} select[name=dead_letter]", dlq_arn)
        page.fill(f"{form} input[name=description]", "Sync every hour")
        page.click(f"{form} button[type=submit]")
        page.wait_for_selector("#window_minutes-error")
        assert "MaximumWindowInMinutes is required" in page.inner_text("#window_minutes-error")
        assert "must be a whole number" in page.inner_text("#retry_attempts-error")
        assert page.is_visible("#retry_attempts-error"), "the optional settings stay open to show it"
        assert page.input_value(f"{form} input[name=retry_attempts]") == "two"
        assert page.input_value(f"{form} select[name=dead_letter]") == dlq_arn
        assert page.evaluate(NO_SCROLL)
        page.fill(f"{form} input[name=window_minutes]", "10")
        page.fill(f"{form} input[name=retry_attempts]", "2")
        page.click(f"{form} button[type=submit]")
        page.wait_for_selector('#schedules tr[data-schedule="hourly-sync"]')
        assert page.evaluate(NO_SCROLL)

        page.click('#schedules a:text-is("hourly-sync")')
        page.wait_for_selector("#edit-schedule")
        settings = page.inner_text("#settings")
        assert "FLEXIBLE, within 10 minutes" in settings and "Sync every hour" in settings
        assert "2 attempts at most" in settings and "schedule-dlq" in settings
        assert page.evaluate(NO_SCROLL)
        assert page.input_value("#edit-schedule input[name=window_minutes]") == "10"
        before = scheduler.get_schedule(Name="hourly-sync")
        page.fill("#edit-schedule input[name=description]", "Sync every hour, edited")
        page.click("#edit-schedule button[type=submit]")
        page.wait_for_url("**/scheduler/default/hourly-sync/?done=schedule-updated*")
        assert "Sync every hour, edited" in page.inner_text("#settings")
        after = scheduler.get_schedule(Name="hourly-sync")
        assert after["Description"] == "Sync every hour, edited"
        for key in ("ScheduleExpression", "FlexibleTimeWindow", "Target", "State", "ActionAfterCompletion"):
            assert after[key] == before[key], key
        assert after["Target"]["DeadLetterConfig"] == {"Arn": dlq_arn}
        assert after["Target"]["RetryPolicy"]["MaximumRetryAttempts"] == 2

        page.once("dialog", lambda dialog: dialog.accept())
        page.click("#delete-schedule")
        page.wait_for_url("**/scheduler/?done=schedule-deleted*")
        assert page.locator('#schedules tr[data-schedule="hourly-sync"]').count() == 0
    with pytest.raises(scheduler.exceptions.ResourceNotFoundException):
        scheduler.get_schedule(Name="hourly-sync")
