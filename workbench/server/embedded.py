"""Embedded mode: a Celery worker thread inside the server process, over the in-memory broker.

One user on one laptop gets durable executions without running Redis or a second process;
the code path is the same as in distributed mode, only the transport differs. Kombu's memory
transport polls its queues and sleeps between polls (https://docs.celeryq.dev/projects/kombu/en/stable/reference/kombu.transport.memory.html):
a hand-off then waits up to a poll interval, or a short interval burns the shared cores. The
waking transport below sleeps until a message is put instead (issue 10).
"""

from __future__ import annotations

import threading
from queue import Empty
from time import monotonic
from typing import Any

from celery import Celery
from celery.worker import WorkController
from kombu.transport import memory

from workbench.celery import app

_ARRIVED = threading.Event()
"""Set whenever a message is put on any in-memory queue of this process."""


class WakingChannel(memory.Channel):
    """The memory channel, waking a waiting consumer on every message put."""

    def _put(self, queue: str, message: Any, **kwargs: Any) -> None:
        super()._put(queue, message, **kwargs)  # type: ignore[no-untyped-call]
        _ARRIVED.set()

    def _put_fanout(self, exchange: str, message: Any, routing_key: str | None = None, **kwargs: Any) -> None:
        super()._put_fanout(exchange, message, routing_key, **kwargs)  # type: ignore[no-untyped-call]
        _ARRIVED.set()

    def basic_ack(self, delivery_tag: Any, multiple: bool = False) -> None:
        # A finished task frees a prefetch slot: a message held back for it can go now.
        super().basic_ack(delivery_tag, multiple)  # type: ignore[no-untyped-call]
        _ARRIVED.set()

    def basic_reject(self, delivery_tag: Any, requeue: bool = False) -> None:
        super().basic_reject(delivery_tag, requeue)  # type: ignore[no-untyped-call]
        _ARRIVED.set()


class WakingTransport(memory.Transport):
    """The memory transport (same process-wide queues), whose consumer waits for a put
    rather than polling; ``polling_interval`` only bounds one wait."""

    Channel = WakingChannel

    def drain_events(self, connection: Any, timeout: float | None = None, **kwargs: Any) -> Any:
        started = monotonic()
        while True:
            # Cleared before looking, so a put after the look sets it and ends the wait at once.
            _ARRIVED.clear()
            try:
                self.cycle.get(self._deliver, timeout=timeout)  # type: ignore[union-attr]
                return
            except Empty:
                if timeout is not None and monotonic() - started >= timeout:
                    raise TimeoutError() from None
                wait = self.polling_interval
                if timeout is not None:
                    wait = min(wait, max(timeout - (monotonic() - started), 0.0))
                _ARRIVED.wait(wait)


DB_REUSE_TASKS = 100
"""Tasks an embedded worker thread runs on one SQLite connection before it opens a new one.

Celery's Django fix-up closes every connection before and after each task, unless
``CELERY_DB_REUSE_MAX`` is set. In distributed mode that close hands a PostgreSQL connection
back to the process's pool, which is cheap and keeps a broken connection from lingering. In
embedded mode it opened a new SQLite file connection (with its functions and pragmas) twice
per task: a fifth of the server's CPU under issue 10's PutEvents workload (py-spy)."""


def reuse_connections(celery_app: Celery) -> None:
    """Let the worker threads of ``celery_app`` keep their connections for DB_REUSE_TASKS tasks."""
    celery_app.conf["CELERY_DB_REUSE_MAX"] = DB_REUSE_TASKS


class EmbeddedWorker:
    def __init__(self, concurrency: int = 4) -> None:
        reuse_connections(app)
        self.controller = WorkController(
            app=app,
            pool="threads",
            concurrency=concurrency,
            without_heartbeat=True,
            without_mingle=True,
            without_gossip=True,
            loglevel="WARNING",
        )
        self.thread = threading.Thread(target=self.controller.start, name="celery-embedded", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self.controller.stop(in_sighandler=False)
        self.thread.join(timeout)
