"""Embedded mode's delivery process (workbench.server.deliverer): `manage.py serve` makes the
deliveries of accepted events in a second process, which the bus pages and long polls still
hear from, which is replaced when it dies and which ends with the server.

AWS: PutEvents answers once the events are stored and EventBridge delivers them afterwards,
at least once ("Amazon EventBridge events" and "Event retry policy", EventBridge User Guide).
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

import pytest

from tests.support.stack import Stack, aws_client, distributed, session_db_name, stack
from workbench.live import messages, publish
from workbench.runtime import activity_arrivals
from workbench.server import deliverer
from workbench.sqs import arrivals as sqs_arrivals

embedded_only = pytest.mark.skipif(
    distributed(), reason="distributed mode delivers in its Celery workers, not in a process of the server"
)


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            cmdline = (stat.parent / "cmdline").read_bytes()
        except OSError:
            continue
        if int(fields[1]) == pid and fields[0] != "Z" and b"deliver" in cmdline:
            found.append(int(stat.parent.name))
    return found


def _deliverer(server: Stack, other_than: int | None = None, seconds: float = 30) -> int:
    """The delivery process of ``server`` (another than ``other_than``), once it is there."""
    assert server.server is not None
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        found = [pid for pid in _children(server.server.pid) if pid != other_than]
        if found:
            return found[0]
        time.sleep(0.1)
    raise AssertionError("no delivery process")


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.fixture
def served(django_db_blocker: Any, transactional_db: Any, tmp_path: Path) -> Iterator[Stack]:
    with stack(session_db_name(django_db_blocker), tmp_path) as running:
        yield running


def _bus_to_queue(base: str, name: str) -> tuple[Any, Any, str]:
    """A bus whose one rule sends every event of source ``name`` to a queue of that name."""
    events, sqs = aws_client(base, "events"), aws_client(base, "sqs")
    queue = sqs.create_queue(QueueName=name)["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.create_event_bus(Name=name)
    events.put_rule(Name="all", EventBusName=name, EventPattern=json.dumps({"source": [name]}))
    events.put_targets(Rule="all", EventBusName=name, Targets=[{"Id": "queue", "Arn": arn}])
    return events, sqs, queue


def _put(events: Any, bus: str, count: int) -> set[str]:
    entries = [
        {"Source": bus, "DetailType": "t", "Detail": json.dumps({"n": n}), "EventBusName": bus}
        for n in range(count)
    ]
    answer = events.put_events(Entries=entries)
    assert answer["FailedEntryCount"] == 0
    return {entry["EventId"] for entry in answer["Entries"]}


def _received(sqs: Any, queue: str, wanted: int, seconds: float) -> set[str]:
    ids: set[str] = set()
    deadline = time.monotonic() + seconds
    while len(ids) < wanted and time.monotonic() < deadline:
        for message in sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=1).get(
            "Messages", []
        ):
            ids.add(json.loads(message["Body"])["id"])
            sqs.delete_message(QueueUrl=queue, ReceiptHandle=message["ReceiptHandle"])
    return ids


@pytest.mark.live
@embedded_only
def test_the_deliveries_are_made_by_the_delivery_process_and_the_bus_page_follows_them(served: Stack) -> None:
    from tests.support.browser import chromium_page

    events, sqs, queue = _bus_to_queue(served.base, "handed")
    child = _deliverer(served)
    os.kill(child, signal.SIGSTOP)  # the delivery process stands still: accepted, not delivered
    try:
        with chromium_page() as page:
            page.set_viewport_size({"width": 1280, "height": 800})
            page.goto(f"{served.base}/buses/handed/")
            page.wait_for_selector('#recent-events-panel[data-live-state="open"]')
            sent = _put(events, "handed", 5)
            cells = "#recent-events-panel td[data-label='Deliveries']"
            page.wait_for_function(f'document.querySelectorAll("{cells}").length === 5', timeout=10_000)
            assert _received(sqs, queue, 1, 1.5) == set()
            assert page.locator(f"{cells} .delivery-pending").count() == 5
            os.kill(child, signal.SIGCONT)
            # The delivery process's "look again" reaches the page the server holds, without a reload.
            page.wait_for_function(
                f'document.querySelectorAll("{cells} .delivery-delivered").length === 5', timeout=10_000
            )
    finally:
        os.kill(child, signal.SIGCONT)
    assert _received(sqs, queue, 5, 20) == sent


@pytest.mark.live
@embedded_only
def test_a_long_poll_on_the_server_wakes_when_the_delivery_process_sends_the_message(served: Stack) -> None:
    events, sqs, queue = _bus_to_queue(served.base, "woken")
    got: list[tuple[float, int]] = []

    def poll() -> None:
        answer = sqs.receive_message(QueueUrl=queue, MaxNumberOfMessages=10, WaitTimeSeconds=15)
        got.append((time.monotonic(), len(answer.get("Messages", []))))

    poller = threading.Thread(target=poll)
    poller.start()
    time.sleep(1.0)  # the poll is waiting in the server
    _put(events, "woken", 1)
    put_at = time.monotonic()
    poller.join(20)
    assert got and got[0][1] == 1
    assert got[0][0] - put_at < 5  # woken by the delivery, not by the end of its 15 s wait


@pytest.mark.live
@embedded_only
def test_a_killed_delivery_process_is_replaced_and_no_accepted_event_is_lost(served: Stack) -> None:
    events, sqs, queue = _bus_to_queue(served.base, "replaced")
    first = _deliverer(served)
    os.kill(first, signal.SIGKILL)
    sent = _put(events, "replaced", 10)  # whoever delivers them: the server meanwhile, or the next child
    second = _deliverer(served, other_than=first)
    time.sleep(2)
    assert _alive(second)  # it stays up: started from a thread that lives as long as the server
    sent |= _put(events, "replaced", 10)
    assert _received(sqs, queue, 20, 30) == sent


@pytest.mark.live
@embedded_only
def test_the_delivery_process_ends_with_the_server(served: Stack) -> None:
    child = _deliverer(served)
    served.kill_server()  # SIGKILL: no clean-up
    deadline = time.monotonic() + 10
    while _alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(child)


def test_the_server_does_what_the_delivery_process_tells_it() -> None:
    with mock.patch.object(publish, "_send_now") as pushed:
        deliverer._apply((deliverer.PUSH, "bus-1", messages.changed(["deliveries"])))
    pushed.assert_called_once_with("bus-1", messages.changed(["deliveries"]))
    seen_messages, seen_activities = sqs_arrivals.generation(), activity_arrivals.generation()
    deliverer._apply((deliverer.MESSAGE_ARRIVED,))
    deliverer._apply((deliverer.ACTIVITY_SCHEDULED,))
    assert sqs_arrivals.generation() == seen_messages + 1
    assert activity_arrivals.generation() == seen_activities + 1
