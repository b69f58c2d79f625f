"""RedriveExecution through the API dispatcher, in process: the stored execution continues from
its failed step, DescribeExecution and ListExecutions show the redrive, and AWS's refusals.

AWS: https://docs.aws.amazon.com/step-functions/latest/apireference/API_RedriveExecution.html
"""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client

from tests.support.inprocess import Broker, machine, start
from tests.workbench.awsapi.calls import call

pytestmark = pytest.mark.django_db(transaction=True)

FUNCTION = "arn:aws:lambda:us-east-1:123456789012:function:{}"


def sfn(client: Client, operation: str, **params: Any) -> tuple[int, dict[str, Any]]:
    return call(client, f"AWSStepFunctions.{operation}", params)


def _flaky_function(name: str) -> None:
    from workbench.accounts.services import default_workspace
    from workbench.functions.models import Function

    Function.objects.create(
        workspace=default_workspace(),
        name=name,
        kind=Function.PYTHON,
        python_path="tests.support.flaky:fails_first_call",
    )


def test_a_failed_task_is_redriven_and_succeeds(broker: Broker, client: Client) -> None:
    from workbench.functions.models import Invocation
    from workbench.stepfunctions.models import Execution

    _flaky_function("flaky")
    _flaky_function("steady")
    definition = {
        "StartAt": "First",
        "States": {
            "First": {"Type": "Task", "Resource": FUNCTION.format("steady"), "Next": "Second"},
            "Second": {"Type": "Task", "Resource": FUNCTION.format("flaky"), "End": True},
        },
    }
    Invocation.objects.create(  # "steady" has been called before: it succeeds at once
        function_id=_function_id("steady"), caller="setup", attempt=1, payload=None
    )
    execution = start(definition, name="orders", input_text='{"order": 1}')
    broker.drain()
    execution.refresh_from_db()
    assert execution.status == "FAILED" and execution.error == "Flaky.Unavailable"

    status, described = sfn(client, "DescribeExecution", executionArn=execution.arn)
    assert status == 200
    assert described["redriveCount"] == 0 and described["redriveStatus"] == "REDRIVABLE"
    assert "redriveStatusReason" not in described and "redriveDate" not in described

    status, answer = sfn(client, "RedriveExecution", executionArn=execution.arn)
    assert status == 200, answer
    assert isinstance(answer["redriveDate"], float)
    execution.refresh_from_db()
    assert execution.status == "RUNNING" and execution.stop_date is None and execution.error is None
    broker.drain()
    execution.refresh_from_db()
    assert execution.status == "SUCCEEDED"
    assert json.loads(execution.output or "null") == {"handled": {"handled": {"order": 1}}}
    # The first Task ran once; only the failed one ran again.
    assert Invocation.objects.filter(function_id=_function_id("steady")).count() == 2  # setup + one
    assert Invocation.objects.filter(function_id=_function_id("flaky")).count() == 2

    types = list(execution.history.order_by("event_id").values_list("type", flat=True))
    failed_at = types.index("ExecutionFailed")
    assert types[failed_at + 1 : failed_at + 3] == ["ExecutionRedriven", "TaskStateEntered"]
    redriven = execution.history.get(type="ExecutionRedriven")
    assert redriven.details == {"redriveCount": 1}

    status, described = sfn(client, "DescribeExecution", executionArn=execution.arn)
    assert described["status"] == "SUCCEEDED" and described["redriveCount"] == 1
    assert described["redriveDate"] == answer["redriveDate"]
    assert described["redriveStatus"] == "NOT_REDRIVABLE"
    assert described["redriveStatusReason"] == "Execution is SUCCEEDED and cannot be redriven"

    status, listed = sfn(
        client, "ListExecutions", stateMachineArn=execution.state_machine.arn, redriveFilter="REDRIVEN"
    )
    assert [item["executionArn"] for item in listed["executions"]] == [execution.arn]
    assert listed["executions"][0]["redriveCount"] == 1
    status, listed = sfn(
        client, "ListExecutions", stateMachineArn=execution.state_machine.arn, redriveFilter="NOT_REDRIVEN"
    )
    assert listed["executions"] == []

    status, refused = sfn(client, "RedriveExecution", executionArn=execution.arn)
    assert status == 400 and refused["__type"] == "ExecutionNotRedrivable"
    assert "Execution is SUCCEEDED and cannot be redriven" in refused["message"]
    assert Execution.objects.get(id=execution.id).redrive_count == 1


def _function_id(name: str) -> int:
    from workbench.functions.models import Function

    return int(Function.objects.get(name=name).id)


FAILS = {"StartAt": "Stop", "States": {"Stop": {"Type": "Fail", "Error": "Broken", "Cause": "always"}}}
WAITS = {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 300, "End": True}}}


