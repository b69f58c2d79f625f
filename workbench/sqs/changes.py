"""Which queues' messages a transaction changed, told after its commit to whoever shows them.

The live pages show them, but sqs may not import live (the layers contract puts live above the
resource apps), so live.publish registers itself here (``tell_to``), as the delivery process
does with ``arrivals.also_tell``. Each queue is told once per commit: a delivery batch sending
to many queues, a receive moving messages to a dead-letter queue, tell each queue once.
``changed`` adds the queue to this thread's collection and registers a commit hook (a
rolled-back savepoint drops its own); the first hook to run after the commit takes the whole
collection, the others find it empty. A queue collected by a transaction that rolled back goes
with the thread's next commit: a "look again" too many, never one too few. With nothing
registered, ``changed`` only registers ``also``. A commit hook costs 2.7 us here (Django's
``on_commit``, most of it finding the thread's connection), so SendMessage's wake-up of long
polls (``also``) shares the one it already had. A failing listener is logged, never raised:
the write it reports is committed, and its caller must hear so.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from django.db import transaction

from workbench.sqs.models import Queue

Tell = Callable[[int, set[int]], None]
"""Told (workspace id, ids of its queues whose messages changed) after a commit."""

log = logging.getLogger(__name__)
_tell: Tell | None = None
_collected = threading.local()  # Django's connections, and so their transactions, are per thread


def tell_to(tell: Tell | None) -> None:
    """Tell ``tell`` after every commit that changed queues (None stops)."""
    global _tell
    _tell = tell


def changed(queue: Queue, *, also: Callable[[], None] | None = None) -> None:
    """The messages of ``queue`` changed in the current transaction (or autocommitted write);
    ``also`` is run after the commit too, by the same hook."""
    if _tell is None:
        if also is not None:
            transaction.on_commit(also)
        return
    collected: dict[int, set[int]] | None = getattr(_collected, "queues", None)
    if collected is None:
        collected = _collected.queues = {}
    collected.setdefault(queue.workspace_id, set()).add(queue.id)
    transaction.on_commit(_after_commit if also is None else lambda: _after_commit(also))


def _after_commit(also: Callable[[], None] | None = None) -> None:
    if also is not None:
        also()
    collected: dict[int, set[int]] | None = getattr(_collected, "queues", None)
    tell = _tell
    if not collected or tell is None:
        return
    _collected.queues = {}
    for workspace_id, queue_ids in collected.items():
        try:
            tell(workspace_id, queue_ids)
        except Exception:
            log.exception("telling of changed queues %s failed", sorted(queue_ids))
