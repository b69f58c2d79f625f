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
from workbench.core.prepared import Prepared
from workbench.events.models import EventBus
from workbench.schemas.models import BusValidation
from workbench.schemas.services import document, get_version

ERROR_CODE = "InvalidArgument"
MESSAGE_START = "Event does not match schema"
"""How every schema refusal's ErrorMessage begins (the console shows it beside the detail)."""


@dataclass(frozen=True)
class EntryProblem:
    """Why one entry does not fit its bus's schema, and whether the bus refuses it."""

    rejects: bool
    field: str
    rule: str
    message: str
    error_code: str = ERROR_CODE
    problems: tuple[rules.Problem, ...] = ()

    def put_events_error(self) -> dict[str, str]:
        """PutEvents' result for the entry when its bus rejects it (``ErrorCode``/``ErrorMessage``)."""
        return {"ErrorCode": self.error_code, "ErrorMessage": self.message}

    def flags(self) -> list[dict[str, str]]:
        """What a flagging bus stores on the accepted event: each problem's field, rule, message."""
        return [
            {"field": problem.field, "rule": problem.rule, "message": problem.message}
            for problem in self.problems
        ]


# Every PutEvents call asks whether its bus validates: compiled once per thread (core/prepared.py).
_BINDING: Prepared[BusValidation] = Prepared(
    lambda bus_id: BusValidation.objects.filter(bus_id=bus_id).select_related("schema").order_by()[:1], int
)


_UNBOUND: dict[tuple[int, float], int] = {}
"""The ``rules_version`` at which each bus (by id and creation time: a database may give a
deleted bus's id to a new one) was last found bound to no schema. Binding one moves the
version (``services.set_bus_validation``), so until it moves, no call asks again: the binding's
read was one of the nine statements of every served PutEvents call (issue 10's statement log
of bench/served.py (c), PostgreSQL, 2026-12-06), for buses that almost never validate."""
UNBOUND_KEPT = 4096


def check_entries(bus: EventBus, events: Sequence[dict[str, Any]]) -> list[EntryProblem | None]:
    """One answer per event: None when it fits (or the bus validates nothing). ``bus`` as the
    caller read it for this call: its ``rules_version`` says whether a binding may be new."""
    key = (bus.pk, bus.created.timestamp())
    if _UNBOUND.get(key) == bus.rules_version:
        return [None] * len(events)
    binding = _BINDING.first(bus.pk)
    if binding is None:
        if len(_UNBOUND) >= UNBOUND_KEPT:
            _UNBOUND.clear()
        _UNBOUND[key] = bus.rules_version
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
        message = f"{MESSAGE_START} {binding.schema.name} version {version.version}: " + "; ".join(
            rules.describe(problem) for problem in problems
        )
        answers.append(
            EntryProblem(
                binding.mode == BusValidation.REJECT,
                first.field,
                first.rule,
                message,
                problems=tuple(problems),
            )
        )
    return answers


def check_put_entries(entries: Sequence[tuple[EventBus, dict[str, Any]]]) -> list[EntryProblem | None]:
    """One answer per (bus, event) of a PutEvents call, in order, looking up each bus's
    validation once per call however many of its entries the call carries."""
    by_bus: dict[Any, list[int]] = {}
    for index, (bus, _) in enumerate(entries):
        by_bus.setdefault(bus.pk, []).append(index)
    answers: list[EntryProblem | None] = [None] * len(entries)
    for indexes in by_bus.values():
        bus = entries[indexes[0]][0]
        for index, answer in zip(indexes, check_entries(bus, [entries[i][1] for i in indexes]), strict=True):
            answers[index] = answer
    return answers