def test_refusals(broker: Broker, client: Client) -> None:
    from django.utils import timezone

    from workbench.stepfunctions.models import Execution

    running = start(WAITS, name="waits")
    status, refused = sfn(client, "RedriveExecution", executionArn=running.arn)
    assert status == 400 and refused["__type"] == "ExecutionNotRedrivable"
    assert "Execution is RUNNING and cannot be redriven" in refused["message"]

    arn = running.arn.replace(":waits:", ":nope:")
    status, refused = sfn(client, "RedriveExecution", executionArn=arn)
    assert status == 400 and refused["__type"] == "ExecutionDoesNotExist"

    express = machine(WAITS, name="quick", type="EXPRESS")
    express_arn = express.arn.replace(":stateMachine:", ":express:") + ":one:1234"
    status, refused = sfn(client, "RedriveExecution", executionArn=express_arn)
    assert status == 400 and refused["__type"] == "ExecutionDoesNotExist"

    old = start(FAILS, name="old")
    assert old.status == "FAILED"
    Execution.objects.filter(id=old.id).update(stop_date=timezone.now() - timedelta(days=15))
    status, described = sfn(client, "DescribeExecution", executionArn=old.arn)
    assert described["redriveStatus"] == "NOT_REDRIVABLE"
    assert described["redriveStatusReason"] == "Execution redrivable period exceeded"
    status, refused = sfn(client, "RedriveExecution", executionArn=old.arn)
    assert status == 400 and refused["__type"] == "ExecutionNotRedrivable"

    worn = start(FAILS, name="worn")
    Execution.objects.filter(id=worn.id).update(redrive_count=1000)
    status, refused = sfn(client, "RedriveExecution", executionArn=worn.arn)
    assert status == 400 and refused["__type"] == "ExecutionLimitExceeded"


def test_a_redrive_that_fails_again_is_recorded(broker: Broker, client: Client) -> None:
    """A Fail state fails again at once: the redrive is still counted and the history goes on."""
    failing = start(FAILS, name="again")
    status, first = sfn(client, "RedriveExecution", executionArn=failing.arn, clientToken="token-1")
    assert status == 200
    # The same client token again (boto3's retry of a lost answer): the same redrive, not another.
    status, again = sfn(client, "RedriveExecution", executionArn=failing.arn, clientToken="token-1")
    assert status == 200 and again == first
    failing.refresh_from_db()
    assert failing.status == "FAILED" and failing.redrive_count == 1 and failing.stop_date is not None
    types = list(failing.history.order_by("event_id").values_list("type", flat=True))
    assert types == [
        "ExecutionStarted",
        "FailStateEntered",
        "ExecutionFailed",
        "ExecutionRedriven",
        "FailStateEntered",
        "ExecutionFailed",
    ]
    status, other = sfn(client, "RedriveExecution", executionArn=failing.arn, clientToken="token-2")
    assert status == 200 and other["redriveDate"] > first["redriveDate"]
    failing.refresh_from_db()
    assert failing.redrive_count == 2
    assert [token for token, _ in failing.redrive_tokens] == ["token-1", "token-2"]


FAN = {
    "StartAt": "Fan",
    "States": {
        "Fan": {
            "Type": "Map",
            "ItemsPath": "$.items",
            "MaxConcurrency": 1,
            "ItemProcessor": {
                "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                "StartAt": "Call",
                "States": {"Call": {"Type": "Task", "Resource": FUNCTION.format("fanned"), "End": True}},
            },
            "End": True,
        }
    },
}


def test_a_failed_map_run_is_redriven_by_its_parent(broker: Broker, client: Client, own_sweeps: None) -> None:
    """The parent's redrive redrives the same Map Run: its failed child is redriven (same ARN,
    redriveCount 1) and the never-started items start; a lost redrive message is re-sent."""
    from workbench.runtime import recovery
    from workbench.stepfunctions.models import Execution, MapRun

    _flaky_function("fanned")
    parent = start(FAN, name="fan", input_text='{"items": [1, 2]}')
    broker.drain()
    parent.refresh_from_db()
    assert parent.status == "FAILED" and parent.error == "States.ExceedToleratedFailureThreshold"
    map_run = MapRun.objects.get(execution=parent)
    first = Execution.objects.get(map_run=map_run, item_index=0)
    assert first.status == "FAILED"
    assert not Execution.objects.filter(map_run=map_run, item_index=1).exists()
    status, child = sfn(client, "DescribeExecution", executionArn=first.arn)
    assert child["redriveStatus"] == "REDRIVABLE_BY_MAP_RUN"
    status, refused = sfn(client, "RedriveExecution", executionArn=first.arn)
    assert status == 400 and refused["__type"] == "ExecutionNotRedrivable"
    assert 'id="redrive-form"' not in client.get(f"/executions/{first.id}/").content.decode()
    assert 'id="redrive-form"' in client.get(f"/executions/{parent.id}/").content.decode()

    status, _ = sfn(client, "RedriveExecution", executionArn=parent.arn)
    assert status == 200
    status, described = sfn(client, "DescribeMapRun", mapRunArn=map_run.arn)
    assert described["status"] == "RUNNING" and described["redriveCount"] == 1
    assert "redriveDate" in described and described["itemCounts"]["pendingRedrive"] == 1
    status, listed = sfn(client, "ListExecutions", mapRunArn=map_run.arn, statusFilter="PENDING_REDRIVE")
    assert [item["status"] for item in listed["executions"]] == ["PENDING_REDRIVE"]
    assert broker.take(), "the child's redrive was sent"  # ... and lost
    recovery.sweep()
    broker.drain()

    parent.refresh_from_db()
    assert parent.status == "SUCCEEDED"
    assert json.loads(parent.output or "null") == [{"handled": 1}, {"handled": 2}]
    first.refresh_from_db()
    assert first.status == "SUCCEEDED" and first.redrive_count == 1
    assert first.history.filter(type="ExecutionRedriven").count() == 1
    assert parent.history.filter(type="MapRunRedriven").get().details == {
        "mapRunArn": map_run.arn,
        "redriveCount": 1,
    }
    status, described = sfn(client, "DescribeMapRun", mapRunArn=map_run.arn)
    assert described["status"] == "SUCCEEDED" and described["itemCounts"]["succeeded"] == 2
    assert described["itemCounts"]["pendingRedrive"] == 0
