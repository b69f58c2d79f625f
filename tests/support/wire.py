"""What went over the wire to PostgreSQL: libpq's own trace of the connection's messages.

The honest count of round trips (each ends with the server's ReadyForQuery), whatever Django's
query log says: psycopg's own BEGIN and COMMIT are not in that log, and a query of several
statements is one entry there and one round trip here.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from django.db import connection


@dataclass
class Wire:
    """The trace's lines, once the block has ended."""

    lines: list[str] = field(default_factory=list)

    def queries(self) -> list[str]:
        """The text of every simple-protocol Query and extended-protocol Parse sent, in order."""
        sent = []
        for line in self.lines:
            parts = line.split("\t")
            if len(parts) >= 5 and parts[1] == "F" and parts[3] in ("Query", "Parse"):
                sent.append(parts[4].strip())
        return sent

    def frontend(self) -> list[str]:
        """Every message sent, by type and start: what a failed count shows."""
        return [" ".join(line.split("\t")[3:5])[:120] for line in self.lines if "\tF\t" in line]

    def round_trips(self) -> int:
        return sum(1 for line in self.lines if "\tB\t" in line and "\tReadyForQuery\t" in line)


@contextmanager
def traced() -> Iterator[Wire]:
    """Trace this thread's PostgreSQL connection for the block."""
    connection.ensure_connection()
    pgconn = connection.connection.pgconn
    wire = Wire()
    with tempfile.NamedTemporaryFile(mode="w+") as out:
        pgconn.trace(out.fileno())
        try:
            yield wire
        finally:
            pgconn.untrace()
            out.flush()
            wire.lines = Path(out.name).read_text().splitlines()


@contextmanager
def observed() -> Iterator[Wire]:
    """``traced()`` on PostgreSQL; on SQLite, which has no wire, an empty trace."""
    if connection.vendor != "postgresql":
        yield Wire()
        return
    with traced() as wire:
        yield wire
