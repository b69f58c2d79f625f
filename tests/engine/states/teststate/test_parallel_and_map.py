"""TestState on Map and Parallel states with a mocked result: the item stages and AWS's answers.

Sources: the TestState page of the developer guide (test-state-isolation: "Testing Map and
Parallel states", "Understanding Map state inspection data", "Testing retry and error
handling") and LocalStack's AWS-validated snapshots (localstack/localstack,
tests/aws/services/stepfunctions/v2/test_state/test_state_configuration.snapshot.json and
test_state_context_object.snapshot.json, with the templates under
tests/aws/services/stepfunctions/templates/test_state/statemachines/).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from engine.states.model import Environment
from tests.engine.states.teststate import support
from tests.engine.states.teststate.support import DOC_MAP, MOCK_ERROR, data

ENV = Environment(now=datetime(2025, 11, 13, 17, 7, tzinfo=UTC), new_token=lambda: "token-1")
VALUES = {"Values": ["first", "second", "third"]}
DISTRIBUTED = {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}


def run(definition: Any, **kwargs: Any) -> dict[str, Any]:
    return support.run(definition, ENV, **kwargs)


def refused(definition: Any, **kwargs: Any) -> str:
    return support.refused(definition, ENV, **kwargs)


# --- the item stages ---------------------------------------------------------------------------


def test_documented_map_example_shows_each_item_after_item_selector() -> None:
    response = run(
        DOC_MAP,
        input={"items": [1, 2, 3, 4, 5]},
        mock={"result": [10, 20, 30, 40, 50]},
        inspection_level="DEBUG",
    )
    assert response["status"] == "SUCCEEDED"
    assert json.loads(response["output"]) == [10, 20, 30, 40, 50]
    shaped = data(response)
    assert shaped["afterItemsPath"] == [1, 2, 3, 4, 5]
    assert shaped["afterItemSelector"] == [{"value": v, "index": i} for i, v in enumerate([1, 2, 3, 4, 5])]
    assert shaped["maxConcurrency"] == 0
    assert "afterItemBatcher" not in shaped and "result" not in shaped


def test_item_batcher_shows_the_batches_each_child_gets() -> None:
    state = dict(
        DOC_MAP,
        MaxConcurrency=4,
        ItemSelector={"v.$": "$$.Map.Item.Value"},
        ItemBatcher={"MaxItemsPerBatch": 2, "BatchInput": {"run.$": "$.run"}},
        ToleratedFailurePercentage=40,
    )
    response = run(
        state,
        input={"run": "r-7", "items": [1, 2, 3, 4, 5]},
        mock={"result": [1, 2, 3]},
        inspection_level="DEBUG",
    )
    shaped = data(response)
    assert shaped["afterItemSelector"] == [{"v": 1}, {"v": 2}, {"v": 3}, {"v": 4}, {"v": 5}]
    assert shaped["afterItemBatcher"] == [
        {"Items": [{"v": 1}, {"v": 2}], "BatchInput": {"run": "r-7"}},
        {"Items": [{"v": 3}, {"v": 4}], "BatchInput": {"run": "r-7"}},
        {"Items": [{"v": 5}], "BatchInput": {"run": "r-7"}},
    ]
    assert (shaped["maxConcurrency"], shaped["toleratedFailurePercentage"]) == (4, 40.0)
    # Failures count iterations (batches): 1 of 3 is within 40 %, 2 of 3 is not.
    within = run(
        state,
        input={"run": "r", "items": [1, 2, 3, 4, 5]},
        mock={"result": [1]},
        state_configuration={"mapIterationFailureCount": 1},
    )
    assert within["status"] == "SUCCEEDED"
    over = run(
        state,
        input={"run": "r", "items": [1, 2, 3, 4, 5]},
        mock={"result": [1]},
        state_configuration={"mapIterationFailureCount": 2},
    )
    assert over["status"] == "FAILED" and over["error"] == "States.ExceedToleratedFailureThreshold"


def test_jsonata_item_selector() -> None:
    state = {
        "Type": "Map",
        "QueryLanguage": "JSONata",
        "Items": "{% $states.input.Values %}",
        "ItemSelector": {
            "name": "{% $states.context.Map.Item.Value %}",
            "at": "{% $states.context.Map.Item.Index %}",
        },
        "ItemProcessor": {"StartAt": "Each", "States": {"Each": {"Type": "Pass", "End": True}}},
        "End": True,
    }
    shaped = data(run(state, input=VALUES, mock={"result": [1, 2, 3]}, inspection_level="DEBUG"))
    assert shaped == {
        "input": VALUES,
        "afterItemSelector": [
            {"name": "first", "at": 0},
            {"name": "second", "at": 1},
            {"name": "third", "at": 2},
        ],
        "maxConcurrency": 0,
    }


def test_item_selector_failure_is_the_map_state_failing() -> None:
    state = dict(DOC_MAP, ItemSelector={"v.$": "$.missing"})
    response = run(state, input={"items": [1]}, mock={"result": [1]}, inspection_level="DEBUG")
    assert response["status"] == "FAILED" and response["error"] == "States.Runtime"


# --- AWS's recorded answers ----------------------------------------------------------------------

# base_map_state.json5 (JSONata, Distributed, Output "{% $states %}").
BASE_MAP_STATE = {
    "Type": "Map",
    "QueryLanguage": "JSONata",
    "Items": "{% $states.input.Values %}",
    "ItemProcessor": {
        "ProcessorConfig": DISTRIBUTED,
        "StartAt": "TestState",
        "States": {
            "TestState": {
                "Type": "Task",
                "QueryLanguage": "JSONata",
                "Resource": "arn:aws:states:::lambda:invoke",
                "Arguments": {"FunctionName": "foo", "Payload": "bar"},
                "End": True,
            }
        },
    },
    "Output": "{% $states %}",
    "End": True,
}


def test_jsonata_distributed_map_failure_count_without_tolerance() -> None:
    # test_map_state_failure_count[DEBUG-BASE_MAP_STATE]: no ToleratedFailureCount, so even two
    # failed iterations leave it SUCCEEDED; inspectionData is input and maxConcurrency 0.
    for failures, result in ((0, [1, 1, 1]), (2, [0, 0, 1])):
        response = run(
            BASE_MAP_STATE,
            input=VALUES,
            mock={"result": result},
            state_configuration={"mapIterationFailureCount": failures},
            inspection_level="DEBUG",
        )
        assert response["status"] == "SUCCEEDED"
        assert data(response) == {"input": VALUES, "maxConcurrency": 0}
        output = json.loads(response["output"])
        assert (output["input"], output["result"]) == (VALUES, result)
        assert set(output["context"]) == {"Execution", "StateMachine", "State"}
        assert set(output["context"]["Execution"]) == {"Id", "Input", "Name", "RoleArn", "StartTime"}
        assert output["context"]["State"]["Name"] == "StateName"


def test_exceeded_tolerance_is_caught_or_retried() -> None:
    # base_map_state_catch.json5 / base_map_state_retry.json5, mapIterationFailureCount 2 > 1:
    # CAUGHT_ERROR at catchIndex 1, or RETRIABLE at retryIndex 1 after 1 s.
    catch = dict(
        BASE_MAP_STATE,
        ToleratedFailureCount=1,
        Output=None,
        Catch=[
            {"ErrorEquals": ["MockException"], "Output": "{% $states %}", "Next": "HandleMockError"},
            {
                "ErrorEquals": ["States.ExceedToleratedFailureThreshold"],
                "Output": "{% $states %}",
                "Next": "HandleThreshold",
            },
        ],
    )
    del catch["Output"]
    response = run(
        catch,
        input=VALUES,
        mock={"result": [0, 0, 1]},
        state_configuration={"mapIterationFailureCount": 2},
        inspection_level="DEBUG",
    )
    assert (response["status"], response["nextState"]) == ("CAUGHT_ERROR", "HandleThreshold")
    assert response["error"] == "States.ExceedToleratedFailureThreshold"
    assert response["cause"] == "The specified tolerated failure threshold was exceeded"
    assert json.loads(response["output"])["errorOutput"] == {
        "Error": "States.ExceedToleratedFailureThreshold",
        "Cause": "The specified tolerated failure threshold was exceeded",
    }
    assert data(response) == {
        "input": VALUES,
        "maxConcurrency": 0,
        "toleratedFailureCount": 1,
        "errorDetails": {"catchIndex": 1},
    }
    retry = {key: value for key, value in catch.items() if key != "Catch"}
    retry["Retry"] = [
        {"ErrorEquals": ["MockException"], "MaxAttempts": 3},
        {"ErrorEquals": ["States.ExceedToleratedFailureThreshold"], "MaxAttempts": 2},
    ]
    response = run(
        retry,
        input=VALUES,
        mock={"result": [0, 0, 1]},
        state_configuration={"mapIterationFailureCount": 2},
        inspection_level="DEBUG",
    )
    assert response["status"] == "RETRIABLE"
    assert data(response)["errorDetails"] == {"retryBackoffIntervalSeconds": 1, "retryIndex": 1}


# base_map_state_machine.json5: a Distributed JSONPath Map in a whole machine.
BASE_MAP_STATE_MACHINE = {
    "StartAt": "State0",
    "States": {
        "State0": {
            "Type": "Map",
            "ItemsPath": "$.Values",
            "ItemProcessor": {
                "ProcessorConfig": DISTRIBUTED,
                "StartAt": "HandleItem",
                "States": {"HandleItem": {"Type": "Pass", "End": True}},
            },
            "ToleratedFailureCount": 2,
            "End": True,
        }
    },
}


def test_mocked_error_with_error_caused_by_state() -> None:
    # test_state_machine_with_state_error[DEBUG]: FAILED with the mocked error, and the items
    # stages up to the failure.
    for failures in (0, 2):
        response = run(
            BASE_MAP_STATE_MACHINE,
            state_name="State0",
            input=VALUES,
            mock=MOCK_ERROR,
            state_configuration={"mapIterationFailureCount": failures, "errorCausedByState": "HandleItem"},
            inspection_level="DEBUG",
        )
        assert (response["status"], response["error"]) == ("FAILED", "MockException")
        assert response["cause"] == "Mock the error cause."
        assert data(response) == {
            "input": VALUES,
            "afterInputPath": VALUES,
            "afterItemsPath": VALUES["Values"],
            "maxConcurrency": 0,
            "toleratedFailureCount": 2,
        }


def test_map_items_from_the_context_object() -> None:
    # context_object_items_path.json5 with ItemsPath "$$.Execution.Input.values" and a full
    # context (test_state_map_context_object[EXECUTION_INPUT_VALUES]).
    state = {
        "Type": "Map",
        "ItemsPath": "$$.Execution.Input.values",
        "MaxConcurrency": 1,
        "ItemProcessor": {"StartAt": "HandleItem", "States": {"HandleItem": {"Type": "Pass", "End": True}}},
        "End": True,
    }
    context = {
        "Execution": {
            "Id": "arn:aws:states:::execution:MyStateMachine:execution-name-12345",
            "Input": {
                "input-value": 0,
                "message": "test data",
                "values": ["charizard", "pikachu", "bulbasaur"],
            },
            "Name": "execution-name-12345",
            "RoleArn": "arn:aws:iam:::role/StepFunctionsRole",
            "StartTime": "2025-01-15T10:30:00.000Z",
        },
        "State": {"EnteredTime": "2025-01-15T10:30:01.500Z", "Name": "MyTaskState", "RetryCount": 0},
        "StateMachine": {"Id": "arn:aws:states:::stateMachine:MyStateMachine", "Name": "MyStateMachine"},
    }
    given = ["fire", "electricity", "grass"]
    upper = ["CHARIZARD", "PIKACHU", "BULBASAUR"]
    response = run(state, input=given, context=context, mock={"result": upper}, inspection_level="TRACE")
    assert response["status"] == "SUCCEEDED" and json.loads(response["output"]) == upper
    assert data(response) == {
        "input": given,
        "afterInputPath": given,
        "afterItemsPath": ["charizard", "pikachu", "bulbasaur"],
        "afterResultSelector": upper,
        "afterResultPath": upper,
        "maxConcurrency": 1,
    }


# map_item_reader_state_machine.json5: JSONata Distributed Map reading JSON from S3.
ITEM_READER_MACHINE = {
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
                "ProcessorConfig": DISTRIBUTED,
                "StartAt": "HandleItem",
                "States": {"HandleItem": {"Type": "Pass", "End": True}},
            },
            "End": True,
        }
    },
}
S3_INPUT = {"Bucket": "test-bucket", "Key": "test-key"}


def test_map_item_reader_data_stands_for_the_s3_object() -> None:
    # test_state_machine_configuration_map_iteration_item_reader[DEBUG].
    response = run(
        ITEM_READER_MACHINE,
        state_name="State0",
        input=S3_INPUT,
        state_configuration={"mapItemReaderData": json.dumps([1, 2, 3])},
        mock={"result": [1, 4, 9]},
        inspection_level="DEBUG",
    )
    assert response["status"] == "SUCCEEDED" and json.loads(response["output"]) == [1, 4, 9]
    assert data(response) == {"input": S3_INPUT, "maxConcurrency": 1}
    # test_state_machine_configuration_item_reader_with_error: the mocked error, whatever the count.
    for failures in (0, 2):
        failed = run(
            ITEM_READER_MACHINE,
            state_name="State0",
            input=S3_INPUT,
            state_configuration={
                "mapIterationFailureCount": failures,
                "errorCausedByState": "HandleItem",
                "mapItemReaderData": json.dumps([1, 2, 3]),
            },
            mock=MOCK_ERROR,
        )
        assert (failed["status"], failed["error"]) == ("FAILED", "MockException")


def test_item_reader_data_is_read_as_the_reader_config_says() -> None:
    machine = json.loads(json.dumps(ITEM_READER_MACHINE))
    machine["States"]["State0"]["ItemReader"]["ReaderConfig"] = {
        "InputType": "JSON",
        "ItemsPointer": "/orders",
    }
    machine["States"]["State0"]["ItemSelector"] = {"id": "{% $states.context.Map.Item.Value.id %}"}
    orders = {"orders": [{"id": "a"}, {"id": "b"}]}
    response = run(
        machine,
        state_name="State0",
        input=S3_INPUT,
        state_configuration={"mapItemReaderData": json.dumps(orders)},
        mock={"result": []},
        inspection_level="DEBUG",
    )
    shaped = data(response)
    assert shaped["afterItemsPointer"] == orders["orders"]
    assert shaped["afterItemSelector"] == [{"id": "a"}, {"id": "b"}]
    machine["States"]["State0"]["ItemReader"]["ReaderConfig"] = {
        "InputType": "CSV",
        "CSVHeaderLocation": "FIRST_ROW",
    }
    del machine["States"]["State0"]["ItemSelector"]
    csv_run = run(
        machine,
        state_name="State0",
        input=S3_INPUT,
        state_configuration={"mapItemReaderData": "id,qty\na,1\nb,2\n", "mapIterationFailureCount": 2},
        mock={"result": []},
    )
    assert csv_run["status"] == "SUCCEEDED"
    too_many = refused(
        machine,
        state_name="State0",
        input=S3_INPUT,
        state_configuration={"mapItemReaderData": "id,qty\na,1\n", "mapIterationFailureCount": 2},
        mock={"result": []},
    )
    assert "mapIterationFailureCount (2) cannot exceed the number of items in the input (1)" in too_many
    broken = run(
        machine,
        state_name="State0",
        input=S3_INPUT,
        state_configuration={"mapItemReaderData": "id,id\na,b\n"},
        mock={"result": []},
    )
    assert (broken["status"], broken["error"]) == ("FAILED", "States.ItemReaderFailed")


def test_item_reader_without_data_takes_the_items_from_the_input() -> None:
    # "Testing Distributed Map states": "provide the data directly in the input (as if it had
    # already been read from S3)". (The page's example also sets ItemsPath beside ItemReader,
    # which the definition rules refuse; the items are then the whole input.)
    state = {
        "Type": "Map",
        "ItemReader": {
            "Resource": "arn:aws:states:::s3:getObject",
            "ReaderConfig": {"InputType": "JSON"},
            "Parameters": {"Bucket": "my-bucket", "Key": "orders.json"},
        },
        "ItemProcessor": {
            "ProcessorConfig": DISTRIBUTED,
            "StartAt": "Each",
            "States": {"Each": {"Type": "Pass", "End": True}},
        },
        "ToleratedFailureCount": 5,
        "End": True,
    }
    orders = [{"orderId": "123"}, {"orderId": "456"}, {"orderId": "789"}]
    response = run(state, input=orders, mock={"result": ["ok"] * 3}, inspection_level="DEBUG")
    shaped = data(response)
    assert (shaped["afterItemsPath"], shaped["toleratedFailureCount"]) == (orders, 5)
    assert response["status"] == "SUCCEEDED"


def test_result_writer_mock_is_an_object() -> None:
    # test_mock_result_is_not_object_on_map_state_with_result_writer.
    state = dict(
        DOC_MAP,
        ResultWriter={
            "Resource": "arn:aws:states:::s3:putObject",
            "Parameters": {"Bucket": "b", "Prefix": "p"},
        },
    )
    state["ItemProcessor"] = dict(DOC_MAP["ItemProcessor"], ProcessorConfig=DISTRIBUTED)
    assert (
        refused(state, input={"items": [1]}, mock={"result": ["an array"]})
        == "Mocked result must be a JSON object."
    )
    written = {"MapRunArn": "arn:aws:states:us-east-1:1:mapRun:m/l:r", "ResultWriterDetails": {"Bucket": "b"}}
    assert json.loads(run(state, input={"items": [1]}, mock={"result": written})["output"]) == written
