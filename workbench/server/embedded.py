"""Embedded mode: a Celery worker thread inside the server process, over the in-memory broker.

One user on one laptop gets durable executions without running Redis or a second process;
the code path is the same as in distributed mode, only the transport differs.
"""

from __future__ import annotations

import threading

from celery.worker import WorkController

from workbench.celery import app


class EmbeddedWorker:
    def __init__(self, concurrency: int = 4) -> None:
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
