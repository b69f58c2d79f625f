"""The course's human-in-the-loop pattern: a large order waits in the approval inbox until a
person approves or rejects it in the browser."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import wait_for
from tests.support import seed
from tests.support.browser import chromium_page

pytestmark = [pytest.mark.live, pytest.mark.browser]
ROLE = f"arn:aws:iam::{seed.ACCOUNT}:role/course"


def _status(sfn: Any, arn: str) -> dict[str, Any] | None:
    described = sfn.describe_execution(executionArn=arn)
    return described if described["status"] != "RUNNING" else None


def test_large_orders_wait_for_a_person_small_ones_do_not(aws: Any, live_url: str) -> None:
    from workbench.accounts.services import default_workspace
    from workbench.functions.services import save_mock

    workspace = default_workspace()
    big, small = {"orderId": "o-big", "amount": 25000}, {"orderId": "o-small", "amount": 50}
    # validate-order answers with the order it is given (a python function: echo).
    save_mock(workspace, "process-order", [{"output": {"processed": True}}])
    definition = json.loads(
        json.dumps(seed.approval_definition()).replace("function:validate-order", "function:echo")
    )
    sfn = aws("stepfunctions")
    aws("sqs").create_queue(QueueName="approvals")  # the chapter's queue, where the token is sent
    machine = sfn.create_state_machine(name="approvals", definition=json.dumps(definition), roleArn=ROLE)
    approved = sfn.start_execution(
        stateMachineArn=machine["stateMachineArn"], name="big-1", input=json.dumps(big)
    )
    rejected = sfn.start_execution(
        stateMachineArn=machine["stateMachineArn"], name="big-2", input=json.dumps(big)
    )
    quick = sfn.start_execution(
        stateMachineArn=machine["stateMachineArn"], name="small", input=json.dumps(small)
    )
    assert wait_for(lambda: _status(sfn, quick["executionArn"]))["status"] == "SUCCEEDED"

    with chromium_page() as page:
        page.goto(f"{live_url}/inbox/")
        page.wait_for_selector('.inbox-item[data-execution="big-1"]', timeout=15_000)
        page.wait_for_selector('.inbox-item[data-execution="big-2"]', timeout=15_000)
        assert page.locator(".inbox-item").count() == 2, "the small order never asked"
        message = json.loads(page.locator('.inbox-item[data-execution="big-1"] pre').inner_text())
        assert (
            message["MessageBody"]["orderId"] == "o-big" and len(message["MessageBody"]["taskToken"]) >= 100
        )
        page.fill(
            '.inbox-item[data-execution="big-1"] form.approve textarea', '{"approved": true, "by": "ana"}'
        )
        page.click('.inbox-item[data-execution="big-1"] form.approve button')
        page.wait_for_selector('.inbox-item[data-execution="big-1"]', state="detached")
        page.fill('.inbox-item[data-execution="big-2"] form.reject input[name=cause]', "over budget")
        page.click('.inbox-item[data-execution="big-2"] form.reject button')
        page.wait_for_selector("#inbox-empty")

    done = wait_for(lambda: _status(sfn, approved["executionArn"]))
    assert done["status"] == "SUCCEEDED" and json.loads(done["output"]) == {"processed": True}
    history = sfn.get_execution_history(executionArn=approved["executionArn"])["events"]
    succeeded = [e for e in history if e["type"] == "TaskSucceeded"]
    assert json.loads(succeeded[0]["taskSucceededEventDetails"]["output"]) == {"approved": True, "by": "ana"}
    done = wait_for(lambda: _status(sfn, rejected["executionArn"]))
    assert (done["status"], done["error"], done["cause"]) == ("FAILED", "Rejected", "over budget")
