"""Writing an execution step's history events: one multi-row INSERT, no model instances.

A Standard execution of a 10-state Pass chain writes 23 history events inside its
StartExecution transaction. Issue 10's profile (cProfile of a served StartExecution in process,
2026-12-02) put ``bulk_create`` of those rows at about half of the call's CPU: a model instance
per row, then Django's generic per-field preparation. The rows here go straight from the
engine's events to the database, each value adapted by its field's own ``get_db_prep_save``
(exactly what ``bulk_create`` stores, on SQLite and PostgreSQL alike), in one multi-row INSERT
(``core.rows.insert_many``).
GetExecutionHistory reads them back unchanged (AWS's HistoryEvent shape:
https://docs.aws.amazon.com/step-functions/latest/apireference/API_HistoryEvent.html).
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import connection

from engine.states.model import HistoryEvent as HistoryEventShape
from workbench.core import rows as stored
from workbench.stepfunctions.models import HistoryEvent

_FIELDS = ("execution", "event_id", "previous_event_id", "type", "timestamp", "details_key", "details")


def insert(execution_id: int, events: Sequence[HistoryEventShape]) -> None:
    """Store ``events`` as the execution's next history rows (in the caller's transaction)."""
    if not events:
        return
    meta = HistoryEvent._meta
    timestamp, details = meta.get_field("timestamp"), meta.get_field("details")
    rows = [
        (
            execution_id,
            event.id,
            event.previous_event_id,
            event.type,
            timestamp.get_db_prep_save(event.timestamp, connection),
            event.details_key,
            details.get_db_prep_save(event.details, connection),
        )
        for event in events
    ]
    stored.insert_many(HistoryEvent, _FIELDS, rows)
