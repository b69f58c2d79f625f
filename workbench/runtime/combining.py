"""Calls of many threads done together: one thread commits what the others brought meanwhile.

EventBridge acknowledges a PutEvents entry once it is durably accepted ("Amazon EventBridge
events", EventBridge User Guide); here that is a commit (runtime.routing). Issue 10's profile
of served PutEvents in embedded mode (2026-12-06: the SQLite write turn timed inside the
server, 15 s of ``bench/served.py`` workload (c)) found the turn held 85% of the run and the
calls queued for it four deep, 13 ms each: every call paid its own BEGIN, INSERTs and COMMIT
while the others waited. In process, storing 30 entries in one transaction took a fifth less
CPU an entry than 10 in each of three.

So a call that finds another thread's turn under way does not open its own transaction: it
leaves its work with the ``Combiner`` and waits. When the running turn ends, the longest waiting
thread takes every call left meanwhile and does them in one transaction of its own (flat
combining, as PostgreSQL's own group commit gathers the WAL flushes of concurrent commits). A
call alone is done on its own thread at once, as before, and what it raises reaches its caller.
A combined turn that fails is not partly kept: every call in it is told to go alone, so one
call's fault is never another's.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

Work = TypeVar("Work")

_WAITING, _DONE, _ALONE, _LEAD = range(4)


class _Call(Generic[Work]):
    """One thread's work and what became of it."""

    __slots__ = ("outcome", "woken", "work")

    def __init__(self, work: Work) -> None:
        self.work = work
        self.woken = threading.Event()
        self.outcome = _WAITING


class Combiner(Generic[Work]):
    """``do`` over a list of the calls' work, one list at a time, on the callers' threads."""

    def __init__(self, do: Callable[[list[Work]], None], most: int) -> None:
        self._do = do
        self._most = most
        self._guard = threading.Lock()
        self._running = False
        self._waiting: deque[_Call[Work]] = deque()
        self._here = threading.local()  # ``leading``: this thread is doing a turn now

    def submit(self, work: Work) -> bool:
        """Whether ``work`` was done, with whatever else was waiting; False: do it alone (the
        turn it was in failed). Returns after the turn that did it ended; a turn of this call
        alone raises what ``do`` raised. A call made while this thread does a turn (from
        inside ``do``) is not waited for: it would wait for itself."""
        if getattr(self._here, "leading", False):
            return False
        call = _Call(work)
        with self._guard:
            if self._running:
                self._waiting.append(call)
            else:
                self._running = True
                call.outcome = _LEAD
        if call.outcome != _LEAD:
            call.woken.wait()
            if call.outcome != _LEAD:
                return call.outcome == _DONE
        return self._lead(call)

    def waiting(self) -> int:
        """Calls waiting for a turn now."""
        with self._guard:
            return len(self._waiting)

    def _lead(self, call: _Call[Work]) -> bool:
        with self._guard:
            turn = [call]
            while self._waiting and len(turn) < self._most:
                turn.append(self._waiting.popleft())
        done = False
        self._here.leading = True
        try:
            self._do([each.work for each in turn])
            done = True
        except Exception:
            if len(turn) == 1:
                raise  # a call alone fails as it would have without the combiner
            log.warning("%d calls done together failed; each goes alone", len(turn), exc_info=True)
        finally:
            self._here.leading = False
            with self._guard:
                if self._waiting:  # the longest waiting thread leads the next turn
                    after = self._waiting.popleft()
                    after.outcome = _LEAD
                    after.woken.set()
                else:
                    self._running = False
            for each in turn[1:]:
                each.outcome = _DONE if done else _ALONE
                each.woken.set()
        return done
