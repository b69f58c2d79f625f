""" "Look again" nudges to one group, merged: the first goes at once, the rest of a window in one.

A nudge (``messages.changed``) only tells a tailing page which panels to re-read, so two
nudges to one group close together say no more than one naming both kinds of rows. Under
load every PutEvents call and every delivery batch nudged its bus's page and the dashboard:
issue 10's profile of served PutEvents in distributed mode (py-spy ``--gil``, 2026-12-06) put
the live publisher's thread at 9% of the API processes' samples, two Redis round trips a
nudge, for pages nobody had open. Here a group gets at most one nudge per ``WINDOW``: the
first after a quiet spell is sent at once; any that come within the window of it are merged
and sent together when the window ends, so the last change is always announced, late by at
most ``WINDOW``. Execution steps (``execution.update``) carry history and are never merged.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable

WINDOW = 0.1
"""Seconds between two nudges to one group; a page re-reads at most ten times a second."""

STALE = 2.0
"""A merged nudge not sent this long after its window ended was lost with its event loop (a
test's loop closed, say): the next nudge to the group goes at once and carries its kinds."""

KEPT = 1024
"""Groups remembered before the quiet ones are forgotten (one per bus and workspace nudged)."""

Deliver = Callable[[str, list[str]], None]
Later = Callable[[float, Callable[[], None]], None]


class Nudges:
    """Per group: when it was last nudged, and the kinds waiting for the end of its window.

    ``deliver(group, kinds)`` sends one nudge now; ``later(delay, fn)`` runs ``fn`` after
    ``delay`` seconds on some other thread (the publisher's event loop). Safe from any thread.
    """

    def __init__(self, deliver: Deliver, later: Later, clock: Callable[[], float] = time.monotonic) -> None:
        self._deliver = deliver
        self._later = later
        self._clock = clock
        self._lock = threading.Lock()
        self._last_sent: dict[str, float] = {}
        self._waiting: dict[str, tuple[float, set[str]]] = {}

    def add(self, group: str, kinds: Iterable[str]) -> None:
        now = self._clock()
        with self._lock:
            waiting = self._waiting.get(group)
            if waiting is not None and now < waiting[0] + STALE:
                waiting[1].update(kinds)  # the flush at the window's end carries it
                return
            merged = set(kinds) | (waiting[1] if waiting else set())
            due = self._last_sent.get(group, float("-inf")) + WINDOW
            if now >= due or waiting is not None:
                self._waiting.pop(group, None)
                self._last_sent[group] = now
                if len(self._last_sent) > KEPT:
                    self._forget_quiet(now)
                delay = None
            else:
                self._waiting[group] = (due, merged)
                delay = due - now
        if delay is None:
            self._deliver(group, sorted(merged))
        else:
            self._later(delay, lambda: self._flush(group))

    def _forget_quiet(self, now: float) -> None:
        """Groups whose window has ended need no entry: their next nudge goes at once anyway."""
        for quiet in [group for group, sent in self._last_sent.items() if sent + WINDOW <= now]:
            del self._last_sent[quiet]

    def _flush(self, group: str) -> None:
        with self._lock:
            waiting = self._waiting.pop(group, None)
            if waiting is None:
                return
            self._last_sent[group] = self._clock()
        self._deliver(group, sorted(waiting[1]))
