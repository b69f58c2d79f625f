"""The embedded worker's in-memory transport hands a message over when it is put, not at the
next poll (issue 10: a hand-off used to wait for kombu's memory transport to poll again)."""

from __future__ import annotations

import threading
import time

from kombu import Connection, Exchange, Queue

from workbench.server.embedded import WakingTransport

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
