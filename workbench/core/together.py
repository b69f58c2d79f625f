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

``atomic()`` is a transaction holding its writes whose last run also carries its COMMIT, and
whose first query of ours (a run of held writes, ``returning``) carries its BEGIN: up to two
round trips fewer for each. psycopg sends its own BEGIN before a transaction's first statement
unless the connection is in autocommit (``_start_query``), and no COMMIT for a connection its
server reports idle (``_commit_gen``, both in psycopg's ``_connection_base.py``); so for
such a block psycopg is told autocommit, and BEGIN goes with our first query, or alone before
anyone else's statement. (Issue 10: a new execution's transaction was BEGIN, INSERT, the held
writes, COMMIT: four round trips where two do.)
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from django.db import connection, transaction
from psycopg.pq import TransactionStatus

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


def returning(statement: str, values: Sequence[object]) -> Any:
    """The rows of ``statement`` (a write of ours whose answer is read: ``INSERT ... RETURNING``,
    or a transaction's first lock, ``SELECT ... FOR UPDATE``), sent in one query with what is
    held before it (and the transaction's BEGIN, ``atomic``); outside a block, alone."""
    held: list[tuple[str, Sequence[object]]] | None = getattr(_held, "writes", None)
    if held is None:
        return bound.execute([(statement, values)])
    if getattr(_held, "receive", None) is not None:  # a query answers for one statement only
        _send_held()
        held = _held.writes
    _held.writes = []
    return bound.execute([*held, (statement, values)], begin=_take_begin())


def returning_later(statement: str, values: Sequence[object], receive: Callable[[Any], None]) -> None:
    """``statement``'s rows (an ``INSERT ... RETURNING`` whose keys nothing reads before the
    block ends) handed to ``receive`` when the run it is held in is sent: with the COMMIT, in
    ``atomic``, when nothing else asks first. Issue 10's PutEvents: its deliveries' keys are
    read only after the commit (to hand them to their batch), and their INSERT was a round trip
    of its own, one of the call's four on PostgreSQL. Outside a block, at once."""
    held: list[tuple[str, Sequence[object]]] | None = getattr(_held, "writes", None)
    if held is None:
        receive(bound.execute([(statement, values)]))
        return
    if getattr(_held, "receive", None) is not None:  # one a run (see ``returning``)
        _send_held()
    _held.writes.append((statement, values))
    _held.receive = receive


def holding() -> bool:
    """Whether writes are being held on this thread (a block is open on PostgreSQL)."""
    return getattr(_held, "writes", None) is not None


@contextmanager
def atomic(*, savepoint: bool = True) -> Iterator[None]:
    """``transaction.atomic(savepoint=savepoint)`` with ``writes_together()`` inside it; when it
    is the outermost block (it begins and ends the transaction), the last run of held writes
    ends with COMMIT."""
    with transaction.atomic(savepoint=savepoint), writes_together(commit=True):
        yield


@contextmanager
def writes_together(*, commit: bool = False) -> Iterator[None]:
    """Within the block, runs of ``write`` go to PostgreSQL as one query each (see above).

    It belongs inside a transaction (``atomic``), which commits after the block has sent
    what it held; a savepoint inside the block is fine (its SQL sends what is held first, so
    a rollback to it takes back exactly what it should). Leaving the block by an exception
    drops what is held: the transaction it was for is ending with that exception. ``commit``
    is for ``atomic()`` only: nothing may run between this block's end and the transaction's."""
    if not connection.in_atomic_block:
        raise RuntimeError("writes_together() belongs inside a transaction")
    if connection.vendor != "postgresql" or holding():
        yield  # SQLite, or a block already open on this thread
        return
    _held.writes = []
    # The block begins its transaction: BEGIN goes with the first query (``_take_begin``).
    idle = connection.connection.info.transaction_status == TransactionStatus.IDLE
    _held.begin = commit and idle and _ends_the_transaction()
    if _held.begin:
        connection.connection.autocommit = True  # Django's own state stays "in a transaction"
    try:
        with connection.execute_wrapper(_send_held_first):
            yield
            _send_held(commit=commit and _ends_the_transaction())
    finally:
        _held.writes = None
        _held.begin = False
        _held.receive = None


def _ends_the_transaction() -> bool:
    """Whether the atomic block around this one is the outermost and is about to commit."""
    return (
        len(connection.atomic_blocks) == 1
        and not connection.savepoint_ids
        and connection.commit_on_exit
        and not connection.needs_rollback
    )


def _take_begin() -> bool:
    """Whether the transaction's BEGIN is still to be sent (then the caller sends it)."""
    begin: bool = getattr(_held, "begin", False)
    _held.begin = False
    return begin


def _send_held(*, commit: bool = False) -> None:
    held: list[tuple[str, Sequence[object]]] = _held.writes
    if not held:
        return
    _held.writes = []
    receive: Callable[[Any], None] | None = getattr(_held, "receive", None)
    _held.receive = None
    found = bound.execute(held, begin=_take_begin(), commit=commit)
    if receive is not None:  # the only statement of the run that returns rows
        receive(found)


def _send_held_first(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
    """Django's execute wrapper: what is held (and the transaction's BEGIN) goes before any other
    statement."""
    if _held.writes:
        _send_held()
    elif _take_begin():
        connection.connection.execute("BEGIN")
    return execute(sql, params, many, context)
