"""SQLite runs in WAL mode with a busy timeout on every connection (workbench.core.db)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.db.utils import ConnectionHandler

from workbench.core.db import BUSY_TIMEOUT_SECONDS


def test_every_sqlite_connection_is_in_wal_mode_with_a_busy_timeout(
    tmp_path: Path, django_db_blocker: Any
) -> None:
    # A SQLite connection whatever the default database is (distributed mode runs PostgreSQL):
    # a new file (SQLite's default journal is "delete") and no driver timeout (Python's is 5 s),
    # so what the test reads can only come from configure_sqlite.
    handler = ConnectionHandler(
        {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": str(tmp_path / "new.sqlite3")}}
    )
    fresh = handler["default"]
    try:
        with django_db_blocker.unblock(), fresh.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode")
            assert cursor.fetchone()[0] == "wal"
            cursor.execute("PRAGMA busy_timeout")
            assert cursor.fetchone()[0] == BUSY_TIMEOUT_SECONDS * 1000
    finally:
        fresh.close()
