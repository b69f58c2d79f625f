"""Waking long polls: ReceiveMessage with WaitTimeSeconds sleeps here between lock-free looks.

A message sent in this process (the API, the embedded worker's sqs:sendMessage) wakes the
waiters once its transaction commits; a message sent by another process (a Celery worker in
distributed mode) is seen at the next look, at most ``LOOK_EVERY`` later. Nothing here holds a
database transaction or spins.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

LOOK_EVERY = 0.2

_arrived = threading.Condition()
_generation = 0


_also: Callable[[], None] | None = None


def also_tell(tell: Callable[[], None] | None) -> None:
    """Also call ``tell`` after every announcement here: embedded mode's delivery process tells
    the server, where the long polls wait (server.deliverer); None stops."""
    global _also
    _also = tell


def announce() -> None:
    """A message became available (call after commit)."""
    global _generation
    with _arrived:
        _generation += 1
        _arrived.notify_all()
    tell = _also
    if tell is not None:
        tell()


def wait_until(ready: Callable[[], bool], seconds: float) -> bool:
    """Wait up to ``seconds`` until ``ready()`` is true; ``ready`` is asked after every wake-up."""
    deadline = time.monotonic() + seconds
    while True:
        if ready():
            return True
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        with _arrived:
            _arrived.wait_for(_changed(_generation), timeout=min(LOOK_EVERY, remaining))


def _changed(seen: int) -> Callable[[], bool]:
    return lambda: _generation != seen
