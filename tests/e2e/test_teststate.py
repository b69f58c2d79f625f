"""TestState through boto3 against the served workbench, and the state panel in Chromium (the
panel's endpoint in process is tests/workbench/console/test_teststate_panel.py)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.support.aws import error_code
from tests.support.browser import chromium_page
from tests.support.inprocess import ROLE
from tests.support.mocks import mock_functions
from tests.support.teststate import DYNAMODB_QUERY, MOCK_SCHEMA_ERROR, ORDER, QUOTE_MACHINE, task_state

FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:{name}"


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
    mock_functions({"quote": [{"output": {"price": 250}}]})
    sfn = aws("stepfunctions")
    answer = sfn.test_state(
        definition=json.dumps(QUOTE_MACHINE),
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
    mock_functions({"quote": [{"error": "Quote.Unavailable", "cause": "closed"}]})
    sfn = aws("stepfunctions")
    caught = sfn.test_state(definition=json.dumps(QUOTE_MACHINE), stateName="Price", input=json.dumps(ORDER))
    assert caught["status"] == "CAUGHT_ERROR" and caught["nextState"] == "Rejected"
    assert caught["error"] == "Quote.Unavailable"
    assert json.loads(caught["output"])["error"] == {"Error": "Quote.Unavailable", "Cause": "closed"}
    mocked = sfn.test_state(
        definition=json.dumps(QUOTE_MACHINE),
        stateName="Price",
        input=json.dumps(ORDER),
        mock={"result": json.dumps({"Payload": {"price": 5}})},
    )
    assert json.loads(mocked["output"])["quote"] == {"price": 5}
    routed = sfn.test_state(definition=json.dumps(QUOTE_MACHINE), stateName="Route", input=mocked["output"])
    assert routed["nextState"] == "Accepted"


@pytest.mark.live
def test_refusals_use_aws_error_codes(aws: Any) -> None:
    sfn = aws("stepfunctions")
    with pytest.raises(ClientError) as exc:
        sfn.test_state(definition=json.dumps({"Type": "Pass", "Next": 3}))
    assert error_code(exc) == "InvalidDefinition"
    with pytest.raises(ClientError) as exc:
        sfn.test_state(definition=json.dumps({"Type": "Pass", "End": True}), input="{oops")
    assert error_code(exc) == "InvalidExecutionInput"
    with pytest.raises(ClientError) as exc:
        sfn.test_state(definition=json.dumps({"Type": "Pass", "End": True}), mock={"result": "{}"})
    assert error_code(exc) == "ValidationException"
    assert "State type 'Pass' is not supported when a mock is specified" in str(exc.value)


# A Distributed Map over the input's orders (the TestState page's "Testing a Map state", with an
# ItemBatcher added): the mock is the whole Map's result; no iteration runs.
ORDERS_MAP = {
    "StartAt": "Fan",
    "States": {
        "Fan": {
            "Type": "Map",
            "ItemsPath": "$.orders",
            "ItemSelector": {"order.$": "$$.Map.Item.Value", "index.$": "$$.Map.Item.Index"},
            "ItemBatcher": {"MaxItemsPerBatch": 2},
            "MaxConcurrency": 3,
            "ToleratedFailureCount": 1,
            "ItemProcessor": {
                "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                "StartAt": "Ship",
                "States": {"Ship": {"Type": "Pass", "End": True}},
            },
            "ResultPath": "$.shipped",
            "Catch": [{"ErrorEquals": ["States.ExceedToleratedFailureThreshold"], "Next": "TooMany"}],
            "Next": "Done",
        },
        "TooMany": {"Type": "Fail", "Error": "TooMany"},
        "Done": {"Type": "Succeed"},
    },
}
ORDERS = {"orders": ["o-1", "o-2", "o-3"]}


@pytest.mark.live
def test_mocked_map_shows_items_selector_and_batches(aws: Any) -> None:
    sfn = aws("stepfunctions")
    answer = sfn.test_state(
        definition=json.dumps(ORDERS_MAP),
        stateName="Fan",
        input=json.dumps(ORDERS),
        mock={"result": json.dumps([["shipped"], ["shipped"]])},
        inspectionLevel="DEBUG",
    )
    assert answer["status"] == "SUCCEEDED" and answer["nextState"] == "Done"
    assert json.loads(answer["output"]) == {**ORDERS, "shipped": [["shipped"], ["shipped"]]}
    data = answer["inspectionData"]
    selected = [{"order": "o-1", "index": 0}, {"order": "o-2", "index": 1}, {"order": "o-3", "index": 2}]
    assert json.loads(data["afterItemsPath"]) == ORDERS["orders"]
    assert json.loads(data["afterItemSelector"]) == selected
    assert json.loads(data["afterItemBatcher"]) == [{"Items": selected[:2]}, {"Items": selected[2:]}]
    assert (data["maxConcurrency"], data["toleratedFailureCount"]) == (3, 1)
    # Two failed iterations (batches) of a Map tolerating one: its Catcher takes it.
    caught = sfn.test_state(
        definition=json.dumps(ORDERS_MAP),
        stateName="Fan",
        input=json.dumps(ORDERS),
        mock={"result": "[]"},
        stateConfiguration={"mapIterationFailureCount": 2},
        inspectionLevel="DEBUG",
    )
    assert (caught["status"], caught["nextState"]) == ("CAUGHT_ERROR", "TooMany")
    assert caught["error"] == "States.ExceedToleratedFailureThreshold"
    assert caught["inspectionData"]["errorDetails"] == {"catchIndex": 0}


@pytest.mark.live
def test_mock_field_validation_modes(aws: Any) -> None:
    # LocalStack's AWS snapshots test_field_validation_mode*.snapshot.json: a lambda:invoke mock
    # whose StatusCode is a string fails STRICT (the default) and PRESENT, passes NONE.
    sfn = aws("stepfunctions")
    state = json.dumps({"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "End": True})
    mock = {"result": json.dumps({"StatusCode": "200"})}
    for mode in (None, "STRICT", "PRESENT"):
        with pytest.raises(ClientError) as exc:
            sfn.test_state(
                definition=state, mock=mock if mode is None else {**mock, "fieldValidationMode": mode}
            )
        assert error_code(exc) == "ValidationException"
        assert exc.value.response["Error"]["Message"] == (
            "Mock result schema validation error: Field 'StatusCode' must be a number"
        )
    answer = sfn.test_state(definition=state, mock={**mock, "fieldValidationMode": "NONE"})
    assert json.loads(answer["output"]) == {"StatusCode": "200"}


@pytest.mark.live
def test_distributed_map_reads_map_item_reader_data(aws: Any) -> None:
    # test_state_configuration.snapshot.json, test_state_machine_configuration_map_iteration_item_reader.
    machine = {
        "QueryLanguage": "JSONata",
        "StartAt": "State0",
        "States": {
            "State0": {
                "Type": "Map",
                "MaxConcurrency": 1,
                "ItemReader": {
                    "ReaderConfig": {"InputType": "JSON"},
                    "Resource": "arn:aws:states:::s3:getObject",
                    "Arguments": {"Bucket": "{% $states.input.Bucket %}", "Key": "{% $states.input.Key %}"},
                },
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                    "StartAt": "HandleItem",
                    "States": {"HandleItem": {"Type": "Pass", "End": True}},
                },
                "End": True,
            }
        },
    }
    answer = aws("stepfunctions").test_state(
        stateName="State0",
        definition=json.dumps(machine),
        input=json.dumps({"Bucket": "test-bucket", "Key": "test-key"}),
        stateConfiguration={"mapItemReaderData": json.dumps([1, 2, 3])},
        inspectionLevel="DEBUG",
        mock={"result": json.dumps([1, 4, 9])},
    )
    assert answer["status"] == "SUCCEEDED" and json.loads(answer["output"]) == [1, 4, 9]
    assert answer["inspectionData"] == {
        "input": '{"Bucket":"test-bucket","Key":"test-key"}',
        "maxConcurrency": 1,
    }


@pytest.mark.live
def test_state_name_and_lengths_are_checked(aws: Any) -> None:
    sfn = aws("stepfunctions")
    with pytest.raises(ClientError) as exc:
        sfn.test_state(definition=json.dumps(QUOTE_MACHINE), stateName="Nope")
    assert (error_code(exc), exc.value.response["Error"]["Message"]) == (
        "ValidationException",
        "State not found in definition",
    )
    with pytest.raises(ClientError) as exc:
        sfn.test_state(definition=json.dumps(QUOTE_MACHINE), stateName="S" * 81)
    assert error_code(exc) == "ValidationException"
    assert (
        "at 'stateName' failed to satisfy constraint: Member must have length less than or equal to 80"
        in str(exc.value)
    )


@pytest.mark.live
@pytest.mark.browser
def test_state_panel_runs_a_clicked_state(live_url: str, transactional_db: Any) -> None:
    from workbench.accounts.services import default_workspace
    from workbench.stepfunctions import services as stepfunctions

    stepfunctions.create_state_machine(
        default_workspace(), name="panel", definition=json.dumps(QUOTE_MACHINE), role_arn=ROLE
    )
    mock_functions({"quote": [{"output": {"price": 120}}]})
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


@pytest.mark.live
@pytest.mark.browser
def test_state_panel_shows_a_mocked_maps_item_stages(live_url: str, transactional_db: Any) -> None:
    from workbench.accounts.services import default_workspace
    from workbench.stepfunctions import services as stepfunctions

    stepfunctions.create_state_machine(
        default_workspace(), name="fan", definition=json.dumps(ORDERS_MAP), role_arn=ROLE
    )
    with chromium_page() as page:
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(f"{live_url}/machines/fan/")
        page.click('g.state-node[data-state="Fan"]')
        try:
            page.wait_for_selector('#state-panel[data-state="Fan"]:not([hidden])')
        except Exception as exc:  # once in CI (2026-12-04) it did not open: say what the page held
            panel = page.eval_on_selector(
                "#state-panel", "p => ({hidden: p.hidden, state: p.dataset.state || null})"
            )
            selected = page.eval_on_selector_all(
                "g.state-node.selected", "nodes => nodes.map(n => n.dataset.state)"
            )
            seen = f"panel {panel}, selected nodes {selected}, page errors {errors}"
            raise AssertionError(f"the state panel did not open: {seen}") from exc
        page.fill("#state-panel textarea[name=input]", json.dumps(ORDERS))
        page.select_option("#state-panel select[name=inspection-level]", "DEBUG")
        page.select_option("#state-panel select[name=mock-kind]", "result")
        page.fill("#state-panel textarea[name=mock-result]", json.dumps([["a"], ["b"]]))
        page.click("#state-panel button[type=submit]")
        page.wait_for_selector('#state-panel-result[data-status="SUCCEEDED"]')
        stages = page.eval_on_selector_all(
            "#state-panel-result tr[data-stage]", "rows => rows.map(r => r.dataset.stage)"
        )
        assert stages[:4] == ["input", "afterInputPath", "afterItemsPath", "afterItemSelector"]
        assert {"afterItemBatcher", "maxConcurrency", "toleratedFailureCount"} <= set(stages)
        batches = page.locator('tr[data-stage="afterItemBatcher"] pre').inner_text()
        assert len(json.loads(batches)) == 2

        # Whatever the validation mode, a Map's mock is its results array: an object is refused
        # (LocalStack's AWS snapshot test_state_mock_validation.snapshot.json).
        page.fill("#state-panel textarea[name=mock-result]", "{}")
        page.select_option("#state-panel select[name=mock-validation]", "NONE")
        page.click("#state-panel button[type=submit]")
        page.wait_for_selector('#state-panel-result[data-status="REFUSED"]')
        assert "Mocked result must be an array." in page.locator("#state-panel-result").inner_text()


@pytest.mark.live
def test_boto3_test_state_checks_an_sdk_mock(aws: Any) -> None:
    sfn = aws("stepfunctions")
    answer = sfn.test_state(
        definition=task_state(DYNAMODB_QUERY), mock={"result": json.dumps({"Count": 0, "Items": []})}
    )
    assert answer["status"] == "SUCCEEDED" and json.loads(answer["output"]) == {"Count": 0, "Items": []}
    with pytest.raises(ClientError) as exc:
        sfn.test_state(definition=task_state(DYNAMODB_QUERY), mock={"result": json.dumps({"Count": "0"})})
    assert exc.value.response["Error"]["Code"] == "ValidationException"
    assert exc.value.response["Error"]["Message"] == MOCK_SCHEMA_ERROR + "Field 'Count' must be a number"
