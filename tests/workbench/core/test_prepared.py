"""core/prepared.py: a query compiled once per thread answers each call with its own values."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.utils import ConnectionHandler

from tests.support.inprocess import Broker, broker, start
from workbench.core.db import PREPARE_THRESHOLD, postgres_options
from workbench.core.prepared import Prepared
from workbench.stepfunctions.models import Execution

pytestmark = pytest.mark.django_db
__all__ = ["broker"]  # the fixture

WAIT = {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 60, "End": True}}}


def test_all_answers_each_call_with_its_own_values_in_the_querysets_order(broker: Broker) -> None:
    one, two, three = (start(WAIT, name=name) for name in ("one", "two", "three"))
    pair: Prepared[Execution] = Prepared(
        lambda first, second: Execution.objects.filter(id__in=(first, second)).order_by("-id"), int, int
    )
    assert [row.id for row in pair.all(one.id, three.id)] == [three.id, one.id]
    assert [row.id for row in pair.all(two.id, one.id)] == [two.id, one.id]
    assert pair.all(0, -1) == []
    # first() is the first of the same rows, a whole instance.
    found = pair.first(two.id, three.id)
    assert found is not None and (found.id, found.name, found.status) == (three.id, three.name, "RUNNING")


def test_a_query_whose_values_are_not_plain_parameters_is_refused(broker: Broker) -> None:
    ends_with: Prepared[Execution] = Prepared(lambda name: Execution.objects.filter(name__endswith=name), str)
    with pytest.raises(ValueError, match="each value as one plain parameter"):
        ends_with.all("x")


def test_postgresql_connections_bind_on_the_server_and_prepare_hot_statements(broker: Broker) -> None:
    """Distributed mode binds values on the server and prepares a statement once its connection
    has run it five times (``core.db.postgres_options``): PostgreSQL plans it once, not on every
    call (issue 10's pg_stat_statements: planning was two thirds of its statement time).

    What psycopg is given is checked in both modes (Django turns preparing off unless told);
    on PostgreSQL, a hot query is also found among the connection's prepared statements."""
    handler = ConnectionHandler(
        {"default": {"ENGINE": "django.db.backends.postgresql", "NAME": "x", "OPTIONS": postgres_options(4)}}
    )
    given = handler["default"].get_connection_params()
    assert given["prepare_threshold"] == PREPARE_THRESHOLD
    assert given["cursor_factory"].__name__ == "ServerBindingCursor"
    if connection.vendor == "postgresql":
        one = start(WAIT, name="one")
        by_id: Prepared[Execution] = Prepared(lambda key: Execution.objects.filter(id=key), int)
        for _ in range(PREPARE_THRESHOLD + 1):
            assert [row.id for row in by_id.all(one.id)] == [one.id]
        with connection.cursor() as cursor:
            cursor.execute("SELECT statement FROM pg_prepared_statements")
            prepared = [text for (text,) in cursor.fetchall()]
        assert any(text == by_id._plan().sql.replace("%s", "$1") for text in prepared), prepared
