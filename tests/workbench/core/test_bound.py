"""core/bound.py: a statement's values quoted into its text exactly as psycopg's client-side
binding would, so what is stored is what was given, whatever its characters."""

from __future__ import annotations

import pytest
from django.db import transaction
from django.utils import timezone
from psycopg.adapt import Transformer

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
