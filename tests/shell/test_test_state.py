"""TestState through boto3, the state panel's JSON endpoint, and the panel in Chromium."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError
from django.test import Client

from tests.support.browser import chromium_page

ROLE = "arn:aws:iam::123456789012:role/unit"
FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:{name}"

# A machine whose Task calls a workspace function and whose Choice routes on its result.
MACHINE = {
    "StartAt": "Price",
    "States": {
        "Price": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"FunctionName": "quote", "Payload.$": "$.order"},
            "ResultSelector": {"price.$": "$.Payload.price"},
            "ResultPath": "$.quote",
            "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "Rejected"}],
            "Next": "Route",
        },
        "Route": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.quote.price", "NumericGreaterThan": 100, "Next": "Review"}],
            "Default": "Accepted",
        },
        "Review": {"Type": "Pass", "Next": "Accepted"},
        "Accepted": {"Type": "Succeed"},
        "Rejected": {"Type": "Fail", "Error": "Rejected"},
    },
}
ORDER = {"order": {"sku": "A-1", "qty": 2}}


def _code(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return str(exc.value.response["Error"]["Code"])


def _mock_function(name: str, outcomes: list[dict[str, Any]]) -> None:
    from workbench.accounts.services import default_workspace
    from workbench.functions.services import save_mock

    save_mock(default_workspace(), name, outcomes)


@pytest.mark.live
def test_single_pass_state_at_each_level(aws: Any) -> None:
    sfn = aws("stepfunctions")
    state = {"Type": "Pass", "Parameters": {"v.$": "$.a"}, "ResultPath": "$.r", "Next": "Later"}
    info = sfn.test_state(definition=json.dumps(state), roleArn=ROLE, input='{"a": 1}')
    assert info["status"] == "SUCCEEDED" and info["nextState"] == "Later"
    assert json.loads(info["output"]) == {"a": 1, "r": {"v": 1}}
    assert "inspectionData" not in info
    debug = sfn.test_state(definition=json.dumps(state), input='{"a": 1}', inspectionLevel="DEBUG")
    stages = debug["inspectionData"]
    assert json.loads(stages["afterParameters"]) == {"v": 1}
    assert json.loads(stages["afterResultPath"]) == {"a": 1, "r": {"v": 1}}


@pytest.mark.live
def test_unmocked_task_calls_the_mock_function(aws: Any) -> None:
    _mock_function("quote", [{"output": {"price": 250}}])
    sfn = aws("stepfunctions")
    answer = sfn.test_state(
        definition=json.dumps(MACHINE),
        stateName="Price",
        roleArn=ROLE,
        input=json.dumps(ORDER),
        inspectionLevel="DEBUG",
    )
    assert answer["status"] == "SUCCEEDED" and answer["nextState"] == "Route"
    assert json.loads(answer["output"]) == {**ORDER, "quote": {"price": 250}}
    stages = answer["inspectionData"]
    assert json.loads(stages["afterParameters"]) == {"FunctionName": "quote", "Payload": ORDER["order"]}
    assert json.loads(stages["result"])["Payload"] == {"price": 250}
    from workbench.functions.models import Invocation

    calls = list(Invocation.objects.filter(function__name="quote"))
    assert [c.payload for c in calls] == [ORDER["order"]], "the real function was called once"


@pytest.mark.live
def test_function_error_is_caught_and_mock_needs_no_function(aws: Any) -> None:
    _mock_function("quote", [{"error": "Quote.Unavailable", "cause": "closed"}])
    sfn = aws("stepfunctions")
    caught = sfn.test_state(definition=json.dumps(MACHINE), stateName="Price", input=json.dumps(ORDER))
    assert caught["status"] == "CAUGHT_ERROR" and caught["nextState"] == "Rejected"
    assert caught["error"] == "Quote.Unavailable"
    assert json.loads(caught["output"])["error"] == {"Error": "Quote.Unavailable", "Cause": "closed"}
    mocked = sfn.test_state(
        definition=json.dumps(MACHINE),
        stateName="Price",
        input=json.dumps(ORDER),
        mock={"result": json.dumps({"Payload": {"price": 5}})},
    )
    assert json.loads(mocked["output"])["quote"] == {"price": 5}
    routed = sfn.test_state(definition=json.dumps(MACHINE), stateName="Route", input=mocked["output"])
    assert routed["nextState"] == "Accepted"


@pytest.mark.live
def test_refusals_use_aws_error_codes(aws: Any) -> None:
    sfn = aws("stepfunctions")
    with pytest.raises(ClientError) as exc:
        sfn.test_state(definition=json.dumps({"Type": "Pass", "Next": 3}))
    assert _code(exc) == "InvalidDefinition"
    with pytest.raises(ClientError) as exc:
        sfn.test_state(definition=json.dumps({"Type": "Pass", "End": True}), input="{oops")
    assert _code(exc) == "InvalidExecutionInput"
    with pytest.raises(ClientError) as exc:
        sfn.test_state(definition=json.dumps({"Type": "Pass", "End": True}), mock={"result": "{}"})
    assert _code(exc) == "ValidationException"
    assert "State type 'Pass' is not supported when a mock is specified" in str(exc.value)


@pytest.mark.django_db
def test_panel_endpoint_runs_a_state_of_the_machine(client: Client) -> None:
    from workbench.accounts.services import default_workspace
    from workbench.flows import services as flows

    workspace = default_workspace()
    flows.create_state_machine(workspace, name="quotes", definition=json.dumps(MACHINE), role_arn=ROLE)
    _mock_function("quote", [{"output": {"price": 7}}])
    url = "/machines/quotes/test-state"
    answer = client.post(
        url,
        json.dumps({"stateName": "Price", "input": json.dumps(ORDER), "inspectionLevel": "DEBUG"}),
        content_type="application/json",
    ).json()
    assert answer["status"] == "SUCCEEDED"
    assert json.loads(answer["inspectionData"]["afterResultSelector"]) == {"price": 7}
    refused = client.post(url, json.dumps({"stateName": "Nope"}), content_type="application/json")
    assert refused.status_code == 400 and "'Nope'" in refused.json()["message"]


@pytest.mark.live
@pytest.mark.browser
def test_state_panel_runs_a_clicked_state(live_url: str, transactional_db: Any) -> None:
    from workbench.accounts.services import default_workspace
    from workbench.flows import services as flows

    flows.create_state_machine(
        default_workspace(), name="panel", definition=json.dumps(MACHINE), role_arn=ROLE
    )
    _mock_function("quote", [{"output": {"price": 120}}])
    with chromium_page() as page:
        page.goto(f"{live_url}/machines/panel/")
        assert page.locator("#state-panel").is_hidden()
        page.click('g.state-node[data-state="Price"]')
        page.wait_for_selector('#state-panel[data-state="Price"]:not([hidden])')
        page.fill("#state-panel textarea[name=input]", json.dumps(ORDER))
        page.select_option("#state-panel select[name=inspection-level]", "DEBUG")
        page.click("#state-panel button[type=submit]")
        page.wait_for_selector('#state-panel-result[data-status="SUCCEEDED"]')
        assert "Route" in page.locator("#state-panel-status").inner_text()
        stages = page.eval_on_selector_all(
            "#state-panel-result tr[data-stage]", "rows => rows.map(r => r.dataset.stage)"
        )
        assert stages == [
            "input",
            "afterInputPath",
            "afterParameters",
            "result",
            "afterResultSelector",
            "afterResultPath",
        ]
        selector_text = page.locator('tr[data-stage="afterResultSelector"] pre').inner_text()
        assert json.loads(selector_text) == {"price": 120}

        # A mocked error on the same Task is caught and goes to the Catcher's Next.
        page.select_option("#state-panel select[name=mock-kind]", "error")
        page.fill("#state-panel input[name=mock-error]", "Quote.Unavailable")
        page.click("#state-panel button[type=submit]")
        page.wait_for_selector('#state-panel-result[data-status="CAUGHT_ERROR"]')
        assert "Rejected" in page.locator("#state-panel-status").inner_text()
