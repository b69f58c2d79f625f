"""Writing the same fields of many model rows at once: one ``executemany`` UPDATE.

Django's ``bulk_update`` writes one ``CASE WHEN id = ... THEN ...`` per field per row; building
those expressions cost half of a delivery batch's CPU in issue 13's profile (cProfile of
``deliveries.deliver_all`` on 100 batches of 10 deliveries to an SQS queue, 2026-12-02: 3.2 s
of 6.2 s, 56,000 expression copies). Here each row is one parameter tuple, every value adapted
by its field's own ``get_db_prep_save`` (what ``save()`` stores, on SQLite and PostgreSQL
alike). ``auto_now`` fields are not touched: the caller sets what it writes.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection
from django.db.models import Model


def update_fields(model: type[Model], objects: Sequence[Model], fields: Sequence[str]) -> None:
    """Write ``fields`` of each of ``objects`` (rows of ``model``, by primary key), in the
    caller's transaction."""
    if not objects:
        return
    meta = model._meta
    quote = connection.ops.quote_name
    columns = [meta.get_field(name) for name in fields]
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in columns)
    statement = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(meta.pk.column)} = %s"
    rows = [
        (*(field.get_db_prep_save(getattr(obj, field.attname), connection) for field in columns), obj.pk)
        for obj in objects
    ]
    with connection.cursor() as cursor:
        cursor.executemany(statement, rows)
