"""MockConfig test cases answering Task states (workbench.runtime.mocks): Return, Throw with
Retry consuming invocations, ranges, an uncovered invocation, aws-sdk and callback resources,
Express, an unknown test case at StartExecution, and the how-to cause of an unmocked resource."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from tests.support.inprocess import Broker, machine
from tests.workbench.awsapi.calls import call

pytestmark = pytest.mark.django_db(transaction=True)

LAMBDA = "arn:aws:states:::lambda:invoke"
GET_ITEM = "arn:aws:states:::aws-sdk:dynamodb:getItem"


def task(resource: str, **extra: Any) -> dict[str, Any]:
    return {
        "StartAt": "Call",
        "States": {
            "Call": {
                "Type": "Task",
                "Resource": resource,
                "Parameters": {"FunctionName": "absent"},
                "End": True,
                **extra,
            }
        },
    }


def configure(machine_name: str, cases: dict[str, dict[str, str]], responses: dict[str, Any]) -> None:
    from workbench.accounts.services import default_workspace
    from workbench.stepfunctions import mocks

    text = json.dumps(
        {"StateMachines": {machine_name: {"TestCases": cases}}, "MockedResponses": responses}, indent=2
    )
    mocks.save_workspace_config(default_workspace(), text)


def run(name: str, test_case: str | None, broker: Broker, input_text: str = "{}") -> Any:
    from workbench.runtime import executions
    from workbench.stepfunctions.models import Execution, StateMachine

    chosen = StateMachine.objects.get(name=name)
    started = executions.start_execution(chosen, test_case=test_case, input_text=input_text)
    broker.drain()
    assert started.execution is not None
    return Execution.objects.get(id=started.execution.id)


def events(execution: Any) -> list[str]:
    return [event.type for event in execution.history.order_by("event_id")]


def test_return_answers_instead_of_the_resource(broker: Broker) -> None:
    machine(task(LAMBDA), name="orders")
    configure(
        "orders",
        {"Happy": {"Call": "Ok"}},
        {"Ok": {"0": {"Return": {"StatusCode": 200, "Payload": {"approved": True}}}}},
    )
    done = run("orders", "Happy", broker)
    assert done.status == "SUCCEEDED", done.cause
    assert json.loads(done.output) == {"StatusCode": 200, "Payload": {"approved": True}}
    assert done.arn.endswith(":execution:orders:" + done.name)  # no '#case' in the execution's ARN


def test_throw_with_retry_consumes_a_range_then_succeeds(broker: Broker) -> None:
    retry = [{"ErrorEquals": ["Lambda.TimeoutException"], "IntervalSeconds": 1, "MaxAttempts": 3}]
    machine(task(LAMBDA, Retry=retry), name="retrying")
    configure(
        "retrying",
        {"RetryPath": {"Call": "Flaky"}},
        {
            "Flaky": {
                "0-1": {"Throw": {"Error": "Lambda.TimeoutException", "Cause": "Lambda timed out."}},
                "2": {"Return": {"StatusCode": 200, "Payload": "third time"}},
            }
        },
    )
    done = run("retrying", "RetryPath", broker)
    assert done.status == "SUCCEEDED", done.cause
    assert json.loads(done.output)["Payload"] == "third time"
    assert events(done).count("TaskFailed") == 2


def test_an_invocation_no_range_covers_fails_with_states_runtime(broker: Broker) -> None:
    retry = [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 1, "MaxAttempts": 3}]
    machine(task(LAMBDA, Retry=retry), name="short")
    configure(
        "short",
        {"Once": {"Call": "OneFailure"}},
        {"OneFailure": {"0": {"Throw": {"Error": "Custom.Boom", "Cause": "first"}}}},
    )
    done = run("short", "Once", broker)
    assert done.status == "FAILED"
    assert done.error == "States.Runtime"
    assert "no answer for invocation 1 of state 'Call'" in (done.cause or "")


def test_a_throw_is_caught_like_the_real_error(broker: Broker) -> None:
    definition = task(LAMBDA, Catch=[{"ErrorEquals": ["Custom.NotFound"], "Next": "Fallback"}])
    definition["States"]["Fallback"] = {"Type": "Pass", "Result": "fell back", "End": True}
    machine(definition, name="catching")
    configure(
        "catching",
        {"Sad": {"Call": "Missing"}},
        {"Missing": {"0-9": {"Throw": {"Error": "Custom.NotFound", "Cause": "gone"}}}},
    )
    done = run("catching", "Sad", broker)
    assert done.status == "SUCCEEDED" and json.loads(done.output) == "fell back"


def test_an_aws_sdk_resource_is_mocked_and_its_return_checked_against_the_api_model(broker: Broker) -> None:
    from workbench.core.errors import AwsError
    from workbench.runtime import executions
    from workbench.stepfunctions.models import Execution, StateMachine

    configure(  # before the machine exists: the page could not check it against the machine
        "lookup",
        {"Found": {"Call": "Item"}, "Wrong": {"Call": "NotAnItem"}},
        {
            "Item": {"0": {"Return": {"Item": {"id": {"S": "42"}}}}},
            "NotAnItem": {"0": {"Return": {"Item": "42"}}},
        },
    )
    machine(task(GET_ITEM), name="lookup")
    done = run("lookup", "Found", broker)
    assert done.status == "SUCCEEDED", done.cause
    assert json.loads(done.output) == {"Item": {"id": {"S": "42"}}}
    with pytest.raises(AwsError) as refused:
        executions.start_execution(StateMachine.objects.get(name="lookup"), test_case="Wrong")
    assert refused.value.code == "ValidationException"
    assert "Mock result schema validation error: Field 'Item' must be an object" in refused.value.message
    assert "'NotAnItem'" in refused.value.message
    assert Execution.objects.count() == 1


def test_a_wait_for_task_token_state_is_answered_at_once(broker: Broker) -> None:
    resource = "arn:aws:states:::sqs:sendMessage.waitForTaskToken"
    definition = task(resource)
    definition["States"]["Call"]["Parameters"] = {
        "QueueUrl": "http://nowhere/q",
        "MessageBody.$": "$$.Task.Token",
    }
    machine(definition, name="approval")
    configure("approval", {"Approved": {"Call": "Yes"}}, {"Yes": {"0": {"Return": {"approved": True}}}})
    done = run("approval", "Approved", broker)
    assert done.status == "SUCCEEDED", done.cause
    assert json.loads(done.output) == {"approved": True}


def test_express_start_sync_execution_uses_the_test_case() -> None:
    from workbench.runtime import executions
    from workbench.stepfunctions.models import StateMachine

    machine(task(GET_ITEM), name="quick", type="EXPRESS")
    configure("quick", {"Found": {"Call": "Item"}}, {"Item": {"0": {"Return": {"Item": {}}}}})
    _, result = executions.start_sync_execution(StateMachine.objects.get(name="quick"), test_case="Found")
    assert result.status == "SUCCEEDED" and result.output == {"Item": {}}


def test_an_unknown_test_case_is_refused_at_start_execution(broker: Broker, client: Client) -> None:
    from workbench.stepfunctions.models import Execution

    created = machine(task(LAMBDA), name="known")
    configure("known", {"Happy": {"Call": "Ok"}}, {"Ok": {"0": {"Return": {"StatusCode": 200}}}})
    status, body = call(client, "AWSStepFunctions.StartExecution", {"stateMachineArn": created.arn + "#Nope"})
    assert status == 400 and body["__type"] == "InvalidName"
    assert "Test case 'Nope' is not defined for state machine 'known'" in body["message"]
    assert not Execution.objects.exists()
    status, body = call(
        client, "AWSStepFunctions.StartExecution", {"stateMachineArn": created.arn + "#Happy"}
    )
    assert status == 200, body
    assert Execution.objects.get().mock_case["testCase"] == "Happy"


def test_an_unmocked_unsupported_resource_fails_saying_how_to_mock_it(broker: Broker) -> None:
    machine(task(GET_ITEM), name="plain")
    done = run("plain", None, broker)
    assert done.status == "FAILED" and done.error == "States.TaskFailed"
    cause = done.cause or ""
    for words in (
        "'Call'",
        "'plain'",
        "StateMachines.plain.TestCases",
        "SFN_MOCK_CONFIG",
        "Mocks page",
        "#<TestCase>",
    ):
        assert words in cause, (words, cause)


def test_states_the_test_case_does_not_name_call_their_resource(broker: Broker) -> None:
    definition = task(GET_ITEM)
    definition["States"]["Call"]["Next"] = "Other"
    definition["States"]["Call"].pop("End")
    definition["States"]["Other"] = {"Type": "Task", "Resource": GET_ITEM, "End": True}
    machine(definition, name="hybrid")
    configure("hybrid", {"Half": {"Call": "Item"}}, {"Item": {"0": {"Return": {}}}})
    done = run("hybrid", "Half", broker)
    assert done.status == "FAILED" and "state 'Other'" in (done.cause or "")


def map_over(mode: str) -> dict[str, Any]:
    processor: dict[str, Any] = {
        "StartAt": "Inner",
        "States": {"Inner": {"Type": "Task", "Resource": GET_ITEM, "End": True}},
    }
    if mode == "DISTRIBUTED":
        processor["ProcessorConfig"] = {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}
    return {
        "StartAt": "Each",
        "States": {
            "Each": {
                "Type": "Map",
                "ItemsPath": "$.items",
                "MaxConcurrency": 1,
                "ItemProcessor": processor,
                "End": True,
            }
        },
    }


def test_invocations_count_across_map_iterations_as_step_functions_local_counts_them(broker: Broker) -> None:
    machine(map_over("INLINE"), name="looping")
    configure(
        "looping", {"Each": {"Inner": "Seq"}}, {"Seq": {"0": {"Return": {"Item": {}}}, "1-2": {"Return": {}}}}
    )
    done = run("looping", "Each", broker, '{"items": [1, 2, 3]}')
    assert done.status == "SUCCEEDED", done.cause
    assert json.loads(done.output) == [{"Item": {}}, {}, {}]


def test_a_distributed_map_child_answers_from_its_parent_test_case(broker: Broker) -> None:
    from workbench.stepfunctions.models import Execution

    machine(map_over("DISTRIBUTED"), name="fanout")
    configure("fanout", {"Each": {"Inner": "Any"}}, {"Any": {"0": {"Return": {}}}})
    done = run("fanout", "Each", broker, '{"items": [1, 2]}')
    assert done.status == "SUCCEEDED", done.cause
    assert json.loads(done.output) == [{}, {}]
    assert Execution.objects.filter(map_run__isnull=False, mock_case__testCase="Each").count() == 2


def test_an_asynchronous_express_start_carries_its_test_case_to_the_worker(broker: Broker) -> None:
    from workbench.runtime import executions, queue
    from workbench.stepfunctions.models import StateMachine

    machine(task(GET_ITEM), name="later", type="EXPRESS")
    configure("later", {"Found": {"Call": "Item"}}, {"Item": {"0": {"Return": {"Item": {}}}}})
    executions.start_execution(StateMachine.objects.get(name="later"), test_case="Found")
    [(_, args, _)] = broker.take(queue.RUN_EXPRESS_EXECUTION)
    assert args[4]["testCase"] == "Found" and "Call" in args[4]["states"]


def test_the_execution_page_names_its_test_case(broker: Broker, client: Client) -> None:
    machine(task(LAMBDA), name="shown")
    configure("shown", {"Happy": {"Call": "Ok"}}, {"Ok": {"0": {"Return": {"StatusCode": 200}}}})
    done = run("shown", "Happy", broker)
    page = client.get(f"/executions/{done.id}/").content.decode()
    assert 'id="mock-test-case"' in page and "<strong>Happy</strong>" in page
