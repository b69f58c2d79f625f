"""RedriveExecution in the decider: an ended execution continues from where it failed.

AWS's rules (https://docs.aws.amazon.com/step-functions/latest/dg/redrive-executions.html and
https://docs.aws.amazon.com/step-functions/latest/apireference/API_RedriveExecution.html):

- the execution continues from its unsuccessful step, with that step's original input; the
  steps that succeeded keep their results and are not run again;
- in a Parallel or an inline Map only the branches and iterations that failed or were aborted
  run again (the others' results are kept in their parent's result slots);
- retry counts start again from zero, and the state machine's TimeoutSeconds starts again;
- the history goes on: an ``ExecutionRedriven`` event (``executionRedrivenEventDetails``
  with the new ``redriveCount``) follows the terminal event, and the restarted states are
  entered again after it.

When an execution ends unsuccessfully, ``Run.finish`` keeps its threads as they were when the
failure began (``state["redrive"]``); this module puts them back to work. A thread that was
waiting for its Parallel branches or Map iterations keeps waiting, for those that did not
succeed; a Distributed Map's thread redrives its Map Run (``distributed_map.redrive_run``);
every other thread enters its current state again.

No AWS-recorded history of a redrive was found to follow (LocalStack records none; searched
for ``ExecutionRedriven`` in public snapshots): the event order here is the documentation's
(ExecutionRedriven after the terminal event, then the redriven states' events), and whether AWS
repeats ``MapIterationStarted`` for a rerun iteration is unknown (it is not repeated here).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from engine.states.handlers import distributed_map
from engine.states.handlers.records import live_threads

if TYPE_CHECKING:
    from engine.states.handlers.run import Run

__all__ = ["HISTORY_LIMIT_REASON", "MAX_REDRIVES", "refusal", "resume"]

MAX_REDRIVES = 1000
"""AWS's quota of redrives per execution ("Quotas related to state machine executions")."""

HISTORY_LIMIT_REASON = "Execution history event limit exceeded"
"""One of AWS's redriveStatusReason texts (DescribeExecution's API reference)."""

_CONTAINERS = frozenset({"parallel", "map"})


def refusal(state: dict[str, Any] | None) -> str | None:
    """Why the decider cannot redrive an execution in ``state`` (None: it can)."""
    if state is None:
        return "Execution is RUNNING and cannot be redriven"
    status = state["status"]
    if status == "RUNNING":
        return "Execution is RUNNING and cannot be redriven"
    if status == "SUCCEEDED":
        return "Execution is SUCCEEDED and cannot be redriven"
    reason = state.get("redrive_block")
    if isinstance(reason, str):
        return reason
    point = state.get("redrive")
    if not isinstance(point, dict) or not point.get("threads"):
        # It ended before any state ran (its input was refused): there is no step to continue.
        return "Execution has no unsuccessful step to redrive"
    return None


def block(state: dict[str, Any], reason: str) -> None:
    """The execution ended in a way AWS does not redrive (the history event limit)."""
    state.pop("redrive", None)
    state["redrive_block"] = reason


def resume(run: Run) -> bool:
    """Put an ended execution's kept threads back to work; False when there is nothing kept."""
    state = run.state
    if refusal(state) is not None:
        return False
    point = state.pop("redrive")
    context = state["ctx"]
    context["redrive_count"] = context.get("redrive_count", 0) + 1
    context["redrive_time"] = run.now_iso
    state["status"] = "RUNNING"
    run.finished = False
    redriven = run.emit(
        None, "ExecutionRedriven", "executionRedrivenEventDetails", {"redriveCount": context["redrive_count"]}
    )
    threads = point["threads"]
    state["threads"] = threads
    run.threads = threads
    state["tasks"] = {}
    state["timers"] = {}
    state.pop("runs", None)
    if run.program.timeout_seconds:
        run.start_timer(None, "execution", float(run.program.timeout_seconds))
    for thread in threads.values():
        thread["rc"] = {}
        thread["rt"] = 0
        waiting = thread["w"]
        if waiting is not None and waiting["k"] in _CONTAINERS:
            # Still waiting for the branches or iterations that did not succeed.
            waiting["live"] = [child for child in live_threads(waiting) if child in threads]
            continue
        kept_run = waiting if waiting is not None and waiting["k"] == "maprun" else thread.pop("mr", None)
        thread["last"] = redriven
        if kept_run is not None and kept_run.get("run"):
            distributed_map.redrive_run(run, thread, kept_run)
            continue
        thread["w"] = None
        run.ready.append(thread["id"])
    return True
