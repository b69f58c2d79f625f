"""The embedded worker's in-memory transport hands a message over when it is put, not at the
next poll (issue 10: a hand-off used to wait for kombu's memory transport to poll again); its
threads keep their database connection from one task to the next."""

from __future__ import annotations

import threading
import time

import pytest
from celery import Celery
from celery.fixups.django import DjangoWorkerFixup
from django.db import connections
from kombu import Connection, Exchange, Queue

from workbench.server.embedded import DB_REUSE_TASKS, WakingTransport, reuse_connections

POLL = 5.0
"""Far longer than any hand-off may take: a consumer that only polled would wait this long."""


def test_a_waiting_consumer_gets_a_message_as_soon_as_it_is_put() -> None:
    queue = Queue("waking-test", Exchange("waking-test"), routing_key="waking-test")
    received: list[tuple[object, float]] = []
    with Connection(
        "memory://", transport=WakingTransport, transport_options={"polling_interval": POLL}
    ) as conn:
        consumer_conn = conn.clone()
        with consumer_conn.Consumer(
            queue, callbacks=[lambda body, message: received.append((body, time.monotonic()))]
        ):

            def put_later() -> None:
                time.sleep(0.3)
                with conn.Producer() as producer:
                    producer.publish(
                        {"n": 1}, exchange=queue.exchange, routing_key="waking-test", declare=[queue]
                    )

            sent_at = time.monotonic()
            threading.Thread(target=put_later).start()
            consumer_conn.drain_events(timeout=POLL * 2)
    assert [body for body, _ in received] == [{"n": 1}]
    # Put after 0.3 s; handed over well before a poll interval would have passed.
    assert received[0][1] - sent_at < POLL / 2


@pytest.mark.django_db
def test_a_worker_thread_keeps_its_connection_across_tasks() -> None:
    """Celery's Django fix-up closes every connection before and after each task unless
    CELERY_DB_REUSE_MAX is set (celery/fixups/django.py, ``close_database``)."""
    worker_app = Celery("reuse-test")
    assert DjangoWorkerFixup(worker_app).db_reuse_max is None
    reuse_connections(worker_app)
    fixup = DjangoWorkerFixup(worker_app)
    assert fixup.db_reuse_max == DB_REUSE_TASKS
    connection = connections["default"]
    connection.ensure_connection()
    opened = connection.connection
    for _ in range(DB_REUSE_TASKS):  # a task's prerun and postrun
        fixup.close_database()
        fixup.close_database()
    assert connection.connection is opened
