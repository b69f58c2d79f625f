"""RedriveExecution served: through boto3 (the call, DescribeExecution's redrive members, the
ExecutionRedriven event, ListExecutions' redriveFilter and AWS's refusals), and the Redrive
button of an execution's page in Chromium, whose live view follows the redriven run.

AWS: https://docs.aws.amazon.com/step-functions/latest/apireference/API_RedriveExecution.html
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.conftest import wait_for
from tests.support.aws import error_code
from tests.support.browser import chromium_page

pytestmark = pytest.mark.live

ROLE = "arn:aws:iam::123456789012:role/unit"
# A Pass that must not run again, then a short Wait that is stopped and redriven.
HOLD = {
    "StartAt": "Prepare",
    "States": {
        "Prepare": {"Type": "Pass", "Result": {"ready": True}, "ResultPath": "$.prepared", "Next": "Hold"},
        "Hold": {"Type": "Wait", "Seconds": 2, "Next": "Done"},
        "Done": {"Type": "Pass", "End": True},
    },
}


def _status(sfn: Any, arn: str, wanted: str) -> dict[str, Any] | None:
    described: dict[str, Any] = sfn.describe_execution(executionArn=arn)
    return described if described["status"] == wanted else None


def test_redrive_through_boto3(aws: Any) -> None:
    sfn = aws("stepfunctions")
    machine = sfn.create_state_machine(name="hold", definition=json.dumps(HOLD), roleArn=ROLE)
    arn = sfn.start_execution(stateMachineArn=machine["stateMachineArn"], name="h-1", input='{"n": 1}')[
        "executionArn"
    ]
    sfn.stop_execution(executionArn=arn, error="Operator", cause="paused")
    aborted = sfn.describe_execution(executionArn=arn)
    assert aborted["status"] == "ABORTED"
    assert aborted["redriveCount"] == 0 and aborted["redriveStatus"] == "REDRIVABLE"

    answer = sfn.redrive_execution(executionArn=arn)
    assert answer["redriveDate"] >= aborted["stopDate"]
    done = wait_for(lambda: _status(sfn, arn, "SUCCEEDED"))
    assert json.loads(done["output"]) == {"n": 1, "prepared": {"ready": True}}
    assert done["redriveCount"] == 1 and done["redriveDate"] == answer["redriveDate"]
    assert done["redriveStatus"] == "NOT_REDRIVABLE"
    assert done["redriveStatusReason"] == "Execution is SUCCEEDED and cannot be redriven"

    events = sfn.get_execution_history(executionArn=arn)["events"]
    types = [event["type"] for event in events]
    assert types.count("PassStateEntered") == 2  # Prepare once, Done once: Prepare is not rerun
    redriven = events[types.index("ExecutionRedriven")]
    assert redriven["executionRedrivenEventDetails"] == {"redriveCount": 1}
    assert redriven["previousEventId"] == events[types.index("ExecutionAborted")]["id"]
    assert types[types.index("ExecutionRedriven") + 1] == "WaitStateEntered"

    listed = sfn.list_executions(stateMachineArn=machine["stateMachineArn"], redriveFilter="REDRIVEN")
    assert [(item["name"], item["redriveCount"]) for item in listed["executions"]] == [("h-1", 1)]
    assert (
        sfn.list_executions(stateMachineArn=machine["stateMachineArn"], redriveFilter="NOT_REDRIVEN")[
            "executions"
        ]
        == []
    )

    with pytest.raises(ClientError) as refused:
        sfn.redrive_execution(executionArn=arn)
    assert error_code(refused) == "ExecutionNotRedrivable"
    with pytest.raises(ClientError) as missing:
        sfn.redrive_execution(executionArn=arn.replace(":h-1", ":nope"))
    assert error_code(missing) == "ExecutionDoesNotExist"


@pytest.mark.browser
def test_redrive_button_in_the_browser(aws: Any, live_url: str) -> None:
    sfn = aws("stepfunctions")
    machine = sfn.create_state_machine(name="held", definition=json.dumps(HOLD), roleArn=ROLE)
    arn = sfn.start_execution(stateMachineArn=machine["stateMachineArn"], name="b-1")["executionArn"]
    sfn.stop_execution(executionArn=arn)
    dialogs: list[str] = []
    with chromium_page() as page:
        page.set_viewport_size({"width": 1280, "height": 800})
        page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.accept()))
        page.goto(f"{live_url}/executions/?name=b-1")
        page.click('#executions a:text("b-1")')
        assert page.inner_text("#execution-status") == "ABORTED"
        assert page.locator("#stop-form").is_hidden()
        button = page.get_by_role("button", name="Redrive")
        button.focus()
        page.keyboard.press("Enter")
        page.wait_for_selector(".notice")
        assert dialogs and dialogs[0].startswith("Redrive the execution b-1?")
        assert "Execution b-1 redriven" in page.inner_text(".notice")
        # The live view follows the redriven run to its end, without a reload.
        page.wait_for_selector('#execution-status:text("SUCCEEDED")', timeout=30_000)
        page.wait_for_selector('#history tr[data-type="ExecutionRedriven"]')
        assert page.locator("#redrive-form").is_hidden()
        assert page.inner_text("#execution-redrives").startswith("1")
        page.wait_for_function("document.getElementById('execution-result').textContent.length > 0")
    assert sfn.describe_execution(executionArn=arn)["redriveCount"] == 1
