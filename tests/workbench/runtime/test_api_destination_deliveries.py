"""An API destination as a rule target, delivered by ``runtime.deliveries`` to a real HTTP
server on 127.0.0.1: path, header and query parameters from the target's HttpParameters, the
connection's authorization, retries on 5xx and timeouts but not on other 4xx, the dead-letter
queue, and InvocationRateLimitPerSecond ("API destinations as targets", EventBridge User Guide).
The clock is passed explicitly (``now``)."""

from __future__ import annotations

import json
import threading
import time
from datetime import timedelta
from typing import Any
from unittest import mock

import pytest
from django.utils import timezone

from tests.support.events import ECHO_ARN, entry, record_enqueued, rule_with_targets
from tests.support.http_server import Answer, Seen, Server, closing, http_server
from tests.support.inprocess import keeping_sends
from workbench.accounts.models import Workspace
from workbench.accounts.services import default_workspace
from workbench.events import api_destinations, connections, trace
from workbench.events import services as events
from workbench.events.models import ApiDestination, Delivery
from workbench.runtime import deliveries, nearby, routing
from workbench.sqs import services as sqs
from workbench.sqs.models import Message

pytestmark = pytest.mark.django_db
__all__ = ["http_server"]


def _destination(
    ws: Workspace, server: Server, path: str = "/orders/*", rate: int | None = None
) -> ApiDestination:
    connection = connections.create_connection(
        ws,
        name="shop",
        authorization_type="API_KEY",
        auth_parameters={"ApiKeyAuthParameters": {"ApiKeyName": "x-api-key", "ApiKeyValue": "k-1"}},
    )
    return api_destinations.create_api_destination(
        ws,
        name="orders",
        connection_arn=connection.arn,
        endpoint=server.url + path,
        method="POST",
        rate_limit=rate,
    )


def _accept(ws: Workspace, monkeypatch: pytest.MonkeyPatch, capture: Any, count: int = 1) -> list[int]:
    sent = record_enqueued(monkeypatch)
    with capture(execute=True):
        routing.put_events(ws, [entry(n=n) for n in range(1, count + 1)])
    return list(sent)


def test_an_event_reaches_the_endpoint_with_its_http_parameters_and_the_connections_key(
    monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any, http_server: Server
) -> None:
    ws = default_workspace()
    http_server.on(
        "/orders/1",
        lambda seen: Answer(200, {}) if seen.header("x-api-key") == "k-1" else Answer(403, {}),
    )
    destination = _destination(ws, http_server)
    rule_with_targets(
        ws,
        [
            {
                "Id": "api",
                "Arn": destination.arn,
                "HttpParameters": {
                    "PathParameterValues": ["$.detail.n"],
                    # A target's User-Agent is overridden ("Headers included in requests to
                    # API destinations", EventBridge User Guide).
                    "HeaderParameters": {"X-Source": "$.source", "X-Fixed": "yes", "User-Agent": "mine"},
                    "QueryStringParameters": {"mode": "test"},
                },
            }
        ],
    )
    [delivery_id] = _accept(ws, monkeypatch, django_capture_on_commit_callbacks)
    deliveries.deliver(delivery_id)
    delivery = Delivery.objects.select_related("event").get(id=delivery_id)
    assert (delivery.status, delivery.attempts) == ("delivered", 1), delivery.detail
    [seen] = http_server.seen
    assert seen.path == "/orders/1?mode=test" and seen.method == "POST"
    assert seen.json() == delivery.event.body
    assert (seen.header("X-Source"), seen.header("X-Fixed")) == ("shop", "yes")
    assert seen.header("Content-Type") == "application/json; charset=utf-8"
    assert seen.header("User-Agent") == "Amazon/EventBridge/ApiDestinations"
    assert seen.header("Range") == "bytes=0-1048575"


def test_5xx_and_timeouts_are_retried_until_the_endpoint_answers(
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
    http_server: Server,
    settings: Any,
) -> None:
    settings.STEPBRIDGE_API_DESTINATION_TIMEOUT_SECONDS = 0.3
    answers = [Answer(503, {}), Answer(200, {}, delay=1.0), Answer(200, {})]

    def scripted(_: Seen) -> Answer:
        return answers.pop(0)

    ws = default_workspace()
    http_server.on("/orders/x", scripted)
    rule_with_targets(
        ws,
        [
            {
                "Id": "api",
                "Arn": _destination(ws, http_server).arn,
                "HttpParameters": {"PathParameterValues": ["x"]},
            }
        ],
    )
    [delivery_id] = _accept(ws, monkeypatch, django_capture_on_commit_callbacks)
    now = timezone.now()
    for _ in range(3):
        deliveries.deliver(delivery_id, now=now)
        now += timedelta(minutes=10)
    delivery = Delivery.objects.get(id=delivery_id)
    assert (delivery.status, delivery.attempts) == ("delivered", 3)
    errors = [attempt["error"] for attempt in trace.attempts(delivery)]
    assert "answered 503" in errors[0] and "timed out" in errors[1] and errors[2] == ""


def test_a_4xx_is_not_retried_and_goes_to_the_dead_letter_queue(
    monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any, http_server: Server
) -> None:
    ws = default_workspace()
    dlq = sqs.queue_arn(sqs.create_queue(ws, "dlq"))
    http_server.on("/orders/x", Answer(400, {"message": "bad order"}))
    destination = _destination(ws, http_server)
    rule_with_targets(
        ws,
        [
            {
                "Id": "api",
                "Arn": destination.arn,
                "HttpParameters": {"PathParameterValues": ["x"]},
                "DeadLetterConfig": {"Arn": dlq},
            }
        ],
    )
    [delivery_id] = _accept(ws, monkeypatch, django_capture_on_commit_callbacks)
    deliveries.deliver(delivery_id)
    delivery = Delivery.objects.select_related("event").get(id=delivery_id)
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == ("failed", 1, None)
    [message] = Message.objects.filter(queue__name="dlq")
    assert json.loads(message.body) == delivery.event.body
    attributes = {key: value["StringValue"] for key, value in message.message_attributes.items()}
    assert attributes["ERROR_CODE"] == "SDK_CLIENT_ERROR"
    assert "answered 400" in attributes["ERROR_MESSAGE"]
    assert attributes["TARGET_ARN"] == destination.arn and attributes["RETRY_ATTEMPTS"] == "0"
    assert len(http_server.seen) == 1


