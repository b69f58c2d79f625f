"""core/planner.py: ReceiveMessage reads a queue's head through its order index on PostgreSQL,
however many messages the queue holds and whatever the planner's statistics say, and the
setting stays inside the block that asked for it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection, transaction
from django.utils import timezone

from workbench.accounts.services import default_workspace
from workbench.core import planner
from workbench.sqs import services
from workbench.sqs.models import Message, Queue


def _settings() -> tuple[str, str]:
    if connection.vendor != "postgresql":
        return ("on", "on")  # SQLite has no such settings: nothing to change
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('enable_sort'), current_setting('enable_bitmapscan')")
        found = cursor.fetchone()
    return (found[0], found[1])


def _deep_queue(messages: int) -> Queue:
    """A queue filled at once, as issue 13's bench fills it: no ANALYZE has seen it."""
    queue = services.create_queue(default_workspace(), "deep")
    start = timezone.now() - timedelta(hours=1)
    Message.objects.bulk_create(
        Message(
            queue=queue,
            message_id=f"m{n}",
            body="x" * 200,
            md5_of_body="-",
            sent=start + timedelta(milliseconds=n),
            visible_at=start + timedelta(milliseconds=n),
        )
        for n in range(messages)
    )
    return queue


def _head_plan(queue: Queue) -> str:
    head = Message.objects.filter(queue=queue, visible_at__lte=timezone.now()).order_by("sent", "id")
    return head.select_for_update(skip_locked=True)[:40].explain()


@pytest.mark.django_db(transaction=True)
def test_in_its_own_transaction_the_head_is_read_through_the_index_and_the_setting_ends_with_it() -> None:
    queue = _deep_queue(3000)
    with transaction.atomic(), planner.index_order():
        plan = _head_plan(queue)
        inside = _settings()
    if connection.vendor == "postgresql":
        assert "Index Scan using message_order" in plan and "Sort" not in plan, plan
        assert inside == ("off", "off")
    assert _settings() == ("on", "on")
    # And ReceiveMessage, which uses it, still takes the oldest messages first.
    received = services.receive_messages(queue, max_messages=10)
    assert [r.message.message_id for r in received] == [f"m{n}" for n in range(10)]


@pytest.mark.django_db
def test_inside_a_callers_transaction_the_settings_before_are_put_back() -> None:
    queue = _deep_queue(50)
    with transaction.atomic():  # the caller's own (a savepoint inside the test's transaction)
        with transaction.atomic(), planner.index_order():
            inside = _settings()
            services.receive_messages(queue, max_messages=1)  # nested again: no harm done
        after = _settings()
    assert after == ("on", "on")
    if connection.vendor == "postgresql":
        assert inside == ("off", "off")


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_nothing_is_changed() -> None:
    with planner.index_order():
        assert _settings() == ("on", "on")
