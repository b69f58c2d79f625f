"""Mocks served: `manage.py serve` started with SFN_MOCK_CONFIG (as Step Functions Local and
LocalStack users start theirs), boto3 StartExecution on `<stateMachineArn>#<TestCase>` answered
by the mocks, and the Mocks page in Chromium (a valid save, a refused save keeping its text with
the error beside the editor)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from tests.conftest import wait_for
from tests.support.browser import chromium_page
from tests.support.stack import aws_client, session_db_name, stack

pytestmark = [pytest.mark.live]

ROLE = "arn:aws:iam::123456789012:role/mocked"
DEFINITION = {
    "StartAt": "Charge",
    "States": {
        "Charge": {
            "Type": "Task",
            "Resource": "arn:aws:states:::aws-sdk:dynamodb:putItem",
            "Parameters": {"TableName": "orders", "Item": {"id": {"S.$": "$.id"}}},
            "Retry": [
                {"ErrorEquals": ["DynamoDb.ProvisionedThroughputExceededException"], "IntervalSeconds": 1}
            ],
            "Next": "Notify",
        },
        "Notify": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"FunctionName": "absent"},
            "End": True,
        },
    },
}
CONFIG = {
    "StateMachines": {"orders": {"TestCases": {"RetryPath": {"Charge": "Throttled", "Notify": "Notified"}}}},
    "MockedResponses": {
        "Throttled": {
            "0": {
                "Throw": {"Error": "DynamoDb.ProvisionedThroughputExceededException", "Cause": "slow down"}
            },
            "1": {"Return": {}},
        },
        "Notified": {"0": {"Return": {"StatusCode": 200, "Payload": {"sent": True}}}},
    },
}


@pytest.fixture(scope="module")
def mocked_url(
    django_db_setup: Any, django_db_blocker: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A served workbench (and its worker) started with SFN_MOCK_CONFIG naming CONFIG's file."""
    name = session_db_name(django_db_blocker)
    folder = tmp_path_factory.mktemp("mocked")
    config = folder / "MockConfigFile.json"
    config.write_text(json.dumps(CONFIG, indent=2))
    with stack(name, folder, env={"SFN_MOCK_CONFIG": str(config)}) as running:
        yield running.base


def test_start_execution_on_a_test_case_through_boto3(mocked_url: str, transactional_db: Any) -> None:
    sfn = aws_client(mocked_url, "stepfunctions")
    arn = sfn.create_state_machine(name="orders", definition=json.dumps(DEFINITION), roleArn=ROLE)[
        "stateMachineArn"
    ]
    with pytest.raises(sfn.exceptions.InvalidName):
        sfn.start_execution(stateMachineArn=f"{arn}#NoSuchCase")
    started = sfn.start_execution(stateMachineArn=f"{arn}#RetryPath", input='{"id": "7"}')
    assert "#" not in started["executionArn"]
    described = wait_for(
        lambda: (
            (d := sfn.describe_execution(executionArn=started["executionArn"]))["status"] != "RUNNING" and d
        )
    )
    assert described["status"] == "SUCCEEDED", described
    assert json.loads(described["output"]) == {"StatusCode": 200, "Payload": {"sent": True}}
    assert described["stateMachineArn"] == arn
    listed = sfn.list_executions(stateMachineArn=arn)["executions"]
    assert [e["executionArn"] for e in listed] == [started["executionArn"]]
    history = sfn.get_execution_history(executionArn=started["executionArn"])["events"]
    assert [e["type"] for e in history].count("TaskFailed") == 1


@pytest.mark.browser
def test_the_mocks_page_saves_a_valid_config_and_keeps_a_refused_one(
    mocked_url: str, transactional_db: Any
) -> None:
    sfn = aws_client(mocked_url, "stepfunctions")
    arn = sfn.create_state_machine(name="orders", definition=json.dumps(DEFINITION), roleArn=ROLE)[
        "stateMachineArn"
    ]
    with chromium_page() as page:
        page.set_viewport_size({"width": 1280, "height": 800})
        page.goto(f"{mocked_url}/mocks/")
        assert "SFN_MOCK_CONFIG=" in page.inner_text("#mock-source")
        editor = page.locator("[data-testid=mock-editor]")
        assert "RetryPath" in editor.inner_text()  # opens on the file's text
        own = json.dumps(
            {
                "StateMachines": {"orders": {"TestCases": {"Own": {"Notify": "N"}}}},
                "MockedResponses": {"N": {"0": {"Return": {}}}},
            },
            indent=2,
        )
        editor.fill(own)
        page.click("#mock-form button[type=submit]")
        page.wait_for_selector("p.notice")
        assert "replaces the file" in page.inner_text("#mock-source")
        assert f"{arn}#Own" in page.inner_text("#mock-test-cases")
        broken = own.replace('"Return": {}', '"Throw": {"Error": "E"}')
        page.locator("[data-testid=mock-editor]").fill(broken)
        page.click("#mock-form button[type=submit]")
        error = page.wait_for_selector("#error-config")
        assert "line 14:" in error.inner_text() and "Throw needs Error and Cause" in error.inner_text()
        assert json.loads(page.locator("[data-testid=mock-editor]").inner_text()) == json.loads(broken)
        assert page.get_attribute("#mock-config", "aria-describedby") == "error-config"
