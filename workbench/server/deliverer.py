"""Embedded mode's delivery process: the deliveries of accepted events are made by a second
process beside the server, so that accepting and delivering no longer share one interpreter.

EventBridge answers PutEvents once the events are stored and delivers them afterwards ("Amazon
EventBridge events", EventBridge User Guide), and here too delivery is a Celery task that
reads pending rows (runtime.deliveries). In embedded mode that task ran in the server process,
whose interpreter lock was the limit of issue 10's PutEvents workload: served in embedded mode
(2026-12-06) the server used 0.93 of a core, the client a quarter of the other and the rest of
it sat idle; with its deliveries left out the same server accepted half as many entries again.

The child is `manage.py deliver`: the same application with an embedded worker and a
quick-work pool of its own. The server sends it every delivery task (``queue.send_elsewhere``);
whatever a delivery leads to (an execution's steps, a retry at its time) then runs there. The
child sends back what the server's open pages and long polls must hear: live pushes
(``publish.relay_to``, "look again" nudges merged there first) and the wake-ups of
ReceiveMessage and GetActivityTask polls. Only the server knows which pages listen, so the
child builds every push it makes: a delivery batch makes one per bus, but a Standard execution
a rule started, stepping there, makes one per step. The two share SQLite's write turn as a
token (core.sqlite.turns).

Nothing is owed to a message: a delivery is a pending row written in the accepting transaction,
and the message only says "deliver it now", as the in-memory broker's did. A child that dies
takes its messages with it; the recovery sweep, in the server, finds the deliveries still
owed and sends them again, and the server starts a new child. Until it runs, or if it cannot be
started, the server delivers itself. The child ends with the server, however that ends
(server.child.die_with_parent).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import socket
import subprocess
import sys
import threading
from datetime import datetime
from typing import Any

from workbench.core.sqlite import turns
from workbench.live import publish
from workbench.runtime import activity_arrivals, handover, queue
from workbench.server import child
from workbench.server.embedded import EmbeddedWorker
from workbench.server.frames import Frames
from workbench.sqs import arrivals as sqs_arrivals

log = logging.getLogger(__name__)

SENT_THERE = (queue.DELIVER_EVENTS,)
"""The tasks the delivery process makes."""
RESTART_AFTER = 1.0
"""Seconds between a child's end and the start of the next (a child that cannot start at all
is tried again this often, while the server delivers itself)."""

PUSH = "push"
MESSAGE_ARRIVED = "sqs"
ACTIVITY_SCHEDULED = "activity"


class DeliveryProcess:
    """The server's side: starts the child, sends it the delivery tasks, hears it back, and
    starts another when it ends.

    One thread of its own starts every child and reads what it sends: Linux's parent-death
    signal (``PR_SET_PDEATHSIG``, prctl(2), which the child asks for) fires when the thread
    that started the child ends, not the process, so that thread lives as long as this does."""

    def __init__(self) -> None:
        self._frames: Frames | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._supervise, name="delivery-process", daemon=True)

    def start(self) -> None:
        queue.send_elsewhere(SENT_THERE, self._send)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stopping.set()
        queue.send_elsewhere(SENT_THERE, None)
        frames, self._frames = self._frames, None
        if frames is not None:
            frames.close()  # the child's loop ends, and so does the child
        turns.stop_sharing()
        process = self._process
        if process is not None:
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout)
        self._thread.join(timeout)

    def _supervise(self) -> None:
        while not self._stopping.is_set():
            started = self._spawn()
            if started is not None:
                frames, process = started
                for message in frames.received():
                    _apply(message)
                self._frames = None
                process.wait()
                if self._stopping.is_set():
                    return
                log.warning("the delivery process ended (%s); starting another", process.returncode)
            self._stopping.wait(RESTART_AFTER)

    def _spawn(self) -> tuple[Frames, subprocess.Popen[bytes]] | None:
        tasks, asks, tokens = (socket.socketpair() for _ in range(3))
        there = [pair[1] for pair in (tasks, asks, tokens)]
        command = [
            sys.executable,
            "-m",
            "django",
            "deliver",
            "--fds",
            ",".join(str(sock.fileno()) for sock in there),
        ]
        env = {**os.environ, child.PARENT_ENV: str(os.getpid())}
        try:
            process = subprocess.Popen(command, pass_fds=[sock.fileno() for sock in there], env=env)
        except OSError:
            log.exception("the delivery process could not be started; this process delivers meanwhile")
            for sock in (tasks[0], asks[0], tokens[0]):
                sock.close()
            return None
        finally:
            for sock in there:
                sock.close()
        turns.share_with(asks[0], tokens[0], holding=True)
        frames = Frames(tasks[0])
        self._process, self._frames = process, frames
        return frames, process

    def _send(
        self,
        name: str,
        args: tuple[Any, ...],
        eta: datetime | None,
        nearby: queue.Nearby | None,
        gathered: bool,
    ) -> bool:
        frames = self._frames
        if frames is None:
            return False
        # Routing's kept deliveries go along: the child need not read back what was just written.
        kept = list(handover.take(args[0]).values()) if name == queue.DELIVER_EVENTS else []
        try:
            frames.send((name, args, eta, nearby, gathered, kept))
        except OSError:
            return False
        return True


def _apply(message: tuple[Any, ...]) -> None:
    """What the child told the server, done here where the pages and polls are."""
    kind = message[0]
    if kind == PUSH:
        publish.send_relayed(message[1], message[2])
    elif kind == MESSAGE_ARRIVED:
        sqs_arrivals.announce()
    elif kind == ACTIVITY_SCHEDULED:
        activity_arrivals.scheduled()


def serve_deliveries(tasks_fd: int, asks_fd: int, tokens_fd: int) -> None:
    """The child's side (`manage.py deliver`): make what the server sends until it goes."""
    child.die_with_parent()
    turns.share_with(socket.socket(fileno=asks_fd), socket.socket(fileno=tokens_fd), holding=False)
    frames = Frames(socket.socket(fileno=tasks_fd))

    def tell(*message: Any) -> None:
        with contextlib.suppress(OSError):  # the server is gone; this process ends with it
            frames.send(message)

    loop = asyncio.new_event_loop()  # where this process's nudges wait to be merged
    threading.Thread(target=loop.run_forever, name="live-nudges", daemon=True).start()
    publish.relay_to(lambda group, built: tell(PUSH, group, built), loop)
    sqs_arrivals.also_tell(lambda: tell(MESSAGE_ARRIVED))
    activity_arrivals.also_tell(lambda: tell(ACTIVITY_SCHEDULED))
    worker = EmbeddedWorker()
    worker.start()
    gc.freeze()  # as the server does: what is loaded by now lives as long as the process
    for name, args, eta, nearby, gathered, kept in frames.received():
        handover.keep(kept)
        queue.enqueue(name, *args, eta=eta, nearby=nearby, gathered=gathered)
    worker.stop()
