"""Per-state progress read off an AWS-shaped execution history, for the live graph.

A state's status is what a person watching the graph wants to see: ``running`` while it
works, ``waiting`` in a Wait state or on a task token, ``retrying`` after a failed attempt
that will be tried again, ``failed`` or ``caught`` when it ended in an error, and
``succeeded`` when it exited normally. Events that name no state (TaskScheduled,
LambdaFunctionFailed, ...) belong to the state of the event they follow (previousEventId).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

NOT_STARTED = "not-started"

_FAILURE_SUFFIXES = ("Failed", "TimedOut")
_TASK_START_TYPES = frozenset({"TaskScheduled", "LambdaFunctionScheduled", "ActivityScheduled"})
_TOKEN_WAIT_TYPES = frozenset({"TaskSubmitted"})


def _entered_name(event: Mapping[str, Any]) -> str | None:
    details = event.get("stateEnteredEventDetails")
    if event.get("type", "").endswith("StateEntered") and isinstance(details, Mapping):
        name = details.get("name")
        return name if isinstance(name, str) else None
    return None


def _exited_name(event: Mapping[str, Any]) -> str | None:
    details = event.get("stateExitedEventDetails")
    if event.get("type", "").endswith("StateExited") and isinstance(details, Mapping):
        name = details.get("name")
        return name if isinstance(name, str) else None
    return None


def state_statuses(
    events: Iterable[Mapping[str, Any]],
    statuses: dict[str, str] | None = None,
    owners: dict[int, str] | None = None,
) -> tuple[dict[str, str], dict[int, str]]:
    """Fold history events (in id order) into {state name: status}.

    Pass back the returned ``statuses`` and ``owners`` (event id -> state name) to fold a
    later batch of events incrementally.
    """
    statuses = dict(statuses or {})
    owners = dict(owners or {})
    for event in events:
        kind = str(event.get("type", ""))
        event_id = int(event.get("id", 0))
        previous = int(event.get("previousEventId", 0))
        entered = _entered_name(event)
        exited = _exited_name(event)
        if entered is not None:
            before = owners.get(previous)
            if before is not None and before != entered and statuses.get(before) in ("failed", "retrying"):
                statuses[before] = "caught"
            owners[event_id] = entered
            statuses[entered] = (
                "failed"
                if kind == "FailStateEntered"
                else ("waiting" if kind == "WaitStateEntered" else "running")
            )
            continue
        owner = exited or owners.get(previous)
        if owner is None:
            continue
        owners[event_id] = owner
        if exited is not None:
            statuses[owner] = "succeeded"
        elif kind.endswith(_FAILURE_SUFFIXES) and not kind.startswith(("Execution", "MapIteration")):
            statuses[owner] = "failed"
        elif kind in _TASK_START_TYPES and statuses.get(owner) == "failed":
            statuses[owner] = "retrying"
        elif kind in _TOKEN_WAIT_TYPES:
            statuses[owner] = "waiting"
    return statuses, owners
