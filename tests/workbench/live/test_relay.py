"""A process that relays its pushes (live.publish.relay_to: embedded mode's delivery process)
merges its nudges before they leave and builds what it was handed as a builder."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from workbench.live import messages, nudges, publish


@pytest.fixture
def relayed() -> Iterator[list[tuple[str, dict[str, Any]]]]:
    """This process relaying its pushes, as the delivery process does, nudges merged on a loop."""
    got: list[tuple[str, dict[str, Any]]] = []
    loop = asyncio.new_event_loop()
    threading.Thread(target=loop.run_forever, daemon=True).start()
    previous = publish._server_loop
    publish.relay_to(lambda group, message: got.append((group, message)), loop)
    try:
        yield got
    finally:
        publish.relay_to(None, previous)
        loop.call_soon_threadsafe(loop.stop)


def test_relayed_nudges_are_merged_before_they_leave(relayed: list[tuple[str, dict[str, Any]]]) -> None:
    group = f"bus-relay-{time.monotonic_ns()}"
    publish.send(group, messages.changed(["deliveries"]))
    publish.send(group, messages.changed(["deliveries"]))  # within the window: merged
    publish.send(group, messages.changed(["events"]))
    deadline = time.monotonic() + nudges.WINDOW + 2
    while len(relayed) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.1)
    assert [message["what"] for _, message in relayed] == [["deliveries"], ["deliveries", "events"]]
    assert {name for name, _ in relayed} == {group}


def test_a_relayed_builder_is_built_before_it_leaves(relayed: list[tuple[str, dict[str, Any]]]) -> None:
    publish.send("execution-relay", lambda: {"type": "execution.update", "status": "RUNNING"})
    assert relayed == [("execution-relay", {"type": "execution.update", "status": "RUNNING"})]
