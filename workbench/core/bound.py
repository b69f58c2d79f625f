"""Write statements sent to PostgreSQL with their values already in the text.

Two reasons. A run of held writes (``core.together``) is several statements in one query,
which PostgreSQL accepts only without parameters: the server binds parameters (``core.db``:
``server_side_binding``), one statement at a time. And psycopg turns a statement's ``%s`` into
its own placeholders by splitting the text, a split it keeps only for a statement of at most
50 parameters and 4,096 bytes (``MAX_CACHED_STATEMENT_PARAMS`` and ``_LENGTH`` in psycopg's
``_queries.py``) and does anew, with a regular expression, on every call of any other. Our
multi-row INSERTs and runs of held writes have more than 50: issue 13's profile of PutEvents in
process on PostgreSQL (cProfile, 10 entries onto a bus of 300 rules, 2026-12-04) found every
call's INSERTs of its events and deliveries and its delivery batch's held UPDATEs split again,
0.7 ms for a statement of 100 values against 0.17 ms to quote them; issue 10's Task execution
split its history INSERT the same way.

Here each statement's text is split once per process (it comes from a handful of templates)
and every value quoted by psycopg's own adapters on the connection (``Transformer.as_literal``,
what its client-side binding does). Such a query has no parameters, so it goes by PostgreSQL's
simple protocol, is planned each time (an INSERT's or UPDATE's plan by primary key is cheap)
and may hold several statements. SQLite binds natively and has nothing to split: there
statements keep their parameters.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.db import connection
from psycopg.adapt import Transformer
from psycopg.types.json import Json, Jsonb

_PLACEHOLDER = re.compile(r"%(.)", re.DOTALL)


@functools.lru_cache(maxsize=256)
def _pieces(statement: str) -> tuple[bytes, ...]:
    """The statement's text around its ``%s`` placeholders (``%%`` read as ``%``)."""
    pieces: list[bytes] = []
    text: list[str] = []
    start = 0
    for mark in _PLACEHOLDER.finditer(statement):
        text.append(statement[start : mark.start()])
        start = mark.end()
        if mark.group(1) == "%":
            text.append("%")
        elif mark.group(1) == "s":
            pieces.append("".join(text).encode())
            text = []
        else:
            raise ValueError(f"only %s placeholders can be bound here: {statement[:200]}")
    if "%" in statement[start:]:
        raise ValueError(f"a lone % in a statement to bind: {statement[:200]}")
    text.append(statement[start:])
    pieces.append("".join(text).encode())
    return tuple(pieces)


def bind(statement: str, values: Sequence[object], transformer: Transformer) -> bytes:
    """``statement`` with each ``%s`` replaced by its value as a PostgreSQL literal."""
    pieces = _pieces(statement)
    if len(pieces) != len(values) + 1:
        raise ValueError(f"{len(pieces) - 1} placeholders for {len(values)} values: {statement[:200]}")
    literal = _literal if transformer.encoding == "utf-8" else _psycopg_literal
    out = [pieces[0]]
    for value, piece in zip(values, pieces[1:], strict=True):
        out.append(b"NULL" if value is None else literal(value, transformer))
        out.append(piece)
    return b"".join(out)


def _psycopg_literal(value: object, transformer: Transformer) -> bytes:
    return bytes(transformer.as_literal(value))


def _literal(value: object, transformer: Transformer) -> bytes:
    """The literal psycopg writes (``as_literal``), byte for byte, built here for the values
    rows are made of: a text, a non-negative integer, a boolean, an aware date-time, a JSON
    document (a text holding NUL is left to psycopg, which refuses it). Issue 10's py-spy of
    served PutEvents in distributed mode (2026-12-05) put binding at 12 to 15% of the API
    processes' samples: ``as_literal`` takes 1 to 2.6 microseconds a value, JSON documents and
    date-times the most. Anything else is psycopg's; a UTF-8 connection is assumed (``bind``
    checks it); ``test_bound.py`` holds the two to one text."""
    if isinstance(value, bool):
        return b"true" if value else b"false"
    if isinstance(value, str):
        quoted = _quoted(value)
        if quoted is not None:
            return quoted
    elif isinstance(value, int):
        if value >= 0:
            return str(value).encode()
    elif isinstance(value, datetime):
        if value.tzinfo is not None:
            return _moment_literal(value)
    elif isinstance(value, Json | Jsonb) and value.dumps is not None:
        document = value.dumps(value.obj)
        quoted = _quoted(document) if isinstance(document, str) else None
        if quoted is not None:
            return quoted + (b"::jsonb" if isinstance(value, Jsonb) else b"::json")
    return bytes(transformer.as_literal(value))


