"""Deliveries routing just wrote, handed to the delivery batch in memory (runtime.handover): used
only while their rows are pending and never attempted, so a delivery is still made once with
what its row says (EventBridge delivers at least once: "Event retry policy and using
dead-letter queues", EventBridge User Guide; here once per attempt recorded)."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.support.events import entry
from tests.support.inprocess import Broker
from workbench.accounts.services import default_workspace
from workbench.events import services as events
from workbench.events.models import Delivery, ReceivedEvent
from workbench.runtime import deliveries, handover, routing
from workbench.sqs import services as sqs
from workbench.sqs.models import Message, Queue

pytestmark = pytest.mark.django_db(transaction=True)


def _inbox() -> Queue:
    """A rule on the default bus sending each event's detail to a queue."""
    ws = default_workspace()
    inbox = sqs.create_queue(ws, "inbox")
    events.put_rule(ws, name="orders", event_pattern=json.dumps({"source": ["shop"]}))
    target = {"Id": "q", "Arn": sqs.queue_arn(inbox), "InputPath": "$.detail"}
    assert events.put_targets(ws, "orders", None, [target]) == []
    return inbox


def _received(inbox: Queue) -> list[int]:
    return sorted(
        json.loads(body)["n"] for body in Message.objects.filter(queue=inbox).values_list("body", flat=True)
    )


def _put(count: int, broker: Broker) -> list[int]:
    routing.put_events(default_workspace(), [entry(n=n) for n in range(count)])
    broker.take()  # delivered by hand below
    return list(Delivery.objects.order_by("id").values_list("id", flat=True))


def test_a_batch_takes_what_routing_wrote_without_reading_it_back(broker: Broker) -> None:
    inbox = _inbox()
    ids = _put(10, broker)
    with CaptureQueriesContext(connection) as queries:
        deliveries.deliver_all(ids)
    statements = [query["sql"] for query in queries.captured_queries]
    event_table, delivery_table = ReceivedEvent._meta.db_table, Delivery._meta.db_table
    assert not [sql for sql in statements if event_table in sql], "the events are not read back"
    # One read of the deliveries: their ids, locked (on PostgreSQL it carries the BEGIN).
    delivery_reads = [sql for sql in statements if f'FROM "{delivery_table}"' in sql]
    assert len(delivery_reads) == 1, delivery_reads
    assert f'SELECT "id", "status", "attempts" FROM "{delivery_table}"' in delivery_reads[0]
    assert _received(inbox) == list(range(10))
    assert set(Delivery.objects.values_list("status", "attempts")) == {(Delivery.DELIVERED, 1)}
    assert handover.take(ids) == {}, "each kept delivery is taken once"


def test_a_kept_delivery_whose_row_was_attempted_meanwhile_is_read_from_its_row(broker: Broker) -> None:
    """Another batch (a retry, the recovery sweep) made an attempt after routing kept the
    delivery: its row, not the kept instance, says how many attempts were made."""
    inbox = _inbox()
    first, second = _put(2, broker)
    Delivery.objects.filter(id=first).update(attempts=3, detail="an earlier attempt")
    deliveries.deliver_all([first, second])
    assert dict(Delivery.objects.values_list("id", "attempts")) == {first: 4, second: 1}
    assert _received(inbox) == [0, 1]


def test_a_kept_delivery_whose_row_was_delivered_meanwhile_is_not_made_again(broker: Broker) -> None:
    inbox = _inbox()
    first, second = _put(2, broker)
    Delivery.objects.filter(id=first).update(status=Delivery.DELIVERED, attempts=1)
    deliveries.deliver_all([first, second])
    assert _received(inbox) == [1]
    assert dict(Delivery.objects.values_list("id", "attempts")) == {first: 1, second: 1}


def test_a_delivery_no_longer_kept_is_read_from_its_row(broker: Broker) -> None:
    inbox = _inbox()
    ids = _put(3, broker)
    handover.clear()  # as when the batch is made by another process
    with CaptureQueriesContext(connection) as queries:
        deliveries.deliver_all(ids)
    assert any(ReceivedEvent._meta.db_table in query["sql"] for query in queries.captured_queries)
    assert _received(inbox) == [0, 1, 2]


def test_a_delivery_made_alone_leaves_nothing_kept(broker: Broker) -> None:
    """A single delivery goes by its row (``deliveries.deliver``); its kept instance goes too."""
    inbox = _inbox()
    [only] = _put(1, broker)
    deliveries.deliver_all([only])
    assert _received(inbox) == [0]
    handover.keep([Delivery(pk=only + 1)])
    assert list(handover.take([only, only + 1])) == [only + 1], "the delivered one was not left behind"


def test_the_kept_deliveries_are_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    """A batch sent to another process never takes its kept deliveries: the oldest go first."""
    monkeypatch.setattr(handover, "CAPACITY", 3)
    handover.keep([Delivery(pk=pk) for pk in range(1, 6)])
    assert sorted(handover.take(range(1, 6))) == [3, 4, 5]
