"""Checking PutEvents entries against the schema version a bus validates with (beyond AWS).

A bus bound to a schema version either rejects an invalid entry (PutEvents answers that
entry with an error naming the field and the rule broken, the way it answers a malformed
entry) or accepts it and flags it. The rules come from the version's content
(engine.schemas.validation, JSON Schema Draft 4 semantics).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from engine.schemas import validation as rules
from workbench.events.models import EventBus
from workbench.schemas.models import BusValidation
from workbench.schemas.services import document, get_version

ERROR_CODE = "InvalidArgument"


@dataclass(frozen=True)
class EntryProblem:
    """Why one entry does not fit its bus's schema, and whether the bus refuses it."""

    rejects: bool
    field: str
    rule: str
    message: str
    error_code: str = ERROR_CODE


def check_entries(bus: EventBus, events: Sequence[dict[str, Any]]) -> list[EntryProblem | None]:
    """One answer per event: None when it fits (or the bus validates nothing)."""
    binding = BusValidation.objects.filter(bus_id=bus.pk).select_related("schema").first()
    if binding is None:
        return [None] * len(events)
    version = get_version(binding.schema, None if binding.version is None else str(binding.version))
    schema_document = document(version)
    answers: list[EntryProblem | None] = []
    for event in events:
        problems = rules.validate_event(schema_document, event)
        if not problems:
            answers.append(None)
            continue
        first = problems[0]
        message = (
            f"Event does not match schema {binding.schema.name} version {version.version}: "
            + "; ".join(rules.describe(problem) for problem in problems)
        )
        answers.append(EntryProblem(binding.mode == BusValidation.REJECT, first.field, first.rule, message))
    return answers


def entry_error(bus: EventBus, event: dict[str, Any]) -> dict[str, str] | None:
    """PutEvents' result for an entry its bus rejects (``ErrorCode``/``ErrorMessage``), else None."""
    [problem] = check_entries(bus, [event])
    if problem is None or not problem.rejects:
        return None
    return {"ErrorCode": problem.error_code, "ErrorMessage": problem.message}
