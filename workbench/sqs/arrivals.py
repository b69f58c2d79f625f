"""Waking long polls: ReceiveMessage with WaitTimeSeconds sleeps here between lock-free looks.

A message sent in this process (the API, the embedded worker's sqs:sendMessage) wakes the
waiters once its transaction commits; a message sent by another process (a Celery worker in
distributed mode) is seen at the next look, at most ``LOOK_EVERY`` later. Nothing here holds a
database transaction or spins (core.wake_ups).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from workbench.core.wake_ups import WakeUps

LOOK_EVERY = 0.2

_arrived = WakeUps()
announce = _arrived.announce
"""A message became available (call after commit)."""
generation = _arrived.generation
also_tell = _arrived.also_tell


def wait_until(ready: Callable[[], bool], seconds: float) -> bool:
    """Wait up to ``seconds`` until ``ready()`` is true; ``ready`` is asked after every wake-up."""
    deadline = time.monotonic() + seconds
    while True:
        seen = _arrived.generation()  # before looking: an arrival meanwhile ends the wait
        if ready():
            return True
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        _arrived.wait_after(seen, min(LOOK_EVERY, remaining))
