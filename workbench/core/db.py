"""SQLite set up for a server, a worker thread and tests writing at once: one place for it.

SQLite allows one writer at a time. In WAL mode readers never block the writer nor the writer
the readers (https://www.sqlite.org/wal.html); a busy timeout makes a second writer wait for
the lock (https://www.sqlite.org/c3ref/busy_timeout.html) instead of failing at once with
"database is locked"; IMMEDIATE transactions (Django's ``transaction_mode`` option) take the
write lock at BEGIN, so a transaction never fails half-way when its read lock cannot be
upgraded. ``synchronous=NORMAL`` is WAL's recommended durability/speed balance. The pragmas are
set by ``configure_sqlite`` on every new connection (wired in ``CoreConfig.ready``); the
connection options come from ``sqlite_options`` in settings.
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


def configure_sqlite(connection: BaseDatabaseWrapper) -> None:
    """Apply the pragmas to a new SQLite connection; other databases are left alone."""
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        for pragma in PRAGMAS:
            cursor.execute(pragma)


def on_connection_created(sender: object, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    configure_sqlite(connection)
