"""Events in bursts (issue 13 item 7): 8 clients put them onto a bus with an archive and two
rules while the worker is SIGKILLed (distributed mode; in embedded mode the whole server with
its worker), and every acknowledged event is archived once and delivered to both targets at
least once — a count per event id proves it.

AWS: an event EventBridge acknowledged is delivered at least once, retried for up to 24 hours
("Event retry policy and using dead-letter queues", EventBridge User Guide); an archive keeps
every event the bus received that matches its pattern ("Archiving and replaying events").
The targets are CloudWatch Logs log groups, the cheapest target the workbench delivers to, so
the test measures the delivery path rather than what a target does.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
from botocore.exceptions import BotoCoreError, ClientError

from tests.conftest import wait_for
from tests.support.stack import Stack, aws_client, distributed, session_db_name, stack

pytestmark = pytest.mark.live

# Issue 13 asks for 20,000 (about 2.5 minutes per mode on this 2-core machine, deliveries going
# in batches); STEPBRIDGE_DURABILITY_EVENTS sets another count.
EVENTS = int(os.environ.get("STEPBRIDGE_DURABILITY_EVENTS", "20000"))
SENDERS = 8
PER_CALL = 10  # PutEvents' most
KILL_AT = EVENTS // 4  # acknowledged events before the kill
GROUPS = ("/aws/events/first", "/aws/events/second")


@pytest.fixture
def burst_stack(
    django_db_setup: Any, django_db_blocker: Any, transactional_db: Any, tmp_path: Any
) -> Iterator[Stack]:
    name = session_db_name(django_db_blocker)
    with stack(name, tmp_path, workers=1) as running:
        yield running


def _send(base: str, quota: int, acknowledged: list[str], lock: threading.Lock) -> None:
    """Put ``quota`` events in calls of 10; a call refused or cut by the kill is sent again as a
    new call (its events may or may not have been accepted: only answered ones count)."""
    events = aws_client(base, "events")
    sent = 0
    while sent < quota:
        entries = [
            {
                "Source": "burst",
                "DetailType": "tick",
                "EventBusName": "durable",
                "Detail": json.dumps({"n": n}),
            }
            for n in range(PER_CALL)
        ]
        try:
            answer = events.put_events(Entries=entries)
        except (BotoCoreError, ClientError):
            time.sleep(0.2)  # the server is down: try again, as a client with retries would
            continue
        ids = [entry["EventId"] for entry in answer["Entries"] if "EventId" in entry]
        assert answer["FailedEntryCount"] == 0, answer
        with lock:
            acknowledged.extend(ids)
        sent += len(ids)


def test_events_in_bursts_survive_a_killed_worker(burst_stack: Stack) -> None:
    from workbench.events.models import ArchivedEvent, Delivery, LogEvent, ReceivedEvent

    events = aws_client(burst_stack.base, "events")
    bus_arn = events.create_event_bus(Name="durable")["EventBusArn"]
    events.create_archive(ArchiveName="everything", EventSourceArn=bus_arn)
    for index, group in enumerate(GROUPS):
        events.put_rule(
            Name=f"rule-{index}", EventBusName="durable", EventPattern=json.dumps({"source": ["burst"]})
        )
        target = f"arn:aws:logs:us-east-1:123456789012:log-group:{group}"
        events.put_targets(
            Rule=f"rule-{index}", EventBusName="durable", Targets=[{"Id": "log", "Arn": target}]
        )

    acknowledged: list[str] = []
    lock = threading.Lock()
    senders = [
        threading.Thread(target=_send, args=(burst_stack.base, EVENTS // SENDERS, acknowledged, lock))
        for _ in range(SENDERS)
    ]
    for sender in senders:
        sender.start()
    wait_for(lambda: len(acknowledged) >= KILL_AT, timeout=300, interval=0.05)
    if distributed():
        burst_stack.kill_worker()  # mid-burst: the deliveries it held die with it
        time.sleep(1)
        burst_stack.start_worker()
    else:
        burst_stack.kill_server()  # the whole workbench, its embedded worker with it
        burst_stack.start_server()
    for sender in senders:
        sender.join(timeout=600)
    assert not any(sender.is_alive() for sender in senders)
    assert len(acknowledged) >= EVENTS

    wait_for(lambda: not Delivery.objects.filter(status=Delivery.PENDING).exists(), timeout=900, interval=1)

    wanted = set(acknowledged)
    assert len(wanted) == len(acknowledged), "an event id was answered twice"
    stored = set(ReceivedEvent.objects.values_list("event_id", flat=True))
    assert wanted <= stored, f"{len(wanted - stored)} acknowledged events were lost"
    archived = Counter(ArchivedEvent.objects.values_list("event_id", flat=True))
    assert all(archived[event_id] == 1 for event_id in wanted), "an event archived twice or not at all"
    assert not Delivery.objects.exclude(status=Delivery.DELIVERED).exists()
    for group in GROUPS:
        delivered = set(LogEvent.objects.filter(log_group=group).values_list("event_id", flat=True))
        assert wanted <= delivered, f"{len(wanted - delivered)} events never reached {group}"
