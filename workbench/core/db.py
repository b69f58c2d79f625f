"""SQLite set up for a server, a worker thread and tests writing at once: one place for it.

SQLite allows one writer at a time. In WAL mode readers never block the writer nor the writer
the readers (https://www.sqlite.org/wal.html); a busy timeout makes a second writer wait for
the lock (https://www.sqlite.org/c3ref/busy_timeout.html) instead of failing at once with
"database is locked"; IMMEDIATE transactions (Django's ``transaction_mode`` option) take the
write lock at BEGIN, so a transaction never fails half-way when its read lock cannot be
upgraded. ``synchronous=NORMAL`` is WAL's recommended durability/speed balance. The pragmas are
set by ``configure_sqlite`` on every new connection (wired in ``CoreConfig.ready``); the
connection options come from ``sqlite_options`` in settings.

PostgreSQL's options (``postgres_options``): connections from psycopg's own pool, values bound
by the server, and a statement prepared once a connection has run it five times (psycopg's
default threshold; Django turns preparing off for the sake of external poolers such as
PgBouncer, and psycopg's pool keeps each connection with its prepared statements). Issue 10's
pg_stat_statements of the served Task workload (2026-12-04): planning was 4.4 ms of
PostgreSQL's 6.4 ms of statement time an execution, on the same two cores as the server;
prepared, 0.5 ms.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # settings import this module: it must not load Django's database layer
    from django.db.backends.base.base import BaseDatabaseWrapper

BUSY_TIMEOUT_SECONDS = 30
PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    f"PRAGMA busy_timeout={BUSY_TIMEOUT_SECONDS * 1000}",
)


def sqlite_options() -> dict[str, Any]:
    """The OPTIONS of a SQLite database in settings."""
    return {"transaction_mode": "IMMEDIATE", "timeout": BUSY_TIMEOUT_SECONDS}


PREPARE_THRESHOLD = 5
"""Runs of a statement on one connection after which PostgreSQL prepares it."""


def postgres_options(pool_max: int) -> dict[str, Any]:
    """The OPTIONS of a PostgreSQL database in settings (see above)."""
    return {
        "pool": {"min_size": 1, "max_size": pool_max, "timeout": 30, "max_idle": 60},
        "server_side_binding": True,
        "prepare_threshold": PREPARE_THRESHOLD,
    }


def configure_sqlite(connection: BaseDatabaseWrapper) -> None:
    """Apply the pragmas to a new SQLite connection; other databases are left alone."""
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        for pragma in PRAGMAS:
            cursor.execute(pragma)


def on_connection_created(sender: object, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    configure_sqlite(connection)
