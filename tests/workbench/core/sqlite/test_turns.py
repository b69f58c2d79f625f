"""Write turns: this process's writers in arrival order, and the turn shared with one other
process as a token (workbench.core.sqlite.turns)."""

from __future__ import annotations

import itertools
import os
import socket
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import wait_for
from workbench.core.sqlite import turns
from workbench.core.sqlite.turns import ASK, TOKEN, PeerTurn, TurnLock


def _waiting(lock: TurnLock) -> int:
    return len(lock._waiting)


def test_the_lock_goes_to_its_waiters_in_the_order_they_came() -> None:
    lock = TurnLock()
    assert lock.acquire(timeout=1)
    order: list[int] = []

    def take(index: int) -> None:
        assert lock.acquire(timeout=5)
        order.append(index)
        lock.release()

    threads = []
    for index in range(5):
        threads.append(threading.Thread(target=take, args=(index,)))
        threads[-1].start()
        # Queued one after another.
        wait_for(lambda queued=index + 1: _waiting(lock) == queued, timeout=5, interval=0.001)
    lock.release()
    for thread in threads:
        thread.join(5)
    assert order == [0, 1, 2, 3, 4]
    assert lock.acquire(timeout=0.1)  # free again once the last one released it


def test_a_waiter_whose_time_runs_out_leaves_the_queue_without_the_lock() -> None:
    lock = TurnLock()
    assert lock.acquire(timeout=1)
    assert lock.acquire(timeout=0.05) is False
    assert _waiting(lock) == 0
    lock.release()
    assert lock.acquire(timeout=0.1)


def _recv(sock: socket.socket, timeout: float) -> bytes:
    sock.settimeout(timeout)
    try:
        return sock.recv(1)
    except TimeoutError:
        return b""


class Other:
    """The other process's ends of the two socket pairs, played by the test byte by byte."""

    def __init__(self) -> None:
        self.asks, asks = socket.socketpair()
        self.tokens, tokens = socket.socketpair()
        self.ends = (asks, tokens)

    def close(self) -> None:
        self.asks.close()
        self.tokens.close()


def _pair(holding: bool) -> tuple[PeerTurn, PeerTurn, TurnLock, TurnLock]:
    asks, asks_there = socket.socketpair()
    tokens, tokens_there = socket.socketpair()
    left, right = TurnLock(), TurnLock()
    return (
        PeerTurn(left, asks, tokens, holding=holding),
        PeerTurn(right, asks_there, tokens_there, holding=not holding),
        left,
        right,
    )


def _turn(lock: TurnLock, peer: PeerTurn, timeout: float = 5) -> bool:
    """What turns.acquire does, for a side of the test's own."""
    assert lock.acquire(timeout=timeout)
    return peer.take(timeout)


def _end(lock: TurnLock, peer: PeerTurn) -> None:
    """What turns.release does, for a side of the test's own."""
    peer.ended()
    lock.release()
    if peer.owes and lock.acquire(timeout=0):
        peer.ended()
        lock.release()


