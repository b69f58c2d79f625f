"""Messages between the server and its delivery process (server.deliverer): pickled Python
values, each sent whole behind its length, over a stream socket the two made for each other.

Pickle because both ends run this same code and the socket is private to them (made by
``socket.socketpair`` before the child was started, never listening anywhere); it carries
task arguments, datetimes and built live messages without a schema of its own.
"""

from __future__ import annotations

import contextlib
import pickle
import socket
import struct
import threading
from collections.abc import Iterator
from typing import Any

_LENGTH = struct.Struct("!I")


class Frames:
    """One end of the socket: ``send`` from any thread, ``received`` on one reading thread."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        self._sending = threading.Lock()

    def send(self, value: Any) -> None:
        """Send ``value`` whole; raises OSError once the other end is gone."""
        data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        with self._sending:
            self.sock.sendall(_LENGTH.pack(len(data)) + data)

    def received(self) -> Iterator[Any]:
        """The values sent from the other end, in order, until it closes or goes."""
        reader = self.sock.makefile("rb")
        try:
            while True:
                head = reader.read(_LENGTH.size)
                if len(head) < _LENGTH.size:
                    return
                (length,) = _LENGTH.unpack(head)
                data = reader.read(length)
                if len(data) < length:
                    return
                yield pickle.loads(data)
        except OSError:
            return
        finally:
            reader.close()

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()
