"""Per-state progress read off an AWS-shaped execution history, for the live graph.

A state's status is what a person watching the graph wants to see: ``running`` while it
works, ``waiting`` in a Wait state or on a task token, ``retrying`` from a failed attempt
until we know its fate (a retry, a Catch, or the failure of its execution or its Parallel/Map),
``caught`` when a Catch took the error, ``failed`` when the error ended the run, and
``succeeded`` when it exited normally. The history has no "retry scheduled" event, so a
failure reads as ``retrying`` until a later event settles it. Events that name no state (TaskScheduled,
LambdaFunctionFailed, ...) belong to the state of the event they follow (previousEventId).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

NOT_STARTED = "not-started"

_FAILURE_SUFFIXES = ("Failed", "TimedOut")
_UNSETTLED = ("retrying", "running", "waiting")
_RUN_ENDS = frozenset({"ExecutionFailed", "ExecutionTimedOut", "ExecutionAborted"})
_ATTEMPT_STARTS = frozenset(
    {
        "TaskScheduled",
        "LambdaFunctionScheduled",
        "ActivityScheduled",
        "ParallelStateStarted",
        "MapStateStarted",
        "MapRunStarted",
    }
)
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


_CONTAINER_STARTS = frozenset({"ParallelStateStarted", "MapStateStarted"})
_CONTAINER_RESULTS = frozenset(
    {
        "ParallelStateSucceeded",
        "ParallelStateFailed",
        "ParallelStateAborted",
        "MapStateSucceeded",
        "MapStateFailed",
        "MapStateAborted",
    }
)


class Progress:
    """Folds history events, in id order and in as many batches as they come, into
    {state name: status}. One instance per execution being watched."""

    def __init__(self) -> None:
        self.statuses: dict[str, str] = {}
        self._owners: dict[int, str] = {}
        self._parents: dict[str, str] = {}
        self._containers: set[str] = set()
        self._closing: set[int] = set()

    def snapshot(self) -> dict[str, Any]:
        """The fold so far as plain JSON, so a shell can store it with the execution and go on
        folding the next step's events without reading the history again."""
        return {
            "statuses": dict(self.statuses),
            "owners": {str(key): value for key, value in self._owners.items()},
            "parents": dict(self._parents),
            "containers": sorted(self._containers),
            "closing": sorted(self._closing),
        }

    @classmethod
    def restore(cls, snapshot: Mapping[str, Any] | None) -> Progress:
        """A fold resumed from ``snapshot()``; an empty one for None."""
        progress = cls()
        if snapshot:
            progress.statuses = dict(snapshot.get("statuses", {}))
            progress._owners = {int(key): value for key, value in snapshot.get("owners", {}).items()}
            progress._parents = dict(snapshot.get("parents", {}))
            progress._containers = set(snapshot.get("containers", []))
            progress._closing = {int(value) for value in snapshot.get("closing", [])}
        return progress

    def add(self, events: Iterable[Mapping[str, Any]]) -> dict[str, str]:
        for event in events:
            self._add(event)
        return self.statuses

    def _owner_of_result(self, previous: int) -> str | None:
        """The Parallel or Map a ...StateSucceeded/Failed event closes: the nearest container
        around the state of the event before it (a branch's last event)."""
        candidate = self._owners.get(previous)
        if previous in self._closing and candidate is not None:
            candidate = self._parents.get(candidate)
        while candidate is not None and candidate not in self._containers:
            candidate = self._parents.get(candidate)
        return candidate

    def _add(self, event: Mapping[str, Any]) -> None:
        statuses = self.statuses
        kind = str(event.get("type", ""))
        event_id = int(event.get("id", 0))
        previous = int(event.get("previousEventId", 0))
        entered = _entered_name(event)
        if entered is not None:
            container = self._owners.get(previous)
            if container is not None and container in self._containers and container != entered:
                self._parents[entered] = container
            self._owners[event_id] = entered
            statuses[entered] = (
                "failed"
                if kind == "FailStateEntered"
                else ("waiting" if kind == "WaitStateEntered" else "running")
            )
            return
        if kind in _RUN_ENDS:
            _settle_as_failed(statuses, _UNSETTLED)
            return
        if kind == "ExecutionRedriven":
            # A redrive restarts the failed branches and iterations inside their Parallel or Map,
            # which is not entered again: it is running again (its failed inner states stay
            # failed until they are entered again).
            for name in self._containers:
                if statuses.get(name) == "failed":
                    statuses[name] = "running"
            return
        exited = _exited_name(event)
        if kind in _CONTAINER_RESULTS:
            owner = self._owner_of_result(previous)
            if kind.endswith("Failed"):
                _settle_as_failed(statuses, ("retrying",))
        else:
            owner = exited or self._owners.get(previous)
        if owner is None:
            return
        self._owners[event_id] = owner
        if kind in _CONTAINER_STARTS:
            self._containers.add(owner)
        if exited is not None or kind in _CONTAINER_RESULTS:
            self._closing.add(event_id)
        if exited is not None:
            # A state exits after an error only when a Catch took it.
            statuses[owner] = "caught" if statuses.get(owner) == "retrying" else "succeeded"
        elif kind.endswith(_FAILURE_SUFFIXES) and not kind.startswith("MapIteration"):
            statuses[owner] = "retrying"
        elif kind in _ATTEMPT_STARTS and statuses.get(owner) == "retrying":
            statuses[owner] = "running"
        elif kind in _TOKEN_WAIT_TYPES:
            statuses[owner] = "waiting"


def state_statuses(events: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """{state name: status} for a whole history."""
    return Progress().add(events)


def status_changes(events: Iterable[Mapping[str, Any]]) -> list[dict[str, str]]:
    """Per event, the statuses it changed: the frames the timeline scrubber replays. Applying
    the first n of them in order gives the graph as it was after the n-th event."""
    progress = Progress()
    frames = []
    for event in events:
        before = dict(progress.statuses)
        progress.add([event])
        now = progress.statuses
        frames.append({name: status for name, status in now.items() if before.get(name) != status})
    return frames


def _settle_as_failed(statuses: dict[str, str], unsettled: tuple[str, ...]) -> None:
    for name, status in statuses.items():
        if status in unsettled:
            statuses[name] = "failed"
