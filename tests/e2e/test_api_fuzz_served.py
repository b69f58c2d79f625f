"""The served workbench (uvicorn, as `make run` serves it) refuses malformed and oversized requests
with AWS's 4xx shapes, quickly, and a 2 MB RemoveTargets stalls nothing.

A RemoveTargets with 200,000 Ids (AWS allows 1 to 100: botocore's model of TargetIdList)
once held SQLite's write lock for minutes while running executions' timers failed. The list's
size now refuses it before any handler, any read or any write.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from typing import Any

import pytest

from tests.conftest import wait_for
from tests.workbench.awsapi.calls import signed_headers

pytestmark = pytest.mark.live

ROLE = "arn:aws:iam::123456789012:role/r"
WAITS = {
    "StartAt": "W1",
    "States": {
        "W1": {"Type": "Wait", "Seconds": 1, "Next": "W2"},
        "W2": {"Type": "Wait", "Seconds": 1, "End": True},
    },
}


def _post(live_url: str, target: str, body: bytes) -> tuple[int, dict[str, Any], float]:
    request = urllib.request.Request(live_url + "/", data=body, method="POST", headers=signed_headers(target))
    started = time.monotonic()
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read() or b"{}"), time.monotonic() - started
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}"), time.monotonic() - started


@pytest.mark.parametrize(
    ("target", "body", "status", "code"),
    [
        ("AWSStepFunctions.StartExecution", b'{"stateMachineArn": "' + b"a" * 3_000_000 + b'"}', 413,
         "RequestEntityTooLargeException"),
        ("AWSEvents.PutEvents", b'{"Entries": [{"Detail": "' + b"x" * 3_000_000 + b'"}]}', 400,
         "ValidationException"),
        ("AWSEvents.DescribeRule", b'{"Name": ' + b"[" * 10_000 + b"]" * 10_000 + b"}", 400,
         "SerializationException"),
        ("AWSEvents.DeleteRule", b'{"Name": 5}', 400, "SerializationException"),
        ("AWSEvents.CreateEventBus", b'{"Name": "a\\u0000b"}', 400, "ValidationException"),
        ("AWSStepFunctions.ListStateMachines", b'{"nextToken": "\\ud800"}', 400, "ValidationException"),
    ],
)  # fmt: skip
def test_malformed_requests_are_refused_quickly(
    live_url: str, transactional_db: Any, target: str, body: bytes, status: int, code: str
) -> None:
    answered, parsed, seconds = _post(live_url, target, body)
    assert (answered, parsed.get("__type")) == (status, code), parsed
    assert seconds < 5


def test_a_2_mb_remove_targets_is_refused_at_once_while_executions_run(aws: Any, live_url: str) -> None:
    events, sfn = aws("events"), aws("stepfunctions")
    events.put_rule(Name="orders", EventPattern=json.dumps({"source": ["shop"]}))
    target = {"Id": "keep", "Arn": "arn:aws:lambda:us-east-1:123456789012:function:echo"}
    events.put_targets(Rule="orders", Targets=[target])
    machine = sfn.create_state_machine(name="waits", definition=json.dumps(WAITS), roleArn=ROLE)
    arn = machine["stateMachineArn"]
    running = [sfn.start_execution(stateMachineArn=arn)["executionArn"] for _ in range(5)]

    ids = [f"target-{n:06d}" for n in range(200_000)]
    body = json.dumps({"Rule": "orders", "Ids": ["keep", *ids]}).encode()
    assert len(body) > 2_000_000
    status, parsed, seconds = _post(live_url, "AWSEvents.RemoveTargets", body)
    assert (status, parsed["__type"]) == (400, "ValidationException")
    assert parsed["message"] == (
        "1 validation error detected: Value at 'ids' failed to satisfy constraint: "
        "Member must have length less than or equal to 100"
    )
    assert seconds < 5, f"took {seconds:.1f}s"

    assert [t["Id"] for t in events.list_targets_by_rule(Rule="orders")["Targets"]] == ["keep"]

    def all_succeeded() -> list[str] | None:
        statuses = [sfn.describe_execution(executionArn=arn)["status"] for arn in running]
        return statuses if set(statuses) == {"SUCCEEDED"} else None

    assert wait_for(all_succeeded, timeout=60) == ["SUCCEEDED"] * 5
