"""Transitions within one ``States`` scope: targets exist, a terminal state exists, all reachable.

What AWS reports (measured with ValidateStateMachineDefinition and quoted in public bug
reports): every dangling target as "Missing 'Next' target: X" whatever field held it (StartAt,
Next, Default, Choices[i].Next, Catch[i].Next); a scope without any terminal state as
"Workflow has no terminal state" with no location, which then suppresses the reachability
walk; otherwise each state not reachable from StartAt as 'State "X" is not reachable.'.
A branch or Map processor is its own scope: it cannot transition outside itself.
"""

from __future__ import annotations

from collections.abc import Iterator

from engine.states.model import JSON
from engine.states.validation.report import MISSING_END_STATE, MISSING_TRANSITION_TARGET, Report, child, item


def check_scope(machine: dict[str, JSON], location: str, report: Report) -> None:
    """Check the transition graph of a machine (top level, branch or item processor)."""
    states = machine.get("States")
    start_at = machine.get("StartAt")
    if not isinstance(states, dict) or not states or not isinstance(start_at, str):
        return
    states_location = child(location, "States")
    if start_at not in states:
        _missing_target(start_at, child(location, "StartAt"), report)
    for name, state in states.items():
        for target, target_location in transitions(state, child(states_location, name)):
            if target not in states:
                _missing_target(target, target_location, report)
    if not any(_is_terminal(state) for state in states.values()):
        report.error(MISSING_END_STATE, "Workflow has no terminal state", "")
        return
    reached = _reachable(states, start_at)
    for name in states:
        if name not in reached:
            report.error(
                MISSING_TRANSITION_TARGET, f'State "{name}" is not reachable.', child(states_location, name)
            )


def transitions(state: JSON, location: str) -> Iterator[tuple[str, str]]:
    """Every state name this state may move to, with where the name is written."""
    if not isinstance(state, dict):
        return
    for field in ("Next", "Default"):
        if isinstance(state.get(field), str):
            yield state[field], child(location, field)
    for field in ("Choices", "Catch"):
        handlers = state.get(field)
        if not isinstance(handlers, list):
            continue
        for index, handler in enumerate(handlers):
            if isinstance(handler, dict) and isinstance(handler.get("Next"), str):
                yield handler["Next"], child(item(child(location, field), index), "Next")


def _missing_target(target: str, location: str, report: Report) -> None:
    report.error(MISSING_TRANSITION_TARGET, f"Missing 'Next' target: {target}", location)


def _is_terminal(state: JSON) -> bool:
    return isinstance(state, dict) and (state.get("Type") in ("Succeed", "Fail") or state.get("End") is True)


def _reachable(states: dict[str, JSON], start_at: str) -> set[str]:
    reached: set[str] = set()
    pending = [start_at] if start_at in states else []
    while pending:
        name = pending.pop()
        if name in reached:
            continue
        reached.add(name)
        pending.extend(target for target, _ in transitions(states[name], "") if target in states)
    return reached
