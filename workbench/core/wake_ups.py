"""One process's wake-ups for the long polls of one kind (SQS's ReceiveMessage with
WaitTimeSeconds, Step Functions' GetActivityTask): a generation counter under a condition.

A waiter notes ``generation()`` before it looks at the database, then sleeps in ``wait_after``
until an ``announce`` made since (after the commit of what it announces) or its timeout; the
database stays the truth, and work committed by another process is found at the waiter's next
periodic look. ``also_tell`` passes each announcement on, as embedded mode's delivery process
does to the server, where the polls wait (server.deliverer). Nothing here touches the database.
"""

from __future__ import annotations

import threading
from collections.abc import Callable


class WakeUps:
    """Announcements of one kind of work in this process, and the waiters they wake."""

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._generation = 0
        self._also: Callable[[], None] | None = None

    def generation(self) -> int:
        """How many announcements this process has made; a waiter remembers it before looking."""
        return self._generation

    def announce(self) -> None:
        """Work became available (call after its commit): wake every waiter."""
        with self._changed:
            self._generation += 1
            self._changed.notify_all()
        tell = self._also
        if tell is not None:
            tell()

    def wait_after(self, seen: int, seconds: float) -> None:
        """Sleep up to ``seconds``, or less when an announcement was made since ``generation()``
        was ``seen``."""
        with self._changed:
            self._changed.wait_for(lambda: self._generation != seen, timeout=seconds)

    def also_tell(self, tell: Callable[[], None] | None) -> None:
        """Also call ``tell`` after every announcement here (None stops)."""
        self._also = tell
