"""Waking GetActivityTask's long polls in this process when an activity task is scheduled.

The step that schedules an activity task (durable executor, workbench.runtime.commands) calls
``scheduled`` once its transaction committed; waiting polls (workbench.runtime.activities) look
again at once instead of at their next periodic look. A task scheduled by another process (a
Celery worker in distributed mode) is found by that periodic look: the database is the truth.
This module holds no database state and imports nothing of the runtime, so both sides use it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

_scheduled = threading.Condition()
_generation = 0


def is_activity(resource: str) -> bool:
    """Whether a Task's Resource is an activity ARN (``arn:aws:states:<region>:<account>:activity:x``)."""
    return resource.startswith("arn:") and ":activity:" in resource


def generation() -> int:
    """How many schedulings this process has announced; a waiter remembers it before looking."""
    return _generation


_also: Callable[[], None] | None = None


def also_tell(tell: Callable[[], None] | None) -> None:
    """Also call ``tell`` after every announcement here: embedded mode's delivery process tells
    the server, where the long polls wait (server.deliverer); None stops."""
    global _also
    _also = tell


def scheduled() -> None:
    """An activity task became available (call after its step committed)."""
    global _generation
    with _scheduled:
        _generation += 1
        _scheduled.notify_all()
    tell = _also
    if tell is not None:
        tell()


def wait_after(seen: int, seconds: float) -> None:
    """Sleep up to ``seconds``, or less when a task was announced since ``generation()`` was ``seen``."""
    with _scheduled:
        _scheduled.wait_for(_changed(seen), timeout=seconds)


def _changed(seen: int) -> Callable[[], bool]:
    return lambda: _generation != seen
