"""What was acknowledged finishes, once, after a crash (issue 9): Standard executions that wait
(a Wait, then a Map of Waits) survive a SIGKILL of one of two workers (distributed mode) or of
the whole server with its embedded worker (embedded mode). Every one finishes within a minute of the
restart, and its history has no gap and no duplicate."""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest
from botocore.config import Config

from tests.conftest import wait_for
from tests.support.stack import Stack, distributed, stack

pytestmark = pytest.mark.live

N = 30
ITEMS = [1, 2, 3]
WAITS = {
    "StartAt": "First",
    "States": {
        "First": {"Type": "Wait", "TimestampPath": "$.until", "Next": "Each"},
        "Each": {
            "Type": "Map",
            "ItemsPath": "$.items",
            "ItemProcessor": {
                "StartAt": "Later",
                "States": {"Later": {"Type": "Wait", "Seconds": 2, "End": True}},
            },
            "End": True,
        },
    },
}


@pytest.fixture
def crashable(
    django_db_setup: Any, django_db_blocker: Any, transactional_db: Any, tmp_path: Any
) -> Iterator[Stack]:
    from django.db import connection

    with django_db_blocker.unblock():
        name = str(connection.settings_dict["NAME"])
    with stack(name, tmp_path, workers=2) as running:
        yield running


def _client(base: str) -> Any:
    return boto3.client(
        "stepfunctions",
        endpoint_url=base,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(inject_host_prefix=False, retries={"max_attempts": 1}),
    )


def test_executions_waiting_when_the_engine_is_killed_all_finish_once(crashable: Stack) -> None:
    from workbench.stepfunctions.models import Execution

    sfn = _client(crashable.base)
    machine = sfn.create_state_machine(
        name="waits", definition=json.dumps(WAITS), roleArn="arn:aws:iam::123456789012:role/crash"
    )["stateMachineArn"]
    # All wait until one moment, however long starting them takes under load.
    until = (datetime.now(UTC) + timedelta(seconds=15)).strftime("%Y-%m-%dT%H:%M:%SZ")
    payload = json.dumps({"items": ITEMS, "until": until})
    arns = [
        sfn.start_execution(stateMachineArn=machine, name=f"e{i}", input=payload)["executionArn"]
        for i in range(N)
    ]
    # The crash must find them waiting, their timers held by the engine about to be killed.
    assert Execution.objects.filter(status="RUNNING").count() == N
    if distributed():
        # One of two workers dies with the timers it held; a new one joins later.
        crashable.kill_worker()
        time.sleep(1)
        crashable.start_worker()
    else:
        crashable.kill_server()
        crashable.start_server()
    restarted = time.monotonic()

    def finished() -> bool:
        return not Execution.objects.filter(status="RUNNING").exists()

    wait_for(finished, timeout=60, interval=0.5)
    assert time.monotonic() - restarted < 60
    statuses = Counter(Execution.objects.values_list("status", flat=True))
    assert statuses == {"SUCCEEDED": N}

    for arn in arns:
        events = sfn.get_execution_history(executionArn=arn, maxResults=1000)["events"]
        ids = [event["id"] for event in events]
        assert ids == list(range(1, len(ids) + 1)), f"{arn}: gap or duplicate in {ids}"
        types = Counter(event["type"] for event in events)
        assert types["ExecutionStarted"] == 1 and types["ExecutionSucceeded"] == 1
        # One Wait before the Map and one per item, each entered and exited exactly once.
        assert types["WaitStateEntered"] == 1 + len(ITEMS) == types["WaitStateExited"]
        assert types["MapIterationSucceeded"] == len(ITEMS)
        output = sfn.describe_execution(executionArn=arn)["output"]
        assert json.loads(output) == ITEMS
