"""core/wake_ups.py: a waiter sleeps until an announcement made since it looked, or its timeout."""

from __future__ import annotations

import threading
import time

from workbench.core.wake_ups import WakeUps


def test_an_announcement_since_the_waiter_looked_wakes_it_at_once() -> None:
    wake_ups = WakeUps()
    seen = wake_ups.generation()
    threading.Timer(0.05, wake_ups.announce).start()
    began = time.monotonic()
    wake_ups.wait_after(seen, 5)
    assert time.monotonic() - began < 2
    assert wake_ups.generation() == seen + 1


def test_an_announcement_made_before_the_waiter_looked_does_not_wake_it() -> None:
    wake_ups = WakeUps()
    wake_ups.announce()
    seen = wake_ups.generation()
    began = time.monotonic()
    wake_ups.wait_after(seen, 0.2)
    assert time.monotonic() - began >= 0.2


def test_an_announcement_made_between_looking_and_sleeping_is_not_missed() -> None:
    """The waiter noted the generation before it looked: the announcement ends its sleep."""
    wake_ups = WakeUps()
    seen = wake_ups.generation()
    wake_ups.announce()
    began = time.monotonic()
    wake_ups.wait_after(seen, 5)
    assert time.monotonic() - began < 1
