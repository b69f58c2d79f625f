"""The virtual clock served (issue 12 item 6): driven over HTTP as curl drives it while the
served stack (in distributed mode, a separate Celery worker) makes the task calls; a clock
running N times faster fires through ETA messages; the top bar's control in the browser.
"""

from __future__ import annotations

import json
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.conftest import wait_for
from tests.support.browser import chromium_page
from tests.support.mocks import mock_functions

pytestmark = [pytest.mark.live]

ROLE = "arn:aws:iam::123456789012:role/r"
FN = "arn:aws:lambda:us-east-1:123456789012:function:flaky"
T0 = datetime(2030, 1, 1, 9, 0, tzinfo=UTC)
WEEK_THEN_BACKOFF = {
    "StartAt": "Week",
    "States": {
        "Week": {"Type": "Wait", "Seconds": 7 * 86400, "Next": "Charge"},
        "Charge": {
            "Type": "Task",
            "Resource": FN,
            "Retry": [
                {"ErrorEquals": ["States.ALL"], "IntervalSeconds": 2, "BackoffRate": 2, "MaxAttempts": 3}
            ],
            "End": True,
        },
    },
}


def _clock(live_url: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    request = urllib.request.Request(
        f"{live_url}/_stepbridge/clock",
        data=None if body is None else json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="GET" if body is None else "POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        answer: dict[str, Any] = json.loads(response.read())
        return answer


def test_a_week_long_wait_and_the_back_off_follow_the_clock_through_the_served_stack(
    aws: Any, live_url: str
) -> None:
    sfn = aws("stepfunctions")
    mock_functions({"flaky": [{"error": "Boom", "cause": "down"}] * 3 + [{"output": {"paid": True}}]})
    _clock(live_url, {"action": "freeze", "at": "2030-01-01T09:00:00Z"})
    try:
        machine = sfn.create_state_machine(
            name="patient", definition=json.dumps(WEEK_THEN_BACKOFF), roleArn=ROLE
        )
        arn = sfn.start_execution(stateMachineArn=machine["stateMachineArn"], name="one")["executionArn"]
        assert _clock(live_url, {"action": "advance", "duration": "6d23h"})["fired"] == []
        assert sfn.describe_execution(executionArn=arn)["status"] == "RUNNING"
        reached: list[str] = []
        deadline = time.monotonic() + 60
        while sfn.describe_execution(executionArn=arn)["status"] == "RUNNING":
            assert time.monotonic() < deadline, "the execution did not end"
            state = _clock(live_url)
            if state["next"] is None:  # the worker is still making the task call
                time.sleep(0.05)
                continue
            reached.append(_clock(live_url, {"action": "advance", "to": "next"})["now"])
        described = sfn.describe_execution(executionArn=arn)
        assert described["status"] == "SUCCEEDED" and json.loads(described["output"]) == {"paid": True}
        assert described["startDate"] == T0
        assert reached == [
            "2030-01-08T09:00:00.000Z",
            "2030-01-08T09:00:02.000Z",
            "2030-01-08T09:00:06.000Z",
            "2030-01-08T09:00:14.000Z",
        ]
        events = sfn.get_execution_history(executionArn=arn)["events"]
        scheduled = [e["timestamp"] for e in events if e["type"] == "LambdaFunctionScheduled"]
        week = T0 + timedelta(days=7)
        assert scheduled == [week + timedelta(seconds=s) for s in (0, 2, 6, 14)]
        assert described["stopDate"] == week + timedelta(seconds=14)
    finally:
        _clock(live_url, {"action": "real"})


def test_a_clock_running_a_hundred_times_faster_ends_a_wait_through_its_eta_message(
    aws: Any, live_url: str
) -> None:
    sfn = aws("stepfunctions")
    wait = {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 200, "End": True}}}
    _clock(live_url, {"action": "run", "rate": 100})
    try:
        machine = sfn.create_state_machine(name="hurried", definition=json.dumps(wait), roleArn=ROLE)
        began = time.monotonic()
        arn = sfn.start_execution(stateMachineArn=machine["stateMachineArn"])["executionArn"]
        wait_for(lambda: sfn.describe_execution(executionArn=arn)["status"] == "SUCCEEDED", timeout=30)
        # 200 virtual seconds are 2 real ones; never sooner.
        assert 1.9 <= time.monotonic() - began < 30
    finally:
        _clock(live_url, {"action": "real"})


@pytest.mark.browser
def test_the_top_bar_control_turns_the_clock_on_and_ends_a_wait(aws: Any, live_url: str) -> None:
    sfn = aws("stepfunctions")
    wait = {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 1800, "End": True}}}
    machine = sfn.create_state_machine(name="half-hour", definition=json.dumps(wait), roleArn=ROLE)
    arn = sfn.start_execution(stateMachineArn=machine["stateMachineArn"])["executionArn"]
    try:
        with chromium_page() as page:
            page.set_viewport_size({"width": 390, "height": 800})
            page.goto(f"{live_url}/executions/")
            clock = page.locator("#clock")
            clock.get_by_role("button", name="Virtual clock").click()
            page.wait_for_selector('#clock[data-mode="FROZEN"]')
            assert "next timer" in clock.inner_text()
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
            plus_hour = clock.get_by_role("button", name="+1 h")
            plus_hour.focus()
            page.keyboard.press("Enter")  # keyboard reachable
            wait_for(lambda: sfn.describe_execution(executionArn=arn)["status"] == "SUCCEEDED", timeout=30)
            clock.get_by_role("button", name="Real time").click()
            page.wait_for_selector('#clock[data-mode="REAL"]')
            assert clock.get_by_role("button", name="Next timer").is_hidden()
    finally:
        _clock(live_url, {"action": "real"})


def test_a_scheduled_rule_runs_as_the_clock_reaches_it_through_boto3(aws: Any, live_url: str) -> None:
    """PutRule refuses what AWS refuses, word for word; a rate(1 minute) rule's runs reach its
    function target as a Scheduled Event once per virtual minute."""
    from botocore.exceptions import ClientError

    from workbench.functions.models import Invocation

    events = aws("events")
    with pytest.raises(ClientError) as refused:
        events.put_rule(Name="bad", ScheduleExpression="rate(1 minutes)")
    assert refused.value.response["Error"] == {
        "Code": "ValidationException",
        "Message": "Parameter ScheduleExpression is not valid.",
    }
    mock_functions({"tick": [{"output": "ok"}]})
    _clock(live_url, {"action": "freeze", "at": "2030-01-01T09:00:00Z"})
    try:
        events.put_rule(Name="every-minute", ScheduleExpression="rate(1 minute)")
        events.put_targets(Rule="every-minute", Targets=[{"Id": "fn", "Arn": FN.replace(":flaky", ":tick")}])
        fired = _clock(live_url, {"action": "advance", "duration": "3m"})["fired"]
        assert [f["dueAt"] for f in fired] == [
            "2030-01-01T09:01:00.000Z",
            "2030-01-01T09:02:00.000Z",
            "2030-01-01T09:03:00.000Z",
        ]
        wait_for(lambda: Invocation.objects.count() == 3, timeout=30)
        # Each run is its own delivery, delivered side by side: EventBridge promises no order
        # ("Amazon EventBridge events": events may arrive out of order), so they are compared
        # by their time.
        payloads = [i.payload for i in Invocation.objects.order_by("id")]
        assert sorted((p["detail-type"], p["source"], p["time"]) for p in payloads) == [
            ("Scheduled Event", "aws.events", f"2030-01-01T09:0{m}:00Z") for m in (1, 2, 3)
        ]
    finally:
        _clock(live_url, {"action": "real"})
