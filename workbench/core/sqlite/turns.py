"""Write turns on a SQLite file: this process's writers queued in arrival order, and the turn
shared with one other process (embedded mode's delivery process) as a token over a socket.

SQLite lets one writer in at a time (https://www.sqlite.org/lockingv3.html); a connection that
finds the write lock taken waits in SQLite's busy handler, which sleeps between tries for 1, 2,
5, 10, 15, 20, 25, 25, 25, 50, 50 and then 100 ms (sqliteDefaultBusyCallback,
https://www.sqlite.org/c3ref/busy_timeout.html). Within a process ``TurnLock`` queues writers
instead (core.sqlite.base says why). Between two processes that write all the time, the busy
handler would be paid on nearly every turn, so the two share one token (``PeerTurn``): the
process holding it writes without asking anyone; the other asks with one byte and waits for
it. The holder hands it over when asked, at the end of its turn under way (at once if none
is), so while both write they take turns and neither starves the other. While only one
process writes, the token stays with it and a turn costs no system call. Any other process on
the file (a test, a management command) still meets SQLite's own busy handler, as before.

Measured (issue 10's served PutEvents in embedded mode, 2026-12-06, turns timed inside both
processes): the first version handed the token over from the thread reading asks, which had
to win its process's interpreter back first, about 1,200 times in 8 s; the writer ending its
turn hands it over now, and the writer waiting for it reads it itself.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
from collections import deque

log = logging.getLogger(__name__)

ASK = b"a"
"""Sent by the process without the token: it has a writer waiting."""
TOKEN = b"t"
"""Sent with the token: the receiver now holds it."""


class TurnLock:
    """A lock handed to its waiters in the order they came (a plain Lock lets late comers barge)."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._held = False
        self._waiting: deque[threading.Lock] = deque()

    def acquire(self, timeout: float) -> bool:
        with self._guard:
            if not self._held:
                self._held = True
                return True
            if timeout <= 0:
                return False
            turn = threading.Lock()
            turn.acquire()
            self._waiting.append(turn)
        if turn.acquire(timeout=timeout):
            return True
        with self._guard:
            if turn in self._waiting:
                self._waiting.remove(turn)
                return False
        return True  # release() handed it over as the wait timed out

    def release(self) -> None:
        with self._guard:
            if self._waiting:
                self._waiting.popleft().release()  # the lock stays held: it passes to that waiter
            else:
                self._held = False


class PeerTurn:
    """The write turn shared with one other process: one token, held by one side at a time,
    handed over only between turns.

    Two socket pairs join the sides: asks travel on one, read by a thread of each side's own;
    the token travels on the other, read by the writer waiting for it, so a token handed over
    wakes that writer itself. ``take`` and ``ended`` are called by the thread holding this
    side's ``TurnLock``. A writer that ends its turn hands the token over if the other side
    asked meanwhile; the thread reading asks hands it over itself when no writer of this side
    holds the turn. When the other process is gone (its sockets end), this side writes alone."""

    def __init__(self, turns: TurnLock, asks: socket.socket, tokens: socket.socket, *, holding: bool) -> None:
        self._turns = turns
        self._asks = asks
        self._tokens = tokens
        self._holding = holding  # changed only by a thread holding ``turns``
        self._wanted = False  # the other side asked and has not had the token since
        self._asked = False  # this side asked and has not had the token since
        self._alone = False
        self._state = threading.Lock()  # ``_wanted`` against ``_holding``, between threads
        threading.Thread(target=self._answer, name="sqlite-peer-turn", daemon=True).start()

    @property
    def alone(self) -> bool:
        return self._alone

    @property
    def owes(self) -> bool:
        """The other side asked and this side holds the token: ``ended`` would hand it over."""
        return self._wanted and self._holding

    def take(self, timeout: float) -> bool:
        """The token, waiting for it up to ``timeout`` seconds; False if it did not come (an
        ask, once sent, stays answered: the token then waits for this side's next writer)."""
        if self._holding or self._alone:
            return True
        if not self._asked:
            self._asked = True
            if not self._send(self._asks, ASK):
                return True
        try:
            self._tokens.settimeout(timeout)
            byte = self._tokens.recv(1)
        except TimeoutError:
            return False
        except OSError:
            byte = b""
        if byte != TOKEN:
            self._alone = True  # the other process is gone
            return True
        with self._state:
            self._holding = True
            self._asked = False
        return True

    def ended(self) -> None:
        """A turn of this side ended: hand the token over if the other side asked for it."""
        with self._state:
            if not (self._holding and self._wanted):
                return
            self._holding = False
            self._wanted = False
        self._send(self._tokens, TOKEN)

    def close(self) -> None:
        """Stop sharing (this side's sockets end: the other side then writes alone)."""
        self._alone = True
        for sock in (self._asks, self._tokens):
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    def _answer(self) -> None:
        while True:
            try:
                byte = self._asks.recv(1)
            except OSError:
                byte = b""
            if byte != ASK:
                break  # the other process is gone, or this side closed
            with self._state:
                self._wanted = True
            # With a writer of this side in its turn, its ``ended`` hands the token over;
            # ``release`` looks again after letting go, for an ask that came in between.
            if self._turns.acquire(timeout=0):
                try:
                    self.ended()
                finally:
                    self._turns.release()
        self._alone = True
        self._asks.close()

    def _send(self, sock: socket.socket, byte: bytes) -> bool:
        try:
            sock.sendall(byte)
            return True
        except OSError:
            self._alone = True
            return False


WRITERS = TurnLock()
"""This process's writers on its SQLite databases."""

_peer: PeerTurn | None = None


def share_with(asks: socket.socket, tokens: socket.socket, *, holding: bool) -> PeerTurn:
    """Share this process's write turn with the process at the other end of ``asks`` and
    ``tokens`` (both sides call it; exactly one with ``holding``). Replaces an earlier sharing."""
    global _peer
    previous, _peer = _peer, PeerTurn(WRITERS, asks, tokens, holding=holding)
    if previous is not None:
        previous.close()
    return _peer


def stop_sharing() -> None:
    global _peer
    previous, _peer = _peer, None
    if previous is not None:
        previous.close()


def acquire(timeout: float) -> bool:
    """Take this process's turn, then the shared one if any; False if this process's turn did
    not come within ``timeout`` (the caller then tries BEGIN as it would have, and SQLite's busy
    timeout decides). A shared turn that does not come in time is not waited for either."""
    if not WRITERS.acquire(timeout=timeout):
        return False
    peer = _peer
    if peer is not None and not peer.take(timeout):
        log.warning("the other process did not hand the SQLite write turn over within %s s", timeout)
    return True


def release() -> None:
    """End this process's turn, handing the shared one over first if the other side asked."""
    peer = _peer
    if peer is not None:
        peer.ended()
    WRITERS.release()
    # An ask read between ``ended`` and letting go found the turn held and left it to us.
    if peer is not None and peer.owes and WRITERS.acquire(timeout=0):
        try:
            peer.ended()
        finally:
            WRITERS.release()
