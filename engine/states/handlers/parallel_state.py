"""Parallel: every branch is a child thread of the same execution, driven in the same call.

A failing branch fails the whole state with the branch's own error; the siblings are dropped
(their pending tasks get CancelTask), then the Parallel state's Retry/Catch apply.
In JSONata the branches receive ``Arguments`` (default: the state input) and the state outputs
``Output`` (default: the array of branch outputs, also bound to ``$states.result``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from engine.states.handlers import query
from engine.states.handlers.codes import BLOCKED
from engine.states.handlers.compiled import CompiledState
from engine.states.handlers.records import live_threads
from engine.states.model import JSON

if TYPE_CHECKING:
    from engine.states.handlers.run import Run, Thread


def enter_parallel(run: Run, thread: Thread, state: CompiledState) -> int:
    run.enter(thread, state)
    return start_branches(run, thread, state)


def start_branches(run: Run, thread: Thread, state: CompiledState) -> int:
    effective = run.effective_input(thread, state)
    if state.jsonata and state.has_arguments:
        values = query.bindings(run, thread, state)
        branch_input = query.render(run, thread, state, state.arguments, "Arguments", values)
    elif state.parameters is not None:
        branch_input = run.render(thread, state, state.parameters, effective)
    else:
        branch_input = effective
    started = run.emit(thread, "ParallelStateStarted", None, None)
    live: list[str] = []
    for slot, branch in enumerate(state.branches):
        child = run.new_thread(branch, branch_input, thread, slot, last=started)
        live.append(child["id"])
        run.ready.append(child["id"])
    thread["w"] = {"k": "parallel", "results": [None] * len(live), "left": len(live), "live": live}
    return BLOCKED


def branch_succeeded(run: Run, parent: Thread, state: CompiledState, child: Thread, output: JSON) -> None:
    waiting = parent["w"]
    assert waiting is not None
    waiting["results"][child["slot"]] = output
    live_threads(waiting).remove(child["id"])
    waiting["left"] -= 1
    if waiting["left"] == 0:
        parent["last"] = child["last"]
        run.settle(parent, _complete)


def _complete(run: Run, parent: Thread, state: CompiledState) -> int:
    waiting = parent["w"]
    assert waiting is not None
    results: JSON = waiting["results"]
    parent["w"] = None
    return complete(run, parent, state, results)


def complete(run: Run, parent: Thread, state: CompiledState, results: JSON) -> int:
    """The branch outputs in branch order: ResultSelector, ResultPath, OutputPath (or JSONata
    Output), then leave the state. Public for TestState's mocked results."""
    run.emit(parent, "ParallelStateSucceeded", None, None)
    if state.jsonata:
        return query.conclude(run, parent, state, results, result=results)
    if state.result_selector is not None:
        results = run.render(parent, state, state.result_selector, results)
    assigned = query.jsonpath_assignments(run, parent, state, state.assign_renderer, results)
    return run.exit_state(parent, state, run.place_result(parent, state, results), None, assigned)


def branch_failed(
    run: Run, parent: Thread, state: CompiledState, child: Thread, error: str, cause: str
) -> None:
    waiting = parent["w"]
    assert waiting is not None
    live_threads(waiting).remove(child["id"])
    for sibling in list(live_threads(waiting)):
        run.drop_thread(sibling)
    parent["w"] = None
    parent["last"] = child["last"]

    def fail(run: Run, parent: Thread, state: CompiledState) -> int:
        run.emit(parent, "ParallelStateFailed", None, None)
        return run.handle_error(parent, state, error, cause)

    run.settle(parent, fail)
