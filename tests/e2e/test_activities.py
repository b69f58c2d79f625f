"""Activities through boto3 against the served workbench: workers polling GetActivityTask on
threads of their own, answering with SendTaskSuccess; eight waiting polls never slow other
calls (GetActivityTask stays off the fast path's few threads); a missed heartbeat ends the task
on the runtime's durable timer."""

from __future__ import annotations

import json
import threading
import time
from typing import Any

import boto3
import pytest
from botocore.config import Config

from tests.conftest import wait_for

pytestmark = pytest.mark.live

ROLE = "arn:aws:iam::123456789012:role/unit"
POLLERS = 8


def _worker_client(base: str) -> Any:
    """A worker's client: its own session, and a read timeout above the 60 s poll (AWS's advice)."""
    return boto3.session.Session().client(
        "stepfunctions",
        endpoint_url=base,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(inject_host_prefix=False, retries={"max_attempts": 1}, read_timeout=70),
    )


def _machine(sfn: Any, name: str, activity_arn: str, *, wait_first: bool = False, **task: Any) -> str:
    """One activity Task; ``wait_first`` puts a 1 s Wait before it, so the step that schedules
    the task is a timer's (in distributed mode: taken by the Celery worker process, not the
    server where the worker's poll waits)."""
    states: dict[str, Any] = {"Work": {"Type": "Task", "Resource": activity_arn, "End": True, **task}}
    if wait_first:
        states["Pause"] = {"Type": "Wait", "Seconds": 1, "Next": "Work"}
    definition = {"StartAt": "Pause" if wait_first else "Work", "States": states}
    return str(
        sfn.create_state_machine(name=name, definition=json.dumps(definition), roleArn=ROLE)[
            "stateMachineArn"
        ]
    )


def test_eight_waiting_workers_do_not_block_other_calls_and_each_answers_a_task(
    aws: Any, live_url: str
) -> None:
    sfn = aws("stepfunctions")
    activity_arn = sfn.create_activity(name="pack")["activityArn"]
    machine_arn = _machine(sfn, "packing", activity_arn, HeartbeatSeconds=30)
    answered: list[str] = []
    failures: list[BaseException] = []

    def work(index: int) -> None:
        try:
            client = _worker_client(live_url)
            task = client.get_activity_task(activityArn=activity_arn, workerName=f"worker-{index}")
            assert task.get("taskToken"), task
            payload = json.loads(task["input"])
            client.send_task_heartbeat(taskToken=task["taskToken"])
            client.send_task_success(
                taskToken=task["taskToken"], output=json.dumps({"n": payload["n"], "by": index})
            )
            answered.append(f"worker-{index}")
        except BaseException as exc:  # reported by the test thread below
            failures.append(exc)

    workers = [threading.Thread(target=work, args=(i,), daemon=True) for i in range(POLLERS)]
    for worker in workers:
        worker.start()
    time.sleep(1)  # every poll is now waiting (no task exists yet)
    for _ in range(10):
        began = time.monotonic()
        sfn.describe_activity(activityArn=activity_arn)
        sfn.list_state_machines()
        assert time.monotonic() - began < 2, "a waiting poll held up other calls"
    assert not answered and not failures
    arns = [
        sfn.start_execution(stateMachineArn=machine_arn, input=json.dumps({"n": n}))["executionArn"]
        for n in range(POLLERS)
    ]
    for worker in workers:
        worker.join(30)
    assert not failures, failures
    assert len(answered) == POLLERS
    for arn in arns:
        described = wait_for(
            lambda arn=arn: (d := sfn.describe_execution(executionArn=arn))["status"] != "RUNNING" and d
        )
        assert described["status"] == "SUCCEEDED", described
    events = sfn.get_execution_history(executionArn=arns[0])["events"]
    assert [e["type"] for e in events][2:5] == ["ActivityScheduled", "ActivityStarted", "ActivitySucceeded"]
    assert events[3]["activityStartedEventDetails"]["workerName"].startswith("worker-")


def test_a_worker_that_stops_heartbeating_times_the_task_out(aws: Any, live_url: str) -> None:
    sfn = aws("stepfunctions")
    activity_arn = sfn.create_activity(name="silent")["activityArn"]
    machine_arn = _machine(sfn, "silent", activity_arn, wait_first=True, HeartbeatSeconds=1)
    arn = sfn.start_execution(stateMachineArn=machine_arn)["executionArn"]
    # The poll starts before the task exists and takes it once the Wait's timer scheduled it.
    task = _worker_client(live_url).get_activity_task(activityArn=activity_arn, workerName="quiet")
    assert task.get("taskToken")
    described = wait_for(
        lambda: (d := sfn.describe_execution(executionArn=arn))["status"] != "RUNNING" and d, 15
    )
    assert described["status"] == "FAILED" and described["error"] == "States.Timeout"
    types = [e["type"] for e in sfn.get_execution_history(executionArn=arn)["events"]]
    assert types[-2:] == ["ActivityTimedOut", "ExecutionFailed"]
    with pytest.raises(sfn.exceptions.TaskTimedOut):
        sfn.send_task_success(taskToken=task["taskToken"], output="{}")
