"""`manage.py serve` on a database that has never been migrated: it applies the migrations
first, as `make run` does, and serves (a new user's walkthrough found a raw "no such table"
traceback instead)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.stack import ROOT, _stop, _wait_http, free_port

pytestmark = pytest.mark.live


def test_serve_migrates_a_fresh_database_before_serving(tmp_path: Path) -> None:
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("CELERY_BROKER_URL", "CHANNEL_LAYER_URL", "STEPBRIDGE_TEST_DB_NAME")
    }
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    env["DJANGO_SETTINGS_MODULE"] = "workbench.settings"
    port, log = free_port(), tmp_path / "serve.log"
    server = subprocess.Popen(
        [sys.executable, "manage.py", "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_http(f"http://127.0.0.1:{port}/machines/", server, log)
    finally:
        _stop(server)
    text = log.read_text()
    assert "Applying the database's migrations first" in text and "Traceback" not in text
