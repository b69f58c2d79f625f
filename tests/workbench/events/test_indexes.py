"""The indexes of the rows written for every accepted event: only those a lookup needs, since
each is written with every event, delivery and attempt (issue 10's pg_stat_statements of
PutEvents to 300 rules, 2026-12-05), and the pending and failed deliveries in partial indexes
of their own. Checked on the database itself, SQLite and PostgreSQL alike (the lookups
themselves: test_recovery.py, the dashboard's and the trace's tests)."""

from __future__ import annotations

import pytest
from django.db import connection

from workbench.events.models import ArchivedEvent, Delivery, DeliveryAttempt, ReceivedEvent
from workbench.sqs.models import Message

pytestmark = pytest.mark.django_db(transaction=True)


def _indexes(model: type) -> dict[str, list[str]]:
    """The table's indexes and unique constraints (its primary key aside), by name: their columns."""
    with connection.cursor() as cursor:
        found = connection.introspection.get_constraints(cursor, model._meta.db_table)
    return {
        name: list(about["columns"])
        for name, about in found.items()
        if (about["index"] or about["unique"]) and not about["primary_key"]
    }


def test_rows_written_per_event_carry_only_the_indexes_their_lookups_use() -> None:
    assert _indexes(Delivery) == {
        "unique_delivery_target": ["event_id", "rule_name", "target_id"],
        "delivery_pending": ["id"],
        "delivery_failed": ["id"],
    }
    assert _indexes(DeliveryAttempt) == {"unique_delivery_attempt": ["delivery_id", "number"]}
    assert sorted(_indexes(ArchivedEvent).values()) == [["archive_id", "time", "id"], ["archived"]]
    assert sorted(_indexes(Message).values()) == [
        ["message_id"],
        ["queue_id", "sent", "id"],
        ["receipt_handle"],
    ]
    assert sorted(_indexes(ReceivedEvent).values()) == [
        ["bus_id", "received", "id"],
        ["event_id"],
        ["received"],
    ]
