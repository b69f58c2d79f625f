"""A JSON document kept as it was written: its object members in their order.

EventBridge hands a target the event as it was put, its ``detail`` members in the order the
caller gave them (EventBridge User Guide, "Amazon EventBridge events": the event is the JSON
object PutEvents built; an input transformer's ``<aws.events.event>`` is that text). Django's
``JSONField`` is PostgreSQL's ``jsonb``, which keeps a document's value but not its text:
members come back sorted by length and then by bytes, duplicates folded. ``OrderedJSONField``
is PostgreSQL's ``json`` instead, the text as sent (validated, not rebuilt; the same server
CPU an inserted event as ``jsonb``, 7 to 8.5 microseconds a row, measured 2026-12-07). SQLite
stores the text in both cases. Lookups into such a column go through ``->>``
(``KeyTextTransform``): PostgreSQL has no equality or ``?`` operator for ``json``.
"""

from __future__ import annotations

from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import JSONField
from django.db.models.fields.json import KT
from django.db.models.lookups import Exact
from psycopg.types.json import Json, Jsonb


class OrderedJSONField(JSONField):  # type: ignore[type-arg]
    """A JSON field stored as PostgreSQL ``json`` (text kept), elsewhere as ``JSONField``."""

    def db_type(self, connection: BaseDatabaseWrapper) -> str | None:
        if connection.vendor == "postgresql":
            return "json"
        return super().db_type(connection)

    def get_db_prep_value(self, value: Any, connection: BaseDatabaseWrapper, prepared: bool = False) -> Any:
        adapted = super().get_db_prep_value(value, connection, prepared)
        if isinstance(adapted, Jsonb):  # PostgreSQL's adaptation, same text, typed json
            return Json(adapted.obj, dumps=adapted.dumps)
        return adapted

    def from_db_value(self, value: Any, expression: Any, connection: BaseDatabaseWrapper) -> Any:
        # psycopg reads a ``json`` column to Python itself (Django turns only ``jsonb`` into
        # text for its own json.loads); a member order survives either reading.
        if isinstance(value, str):
            return super().from_db_value(value, expression, connection)
        return value


def member_is(field: str, member: str, value: str) -> Exact:
    """A filter: ``field``'s top-level ``member`` is the text ``value`` (``->>``, which both
    PostgreSQL types and SQLite have)."""
    return Exact(KT(f"{field}__{member}"), value)