def test_two_sides_never_write_at_once_and_both_get_turns() -> None:
    # Two "processes" in one: each its own TurnLock and writers, one token between them.
    left, right, left_lock, right_lock = _pair(holding=True)
    sides = [(left_lock, left), (right_lock, right)]
    inside: list[int] = []
    overlaps: list[list[int]] = []
    done = {0: 0, 1: 0}

    def writer(side: int) -> None:
        lock, peer = sides[side]
        for _ in range(150):
            assert _turn(lock, peer), "the other side did not hand the turn over"
            try:
                inside.append(side)
                if len(inside) > 1:
                    overlaps.append(list(inside))
                time.sleep(0.0001)
                inside.remove(side)
                done[side] += 1
            finally:
                _end(lock, peer)

    threads = [threading.Thread(target=writer, args=(side,)) for side in (0, 1, 0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert not any(thread.is_alive() for thread in threads)
    assert overlaps == []
    assert done == {0: 300, 1: 300}
    left.close()
    right.close()


def test_an_idle_holder_hands_the_token_over_when_asked_and_gets_it_back_the_same_way() -> None:
    holder, asker, holder_lock, asker_lock = _pair(holding=True)
    started = time.monotonic()
    assert _turn(asker_lock, asker)
    assert time.monotonic() - started < 1
    _end(asker_lock, asker)
    assert _turn(holder_lock, holder)
    _end(holder_lock, holder)
    holder.close()
    asker.close()


def test_a_writer_ending_its_turn_hands_the_token_to_the_side_that_asked_meanwhile() -> None:
    other = Other()
    lock = TurnLock()
    holder = PeerTurn(lock, *other.ends, holding=True)
    assert _turn(lock, holder)  # a writer of the holder's is in its turn
    other.asks.sendall(ASK)
    assert _recv(other.tokens, 0.2) == b""  # not while that writer writes
    _end(lock, holder)
    assert _recv(other.tokens, 5) == TOKEN
    holder.close()
    other.close()


def test_an_ask_that_crossed_the_token_gets_that_token_back_never_a_second_one() -> None:
    other = Other()
    lock = TurnLock()
    holder = PeerTurn(lock, *other.ends, holding=True)
    other.asks.sendall(ASK)
    assert _recv(other.tokens, 5) == TOKEN  # handed over by the idle holder's reading thread
    took: list[bool] = []
    asking = threading.Thread(target=lambda: took.append(_turn(lock, holder)))
    asking.start()
    assert _recv(other.asks, 5) == ASK
    other.asks.sendall(ASK)  # sent before it saw the holder's ask: it crosses
    other.tokens.sendall(TOKEN)
    asking.join(5)
    assert took == [True]
    _end(lock, holder)  # the crossing ask is answered with the one token there is
    assert _recv(other.tokens, 5) == TOKEN
    assert _recv(other.tokens, 0.3) == b""
    # The holder has none now: its next writer asks again rather than writing.
    asking = threading.Thread(target=lambda: took.append(_turn(lock, holder)))
    asking.start()
    assert _recv(other.asks, 5) == ASK
    other.tokens.sendall(TOKEN)
    asking.join(5)
    assert took == [True, True]
    _end(lock, holder)
    holder.close()
    other.close()


def test_a_side_whose_other_process_is_gone_writes_alone() -> None:
    other = Other()
    lock = TurnLock()
    peer = PeerTurn(lock, *other.ends, holding=False)
    took: list[bool] = []
    asking = threading.Thread(target=lambda: took.append(_turn(lock, peer, timeout=30)))
    asking.start()
    assert _recv(other.asks, 5) == ASK
    started = time.monotonic()
    other.close()  # the other process died holding the token
    asking.join(5)
    assert took == [True]
    assert time.monotonic() - started < 5
    assert peer.alone
    _end(lock, peer)
    assert _turn(lock, peer, timeout=0.1)


CHILD = textwrap.dedent(
    """
    import socket, sys
    from django.db.utils import ConnectionHandler
    from workbench.core.sqlite import turns

    asks, tokens = (socket.socket(fileno=int(fd)) for fd in sys.argv[2].split(","))
    turns.share_with(asks, tokens, holding=False)
    handler = ConnectionHandler({"default": {"ENGINE": "workbench.core.sqlite", "NAME": sys.argv[1]}})
    connection = handler["default"]
    print("ready", flush=True)
    sys.stdin.readline()
    for index in range(int(sys.argv[3])):
        connection.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO written VALUES (%s, %s)", ["child", index])
        connection.commit()
        connection.set_autocommit(True)
    print("done", flush=True)
    """
)


@pytest.mark.skipif(sys.platform != "linux", reason="passes a socket to a child process")
def test_two_processes_sharing_the_turn_write_one_after_the_other(
    tmp_path: Path, django_db_blocker: Any
) -> None:
    from django.db.utils import ConnectionHandler

    path = str(tmp_path / "shared.sqlite3")
    handler = ConnectionHandler({"default": {"ENGINE": "workbench.core.sqlite", "NAME": path}})
    connection = handler["default"]
    writes = 300
    asks, asks_there = socket.socketpair()
    tokens, tokens_there = socket.socketpair()
    there = [asks_there, tokens_there]
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "workbench.settings"}
    with django_db_blocker.unblock():
        with connection.cursor() as cursor:
            cursor.execute("CREATE TABLE written (who TEXT, n INTEGER)")
        child = subprocess.Popen(
            [sys.executable, "-c", CHILD, path, ",".join(str(sock.fileno()) for sock in there), str(writes)],
            pass_fds=[sock.fileno() for sock in there],
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for sock in there:
            sock.close()
        try:
            turns.share_with(asks, tokens, holding=True)
            assert child.stdout is not None and child.stdin is not None
            assert child.stdout.readline().strip() == "ready"
            child.stdin.write("go\n")
            child.stdin.flush()
            started = time.monotonic()
            for index in range(writes):
                connection.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)
                with connection.cursor() as cursor:
                    cursor.execute("INSERT INTO written VALUES (%s, %s)", ["parent", index])
                    time.sleep(0.0002)  # a writer that holds its turn a moment
                connection.commit()
                connection.set_autocommit(True)
            assert child.stdout.readline().strip() == "done"
            elapsed = time.monotonic() - started
            with connection.cursor() as cursor:
                cursor.execute("SELECT who FROM written ORDER BY rowid")
                order = [row[0] for row in cursor.fetchall()]
        finally:
            turns.stop_sharing()
            child.kill()
            child.wait(5)
            handler.close_all()
    assert order.count("parent") == writes and order.count("child") == writes
    # Taking turns, not one process then the other: the writes interleave.
    switches = sum(1 for before, after in itertools.pairwise(order) if before != after)
    assert switches > writes // 10
    # SQLite's busy handler sleeps 1 ms and more per try; 600 writes meeting it would take seconds.
    assert elapsed < 5
