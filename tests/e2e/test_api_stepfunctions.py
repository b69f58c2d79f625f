"""Step Functions operations through boto3 against the served workbench."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.conftest import wait_for
from tests.support.aws import error_code

pytestmark = pytest.mark.live

ROLE = "arn:aws:iam::123456789012:role/unit"
PASS_CHAIN = {
    "StartAt": "A",
    "States": {
        "A": {"Type": "Pass", "Result": {"x": 1}, "ResultPath": "$.a", "Next": "B"},
        "B": {"Type": "Pass", "End": True},
    },
}
APPROVAL = {
    "StartAt": "Ask",
    "States": {
        "Ask": {
            "Type": "Task",
            "Resource": "arn:aws:states:::sqs:sendMessage.waitForTaskToken",
            "Parameters": {
                "QueueUrl": "https://example.invalid/q",
                "MessageBody": {"token.$": "$$.Task.Token"},
            },
            "End": True,
        }
    },
}


def _done(sfn: Any, arn: str) -> dict[str, Any] | None:
    described = sfn.describe_execution(executionArn=arn)
    return described if described["status"] != "RUNNING" else None


def test_machine_lifecycle(aws: Any) -> None:
    sfn = aws("stepfunctions")
    arn = sfn.create_state_machine(name="chain", definition=json.dumps(PASS_CHAIN), roleArn=ROLE)[
        "stateMachineArn"
    ]
    assert arn == "arn:aws:states:us-east-1:123456789012:stateMachine:chain"
    again = sfn.create_state_machine(name="chain", definition=json.dumps(PASS_CHAIN), roleArn=ROLE)
    assert again["stateMachineArn"] == arn, "same definition and role: CreateStateMachine is idempotent"
    with pytest.raises(ClientError) as exc:
        sfn.create_state_machine(name="chain", definition=json.dumps(APPROVAL), roleArn=ROLE)
    assert error_code(exc) == "StateMachineAlreadyExists"
    described = sfn.describe_state_machine(stateMachineArn=arn)
    assert described["type"] == "STANDARD" and json.loads(described["definition"]) == PASS_CHAIN
    sfn.update_state_machine(stateMachineArn=arn, definition=json.dumps(APPROVAL))
    assert json.loads(sfn.describe_state_machine(stateMachineArn=arn)["definition"]) == APPROVAL
    assert [m["name"] for m in sfn.list_state_machines()["stateMachines"]] == ["chain"]
    sfn.delete_state_machine(stateMachineArn=arn)
    with pytest.raises(ClientError) as exc:
        sfn.describe_state_machine(stateMachineArn=arn)
    assert error_code(exc) == "StateMachineDoesNotExist"


def test_invalid_definition_is_rejected_and_nothing_is_stored(aws: Any) -> None:
    sfn = aws("stepfunctions")
    broken = {"StartAt": "A", "States": {"A": {"Type": "Pass", "Next": "Nowhere"}}}
    with pytest.raises(ClientError) as exc:
        sfn.create_state_machine(name="broken", definition=json.dumps(broken), roleArn=ROLE)
    assert error_code(exc) == "InvalidDefinition"
    assert "Nowhere" in exc.value.response["Error"]["Message"]
    with pytest.raises(ClientError) as exc:
        sfn.create_state_machine(name="broken", definition="{not json", roleArn=ROLE)
    assert error_code(exc) == "InvalidDefinition"
    assert sfn.list_state_machines()["stateMachines"] == []


def test_execution_runs_and_its_history_pages(aws: Any) -> None:
    sfn = aws("stepfunctions")
    machine = sfn.create_state_machine(name="chain", definition=json.dumps(PASS_CHAIN), roleArn=ROLE)[
        "stateMachineArn"
    ]
    arn = sfn.start_execution(stateMachineArn=machine, name="first", input='{"order": 7}')["executionArn"]
    assert arn == "arn:aws:states:us-east-1:123456789012:execution:chain:first"
    done = wait_for(lambda: _done(sfn, arn))
    assert done["status"] == "SUCCEEDED"
    assert json.loads(done["output"]) == {"order": 7, "a": {"x": 1}}
    events = sfn.get_execution_history(executionArn=arn)["events"]
    assert [e["type"] for e in events] == [
        "ExecutionStarted",
        "PassStateEntered",
        "PassStateExited",
        "PassStateEntered",
        "PassStateExited",
        "ExecutionSucceeded",
    ]
    assert [e["id"] for e in events] == list(range(1, 7))
    first_page = sfn.get_execution_history(executionArn=arn, maxResults=2)
    second_page = sfn.get_execution_history(executionArn=arn, maxResults=2, nextToken=first_page["nextToken"])
    assert [e["id"] for e in first_page["events"] + second_page["events"]] == [1, 2, 3, 4]
    newest = sfn.get_execution_history(executionArn=arn, reverseOrder=True, maxResults=1)["events"][0]
    assert newest["type"] == "ExecutionSucceeded"
    listed = sfn.list_executions(stateMachineArn=machine, statusFilter="SUCCEEDED")["executions"]
    assert [e["name"] for e in listed] == ["first"]
    with pytest.raises(ClientError) as exc:
        sfn.start_execution(stateMachineArn=machine, name="first", input='{"other": 1}')
    assert error_code(exc) == "ExecutionAlreadyExists"
    with pytest.raises(ClientError) as exc:
        sfn.start_execution(stateMachineArn=machine, input="{nope")
    assert error_code(exc) == "InvalidExecutionInput"


def test_task_token_success_failure_heartbeat_and_stop(aws: Any) -> None:
    from workbench.stepfunctions.models import PendingTask

    sfn = aws("stepfunctions")
    aws("sqs").create_queue(QueueName="q")  # the queue APPROVAL sends its token to
    machine = sfn.create_state_machine(name="approve", definition=json.dumps(APPROVAL), roleArn=ROLE)[
        "stateMachineArn"
    ]

    approved = sfn.start_execution(stateMachineArn=machine, input="{}")["executionArn"]
    token = wait_for(
        lambda: (
            PendingTask.objects.filter(execution__name=approved.rsplit(":", 1)[1])
            .values_list("token", flat=True)
            .first()
        )
    )
    sfn.send_task_heartbeat(taskToken=token)
    sfn.send_task_success(taskToken=token, output='{"approved": true}')
    done = wait_for(lambda: _done(sfn, approved))
    assert done["status"] == "SUCCEEDED" and json.loads(done["output"]) == {"approved": True}
    with pytest.raises(ClientError) as exc:
        sfn.send_task_success(taskToken=token, output="{}")
    assert error_code(exc) == "TaskTimedOut"

    rejected = sfn.start_execution(stateMachineArn=machine, input="{}")["executionArn"]
    token = wait_for(
        lambda: (
            PendingTask.objects.filter(execution__name=rejected.rsplit(":", 1)[1])
            .values_list("token", flat=True)
            .first()
        )
    )
    with pytest.raises(ClientError) as exc:
        sfn.send_task_success(taskToken=token, output="{not json")
    assert error_code(exc) == "InvalidOutput"
    sfn.send_task_failure(taskToken=token, error="Rejected", cause="too expensive")
    done = wait_for(lambda: _done(sfn, rejected))
    assert (done["status"], done["error"], done["cause"]) == ("FAILED", "Rejected", "too expensive")

    stopped = sfn.start_execution(stateMachineArn=machine, input="{}")["executionArn"]
    sfn.stop_execution(executionArn=stopped, error="Ops", cause="no longer needed")
    done = sfn.describe_execution(executionArn=stopped)
    assert done["status"] == "ABORTED"
    assert (
        sfn.get_execution_history(executionArn=stopped, reverseOrder=True)["events"][0]["type"]
        == "ExecutionAborted"
    )
    with pytest.raises(ClientError) as exc:
        sfn.send_task_success(taskToken="not-a-token", output="{}")
    assert error_code(exc) == "InvalidToken"


def test_missing_resources_answer_aws_errors(aws: Any) -> None:
    sfn = aws("stepfunctions")
    with pytest.raises(ClientError) as exc:
        sfn.describe_execution(executionArn="arn:aws:states:us-east-1:123456789012:execution:none:none")
    assert error_code(exc) == "ExecutionDoesNotExist"
    with pytest.raises(ClientError) as exc:
        sfn.start_execution(stateMachineArn="arn:aws:states:us-east-1:123456789012:stateMachine:none")
    assert error_code(exc) == "StateMachineDoesNotExist"
    with pytest.raises(ClientError) as exc:
        sfn.describe_state_machine(stateMachineArn="not-an-arn")
    assert error_code(exc) == "InvalidArn"


def test_start_sync_execution_runs_an_express_machine_in_memory(aws: Any) -> None:
    from workbench.accounts.services import default_workspace
    from workbench.functions.services import save_mock

    save_mock(
        default_workspace(), "double", [{"error": "States.TaskFailed", "cause": "once"}, {"output": 84}]
    )
    definition = {
        "StartAt": "Call",
        "States": {
            "Call": {
                "Type": "Task",
                "Resource": "arn:aws:lambda:us-east-1:123456789012:function:double",
                "Retry": [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 1, "MaxAttempts": 1}],
                "ResultPath": "$.result",
                "End": True,
            }
        },
    }
    sfn = aws("stepfunctions")
    express = sfn.create_state_machine(
        name="fast", definition=json.dumps(definition), roleArn=ROLE, type="EXPRESS"
    )["stateMachineArn"]
    answer = sfn.start_sync_execution(stateMachineArn=express, name="sync-1", input='{"n": 42}')
    assert answer["status"] == "SUCCEEDED"
    assert json.loads(answer["output"]) == {"n": 42, "result": 84}
    assert answer["executionArn"].startswith("arn:aws:states:us-east-1:123456789012:express:fast:sync-1:")
    assert answer["billingDetails"]["billedDurationInMilliseconds"] >= 1000, "the retry waited one second"
    standard = sfn.create_state_machine(name="slow", definition=json.dumps(PASS_CHAIN), roleArn=ROLE)[
        "stateMachineArn"
    ]
    with pytest.raises(ClientError) as exc:
        sfn.start_sync_execution(stateMachineArn=standard)
    assert error_code(exc) == "StateMachineTypeNotSupported"


def test_validate_state_machine_definition(aws: Any) -> None:
    sfn = aws("stepfunctions")
    assert sfn.validate_state_machine_definition(definition=json.dumps(PASS_CHAIN)) == {
        "result": "OK",
        "diagnostics": [],
        "truncated": False,
        "ResponseMetadata": mock_any(),
    }
    broken = {
        "StartAt": "A",
        "States": {"A": {"Type": "Choice", "Choices": [{"Variable": "$.x", "Next": "B"}]}},
    }
    answer = sfn.validate_state_machine_definition(definition=json.dumps(broken))
    assert answer["result"] == "FAIL"
    assert {d["severity"] for d in answer["diagnostics"]} == {"ERROR"}
    assert any(d["location"].startswith("/States/A/Choices[0]") for d in answer["diagnostics"])
    assert sfn.list_state_machines()["stateMachines"] == [], "validation stores nothing"


def mock_any() -> Any:
    from unittest.mock import ANY

    return ANY


def test_aws_cli_drives_step_functions_unchanged(live_url: str, transactional_db: Any) -> None:
    import os
    import subprocess
    import sys

    env = dict(
        os.environ, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test", AWS_DEFAULT_REGION="us-east-1"
    )
    cli = [sys.executable, "-m", "awscli", "--endpoint-url", live_url, "--output", "json", "stepfunctions"]

    def run(*args: str) -> dict[str, Any]:
        done = subprocess.run([*cli, *args], check=True, env=env, capture_output=True, text=True)
        return json.loads(done.stdout) if done.stdout.strip() else {}

    machine = run(
        "create-state-machine",
        "--name",
        "cli-chain",
        "--definition",
        json.dumps(PASS_CHAIN),
        "--role-arn",
        ROLE,
    )["stateMachineArn"]
    arn = run("start-execution", "--state-machine-arn", machine, "--input", '{"from": "cli"}')["executionArn"]
    done = wait_for(
        lambda: (lambda d: d if d["status"] != "RUNNING" else None)(
            run("describe-execution", "--execution-arn", arn)
        )
    )
    assert json.loads(done["output"]) == {"from": "cli", "a": {"x": 1}}
    failed = subprocess.run(
        [*cli, "create-state-machine", "--name", "bad", "--definition", "{}", "--role-arn", ROLE],
        env=env,
        capture_output=True,
        text=True,
    )
    assert failed.returncode != 0 and "InvalidDefinition" in failed.stderr


def test_update_with_an_invalid_definition_keeps_the_stored_one(aws: Any) -> None:
    sfn = aws("stepfunctions")
    arn = sfn.create_state_machine(name="keep", definition=json.dumps(PASS_CHAIN), roleArn=ROLE)[
        "stateMachineArn"
    ]
    broken = {"StartAt": "A", "States": {"A": {"Type": "Wait", "Next": "A"}}}
    with pytest.raises(ClientError) as exc:
        sfn.update_state_machine(stateMachineArn=arn, definition=json.dumps(broken))
    assert error_code(exc) == "InvalidDefinition"
    assert exc.value.response["Error"]["Message"].startswith("Invalid State Machine Definition: ")
    assert json.loads(sfn.describe_state_machine(stateMachineArn=arn)["definition"]) == PASS_CHAIN


def test_nested_child_executions_through_boto3(aws: Any) -> None:
    """A parent runs states:startExecution.sync:2 on a 3-state Pass child and a .sync on a
    failing one (Catch), and a .sync on an Express child (run by a worker): ListExecutions shows
    the Standard child, the parent's output is the child's DescribeExecution, the history has
    TaskSubmitted, and the failure reaches the Catch as States.TaskFailed."""
    sfn = aws("stepfunctions")
    child = sfn.create_state_machine(name="child", definition=json.dumps(PASS_CHAIN), roleArn=ROLE)
    fast = sfn.create_state_machine(
        name="fast", definition=json.dumps(PASS_CHAIN), roleArn=ROLE, type="EXPRESS"
    )
    broken = sfn.create_state_machine(
        name="broken",
        definition=json.dumps({"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "No"}}}),
        roleArn=ROLE,
    )
    parent_definition = {
        "StartAt": "Good",
        "States": {
            "Good": {
                "Type": "Task",
                "Resource": "arn:aws:states:::states:startExecution.sync:2",
                "Parameters": {
                    "StateMachineArn": child["stateMachineArn"],
                    "Input": {"n": 1, "AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$": "$$.Execution.Id"},
                },
                "ResultSelector": {"out.$": "$.Output", "status.$": "$.Status"},
                "ResultPath": "$.good",
                "Next": "Fast",
            },
            "Fast": {
                "Type": "Task",
                "Resource": "arn:aws:states:::states:startExecution.sync",
                "Parameters": {"StateMachineArn": fast["stateMachineArn"], "Input": {"n": 2}},
                "ResultSelector": {"out.$": "$.Output", "status.$": "$.Status", "arn.$": "$.ExecutionArn"},
                "ResultPath": "$.fast",
                "Next": "Bad",
            },
            "Bad": {
                "Type": "Task",
                "Resource": "arn:aws:states:::states:startExecution.sync",
                "Parameters": {"StateMachineArn": broken["stateMachineArn"]},
                "Catch": [{"ErrorEquals": ["States.TaskFailed"], "ResultPath": "$.bad", "Next": "Done"}],
                "Next": "Done",
            },
            "Done": {"Type": "Pass", "End": True},
        },
    }
    parent = sfn.create_state_machine(name="parent", definition=json.dumps(parent_definition), roleArn=ROLE)
    arn = sfn.start_execution(stateMachineArn=parent["stateMachineArn"], input="{}")["executionArn"]
    described = wait_for(lambda: _done(sfn, arn), timeout=60)
    assert described["status"] == "SUCCEEDED", described
    output = json.loads(described["output"])
    assert output["good"] == {
        "out": {"n": 1, "AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID": arn, "a": {"x": 1}},
        "status": "SUCCEEDED",
    }
    assert output["fast"]["status"] == "SUCCEEDED" and ":express:fast:" in output["fast"]["arn"]
    assert json.loads(output["fast"]["out"]) == {"n": 2, "a": {"x": 1}}
    assert output["bad"]["Error"] == "States.TaskFailed"
    assert json.loads(output["bad"]["Cause"])["Status"] == "FAILED"
    [listed] = sfn.list_executions(stateMachineArn=child["stateMachineArn"])["executions"]
    assert listed["status"] == "SUCCEEDED"
    types = [event["type"] for event in sfn.get_execution_history(executionArn=arn)["events"]]
    assert types[2:6] == ["TaskScheduled", "TaskStarted", "TaskSubmitted", "TaskSucceeded"]
