"""core/together.py: writes nobody reads the answer of go to PostgreSQL in one round trip, and
every statement still runs in the order it was made (SQLite: each write at once)."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from workbench.accounts.services import default_workspace
from workbench.core import rows, together
from workbench.events.models import LogEvent

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
        # The two writes before the read in one query, the third alone at the block's end.
        assert [sql.count("INSERT INTO") for sql in inserts] == [2, 1]
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
