"""This process's SQLite write transactions take turns in arrival order (workbench.core.sqlite)."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db.utils import ConnectionHandler

from tests.conftest import wait_for
from workbench.core.sqlite.turns import WRITERS


@pytest.fixture
def sqlite(tmp_path: Path, django_db_blocker: Any) -> Iterator[ConnectionHandler]:
    """Connections of the product's SQLite backend on a file of their own, in either CI mode."""
    handler = ConnectionHandler(
        {"default": {"ENGINE": "workbench.core.sqlite", "NAME": str(tmp_path / "turns.sqlite3")}}
    )
    with django_db_blocker.unblock():
        with handler["default"].cursor() as cursor:
            cursor.execute("CREATE TABLE written (who TEXT)")
        yield handler
    handler.close_all()


@contextlib.contextmanager
def _transaction(connection: Any) -> Iterator[None]:
    """What Django's Atomic does for an outermost block, on a connection of our own handler."""
    connection.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)
    try:
        yield
    except BaseException:
        connection.rollback()
        raise
    else:
        connection.commit()
    finally:
        connection.set_autocommit(True)


def _write(handler: ConnectionHandler, who: str, hold: threading.Event | None = None) -> None:
    connection = handler["default"]
    try:
        with _transaction(connection):
            with connection.cursor() as cursor:
                cursor.execute("INSERT INTO written VALUES (%s)", [who])
            if hold is not None:
                assert hold.wait(5)
    finally:
        connection.close()


def _is_free() -> bool:
    if not WRITERS.acquire(timeout=0.01):
        return False
    WRITERS.release()
    return True


def test_write_transactions_of_this_process_begin_in_the_order_they_asked(sqlite: ConnectionHandler) -> None:
    # SQLite's own busy handler lets whichever waiter polls first in; here the first to ask goes first.
    hold = threading.Event()
    first = threading.Thread(target=_write, args=(sqlite, "first", hold))
    first.start()
    wait_for(lambda: not _is_free(), timeout=5, interval=0.001)
    later = []
    for index, who in enumerate(["second", "third", "fourth"]):
        later.append(threading.Thread(target=_write, args=(sqlite, who)))
        later[-1].start()
        wait_for(lambda queued=index + 1: len(WRITERS._waiting) == queued, timeout=5, interval=0.001)
    hold.set()
    for thread in [first, *later]:
        thread.join(10)
    with sqlite["default"].cursor() as cursor:
        cursor.execute("SELECT who FROM written ORDER BY rowid")
        assert [row[0] for row in cursor.fetchall()] == ["first", "second", "third", "fourth"]
    assert _is_free()


def test_a_rolled_back_or_closed_transaction_gives_its_turn_back(sqlite: ConnectionHandler) -> None:
    connection = sqlite["default"]
    with pytest.raises(RuntimeError), _transaction(connection):
        assert not _is_free()
        raise RuntimeError("the block failed")
    assert _is_free()

    connection.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)
    assert not _is_free()
    connection.close()  # a connection closed mid-transaction, as a killed request's may be
    assert _is_free()
    connection.set_autocommit(True)