_moments: dict[tuple[datetime, timedelta | None], bytes] = {}
"""Literals of the instants written lately, by instant and UTC offset (which fix the text)."""
_MOMENTS_KEPT = 64


def _moment_literal(value: datetime) -> bytes:
    """An aware date-time's literal, remembered by instant: the rows of a statement mostly share
    their times (core.rows), though not one object, and a row's times alternate (an archived
    event's own time and its archiving; a message's sending and visibility), which defeated
    remembering the last one alone (issue 13's py-spy of bench/delivery.py, 2026-12-06:
    ``str`` of a date-time was 2.4% of the API processes' samples)."""
    key = (value, value.utcoffset())
    literal = _moments.get(key)
    if literal is None:
        if len(_moments) >= _MOMENTS_KEPT:
            _moments.clear()
        literal = _moments[key] = b"'" + str(value).encode() + b"'::timestamptz"
    return literal


def _quoted(text: str) -> bytes | None:
    """``text`` as libpq's ``PQescapeLiteral`` quotes it: quotes doubled, and with a backslash
    in it, backslashes doubled inside `` E'...'``; None for a text holding NUL (psycopg's to
    refuse)."""
    if "\x00" in text:
        return None
    body = text.replace("'", "''")
    if "\\" in text:
        return b" E'" + body.replace("\\", "\\\\").encode() + b"'"
    return b"'" + body.encode() + b"'"


_ROWS_MARK = " VALUES "
_ROWS = re.compile(r"\((?:%s, )*%s\)(?:, \((?:%s, )*%s\))*")
"""The rows of an INSERT as ``core.rows`` writes them: groups of placeholders, nothing else."""


@functools.lru_cache(maxsize=256)
def _rows_part(statement: str) -> tuple[bytes, str] | None:
    """A plain ``INSERT ... VALUES (...)`` split into its text up to the rows and the rows'
    own text (to bind once per statement of a run); None for any other statement (one that
    returns rows, gives way on a conflict or selects its rows: nothing may follow the rows)."""
    head, mark, values = statement.rpartition(_ROWS_MARK)
    if not (mark and head.startswith("INSERT INTO ") and ";" not in head and _ROWS.fullmatch(values)):
        return None
    return (head + _ROWS_MARK).encode(), values


def _bound_runs(
    statements: Sequence[tuple[str, Sequence[object]]], transformer: Transformer
) -> Iterator[bytes]:
    """Each statement bound; a run of the same plain INSERT one after another (a delivery
    batch's messages, one ``rows.insert`` each) bound as ONE multi-row INSERT: PostgreSQL
    parses and plans a statement once, not once a row. The rows keep their order, so keys
    from the table's sequence come in the same order; an error in any row fails the query
    either way."""
    index = 0
    while index < len(statements):
        statement = statements[index][0]
        end = index + 1
        while end < len(statements) and statements[end][0] == statement:
            end += 1
        split = _rows_part(statement) if end - index > 1 else None
        if split is None:
            yield from (bind(text, given, transformer) for text, given in statements[index:end])
        else:
            head, rows = split
            yield head + b", ".join(bind(rows, given, transformer) for _, given in statements[index:end])
        index = end


def execute(
    statements: Sequence[tuple[str, Sequence[object]]], *, begin: bool = False, commit: bool = False
) -> Any:
    """Run ``statements`` (each a text with ``%s`` placeholders and its values) as one query, in
    order; the rows of the first that returns any (None when none does). On SQLite, one
    statement only. PostgreSQL only: ``begin``, the query starts the transaction (psycopg was
    told to send no BEGIN of its own, ``core.together``); ``commit``, it ends it."""
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            if begin or commit:
                raise ValueError("only PostgreSQL's queries begin or commit a transaction here")
            ((statement, values),) = statements
            cursor.execute(statement, values)
        else:
            transformer = Transformer(connection.connection)
            query = b"; ".join(_bound_runs(statements, transformer))
            query = b"".join((b"BEGIN; " if begin else b"", query, b"; COMMIT" if commit else b""))
            cursor.execute(query.decode())
            while cursor.description is None:  # BEGIN's result, a held write's
                if not cursor.nextset():
                    return None
        return cursor.fetchall() if cursor.description is not None else None
