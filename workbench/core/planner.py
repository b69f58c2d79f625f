"""Reading a table's head in index order, whatever PostgreSQL's statistics say.

PostgreSQL chooses a plan from its statistics of a table, which ANALYZE (by hand or by
autovacuum, "Routine Vacuuming" in PostgreSQL's documentation, 25.1.3) gathers only after a
share of the table has changed. A queue that fills from empty in seconds has none yet: the
planner takes it for a few rows and, for ReceiveMessage's ``ORDER BY sent, id LIMIT``, reads
every visible message and sorts them, where the order index would hand it the first few.
Measured on issue 13's ``bench/delivery.py`` drain (auto_explain, 2026-12-07): 13 ms a receive
on average and up to 35 ms at 21,000 messages, the sort spilling 8 MB to disk; through the
index 0.1 ms. ``index_order`` turns sorting and bitmap scans off for the statements inside
it (``set_config`` with ``is_local``: the transaction's own setting), so the order index is
the cheapest plan left; a plan that needs a sort still works, at a cost it was going to pay.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection

_OFF = "SELECT set_config('enable_sort', 'off', true), set_config('enable_bitmapscan', 'off', true)"
_BACK = "SELECT set_config('enable_sort', %s, true), set_config('enable_bitmapscan', %s, true)"
_NOW = "SELECT current_setting('enable_sort'), current_setting('enable_bitmapscan')"


@contextmanager
def index_order() -> Iterator[None]:
    """Inside a transaction: the statements in the block read in index order on PostgreSQL.

    In the outermost transaction the setting ends with it; in a nested block (a savepoint)
    the settings before it are put back, so the caller's later statements plan as before.
    Elsewhere (SQLite, or outside a transaction) it changes nothing."""
    if connection.vendor != "postgresql" or not connection.in_atomic_block:
        yield
        return
    nested = bool(connection.savepoint_ids)
    with connection.cursor() as cursor:
        before = None
        if nested:
            cursor.execute(_NOW)
            before = cursor.fetchone()
        cursor.execute(_OFF)
    yield
    # After an error nothing is put back by hand: the savepoint's rollback undoes the setting.
    if before is not None:
        with connection.cursor() as cursor:
            cursor.execute(_BACK, list(before))
