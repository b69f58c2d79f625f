"""core/together.py: writes nobody reads the answer of go to PostgreSQL in one round trip, and
every statement still runs in the order it was made (SQLite: each write at once)."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from psycopg import pq

from tests.support.wire import observed
from workbench.accounts.services import default_workspace
from workbench.core import rows, together
from workbench.events.models import LogEvent
from workbench.sqs.models import Queue

pytestmark = pytest.mark.django_db(transaction=True)


def _event(name: str) -> LogEvent:
    now = timezone.now()
    return LogEvent(
        workspace=default_workspace(), log_group="g", event_id=name, message="", timestamp=now, ingested=now
    )


def _sent(queries: CaptureQueriesContext) -> list[str]:
    return [query["sql"] for query in queries.captured_queries]


def test_held_writes_go_in_one_query_before_the_next_read() -> None:
    workspace = default_workspace()
    first, second = _event("a"), _event("b")
    with CaptureQueriesContext(connection) as queries, transaction.atomic(), together.writes_together():
        rows.insert(first, keyed=False)
        rows.insert(second, keyed=False)
        # A read sees every write made before it in the block.
        seen = sorted(LogEvent.objects.filter(workspace=workspace).values_list("event_id", flat=True))
        rows.insert(_event("c"), keyed=False)
    assert seen == ["a", "b"]
    assert sorted(LogEvent.objects.values_list("event_id", flat=True)) == ["a", "b", "c"]
    inserts = [sql for sql in _sent(queries) if "INSERT" in sql]
    if connection.vendor == "postgresql":
        # The two writes before the read in one query (one INSERT of two rows: core.bound
        # joins a run of the same INSERT), the third alone at the block's end.
        assert [sql.count("INSERT INTO") for sql in inserts] == [1, 1]
        assert [sql.count("'g'") for sql in inserts] == [2, 1]
    else:  # SQLite: no round trip to save, each write when it is made
        assert [sql.count("INSERT INTO") for sql in inserts] == [1, 1, 1]


def test_a_held_writes_error_is_raised_and_ends_the_transaction() -> None:
    rows.insert(_event("kept"))
    broken = _event("broken")
    broken.message = None  # type: ignore[assignment]  # the column is NOT NULL
    with pytest.raises(IntegrityError), transaction.atomic(), together.writes_together():
        rows.insert(_event("lost"), keyed=False)
        rows.insert(broken, keyed=False)
    # Nothing of the block was stored; what was there before is.
    assert list(LogEvent.objects.values_list("event_id", flat=True)) == ["kept"]


def test_outside_a_block_a_write_runs_at_once() -> None:
    with transaction.atomic():
        rows.insert(_event("now"), keyed=False)
        assert not together.holding()
        assert LogEvent.objects.filter(event_id="now").exists()


def test_an_exception_in_the_block_drops_what_is_held() -> None:
    with pytest.raises(RuntimeError), transaction.atomic(), together.writes_together():
        rows.insert(_event("dropped"), keyed=False)
        raise RuntimeError("the step failed")
    assert not together.holding()
    assert not LogEvent.objects.exists()


def test_a_rolled_back_savepoint_takes_back_what_it_held() -> None:
    """Savepoint SQL goes through the same cursor, so what is held is sent before it: a
    rollback to the savepoint undoes exactly the writes made inside it."""
    with transaction.atomic(), together.writes_together():
        rows.insert(_event("before"), keyed=False)
        with pytest.raises(RuntimeError), transaction.atomic():
            rows.insert(_event("inside"), keyed=False)
            raise RuntimeError("the inner work failed")
        rows.insert(_event("after"), keyed=False)
    assert sorted(LogEvent.objects.values_list("event_id", flat=True)) == ["after", "before"]


def test_a_block_outside_a_transaction_is_refused() -> None:
    with pytest.raises(RuntimeError, match="inside a transaction"), together.writes_together():
        pass


def test_atomic_sends_begin_and_commit_with_its_held_writes() -> None:
    """Two round trips fewer per transaction: the BEGIN goes with the first query of held
    writes and the COMMIT with the last; psycopg sends neither of its own (told autocommit for
    the block; no COMMIT for a connection its server reports idle)."""
    first, second = _event("a"), _event("b")
    with observed() as wire:
        with together.atomic():
            rows.insert(first, keyed=False)
            rows.insert(second, keyed=False)
        assert not connection.in_atomic_block
    assert sorted(LogEvent.objects.values_list("event_id", flat=True)) == ["a", "b"]
    if connection.vendor == "postgresql":
        [query] = wire.queries()
        assert query.startswith('"BEGIN; INSERT INTO') and query.endswith('; COMMIT"')
        # One INSERT of both rows (core.bound joins a run of the same INSERT).
        assert query.count("INSERT INTO") == 1 and query.count("'g'") == 2 and wire.round_trips() == 1
        assert connection.connection.info.transaction_status == pq.TransactionStatus.IDLE


def test_atomic_sends_begin_alone_before_a_statement_not_its_own() -> None:
    """An ORM read first: BEGIN goes alone before it, as psycopg would have sent it."""
    workspace, event = default_workspace(), _event("a")
    with observed() as wire, together.atomic():
        assert not LogEvent.objects.filter(workspace=workspace).exists()
        rows.insert(event, keyed=False)
    assert LogEvent.objects.filter(event_id="a").exists()
    if connection.vendor == "postgresql":
        queries = wire.queries()
        assert queries[0] == '"BEGIN"' and "SELECT" in queries[1] and queries[-1].endswith('; COMMIT"')
        assert wire.round_trips() == 3


def test_returning_goes_with_the_held_writes_before_it() -> None:
    """An INSERT whose key is read (``rows.insert``) takes what is held along, in one query."""
    held, keyed = _event("held"), _event("keyed")
    with observed() as wire, together.atomic():
        rows.insert(held, keyed=False)
        rows.insert(keyed)
        assert keyed.pk is not None
    assert LogEvent.objects.get(pk=keyed.pk).event_id == "keyed"
    assert LogEvent.objects.filter(event_id="held").exists()
    if connection.vendor == "postgresql":
        # BEGIN, the held INSERT and the keyed one; then psycopg's COMMIT (nothing was held last).
        [query, commit] = wire.queries()
        assert query.startswith('"BEGIN; INSERT INTO') and query.count("INSERT INTO") == 2
        assert commit == '"COMMIT"' and wire.round_trips() == 2


def test_atomic_inside_a_transaction_leaves_the_commit_to_it() -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        with CaptureQueriesContext(connection) as queries, together.atomic(savepoint=False):
            rows.insert(_event("inner"), keyed=False)
        assert not any("COMMIT" in sql for sql in _sent(queries))
        raise RuntimeError("the outer transaction fails")
    assert not LogEvent.objects.exists()  # the inner block's writes went with the outer rollback


def test_atomic_raises_the_error_of_its_last_writes_and_keeps_nothing() -> None:
    rows.insert(_event("kept"))
    broken = _event("broken")
    broken.message = None  # type: ignore[assignment]  # the column is NOT NULL
    with pytest.raises(IntegrityError), together.atomic():
        rows.insert(_event("lost"), keyed=False)
        rows.insert(broken, keyed=False)
    assert list(LogEvent.objects.values_list("event_id", flat=True)) == ["kept"]
    rows.insert(_event("after"))  # the connection is usable again
    assert LogEvent.objects.count() == 2


def test_keys_read_later_travel_with_the_commit_and_are_given_before_it_returns() -> None:
    """``rows.insert_all(keys="later")`` (``together.returning_later``): the INSERT waits with
    the held writes and goes with the COMMIT; its keys are given when that query answers."""
    later, held = [_event("a"), _event("b")], _event("held")
    with observed() as wire:
        with together.atomic():
            rows.insert_all(later, keys="later")
            if connection.vendor == "postgresql":
                assert [event.pk for event in later] == [None, None]  # nothing sent yet
            rows.insert(held, keyed=False)
        assert all(event.pk is not None for event in later)
    assert [LogEvent.objects.get(pk=event.pk).event_id for event in later] == ["a", "b"]
    if connection.vendor == "postgresql":
        [query] = wire.queries()
        assert query.startswith('"BEGIN; INSERT INTO') and query.endswith('; COMMIT"')
        assert query.count("RETURNING") == 1 and wire.round_trips() == 1


def test_a_key_read_at_once_does_not_take_the_rows_of_one_read_later() -> None:
    """A query answers with one statement's rows: a ``returning`` after a held ``returning_later``
    sends that one first, and each gets its own keys."""
    later, now = _event("later"), _event("now")
    with observed() as wire, together.atomic():
        rows.insert_all([later], keys="later")
        rows.insert(now)
        assert later.pk is not None and now.pk is not None and later.pk != now.pk
    assert LogEvent.objects.get(pk=later.pk).event_id == "later"
    assert LogEvent.objects.get(pk=now.pk).event_id == "now"
    if connection.vendor == "postgresql":
        assert wire.round_trips() == 3  # BEGIN with the first, the second, COMMIT


def test_outside_a_block_keys_read_later_are_given_at_once() -> None:
    event = _event("alone")
    with transaction.atomic():
        rows.insert_all([event], keys="later")
        assert event.pk is not None
    assert LogEvent.objects.get(pk=event.pk).event_id == "alone"


def test_a_run_of_one_insert_is_one_statement_of_its_rows_in_their_order() -> None:
    """core.bound joins held INSERTs of one text that follow each other, not others: rows
    written between two runs, or an upsert, keep their own statements and their place."""
    workspace = default_workspace()
    now = timezone.now()

    def queue(name: str) -> Queue:
        return rows.new(Queue, workspace=workspace, name=name, created=now, last_modified=now)

    a, b, c, d, e, none = (_event(name) for name in ("a", "b", "c", "d", "e", "none"))
    none.pk = 0
    with CaptureQueriesContext(connection) as queries, together.atomic():  # no read inside
        rows.insert(a, keyed=False)
        rows.insert(b, keyed=False)
        rows.upsert(queue("q1"), ["workspace", "name"], ["last_modified"])
        rows.upsert(queue("q2"), ["workspace", "name"], ["last_modified"])
        rows.insert(c, keyed=False)
        rows.update_fields(LogEvent, [none], ["message"])  # an UPDATE between runs
        rows.insert(d, keyed=False)
        rows.insert(e, keyed=False)
    made = list(LogEvent.objects.order_by("id").values_list("event_id", flat=True))
    assert made == ["a", "b", "c", "d", "e"]
    assert sorted(Queue.objects.values_list("name", flat=True)) == ["q1", "q2"]
    if connection.vendor == "postgresql":
        [query] = [sql for sql in _sent(queries) if "INSERT" in sql]
        statements = [" ".join(text.split()[:3]) for text in query.split("; ")]
        assert statements == [
            "BEGIN",
            'INSERT INTO "events_logevent"',  # a and b
            'INSERT INTO "sqs_queue"',  # q1, then q2: an upsert each
            'INSERT INTO "sqs_queue"',
            'INSERT INTO "events_logevent"',  # c
            'UPDATE "events_logevent" SET',
            'INSERT INTO "events_logevent"',  # d and e
            "COMMIT",
        ]
        rows_each = [text.count("'g'") for text in query.split("; ")]
        assert rows_each == [0, 2, 0, 0, 1, 0, 2, 0]
