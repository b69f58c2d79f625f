"""Django's SQLite backend, with this process's write transactions queued in arrival order.

SQLite lets one writer in at a time (https://www.sqlite.org/lockingv3.html); every
transaction here is IMMEDIATE (core.db), so each takes the write lock at BEGIN. A connection
that finds it taken waits in SQLite's busy handler, which sleeps between tries for 1, 2, 5,
10, 15, 20, 25, 25, 25, 50, 50 and then 100 ms (sqliteDefaultBusyCallback,
https://www.sqlite.org/c3ref/busy_timeout.html) while other connections come and go. Issue 10's
fixed-rate bench traced its tail to that: BEGIN IMMEDIATE waits of 300 to 940 ms, in steps of
the 100 ms sleep, at 50 executions a second whose median was 14 ms.

The server's API threads, its embedded worker and its quick-work pool share one process, so
they queue on one ``TurnLock`` before BEGIN: the writer that ends hands the lock to the one
that has waited longest, at once. Embedded mode's delivery process shares the turn with the
server as a token (core.sqlite.turns); other processes on the same file (a test process, a
management command) still meet SQLite's own busy handler, as before. A turn not given within the busy
timeout is not waited for any longer: the connection then tries BEGIN as it would have, and
SQLite's timeout decides.

Measured (``bench/served.py``, embedded, the Task workload, four 10 s runs alternating with and
without): about the same executions per second (87 to 97 with, 89 to 97 without), so by
Little's law the same mean latency; the turns trade the lucky calls' speed for the unlucky
ones' (p50 84 to 101 ms against 57 to 62, p99 125 to 158 ms against 644 to 700). A plain Lock,
which lets the thread that released it take it again first, measured the same as this one.
"""

from __future__ import annotations

import functools
from typing import Any

from django.db.backends.sqlite3 import base

from workbench.core.db import BUSY_TIMEOUT_SECONDS
from workbench.core.sqlite import turns


@functools.lru_cache(maxsize=1024)
def _qmark(query: str) -> str:
    return base.FORMAT_QMARK_REGEX.sub("?", query).replace("%%", "%")


class CursorWrapper(base.SQLiteCursorWrapper):
    """Django's cursor, turning a statement's ``%s`` into SQLite's ``?`` once per text: its
    regular expression ran on every statement, 1.4% of PutEvents' CPU with its delivery in
    process (issue 10's cProfile, 2026-12-05); the hot statements are a few dozen texts."""

    def convert_query(self, query: str, *, param_names: Any = None) -> str:
        if param_names is None:
            return _qmark(query)
        return str(super().convert_query(query, param_names=param_names))


class DatabaseWrapper(base.DatabaseWrapper):
    """One per thread, as Django's are: ``_has_turn`` is this connection's own."""

    _has_turn = False

    def create_cursor(self, name: Any = None) -> CursorWrapper:
        return self.connection.cursor(factory=CursorWrapper)  # type: ignore[no-any-return]

    def _start_transaction_under_autocommit(self) -> None:
        self._has_turn = turns.acquire(timeout=BUSY_TIMEOUT_SECONDS)
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._end_turn()
            raise

    def _commit(self) -> None:
        try:
            super()._commit()
        finally:
            self._end_turn_if_done()

    def _rollback(self) -> None:
        try:
            super()._rollback()
        finally:
            self._end_turn_if_done()

    def _close(self) -> None:
        try:
            super()._close()
        finally:
            self._end_turn()

    def _end_turn_if_done(self) -> None:
        if self.connection is None or not self.connection.in_transaction:
            self._end_turn()

    def _end_turn(self) -> None:
        if self._has_turn:
            self._has_turn = False
            turns.release()
