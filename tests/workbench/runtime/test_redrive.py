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
    status, _ = sfn(client, "RedriveExecution", executionArn=failing.arn)
    assert status == 200
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
