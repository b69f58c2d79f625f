"""core/bound.py: a statement's values quoted into its text exactly as psycopg's client-side
binding would, so what is stored is what was given, whatever its characters."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from datetime import timezone as dt_timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, transaction
from django.utils import timezone
from psycopg.adapt import Transformer
from psycopg.types.json import Jsonb

from workbench.accounts.services import default_workspace
from workbench.core import bound, rows, together
from workbench.events.models import LogEvent

TRICKY = ["it's", "back\\slash", "100 %s done", "%%", "naïve ☃", "semi; DROP TABLE x; --", ""]
"""Texts that would break a statement if quoted wrongly: quotes, backslashes, placeholders and
percent signs inside a value, non-ASCII, a statement separator."""


def test_values_are_quoted_into_the_statement() -> None:
    text = bound.bind(
        "INSERT INTO t (a, b, c, d) VALUES (%s, %s, %s, %s)", ["it's", None, 5, True], Transformer()
    )
    assert text == b"INSERT INTO t (a, b, c, d) VALUES ('it''s', NULL, 5, true)"


def test_a_doubled_percent_is_one_percent_sign() -> None:
    # Django writes a literal % as %% in a statement that has parameters.
    assert bound.bind("SELECT %s WHERE x LIKE 'a%%'", ["v"], Transformer()) == b"SELECT 'v' WHERE x LIKE 'a%'"


@pytest.mark.parametrize(
    ("statement", "values"),
    [
        ("SELECT %s, %s", ["one"]),  # fewer values than placeholders
        ("SELECT %s", ["one", "two"]),  # more
        ("SELECT %d", [1]),  # a placeholder psycopg would read another way
        ("SELECT %(name)s", ["x"]),
        ("SELECT 5 %", []),  # a lone percent sign
    ],
)
def test_a_statement_that_does_not_fit_its_values_is_refused(statement: str, values: list[object]) -> None:
    with pytest.raises(ValueError):
        bound.bind(statement, values, Transformer())


def _events(names: list[str]) -> list[LogEvent]:
    now = timezone.now()
    return [
        LogEvent(
            workspace=default_workspace(),
            log_group="g",
            event_id=f"e{n}",
            message=name,
            timestamp=now,
            ingested=now,
        )
        for n, name in enumerate(names)
    ]


@pytest.mark.django_db(transaction=True)
def test_tricky_texts_are_stored_as_given_by_a_multi_row_insert() -> None:
    made = rows.insert_all(_events(TRICKY))
    stored = dict(LogEvent.objects.values_list("id", "message"))
    assert [stored[event.pk] for event in made] == TRICKY


@pytest.mark.django_db(transaction=True)
def test_tricky_texts_are_stored_as_given_by_held_writes() -> None:
    with transaction.atomic(), together.writes_together():
        for event in _events(TRICKY):
            rows.insert(event, keyed=False)
    assert list(LogEvent.objects.order_by("event_id").values_list("message", flat=True)) == TRICKY


def _transformer() -> Transformer:
    """The connection's own on PostgreSQL (its encoding, its escaping); one without a
    connection elsewhere."""
    if connection.vendor != "postgresql":
        return Transformer()
    connection.ensure_connection()
    return Transformer(connection.connection)


MOMENTS = [
    timezone.now(),
    datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),  # no microseconds
    datetime(5, 1, 2, 3, 4, 5, 7, tzinfo=UTC),
    datetime(2026, 1, 2, tzinfo=ZoneInfo("Asia/Kolkata")),
    datetime(2026, 1, 1, 18, 30, tzinfo=UTC),  # the same instant, another offset: another text
    datetime(2026, 1, 2, tzinfo=dt_timezone(timedelta(seconds=3601))),
]


@pytest.mark.django_db
def test_literals_built_here_are_psycopgs_own() -> None:
    """bound._literal against psycopg's ``as_literal``, byte for byte, for what rows hold:
    texts (quotes, backslashes, non-ASCII), integers, booleans, date-times, JSON documents."""
    transformer = _transformer()
    documents = [{"a": text, "n": [1, 2.5, None, True]} for text in TRICKY] + [[], {}, "plain", 7]
    values: list[object] = [
        *TRICKY,
        0,
        5,
        2**63,
        2**70,
        -5,
        True,
        False,
        *MOMENTS,
        datetime(2026, 1, 2, 3, 4, 5),  # naive: psycopg's own
        *(Jsonb(document, dumps=json.dumps) for document in documents),
        Jsonb({"a": 1}),  # no dumps of its own: psycopg's
        1.5,
    ]
    for value in values:
        assert bound._literal(value, transformer) == transformer.as_literal(value), value
    # A NUL is psycopg's to answer (PostgreSQL refuses it in a text): the same either way.
    for with_nul in ("a\x00b", Jsonb({"a": 1}, dumps=lambda obj: '{"a": "\x00"}')):
        assert _outcome(bound._literal, with_nul, transformer) == _outcome(
            lambda value, transformer: transformer.as_literal(value), with_nul, transformer
        )


def _outcome(literal: Any, value: object, transformer: Transformer) -> object:
    try:
        return literal(value, transformer)
    except Exception as exc:
        return type(exc)


@pytest.mark.django_db(transaction=True)
def test_documents_are_stored_as_given_by_a_multi_row_insert() -> None:
    from workbench.events import services as events
    from workbench.events.models import ReceivedEvent

    bus = events.create_bus(default_workspace(), name="orders")
    bodies = [{"detail": {"text": text, "list": [text, 1]}} for text in TRICKY]
    made = rows.insert_all(
        [
            rows.new(ReceivedEvent, bus=bus, event_id=str(n), body=body, received=MOMENTS[0])
            for n, body in enumerate(bodies)
        ]
    )
    stored = dict(ReceivedEvent.objects.values_list("id", "body"))
    assert [stored[event.pk] for event in made] == bodies
    assert set(ReceivedEvent.objects.values_list("received", flat=True)) == {MOMENTS[0]}
