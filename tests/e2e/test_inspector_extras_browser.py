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


def test_the_scrubber_replays_the_run_on_the_graph(aws: Any, live_url: str) -> None:
    from workbench.stepfunctions.models import Execution

    three = {
        "StartAt": "A",
        "States": {
            "A": {"Type": "Pass", "Result": {"step": 1}, "Next": "B"},
            "B": {"Type": "Pass", "Result": {"step": 2}, "Next": "C"},
            "C": {"Type": "Pass", "Result": {"step": 3}, "End": True},
        },
    }
    sfn = aws("stepfunctions")
    machine = sfn.create_state_machine(
        name="scrub-three", definition=json.dumps(three), roleArn="arn:aws:iam::123456789012:role/unit"
    )["stateMachineArn"]
    run = sfn.start_execution(stateMachineArn=machine, name="scrubbed")
    execution_id = Execution.objects.get(name=run["executionArn"].rsplit(":", 1)[1]).id
    statuses = (
        "Object.fromEntries([...document.querySelectorAll('#graph g.state-node')]"
        ".map(n => [n.dataset.state, n.dataset.status]))"
    )
    with chromium_page() as page:
        page.set_viewport_size({"width": 1280, "height": 800})
        page.goto(f"{live_url}/executions/{execution_id}/")
        page.wait_for_function("document.getElementById('execution-status').textContent === 'SUCCEEDED'")
        page.reload()
        assert page.input_value("#scrubber-range") == "8"
        assert page.evaluate(statuses) == {"A": "succeeded", "B": "succeeded", "C": "succeeded"}

        page.fill("#scrubber-range", "4")  # after PassStateEntered B
        assert page.evaluate(statuses) == {"A": "succeeded", "B": "running", "C": "not-started"}
        assert "#4 PassStateEntered (B)" in page.inner_text("#scrubber-event")
        assert json.loads(page.inner_text("#scrubber-data"))["input"] == {"step": 1}  # as it was then
        page.click("#scrubber-forward")
        assert page.evaluate(statuses)["B"] == "succeeded"
        assert json.loads(page.inner_text("#scrubber-data"))["output"] == {"step": 2}
        page.focus("#scrubber-range")
        page.keyboard.press("Home")  # keyboard reachable: to before the first event
        assert set(page.evaluate(statuses).values()) == {"not-started"}
        page.locator("#graph").scroll_into_view_if_needed()
        page.screenshot(path=str(DOCS / "console-scrubber.png"))
        page.click("#scrubber-play")
        page.wait_for_function("document.getElementById('scrubber-range').value === '8'", timeout=10_000)
        assert page.evaluate(statuses) == {"A": "succeeded", "B": "succeeded", "C": "succeeded"}
        assert page.get_attribute("#graph", "data-scrubbing") == "off"


def test_drill_into_a_map_iteration_live_and_back(aws: Any, live_url: str) -> None:
    """Iteration 1 of an inline Map (its item fails, the Map's Catch takes it) drawn on its own
    while iteration 0 waits: Boom turns failed live; back to the whole graph, then into
    iteration 0 by keyboard. Screenshot: docs/console-drilldown.png."""
    from workbench.stepfunctions.models import Execution

    processor = {
        "StartAt": "Check",
        "States": {
            "Check": {
                "Type": "Choice",
                "Choices": [{"Variable": "$", "NumericEquals": 1, "Next": "Boom"}],
                "Default": "Ok",
            },
            "Boom": {"Type": "Fail", "Error": "Bad", "Cause": "item one"},
            "Ok": {"Type": "Wait", "Seconds": 4, "End": True},
        },
    }
    definition = {
        "StartAt": "Each",
        "States": {
            "Each": {
                "Type": "Map",
                "MaxConcurrency": 1,
                "ItemProcessor": processor,
                "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Handled"}],
                "End": True,
            },
            "Handled": {"Type": "Pass", "End": True},
        },
    }
    sfn = aws("stepfunctions")
    machine = sfn.create_state_machine(
        name="drill-map", definition=json.dumps(definition), roleArn="arn:aws:iam::123456789012:role/unit"
    )["stateMachineArn"]
    run = sfn.start_execution(stateMachineArn=machine, name="drilled", input="[0, 1, 2]")
    execution_id = Execution.objects.get(name=run["executionArn"].rsplit(":", 1)[1]).id
    statuses = (
        "Object.fromEntries([...document.querySelectorAll('#graph g.state-node')]"
        ".map(n => [n.dataset.state, n.dataset.status]))"
    )
    iteration = 'form[data-drill-map="Each"] input[name="iteration"]'
    with chromium_page() as page:
        page.set_viewport_size({"width": 1280, "height": 800})
        page.goto(f"{live_url}/executions/{execution_id}/?state=Each&iteration=1")
        assert page.evaluate(statuses) == {"Check": "not-started", "Boom": "not-started", "Ok": "not-started"}
        assert page.is_hidden("#scrubber")
        page.wait_for_function(
            "document.querySelector('#graph g.state-node[data-state=\"Boom\"]').dataset.status === 'failed'",
            timeout=20_000,
        )
        assert page.evaluate(statuses) == {"Check": "succeeded", "Boom": "failed", "Ok": "not-started"}
        page.locator("#drill").scroll_into_view_if_needed()
        page.screenshot(path=str(DOCS / "console-drilldown.png"))
        page.set_viewport_size({"width": 390, "height": 800})
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

        page.click("#drill-whole")
        page.wait_for_url(f"{live_url}/executions/{execution_id}/")
        page.wait_for_function("document.getElementById('execution-status').textContent === 'SUCCEEDED'")
        page.reload()
        assert page.evaluate(statuses)["Handled"] == "succeeded"
        page.fill(iteration, "0")
        page.press(iteration, "Enter")  # by keyboard
        page.wait_for_url(re.compile(r"\?state=Each&iteration=0$"))
        assert page.evaluate(statuses) == {"Check": "succeeded", "Boom": "not-started", "Ok": "succeeded"}
