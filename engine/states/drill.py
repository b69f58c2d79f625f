"""One Map iteration's or one Parallel branch's share of an execution history, for the
console's drill-down into that iteration's or branch's own graph.

AWS's history events name no branch, and only the MapIteration* events carry the iteration
index (GetExecutionHistory's ``mapIterationStartedEventDetails``: ``name`` and ``index``,
https://docs.aws.amazon.com/step-functions/latest/apireference/API_HistoryEvent.html). Every
event points at the one before it (``previousEventId``), so, as the console's history grouping
does, an event belongs to the iteration whose MapIterationStarted is up its chain; a Parallel
branch starts with the StateEntered of the branch's StartAt state whose previous event is the
Parallel's ParallelStateStarted. A chain runs on past the iteration or branch into the Map's or
Parallel's own result event (MapStateSucceeded, ParallelStateFailed, ...): counting the
containers opened and closed along the chain tells that closing event apart from the result
of a Map or Parallel nested inside. Statuses are folded by progress.Progress, the one fold.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from engine.states.progress import Progress

_OPENS = frozenset({"ParallelStateStarted", "MapStateStarted"})
_CLOSES = frozenset(
    {
        "ParallelStateSucceeded",
        "ParallelStateFailed",
        "ParallelStateAborted",
        "MapStateSucceeded",
        "MapStateFailed",
        "MapStateAborted",
    }
)
_ITERATION_ENDS_BADLY = frozenset({"MapIterationFailed", "MapIterationAborted"})
_UNSETTLED = ("retrying", "running", "waiting")

Event = Mapping[str, Any]


@dataclass(frozen=True)
class Step:
    """One level of a drill-down: the Map's iteration ``index`` or the Parallel's branch."""

    state: str
    index: int
    kind: str  # "iteration" or "branch"


class DrillError(ValueError):
    """The drill-down names no Map or Parallel of the graph, or an index it does not have."""


def _entered(event: Event) -> str | None:
    details = event.get("stateEnteredEventDetails")
    if str(event.get("type", "")).endswith("StateEntered") and isinstance(details, Mapping):
        name = details.get("name")
        return name if isinstance(name, str) else None
    return None


def _descendants(events: Sequence[Event], roots: set[int]) -> list[Event]:
    """The roots and every event whose previousEventId chain reaches one, up to (not
    including) the result event of the container the roots are inside. Each picked event's
    nesting inside the scope is noted in its ``_depth`` (0: the scope's own level)."""
    depth: dict[int, int] = {}
    picked: list[Event] = []
    for event in events:
        event_id = int(event.get("id", 0))
        if event_id in roots:
            depth[event_id] = 0
            picked.append({**event, "_depth": 0})
            continue
        previous = int(event.get("previousEventId", 0))
        if previous not in depth:
            continue
        kind = str(event.get("type", ""))
        level = depth[previous] + (1 if kind in _OPENS else 0) - (1 if kind in _CLOSES else 0)
        if level < 0:
            continue  # the surrounding Map's or Parallel's own result: outside
        depth[event_id] = level
        picked.append({**event, "_depth": level})
    return picked


def iteration_events(events: Sequence[Event], map_name: str, index: int) -> list[Event]:
    """The events of the Map ``map_name``'s iteration ``index`` (every visit of the Map)."""
    roots = set()
    for event in events:
        details = event.get("mapIterationStartedEventDetails")
        if isinstance(details, Mapping) and details.get("name") == map_name and details.get("index") == index:
            roots.add(int(event.get("id", 0)))
    return _descendants(events, roots)


def branch_events(events: Sequence[Event], parallel_name: str, start_at: str) -> list[Event]:
    """The events of the branch starting at ``start_at`` of the Parallel ``parallel_name``."""
    by_id = {int(e.get("id", 0)): e for e in events}
    roots = set()
    for event in events:
        if _entered(event) != start_at:
            continue
        started = by_id.get(int(event.get("previousEventId", 0)))
        if started is None or started.get("type") != "ParallelStateStarted":
            continue
        entered = by_id.get(int(started.get("previousEventId", 0)))
        if entered is not None and _entered(entered) == parallel_name:
            roots.add(int(event.get("id", 0)))
    return _descendants(events, roots)


def iteration_count(events: Sequence[Event], map_name: str) -> int:
    """How many items the Map ``map_name`` has: its MapStateStarted's ``length`` (the latest
    visit's), or, failing that, its largest iteration index + 1."""
    entered = {int(e.get("id", 0)) for e in events if _entered(e) == map_name}
    lengths = [
        int(e["mapStateStartedEventDetails"].get("length", 0))
        for e in events
        if e.get("type") == "MapStateStarted"
        and int(e.get("previousEventId", 0)) in entered
        and isinstance(e.get("mapStateStartedEventDetails"), Mapping)
    ]
    if lengths:
        return lengths[-1]
    indexes = [
        int(details.get("index", -1))
        for details in (e.get("mapIterationStartedEventDetails") for e in events)
        if isinstance(details, Mapping) and details.get("name") == map_name
    ]
    return max(indexes, default=-1) + 1


def children_of(state: Mapping[str, Any]) -> list[dict[str, Any]]:
    """A Parallel's branches or a Map's ItemProcessor (Iterator before 2022): sub-machines."""
    if state.get("Type") == "Parallel":
        return [b for b in state.get("Branches") or [] if isinstance(b, dict)]
    if state.get("Type") == "Map":
        processor = state.get("ItemProcessor") or state.get("Iterator")
        return [processor] if isinstance(processor, dict) else []
    return []


def is_distributed(state: Mapping[str, Any]) -> bool:
    """A Distributed Map: its iterations are child executions with their own histories."""
    processor = state.get("ItemProcessor")
    config = processor.get("ProcessorConfig") if isinstance(processor, Mapping) else None
    return isinstance(config, Mapping) and config.get("Mode") == "DISTRIBUTED"


@dataclass
class Scope:
    """The definition, events and statuses at the end of a drill-down path."""

    definition: dict[str, Any]
    events: list[Event]
    statuses: dict[str, str]


def drill(definition: dict[str, Any], events: Sequence[Event], path: Sequence[Step]) -> Scope:
    """Follow ``path`` down from the whole machine: each step picks one iteration or branch
    of a Map or Parallel of the level above. Raises DrillError for a step the graph lacks."""
    current = definition
    scoped: list[Event] = list(events)
    for step in path:
        states = current.get("States") if isinstance(current.get("States"), dict) else {}
        state = states.get(step.state) if isinstance(states, dict) else None
        if not isinstance(state, dict) or state.get("Type") not in ("Map", "Parallel"):
            raise DrillError(f"{step.state!r} is not a Map or Parallel state of this graph")
        children = children_of(state)
        if state["Type"] == "Map":
            count = iteration_count(scoped, step.state)
            if step.kind != "iteration" or not children or step.index < 0 or 0 < count <= step.index:
                bound = f"0 to {count - 1}" if count else "0 or more"
                raise DrillError(f"pick an iteration of the Map {step.state!r}: {bound}")
            current = children[0]
            scoped = iteration_events(scoped, step.state, step.index)
        else:
            if step.kind != "branch" or not 0 <= step.index < len(children):
                raise DrillError(f"pick a branch of the Parallel {step.state!r}: 0 to {len(children) - 1}")
            current = children[step.index]
            scoped = branch_events(scoped, step.state, str(current.get("StartAt", "")))
    return Scope(current, scoped, scope_statuses(scoped))


def scope_statuses(events: Sequence[Event]) -> dict[str, str]:
    """{state name: status} for one iteration's or branch's events; an iteration that failed
    or was aborted leaves none of its states still running."""
    statuses = Progress().add(events)
    if any(e.get("type") in _ITERATION_ENDS_BADLY and e.get("_depth") == 0 for e in events):
        for name, status in statuses.items():
            if status in _UNSETTLED:
                statuses[name] = "failed"
    return statuses
