"""What the execution inspector, the designer and the shell read off a definition beyond
validation: which query language each state uses, which states wait out a Retry back-off right
now, where each Task's Resource is written (so a shell can flag one it cannot perform), and
whether a run can end without ever waiting (so a shell may run it at once).

The history records neither. A state's language is its ``QueryLanguage`` field, else the
machine's top-level one, else JSONPath ("Transforming data with JSONata in Step Functions":
a state may set QueryLanguage; a JSONPath machine may hold JSONata states, not the reverse). A
retry back-off leaves no event between the failed attempt and the next one ("Handling errors
in Step Functions workflows"), so the engine state and its timer are the only record of it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from engine.states.drill import is_distributed

JSONPATH = "JSONPath"
JSONATA = "JSONata"


def query_languages(definition: Mapping[str, Any]) -> dict[str, str]:
    """{state name: "JSONPath" or "JSONata"} for every state, nested ones included."""
    found: dict[str, str] = {}
    for name, language in _walk(definition, JSONPATH):
        found.setdefault(name, language)
    return found


def _walk(machine: Mapping[str, Any], inherited: str) -> Iterator[tuple[str, str]]:
    language = _language(machine, inherited)
    states = machine.get("States")
    if not isinstance(states, Mapping):
        return
    for name, state in states.items():
        if not isinstance(state, Mapping):
            continue
        own = _language(state, language)
        yield str(name), own
        for branch in state.get("Branches") or ():
            if isinstance(branch, Mapping):
                yield from _walk(branch, own)
        for key in ("ItemProcessor", "Iterator"):
            if isinstance(state.get(key), Mapping):
                yield from _walk(state[key], own)


def _language(node: Mapping[str, Any], inherited: str) -> str:
    named = node.get("QueryLanguage")
    return named if isinstance(named, str) else inherited


@dataclass(frozen=True)
class TaskResource:
    """A Task state's literal Resource and its location as validation diagnostics give it."""

    state_name: str
    resource: str
    location: str


def task_resources(definition: Mapping[str, Any]) -> list[TaskResource]:
    """Every Task's Resource, nested states included, with ``/States/<name>/Resource`` locations
    (``/States/P/Branches/0/States/A/Resource`` inside a Parallel)."""
    return list(_tasks(definition, ""))


def _tasks(machine: Mapping[str, Any], prefix: str) -> Iterator[TaskResource]:
    states = machine.get("States")
    if not isinstance(states, Mapping):
        return
    for name, state in states.items():
        if not isinstance(state, Mapping):
            continue
        here = f"{prefix}/States/{name}"
        resource = state.get("Resource")
        if state.get("Type") == "Task" and isinstance(resource, str):
            yield TaskResource(str(name), resource, f"{here}/Resource")
        for index, branch in enumerate(state.get("Branches") or ()):
            if isinstance(branch, Mapping):
                yield from _tasks(branch, f"{here}/Branches/{index}")
        for key in ("ItemProcessor", "Iterator"):
            if isinstance(state.get(key), Mapping):
                yield from _tasks(state[key], f"{here}/{key}")


@dataclass(frozen=True)
class RetryWait:
    """A state waiting out a Retry interval: the next attempt's number (the first attempt is 1)
    and the timer that starts it."""

    state_name: str
    attempt: int
    timer_id: str


def waiting_retries(engine_state: Mapping[str, Any] | None) -> list[RetryWait]:
    """The threads of a stored engine state that wait for a retry timer, in thread order."""
    threads = (engine_state or {}).get("threads") or {}
    waits = []
    for thread in threads.values():
        waiting = thread.get("w") or {}
        if waiting.get("k") != "retry" or not waiting.get("timers"):
            continue
        waits.append(RetryWait(str(thread["s"]), int(thread.get("rt", 0)) + 1, str(waiting["timers"][0])))
    return waits


WAITING_STATES = frozenset({"Wait"})
"""State types whose run waits on a timer whatever their input."""


def ends_without_waiting(definition: Mapping[str, Any], answers_at_once: Callable[[str], bool]) -> bool:
    """Whether every run of the machine ends without waiting: no Wait state; no Retry, whose
    back-off is a timer ("Handling errors in Step Functions workflows": IntervalSeconds before
    each retry); no Distributed Map, whose iterations are child executions; and every Task's
    Resource one that ``answers_at_once`` says is answered before its call returns. A Task's
    TimeoutSeconds or HeartbeatSeconds is no wait: its answer comes before its timer can fire.
    Parallel branches and an inline Map's ItemProcessor are read too."""
    states = definition.get("States")
    if not isinstance(states, Mapping):
        return False
    for state in states.values():
        if not isinstance(state, Mapping) or state.get("Type") in WAITING_STATES or state.get("Retry"):
            return False
        if state.get("Type") == "Task":
            resource = state.get("Resource")
            if not isinstance(resource, str) or not answers_at_once(resource):
                return False
        if state.get("Type") == "Map" and is_distributed(state):
            return False
        for branch in state.get("Branches") or ():
            if not isinstance(branch, Mapping) or not ends_without_waiting(branch, answers_at_once):
                return False
        for key in ("ItemProcessor", "Iterator"):
            inner = state.get(key)
            if inner is not None and not (
                isinstance(inner, Mapping) and ends_without_waiting(inner, answers_at_once)
            ):
                return False
    return True
