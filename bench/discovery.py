"""PutEvents with schema discovery off and on: what discovery adds to the hot path, and what
the discovery task costs off it.

Run: .venv/bin/python bench/discovery.py [--quick]

A throwaway SQLite database (embedded mode) gets an ``orders`` bus; batches of 10 order events
of the course's shape (course chapter 18) go through ``workbench.events.services.put_events``
exactly as the PutEvents API calls it. "off": no discoverer. "on": a STARTED discoverer, so every
stored event is handed to ``workbench.schemas.discovery.observe`` (one indexed query, then one
Celery message by name after the commit, here onto the in-memory broker). The last line times
the task itself (``discovery.discover``) on one batch whose structure is already known, the
common case. PutEvents figures are CPU seconds of the calling thread (time.thread_time): the
request's own cost, what a PutEvents caller waits for; the gathered events leave from a timer
thread, whose work (serialising one Celery message per bus and half second) is timed on its own.
Medians of passes.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
_DB = Path(tempfile.mkdtemp()) / "bench.sqlite3"
os.environ["DATABASE_URL"] = f"sqlite:///{_DB}"
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "workbench.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

from workbench.accounts.services import default_workspace  # noqa: E402
from workbench.events import services as bus_services  # noqa: E402
from workbench.schemas import discovery, services  # noqa: E402
from workbench.schemas.models import Discoverer  # noqa: E402


def entries(batch: int, n: int) -> list[dict[str, Any]]:
    return [
        {
            "EventBusName": "orders",
            "Source": "com.myapp.orders",
            "DetailType": "Order Placed",
            "Detail": f'{{"orderId": "order-{batch}-{i}", "amount": {i}.5, "currency": "USD", "tax": 0.8}}',
        }
        for i in range(n)
    ]


def timed(passes: int, calls: int, run: Any, clock: Any = time.thread_time) -> float:
    """Median CPU seconds per call over ``passes`` passes of ``calls`` calls."""
    per_call = []
    for p in range(passes):
        start = clock()
        for c in range(calls):
            run(p * calls + c)
        per_call.append((clock() - start) / calls)
    return statistics.median(per_call)


def main() -> None:
    quick = "--quick" in sys.argv
    passes, calls = (3, 20) if quick else (7, 60)
    call_command("migrate", verbosity=0)
    workspace = default_workspace()
    bus = bus_services.create_bus(workspace, "orders")
    found = services.create_discoverer(workspace, bus.arn, None, None, None)

    def put(i: int) -> None:
        bus_services.put_events(workspace, entries(i, 10))

    put(-1)  # warm caches and the matcher
    off_passes, on_passes = [], []
    for p in range(passes):  # passes alternate, so a growing table or a busy spell hits both alike
        for state, into in ((Discoverer.STOPPED, off_passes), (Discoverer.STARTED, on_passes)):
            services.set_discoverer_state(workspace, found.discoverer_id, state)
            into.append(timed(1, calls, lambda i, p=p: put(p * 1000 + i)))
    off, on = statistics.median(off_passes), statistics.median(on_passes)
    events = [
        {
            "source": "com.myapp.orders",
            "detail-type": "Order Placed",
            "detail": {"orderId": f"o-{i}", "amount": 1},
        }
        for i in range(10)
    ]
    discovery.discover(bus.pk, events)
    task = timed(passes, max(calls // 4, 5), lambda i: discovery.discover(bus.pk, events))
    discovery.flush()
    batch = [event for i in range(50) for event in events]  # what gathers in half a second at 1,000 events/s

    def send(i: int) -> None:
        discovery._gather(bus.pk, batch)
        discovery.flush()

    message = timed(passes, calls, send)
    print("PutEvents, 10 entries per call (CPU ms per call, median)")
    print(f"  discovery off : {off * 1000:8.2f}")
    print(f"  discovery on  : {on * 1000:8.2f}   ({(on - off) * 1000:+.2f} ms, {(on / off - 1) * 100:+.0f}%)")
    print(f"timer thread, one message of 500 events: {message * 1000:8.2f} ms")
    print(f"discovery task, 10 events of a known structure: {task * 1000:8.2f} ms (in the worker)")


if __name__ == "__main__":
    main()
