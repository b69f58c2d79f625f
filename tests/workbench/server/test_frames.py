"""The server and its delivery process talk in whole pickled values over their private socket
(workbench.server.frames)."""

from __future__ import annotations

import socket
import threading
from datetime import UTC, datetime

from workbench.server.frames import Frames


def test_values_sent_from_several_threads_arrive_whole_and_each_threads_in_order() -> None:
    ours, theirs = socket.socketpair()
    sender, receiver = Frames(ours), Frames(theirs)
    big = "x" * 300_000  # larger than a socket buffer: sent in several pieces, read as one value
    at = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)

    def send(thread: int) -> None:
        for n in range(50):
            sender.send(("task", thread, n, at, big if n == 7 else None))

    threads = [threading.Thread(target=send, args=(thread,)) for thread in range(4)]
    for thread in threads:
        thread.start()
    received = []
    values = receiver.received()
    for _ in range(200):
        received.append(next(values))
    for thread in threads:
        thread.join(5)
    for thread in range(4):
        assert [value[2] for value in received if value[1] == thread] == list(range(50))
    assert all(value[3] == at for value in received)
    assert [value[4] for value in received if value[2] == 7] == [big] * 4
    sender.close()
    assert list(values) == []  # the other end closed: the values end


def test_sending_to_an_end_that_is_gone_raises_os_error() -> None:
    ours, theirs = socket.socketpair()
    sender = Frames(ours)
    theirs.close()
    try:
        for _ in range(100):  # the first send may still be buffered
            sender.send(b"y" * 100_000)
    except OSError:
        return
    raise AssertionError("sending to a closed socket did not fail")
