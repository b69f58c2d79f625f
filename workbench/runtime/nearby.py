"""Quick work run by the process that committed it, instead of handed to a worker.

A Task that calls a workbench function, queue or topic needs nothing a worker has that the
process which just committed the step lacks. Issue 10's profile of the served Task workload
(py-spy under bench/served.py, embedded mode) put most of an execution's time in the hand-off:
the broker message, the worker's pick-up, and meanwhile the client's DescribeExecution polls,
which cost the server more CPU than the call itself (43 ms of server CPU per 3-state
execution, against 6 ms for the call). So such work is offered here first
(``queue.enqueue(..., nearby=True)``):

- a thread given a budget (an AWS API call on its pool thread, awsapi/fastpath.py; a job of
  this module's pool) makes it at once, after its step committed, until the budget is spent;
  a Task calling a workbench function then ends inside its StartExecution call;
- otherwise this process's small pool takes it, while it has room;
- otherwise, and for anything that raises here, the broker takes it (Celery's retries,
  ``durable_task``).

AWS promises nothing about when a Standard execution's next state runs, only that each runs
once; nothing is given up for the speed. The work is only offered after its step committed,
exactly when a broker message would have been sent; each task re-reads the database and is
exactly-once by its own claim (``executions.invoke_task``) whoever runs it; and work lost
with the process (a crash between commit and run) is what a lost broker message was: the
recovery sweep finds it owed in the database and sends it again.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.db import connection

from workbench.celery import app, local_function
from workbench.core.connections import after_work

log = logging.getLogger(__name__)

_thread = threading.local()


@contextmanager
def budget(calls: int) -> Iterator[None]:
    """Within the block, this thread makes up to ``calls`` pieces of quick work itself. A count,
    not a time: under load every call is slower, and the rule should not change with it."""
    outer: int = getattr(_thread, "left", 0)
    _thread.left = calls
    try:
        yield
    finally:
        _thread.left = outer


def may_run_here() -> bool:
    """Whether this thread has budget left and no transaction open (work runs after commits);
    takes one from the budget when it has. (Also asked before a transaction that would make
    the work inside it: ``executions.start_execution``.)"""
    left: int = getattr(_thread, "left", 0)
    if left <= 0 or connection.in_atomic_block:
        return False
    _thread.left = left - 1
    return True


def _run(name: str, function: Callable[..., Any], args: tuple[Any, ...]) -> None:
    """Run the task's function; anything it raises hands the task to the broker."""
    try:
        function(*args)
    except Exception:
        log.warning("%s%r failed nearby; the broker takes it", name, args, exc_info=True)
        app.send_task(name, args=list(args))


class Pool:
    """A few threads holding at most ``backlog`` jobs; a job's pooled connection is given back after it.

    A task whose one argument is a list of ids made together (``gather``) has a lane: one job
    of it runs at a time in this process, and while it runs, later offers of the task add
    their ids to the job waiting behind it, up to ``gather`` ids, instead of queueing jobs of
    their own. Under load the jobs wait, and one transaction then makes the work of several
    calls (issue 10's served PutEvents: a delivery batch's fixed cost, its statements, commit
    and write turn, was paid once per call). Before the lane, with a free thread beside a
    running batch, a batch carried the deliveries of 1.5 calls on average (PostgreSQL's
    statement log of served (c), 2026-12-06), and two batches of one process took the
    interpreter from each other; other work keeps the other threads."""

    def __init__(self, threads: int, backlog: int, calls: int) -> None:
        self.backlog = backlog
        self.calls = calls
        self._executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="nearby")
        self._lock = threading.Lock()
        self._taken = 0
        self._lanes: dict[str, deque[list[Any]]] = {}
        """A gathered task's id lists not yet begun, in order."""
        self._running: set[str] = set()
        """The gathered tasks whose lane has a job submitted."""

    def offer(self, name: str, function: Callable[..., Any], args: tuple[Any, ...], gather: int = 0) -> bool:
        """Take the job unless the pool is full; a gathered task's ids may join a waiting job."""
        start = False
        with self._lock:
            lane = self._lanes.setdefault(name, deque()) if gather else None
            if lane and len(lane[-1]) + len(args[0]) <= gather:
                lane[-1].extend(args[0])
                return True
            if self._taken >= self.backlog:
                return False
            self._taken += 1
            if lane is not None:  # a job of its own, which later offers may join until it begins
                lane.append(list(args[0]))
                start = name not in self._running
                self._running.add(name)
        if lane is None:
            self._executor.submit(self._job, name, function, args)
        elif start:
            self._executor.submit(self._lane_job, name, function)
        return True

    def _lane_job(self, name: str, function: Callable[..., Any]) -> None:
        """The lane's next job; the one after it, if any waits, goes to the back of the pool's
        queue, so the lane under steady load leaves other work its turn even on one thread."""
        with self._lock:  # the job begins: nothing joins it any more
            ids = self._lanes[name].popleft()
        _thread.lane = True
        try:
            self._job(name, function, (ids,))
        finally:
            _thread.lane = False
            with self._lock:
                more = bool(self._lanes[name])
                if not more:
                    self._running.discard(name)
            if more:
                self._next_in_lane(name, function)

    def _next_in_lane(self, name: str, function: Callable[..., Any]) -> None:
        try:
            self._executor.submit(self._lane_job, name, function)
        except RuntimeError:  # shutting down: what the lane took is made before it ends
            self._lane_job(name, function)

    def _job(self, name: str, function: Callable[..., Any], args: tuple[Any, ...]) -> None:
        try:
            with budget(self.calls):
                _run(name, function, args)
        finally:
            with self._lock:
                self._taken -= 1
            # PostgreSQL's connections are given back: the API's threads and every waiting long
            # poll (ReceiveMessage, GetActivityTask) draw on the same small pool. Held here between
            # jobs, they left a SendMessage waiting for a connection behind a long poll.
            after_work(give_back_pooled=True)

    def shutdown(self) -> None:
        """Wait for the jobs taken, then stop the threads."""
        self._executor.shutdown(wait=True)


def in_lane() -> bool:
    """Whether this thread is making a gathered task's job (``Pool``): work that may wait long
    (an HTTP call) should leave the lane, which holds the process's later batches behind it."""
    return bool(getattr(_thread, "lane", False))


_pool: Pool | None = None
_pool_lock = threading.Lock()


def _process_pool() -> Pool | None:
    """This process's pool, made on first use; None when STEPBRIDGE_NEARBY_THREADS is 0."""
    global _pool
    if _pool is None and settings.STEPBRIDGE_NEARBY_THREADS > 0:
        with _pool_lock:
            if _pool is None:
                _pool = Pool(
                    settings.STEPBRIDGE_NEARBY_THREADS,
                    settings.STEPBRIDGE_NEARBY_BACKLOG,
                    settings.STEPBRIDGE_NEARBY_CALLS,
                )
    return _pool


def offer(name: str, args: tuple[Any, ...], *, here: bool, gather: int = 0) -> bool:
    """Make the task in this process, on this thread if ``here`` and it has budget left, else on
    the pool (gathered with others up to ``gather`` ids: ``Pool``); False: send it to the broker."""
    function = local_function(name)
    if function is None:  # its module is not imported in this process
        return False
    if here and may_run_here():
        _run(name, function, args)
        return True
    pool = _process_pool()
    return pool is not None and pool.offer(name, function, args, gather)
