"""The execution inspector's extras in real Chromium: the variables a state assigned, a JSONata
state's stages named as JSONata names them (Arguments, Output, Assign), and a Task waiting out
its Retry interval with its next attempt number and a countdown that ticks. Screenshot:
docs/console-inspector-retry.png."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest

from tests.support.browser import chromium_page
from tests.support.events import ECHO_ARN

pytestmark = [pytest.mark.live, pytest.mark.browser]

DOCS = Path(__file__).resolve().parents[2] / "docs"
MISSING = "arn:aws:lambda:us-east-1:123456789012:function:not-there"
DEFINITION = {
    "QueryLanguage": "JSONata",
    "StartAt": "Set",
    "States": {
        "Set": {
            "Type": "Pass",
            "Assign": {"total": 42, "who": "{% $states.input.name %}"},
            "Output": {"ok": True},
            "Next": "Echo",
        },
        "Echo": {"Type": "Task", "Resource": ECHO_ARN, "Arguments": {"n": "{% $total %}"}, "Next": "Call"},
        "Call": {
            "Type": "Task",
            "Resource": MISSING,
            "Retry": [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 600, "MaxAttempts": 2}],
            "End": True,
        },
    },
}


def test_variables_jsonata_stages_and_a_retry_countdown(aws: Any, live_url: str) -> None:
    from workbench.stepfunctions.models import Execution

    sfn = aws("stepfunctions")
    machine = sfn.create_state_machine(
        name="inspect-extras",
        definition=json.dumps(DEFINITION),
        roleArn="arn:aws:iam::123456789012:role/unit",
    )["stateMachineArn"]
    run = sfn.start_execution(stateMachineArn=machine, name="extras", input=json.dumps({"name": "ada"}))
    execution_id = Execution.objects.get(name=run["executionArn"].rsplit(":", 1)[1]).id
    with chromium_page() as page:
        page.set_viewport_size({"width": 1280, "height": 800})
        page.goto(f"{live_url}/executions/{execution_id}/")
        # Shown once the failed attempt is recorded: rendered, or re-read when its events arrive.
        page.wait_for_selector('#retry-waits li[data-retry-state="Call"][data-attempt="2"]', timeout=20_000)
        countdown = "#retry-waits .countdown"
        first = page.inner_text(countdown)
        assert re.fullmatch(r"\d+ min \d\d s", first), first
        page.wait_for_function(f"document.querySelector('{countdown}').textContent !== {json.dumps(first)}")

        page.click('g.state-node[data-state="Set"]')
        assigned = page.inner_text("#inspector .stage-assign")
        assert "Variables assigned (Assign)" in assigned
        assert json.loads(assigned.split("\n", 1)[1]) == {"total": 42, "who": "ada"}
        assert "Output (after the Output field)" in page.inner_text("#inspector .stage-output")

        page.click('g.state-node[data-state="Echo"]')
        assert page.get_attribute("#inspector-body", "data-query-language") == "JSONata"
        assert "Arguments (sent to the resource)" in page.inner_text("#inspector .stage-parameters")
        assert '"n": 42' in page.inner_text("#inspector .stage-parameters")

        page.click('g.state-node[data-state="Call"]')
        retry = page.inner_text("#inspector .stage-retry")
        assert re.search(r"Waiting to retry: attempt 2 in \d+ min \d\d s", retry), retry
        page.screenshot(path=str(DOCS / "console-inspector-retry.png"), full_page=True)
    sfn.stop_execution(executionArn=run["executionArn"])
