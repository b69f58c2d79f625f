"""Writes whose answer nobody reads, sent to PostgreSQL together: one round trip for a run of them.

Issue 10's profile of a served Task execution in distributed mode (cProfile in process on
PostgreSQL, 2026-12-03): 14 ms of CPU an execution against 6.5 on SQLite, the difference
almost all psycopg's work per statement and the wait for each answer; a bare ``SELECT 1``
round trip cost 100 microseconds of the caller's CPU on this machine. Many of a step's
statements are writes nobody reads the answer of: the history rows, the execution's UPDATE,
a pending task's upsert, a call's log and its claim's outcome.

Inside ``writes_together()`` such writes (``write``) are held and sent as one
semicolon-separated query, their values quoted into its text (``core.bound``); PostgreSQL runs
them in order and stops at the first error, which is raised here. Any other statement on the
connection sends what is held first (a Django execute wrapper), so every statement still runs
in the order it was made and every read sees every write made before it. A held write's error
surfaces at that next statement or at the block's end, so the block belongs where any error
ends the transaction. SQLite has no round trip to save: there ``write`` runs each statement at
once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.db import connection

from workbench.core import bound

_held = threading.local()
"""This thread's held writes (Django's connections are per thread), None outside a block."""


def write(statement: str, values: Sequence[object]) -> None:
    """Run ``statement`` (a write whose answer is not read) now, or hold it while a block is open."""
    held: list[tuple[str, Sequence[object]]] | None = getattr(_held, "writes", None)
    if held is None:
        bound.execute([(statement, values)])
    else:
        held.append((statement, values))


def holding() -> bool:
    """Whether writes are being held on this thread (a block is open on PostgreSQL)."""
    return getattr(_held, "writes", None) is not None


@contextmanager
def writes_together() -> Iterator[None]:
    """Within the block, runs of ``write`` go to PostgreSQL as one query each (see above).

    It belongs inside a transaction (``atomic``), which commits after the block has sent
    what it held; a savepoint inside the block is fine (its SQL sends what is held first, so
    a rollback to it takes back exactly what it should). Leaving the block by an exception
    drops what is held: the transaction it was for is ending with that exception."""
    if not connection.in_atomic_block:
        raise RuntimeError("writes_together() belongs inside a transaction")
    if connection.vendor != "postgresql" or holding():
        yield  # SQLite, or a block already open on this thread
        return
    _held.writes = []
    try:
        with connection.execute_wrapper(_send_held_first):
            yield
            _send_held()
    finally:
        _held.writes = None


def _send_held() -> None:
    held: list[tuple[str, Sequence[object]]] = _held.writes
    if not held:
        return
    _held.writes = []
    bound.execute(held)


def _send_held_first(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
    """Django's execute wrapper: what is held goes before any other statement."""
    if _held.writes:
        _send_held()
    return execute(sql, params, many, context)
