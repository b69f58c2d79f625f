"""The execution page in real Chromium: its graph's nodes turn succeeded live, in order."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.support.browser import chromium_page
from tests.support.labs import ORDER, create_order_machine, mock_lab_functions

pytestmark = [pytest.mark.live, pytest.mark.browser]

# Records, in the page, the order in which nodes first show each status.
RECORDER = """
() => {
  window.__seen = [];
  const note = (node) => window.__seen.push([node.dataset.state, node.dataset.status]);
  document.querySelectorAll('g.state-node').forEach(note);
  new MutationObserver((changes) => changes.forEach((c) => note(c.target)))
    .observe(document.getElementById('graph'),
             {attributes: true, subtree: true, attributeFilter: ['data-status']});
}
"""


def test_execution_page_nodes_turn_succeeded_live_in_order(aws: Any, live_url: str) -> None:
    # Two failed payment attempts keep the execution running for 6 s (2 s + 4 s back-off),
    # long enough to open the page while it runs and watch the rest happen.
    mock_lab_functions(
        [
            {"error": "States.TaskFailed", "cause": "flaky"},
            {"error": "States.TaskFailed", "cause": "flaky"},
            {"output": {"transactionId": "txn-1"}},
        ]
    )
    sfn = aws("stepfunctions")
    arn = sfn.start_execution(stateMachineArn=create_order_machine(sfn), input=json.dumps(ORDER))[
        "executionArn"
    ]
    from workbench.stepfunctions.models import Execution

    execution = Execution.objects.get(name=arn.rsplit(":", 1)[1])
    with chromium_page() as page:
        _watch(page, f"{live_url}/executions/{execution.id}/", sfn, arn)


def _watch(page: Any, url: str, sfn: Any, arn: str) -> None:
    page.goto(url)
    page.evaluate(RECORDER)
    assert page.locator("#execution-status").inner_text() == "RUNNING"

    page.wait_for_selector(
        'g.state-node[data-state="OrderComplete"][data-status="succeeded"]', timeout=30_000
    )
    page.wait_for_selector('#execution-status:text("SUCCEEDED")', timeout=10_000)
    seen = page.evaluate("window.__seen")
    succeeded_order = []
    for state, status in seen:
        if status == "succeeded" and state not in succeeded_order:
            succeeded_order.append(state)
    live_part = [s for s in succeeded_order if s in ("ProcessPayment", "FulfillOrder", "OrderComplete")]
    assert live_part == ["ProcessPayment", "FulfillOrder", "OrderComplete"], seen
    assert ("ProcessPayment", "retrying") in [tuple(x) for x in seen], "the back-off showed on the graph"
    # The graph and the table agree with the API's history once it has finished.
    api_ids = [e["id"] for e in sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"]]
    page.wait_for_function(f"document.querySelectorAll('#history tbody tr').length === {len(api_ids)}")
    for state in ("ValidateOrder", "UpdateInventory", "SendConfirmation", "PaymentFailed"):
        expected = "not-started" if state == "PaymentFailed" else "succeeded"
        assert page.get_attribute(f'g.state-node[data-state="{state}"]', "data-status") == expected