def test_the_rate_limit_spaces_calls_without_spending_attempts(
    monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any, http_server: Server
) -> None:
    ws = default_workspace()
    http_server.on("/orders/x", Answer(200, {}))
    destination = _destination(ws, http_server, rate=2)  # one call every 0.5 s
    rule_with_targets(
        ws, [{"Id": "api", "Arn": destination.arn, "HttpParameters": {"PathParameterValues": ["x"]}}]
    )
    first, second, third = _accept(ws, monkeypatch, django_capture_on_commit_callbacks, count=3)
    requeued = record_enqueued(monkeypatch)
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        for delivery_id in (first, second, third):
            deliveries.deliver(delivery_id, now=now)
    rows = {row.id: row for row in Delivery.objects.filter(id__in=[first, second, third])}
    assert (rows[first].status, rows[first].attempts) == ("delivered", 1)
    for waiting in (second, third):
        assert (rows[waiting].status, rows[waiting].attempts) == ("pending", 0)
        assert rows[waiting].next_attempt_at == now + timedelta(seconds=0.5)
    assert requeued == [second, third] and len(http_server.seen) == 1

    later = now + timedelta(seconds=0.5)
    deliveries.deliver(second, now=later)
    deliveries.deliver(third, now=later)
    assert Delivery.objects.get(id=second).status == "delivered"
    third_row = Delivery.objects.get(id=third)
    assert (third_row.status, third_row.attempts) == ("pending", 0)
    assert third_row.next_attempt_at == later + timedelta(seconds=0.5)
    assert len(http_server.seen) == 2


@pytest.mark.django_db(transaction=True)
def test_the_call_holds_no_database_lock_while_it_waits_for_the_endpoint(
    monkeypatch: pytest.MonkeyPatch, http_server: Server
) -> None:
    """SQLite has one writer at a time: a call made inside the delivery's transaction would
    stop every other write until the endpoint answered."""
    in_call, release = threading.Event(), threading.Event()

    def slow(_: Seen) -> Answer:
        in_call.set()
        release.wait(10)
        return Answer(200, {})

    ws = default_workspace()
    http_server.on("/orders/x", slow)
    rule_with_targets(
        ws,
        [
            {
                "Id": "api",
                "Arn": _destination(ws, http_server).arn,
                "HttpParameters": {"PathParameterValues": ["x"]},
            }
        ],
    )
    sent = record_enqueued(monkeypatch)
    routing.put_events(ws, [entry(n=1)])
    [delivery_id] = sent
    worker = threading.Thread(target=closing(lambda: deliveries.deliver(delivery_id)))
    worker.start()
    try:
        assert in_call.wait(10)
        began = time.monotonic()
        events.create_bus(ws, "written-meanwhile")
        assert time.monotonic() - began < 2
        assert Delivery.objects.get(id=delivery_id).attempts == 0  # counted when recorded
    finally:
        release.set()
        worker.join(20)
    delivery = Delivery.objects.get(id=delivery_id)
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == ("delivered", 1, None)


def _delivered(delivery_ids: list[int], within: float = 10) -> None:
    deadline = time.monotonic() + within
    while Delivery.objects.filter(id__in=delivery_ids, status="pending").exists():
        assert time.monotonic() < deadline, f"{delivery_ids} still pending"
        time.sleep(0.02)


@pytest.mark.django_db(transaction=True)
def test_a_slow_call_leaves_the_deliveries_lane_and_holds_up_no_later_batch(http_server: Server) -> None:
    """Batches go one at a time per process (runtime.nearby.Pool's lane); a batch, even of one
    delivery, hands its API destination calls to jobs of their own, so a call waiting for its
    endpoint holds up no later batch of the process (issue 13: an API destination that times
    out)."""
    calls, release = threading.Semaphore(0), threading.Event()

    def slow(_: Seen) -> Answer:
        calls.release()
        release.wait(10)
        return Answer(200, {})

    ws = default_workspace()
    http_server.on("/orders/x", slow)
    api = {
        "Id": "api",
        "Arn": _destination(ws, http_server).arn,
        "HttpParameters": {"PathParameterValues": ["x"]},
    }
    rule_with_targets(ws, [api])
    own = nearby.Pool(threads=2, backlog=8, calls=0)
    try:
        with keeping_sends() as kept, mock.patch.object(nearby, "_process_pool", return_value=own):
            routing.put_events(ws, [entry(n=1)])  # one delivery, by the lane
            assert calls.acquire(timeout=10)  # its call waits for the endpoint
            rule_with_targets(ws, [{"Id": "fn", "Arn": ECHO_ARN}], "more")
            routing.put_events(ws, [entry(n=2)])  # a batch of two, by the lane again
            [fn] = Delivery.objects.filter(target_id="fn").values_list("id", flat=True)
            _delivered([fn])
            waiting = Delivery.objects.filter(target_id="api")
            assert [d.status for d in waiting] == ["pending", "pending"]
            release.set()
            _delivered([d.id for d in waiting])
            assert kept.sent == []  # all made by this process
    finally:
        release.set()
        own.shutdown()
    assert len(http_server.seen) == 2
