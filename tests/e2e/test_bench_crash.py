"""Issue 10 item 4: speed gives nothing away. The served workbench is SIGKILLed in the middle of
a benchmark-like load (client threads starting Standard executions as fast as it answers), in
both modes; after the restart every execution that StartExecution acknowledged, and every one
stored by a call whose answer the crash swallowed, ends SUCCEEDED within a minute with a
history that has no gap and no duplicate (AWS's history event ids run 1, 2, 3, ... and each
names its previous one: https://docs.aws.amazon.com/step-functions/latest/apireference/API_HistoryEvent.html).
"""

from __future__ import annotations

import json
import threading
from collections import Counter

import pytest

from tests.conftest import wait_for
from tests.e2e.test_crash_recovery import crashable  # noqa: F401 - crashable: a fixture
from tests.support.stack import Stack, aws_client, distributed

pytestmark = pytest.mark.live

THREADS = 4
# A Pass chain ends inside StartExecution's transaction; the Wait makes some executions durable
# and in flight (a timer held by the engine) when the crash comes.
CHAIN = {
    "StartAt": "P0",
    "States": {
        "P0": {"Type": "Pass", "Next": "P1"},
        "P1": {"Type": "Pass", "Next": "Rest"},
        "Rest": {"Type": "Wait", "Seconds": 1, "Next": "P2"},
        "P2": {"Type": "Pass", "Result": {"done": True}, "End": True},
    },
}


def test_every_started_execution_ends_whole_after_a_crash_mid_bench(crashable: Stack) -> None:  # noqa: F811
    """On test_crash_recovery's stack: in distributed mode, the server and two workers."""
    from workbench.stepfunctions.models import Execution, HistoryEvent

    served = crashable

    machine = aws_client(served.base, "stepfunctions").create_state_machine(
        name="bench", definition=json.dumps(CHAIN), roleArn="arn:aws:iam::123456789012:role/bench"
    )["stateMachineArn"]
    acknowledged: list[str] = []
    stop = threading.Event()

    def load(worker: int) -> None:
        sfn = aws_client(served.base, "stepfunctions")
        sent = 0
        while not stop.is_set():
            try:
                arn = sfn.start_execution(stateMachineArn=machine, name=f"w{worker}-{sent}")["executionArn"]
            except Exception:
                return  # the server died under this call: its execution may or may not exist
            acknowledged.append(arn)
            sent += 1

    threads = [threading.Thread(target=load, args=(n,)) for n in range(THREADS)]
    for thread in threads:
        thread.start()
    wait_for(lambda: len(acknowledged) >= 20, timeout=60, interval=0.05)
    served.kill_server()  # mid-load: the client threads' calls in flight are cut
    if distributed():
        served.kill_worker()  # one of its two workers goes down with it
        served.start_worker()
    stop.set()
    for thread in threads:
        thread.join(timeout=30)
    served.start_server()

    wait_for(lambda: not Execution.objects.filter(status="RUNNING").exists(), timeout=60, interval=0.5)
    stored = Execution.objects.all()
    names = {execution.name for execution in stored}
    assert {arn.rsplit(":", 1)[1] for arn in acknowledged} <= names, "an acknowledged start was lost"
    assert Counter(execution.status for execution in stored) == {"SUCCEEDED": len(names)}
    for execution in stored:
        rows = list(
            HistoryEvent.objects.filter(execution=execution)
            .order_by("event_id")
            .values_list("event_id", "previous_event_id", "type")
        )
        ids = [row[0] for row in rows]
        assert ids == list(range(1, len(rows) + 1)), f"{execution.name}: gap or duplicate in {ids}"
        types = Counter(row[2] for row in rows)
        assert types["ExecutionStarted"] == 1 and types["ExecutionSucceeded"] == 1
        assert types["WaitStateEntered"] == 1 == types["WaitStateExited"]
        assert types["PassStateExited"] == 3
        assert execution.event_count == len(rows) and json.loads(execution.output or "") == {"done": True}
