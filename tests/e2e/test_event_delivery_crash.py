"""Events PutEvents acknowledged survive a SIGKILL of the whole served workbench: after the
restart every one is delivered to every target its rule names, and none twice.

AWS: an event EventBridge acknowledged is delivered at least once, retried for up to 24
hours ("Event retry policy and using dead-letter queues", EventBridge User Guide); a Step
Functions target started twice under the same name and input is one execution
(StartExecution, AWS Step Functions API Reference).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from tests.conftest import wait_for
from tests.support.events import ECHO_ARN, PATTERN, machine
from tests.support.restart import Restartable, restartable
from tests.support.stack import session_db_name
from workbench.accounts.services import default_workspace
from workbench.events import services as events
from workbench.events.models import Delivery, ReceivedEvent
from workbench.functions.models import Invocation
from workbench.stepfunctions.models import Execution

pytestmark = pytest.mark.live

SENDERS = 3
ENTRIES_PER_CALL = 10  # PutEvents' most
KILL_AFTER_CALLS = 8


@pytest.fixture
def workbench(django_db_blocker: Any, transactional_db: Any, tmp_path: Path) -> Iterator[Restartable]:
    name = session_db_name(django_db_blocker)
    with restartable(name, tmp_path) as served:
        yield served


def _client(base: str) -> Any:
    return boto3.client(
        "events",
        endpoint_url=base,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(retries={"max_attempts": 1}, connect_timeout=2, read_timeout=10),
    )


def _burst(base: str, acknowledged: list[str], enough: threading.Event, stop: threading.Event) -> None:
    """Send PutEvents until the server dies, keeping every EventId it answered."""
    client = _client(base)
    while not stop.is_set():
        entries = [
            {"Source": PATTERN["source"][0], "DetailType": "order", "Detail": json.dumps({"n": n})}
            for n in range(ENTRIES_PER_CALL)
        ]
        try:
            answer = client.put_events(Entries=entries)
        except (BotoCoreError, ClientError):
            return
        assert answer["FailedEntryCount"] == 0
        acknowledged.extend(entry["EventId"] for entry in answer["Entries"])
        if len(acknowledged) >= KILL_AFTER_CALLS * ENTRIES_PER_CALL:
            enough.set()


def test_events_acknowledged_before_a_sigkill_are_all_delivered_once_after_the_restart(
    workbench: Restartable,
) -> None:
    ws = default_workspace()
    target = machine(ws)
    events.put_rule(ws, name="orders", event_pattern=json.dumps(PATTERN))
    targets = [{"Id": "sm", "Arn": target.arn}, {"Id": "fn", "Arn": ECHO_ARN}]
    assert events.put_targets(ws, "orders", None, targets) == []

    acknowledged: list[str] = []
    enough, stop = threading.Event(), threading.Event()
    senders = [
        threading.Thread(target=_burst, args=(workbench.base, acknowledged, enough, stop))
        for _ in range(SENDERS)
    ]
    for sender in senders:
        sender.start()
    assert enough.wait(timeout=120), f"only {len(acknowledged)} events acknowledged"
    workbench.kill()
    stop.set()
    for sender in senders:
        sender.join(timeout=30)

    # Durable before the answer: every acknowledged event is stored, with its two deliveries.
    stored = set(ReceivedEvent.objects.values_list("event_id", flat=True))
    assert set(acknowledged) <= stored
    assert Delivery.objects.count() == 2 * len(stored)
    pending = Delivery.objects.filter(status=Delivery.PENDING).count()
    assert pending > 0, "the kill came after every delivery was made: this run shows no recovery"

    workbench.start()
    wait_for(lambda: not Delivery.objects.filter(status=Delivery.PENDING).exists(), timeout=180, interval=0.5)

    assert not Delivery.objects.exclude(status=Delivery.DELIVERED).exists()
    machine_deliveries = Delivery.objects.filter(target_id="sm")
    assert Execution.objects.count() == machine_deliveries.count() == len(stored)
    assert set(Execution.objects.values_list("name", flat=True)) == {
        delivery.detail.rsplit(":", 1)[1] for delivery in machine_deliveries
    }
    assert set(Execution.objects.values_list("status", flat=True)) == {Execution.SUCCEEDED}
    assert Invocation.objects.filter(function__name="echo").count() == len(stored)
