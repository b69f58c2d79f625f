"""Activities end to end in process: the Task state schedules, GetActivityTask hands the task to
a worker (ActivityStarted with its workerName), SendTask* answer it; a missing activity fails
the execution with States.Runtime; heartbeat timeouts; long polls; the API's shapes and errors.
Histories follow LocalStack's AWS-recorded activities/test_activities.snapshot.json."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import pytest
from django.test import Client

from tests.support.inprocess import Broker, machine
from tests.workbench.awsapi.calls import call

pytestmark = pytest.mark.django_db(transaction=True)

ARN = "arn:aws:states:us-east-1:123456789012:activity:{}"


def _definition(name: str, **task: Any) -> str:
    return json.dumps(
        {
            "StartAt": "Work",
            "States": {"Work": {"Type": "Task", "Resource": ARN.format(name), "End": True, **task}},
        }
    )


def _types(execution: Any) -> list[str]:
    return [e.type for e in execution.history.order_by("event_id")]


def _start(definition: str, name: str = "m", input_text: str = '{"a": 1}') -> Any:
    from workbench.runtime import executions

    started = executions.start_execution(machine(definition, name=name), input_text=input_text)
    assert started.execution is not None
    return started.execution


def test_a_worker_takes_the_task_and_answers_it(broker: Broker) -> None:
    from workbench.accounts.services import default_workspace
    from workbench.runtime import activities, executions
    from workbench.stepfunctions import activities as resources

    ws = default_workspace()
    activity = resources.create_activity(ws, "work")
    execution = _start(_definition("work"))
    broker.drain()
    assert _types(execution)[-1] == "ActivityScheduled"
    task = activities.poll(activity, "worker-1", seconds=0)
    assert task is not None and json.loads(task.input) == {"a": 1}
    assert activities.poll(activity, "worker-2", seconds=0) is None  # taken once
    started = execution.history.order_by("event_id").last()
    assert started.type == "ActivityStarted" and started.details == {"workerName": "worker-1"}
    executions.send_task_success(ws, task.token, '{"done": true}')
    broker.drain()
    execution.refresh_from_db()
    assert execution.status == "SUCCEEDED" and json.loads(execution.output) == {"done": True}
    assert _types(execution) == [
        "ExecutionStarted", "TaskStateEntered", "ActivityScheduled", "ActivityStarted",
        "ActivitySucceeded", "TaskStateExited", "ExecutionSucceeded",
    ]  # fmt: skip


def test_a_failure_without_worker_name_is_recorded_as_aws_records_it(broker: Broker) -> None:
    from workbench.accounts.services import default_workspace
    from workbench.runtime import activities, executions
    from workbench.stepfunctions import activities as resources

    ws = default_workspace()
    activity = resources.create_activity(ws, "work")
    execution = _start(_definition("work"))
    broker.drain()
    task = activities.poll(activity, None, seconds=0)
    assert task is not None
    executions.send_task_failure(ws, task.token, "Programmatic Error", "bad")
    broker.drain()
    execution.refresh_from_db()
    events = list(execution.history.order_by("event_id"))
    assert [e.type for e in events][-3:] == ["ActivityStarted", "ActivityFailed", "ExecutionFailed"]
    assert events[-3].details == {}
    assert execution.error == "Programmatic Error"


def test_a_missing_activity_fails_the_execution_with_states_runtime(broker: Broker) -> None:
    execution = _start(_definition("nowhere"))
    execution.refresh_from_db()
    assert _types(execution) == ["ExecutionStarted", "TaskStateEntered", "ExecutionFailed"]
    assert execution.error == "States.Runtime"
    assert execution.cause == (
        "An error occurred while executing the state 'Work' (entered at the event id #2). "
        f"The activity {ARN.format('nowhere')} does not exist."
    )


def test_a_missed_heartbeat_times_the_task_out_and_catch_applies(broker: Broker) -> None:
    from workbench.accounts.services import default_workspace
    from workbench.runtime import activities, executions
    from workbench.stepfunctions import activities as resources
    from workbench.stepfunctions.errors import TaskTimedOut

    ws = default_workspace()
    activity = resources.create_activity(ws, "slow")
    definition = json.dumps(
        {
            "StartAt": "Work",
            "States": {
                "Work": {
                    "Type": "Task",
                    "Resource": ARN.format("slow"),
                    "HeartbeatSeconds": 1,
                    "Catch": [{"ErrorEquals": ["States.HeartbeatTimeout"], "Next": "Late"}],
                    "End": True,
                },
                "Late": {"Type": "Pass", "End": True},
            },
        }
    )
    execution = _start(definition)
    task = activities.poll(activity, "w", seconds=0)
    assert task is not None
    broker.drain()  # the heartbeat timer is made due and fires
    execution.refresh_from_db()
    assert execution.status == "SUCCEEDED"
    assert "ActivityTimedOut" in _types(execution)
    with pytest.raises(TaskTimedOut):
        executions.send_task_heartbeat(ws, task.token)


def test_a_heartbeat_keeps_the_task_alive(broker: Broker) -> None:
    from workbench.accounts.services import default_workspace
    from workbench.runtime import activities, executions
    from workbench.stepfunctions import activities as resources
    from workbench.stepfunctions.models import Timer

    ws = default_workspace()
    activity = resources.create_activity(ws, "beat")
    execution = _start(_definition("beat", HeartbeatSeconds=30, TimeoutSeconds=60))
    broker.take()
    task = activities.poll(activity, "w", seconds=0)
    assert task is not None
    before = dict(Timer.objects.filter(execution=execution).values_list("timer_id", "fire_at"))
    assert len(before) == 2  # TimeoutSeconds and HeartbeatSeconds
    time.sleep(0.01)
    executions.send_task_heartbeat(ws, task.token)
    after = dict(Timer.objects.filter(execution=execution).values_list("timer_id", "fire_at"))
    kept = set(before) & set(after)
    (renewed,) = set(after) - kept
    (heartbeat,) = set(before) - kept
    assert after[renewed] > before[heartbeat]


def test_a_long_poll_wakes_when_a_task_is_scheduled(broker: Broker, monkeypatch: pytest.MonkeyPatch) -> None:
    """The step that schedules the task wakes this process's polls once it commits: with the
    periodic look made too slow to matter, the poll still answers at once."""
    from workbench.accounts.services import default_workspace
    from workbench.runtime import activities
    from workbench.stepfunctions import activities as resources

    monkeypatch.setattr(activities, "LOOK_EVERY", 30.0)
    activity = resources.create_activity(default_workspace(), "wake")
    got: list[Any] = []
    poller = threading.Thread(target=lambda: got.append(activities.poll(activity, "w", seconds=20)))
    poller.start()
    time.sleep(0.5)  # the poll has looked once and sleeps
    began = time.monotonic()
    _start(_definition("wake"))  # no message is delivered: the wake-up is the step's own
    poller.join(15)
    assert got and got[0] is not None
    assert time.monotonic() - began < 10


def test_a_poll_with_nothing_to_take_answers_after_its_wait(broker: Broker) -> None:
    from workbench.accounts.services import default_workspace
    from workbench.runtime import activities
    from workbench.stepfunctions import activities as resources

    activity = resources.create_activity(default_workspace(), "idle")
    began = time.monotonic()
    assert activities.poll(activity, None, seconds=0.6) is None
    assert 0.5 < time.monotonic() - began < 3


def test_activity_api_shapes_and_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    from workbench.runtime import activities

    monkeypatch.setattr(activities, "POLL_SECONDS", 0.1)
    client = Client()
    status, created = call(
        client, "AWSStepFunctions.CreateActivity", {"name": "a1", "tags": [{"key": "k", "value": "v"}]}
    )
    assert status == 200 and created["activityArn"] == ARN.format("a1")
    status, again = call(
        client, "AWSStepFunctions.CreateActivity", {"name": "a1", "tags": [{"key": "k", "value": "w"}]}
    )
    assert status == 200 and again == created  # idempotent on the name
    call(client, "AWSStepFunctions.CreateActivity", {"name": "a2"})
    status, described = call(
        client, "AWSStepFunctions.DescribeActivity", {"activityArn": created["activityArn"]}
    )
    assert described["name"] == "a1" and described["creationDate"] == created["creationDate"]
    status, page = call(client, "AWSStepFunctions.ListActivities", {"maxResults": 1})
    assert [a["name"] for a in page["activities"]] == ["a1"] and page["nextToken"]
    status, rest = call(client, "AWSStepFunctions.ListActivities", {"nextToken": page["nextToken"]})
    assert [a["name"] for a in rest["activities"]] == ["a2"] and "nextToken" not in rest
    status, empty = call(client, "AWSStepFunctions.GetActivityTask", {"activityArn": created["activityArn"]})
    assert status == 200 and "taskToken" not in empty
    status, bad = call(client, "AWSStepFunctions.CreateActivity", {"name": "has space"})
    assert status == 400 and bad["__type"].endswith("InvalidName")
    assert bad["message"] == "Invalid Name: 'has space'"
    status, bad = call(
        client,
        "AWSStepFunctions.DescribeActivity",
        {"activityArn": "arn:aws:states:us-east-1:123456789012:stateMachine:x"},
    )
    assert status == 400 and bad["__type"].endswith("InvalidArn")
    assert call(client, "AWSStepFunctions.DeleteActivity", {"activityArn": created["activityArn"]})[0] == 200
    assert call(client, "AWSStepFunctions.DeleteActivity", {"activityArn": created["activityArn"]})[0] == 200
    status, gone = call(client, "AWSStepFunctions.DescribeActivity", {"activityArn": created["activityArn"]})
    assert status == 400 and gone["__type"].endswith("ActivityDoesNotExist")
    assert gone["message"] == f"Activity Does Not Exist: '{created['activityArn']}'"
    status, gone = call(client, "AWSStepFunctions.GetActivityTask", {"activityArn": created["activityArn"]})
    assert status == 400 and gone["__type"].endswith("ActivityDoesNotExist")


def test_retry_offers_the_next_attempt_to_workers(broker: Broker) -> None:
    from workbench.accounts.services import default_workspace
    from workbench.runtime import activities, executions
    from workbench.stepfunctions import activities as resources

    ws = default_workspace()
    activity = resources.create_activity(ws, "flaky")
    retry = [{"ErrorEquals": ["Busy"], "IntervalSeconds": 1, "MaxAttempts": 2}]
    execution = _start(_definition("flaky", Retry=retry))
    first = activities.poll(activity, "w1", seconds=0)
    assert first is not None
    executions.send_task_failure(ws, first.token, "Busy", "try later")
    assert activities.poll(activity, "w2", seconds=0) is None  # the back-off has not ended
    broker.drain()  # the back-off timer fires: the second attempt is scheduled
    second = activities.poll(activity, "w2", seconds=0)
    assert second is not None and second.token != first.token
    executions.send_task_success(ws, second.token, "{}")
    broker.drain()
    execution.refresh_from_db()
    assert execution.status == "SUCCEEDED"
    started = [e.details for e in execution.history.order_by("event_id") if e.type == "ActivityStarted"]
    assert started == [{"workerName": "w1"}, {"workerName": "w2"}]


def test_express_workflows_refuse_activities() -> None:
    """AWS: Express workflows do not support activities
    (https://docs.aws.amazon.com/step-functions/latest/dg/choosing-workflow-type.html)."""
    from workbench.accounts.services import default_workspace
    from workbench.runtime import executions
    from workbench.stepfunctions import activities as resources

    resources.create_activity(default_workspace(), "fast")
    _, result = executions.start_sync_execution(machine(_definition("fast"), name="quick", type="EXPRESS"))
    assert result.status == "FAILED" and result.error == "States.Runtime"
    assert result.cause == "Express workflows do not support activities"
    _, missing = executions.start_sync_execution(machine(_definition("none"), name="quick2", type="EXPRESS"))
    assert missing.error == "States.Runtime" and "does not exist" in (missing.cause or "")
