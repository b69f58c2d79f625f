"""SQLite runs in WAL mode with a busy timeout on every connection (workbench.core.db)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import connection, connections

from workbench.core.db import BUSY_TIMEOUT_SECONDS


@pytest.mark.django_db
def test_every_sqlite_connection_is_in_wal_mode_with_a_busy_timeout(tmp_path: Path) -> None:
    if connection.vendor != "sqlite":
        pytest.skip("the pragmas concern SQLite only (distributed mode runs PostgreSQL)")
    fresh = connections.create_connection("default")  # the setup happens on connect
    # A new file (SQLite's default journal is "delete") and no driver timeout (Python's is 5 s):
    # what the test reads can only come from configure_sqlite.
    fresh.settings_dict = {**fresh.settings_dict, "NAME": str(tmp_path / "new.sqlite3"), "OPTIONS": {}}
    try:
        with fresh.cursor() as cursor:
            cursor.execute("PRAGMA journal_mode")
            assert cursor.fetchone()[0] == "wal"
            cursor.execute("PRAGMA busy_timeout")
            assert cursor.fetchone()[0] == BUSY_TIMEOUT_SECONDS * 1000
    finally:
        fresh.close()
