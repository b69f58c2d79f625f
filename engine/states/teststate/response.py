"""TestState's answer: status, output, nextState, error/cause and ``inspectionData``.

API_TestState's response: ``status`` is SUCCEEDED, FAILED, RETRIABLE (a Retrier matched) or
CAUGHT_ERROR (a Catcher did); DEBUG and TRACE add ``inspectionData`` (API_InspectionData), each
stage's value as JSON text, shaped per state type the way AWS's recorded answers show them
(LocalStack's AWS snapshots, test_state_*.snapshot.json). TRACE adds the HTTP request and
response of an HTTP Task; the workbench has no HTTP Task, so TRACE shows what DEBUG shows.
"""

from __future__ import annotations

import json

from engine.states.handlers.compiled import CompiledState
from engine.states.handlers.records import Thread
from engine.states.handlers.run import Run
from engine.states.model import JSON, FinishExecution
from engine.states.paths import to_json
from engine.states.teststate.inspector import Watched

__all__ = ["response"]

_TEXT_STAGES = (
    "afterArguments",
    "afterInputPath",
    "afterParameters",
    "result",
    "afterResultSelector",
    "afterResultPath",
    "afterItemsPath",
    "afterItemsPointer",
    "afterItemSelector",
    "afterItemBatcher",
)
_NUMBERS = ("maxConcurrency", "toleratedFailureCount", "toleratedFailurePercentage")


def response(run: Run, watched: Watched, thread: Thread, state: CompiledState, level: str) -> dict[str, JSON]:
    """The answer to one TestState request, from how the run ended and what it showed."""
    answer: dict[str, JSON] = {}
    failed = next((c for c in run.commands if isinstance(c, FinishExecution) and c.status == "FAILED"), None)
    if failed is not None:
        answer.update(status="FAILED", error=failed.error or "", cause=failed.cause or "")
    elif watched.retry_index is not None:
        answer.update(status="RETRIABLE", error=watched.error, cause=watched.cause)
    elif watched.exited:
        answer["output"] = to_json(watched.output)
        if watched.next_state is not None:
            answer["nextState"] = watched.next_state
        if watched.error is not None:
            answer.update(status="CAUGHT_ERROR", error=watched.error, cause=watched.cause)
        else:
            answer["status"] = "SUCCEEDED"
    else:
        raise RuntimeError(f"TestState: the state '{state.name}' neither finished nor failed")
    if level != "INFO":
        answer["inspectionData"] = _inspection_data(run, watched, thread, state, answer)
    return answer


def _inspection_data(
    run: Run, watched: Watched, thread: Thread, state: CompiledState, answer: dict[str, JSON]
) -> dict[str, JSON]:
    """DEBUG's stage values, shaped per state type the way AWS's answers show them."""
    stages = dict(watched.stages)
    original = run.state["ctx"]["input"]
    if state.type == "Map":
        # A mocked Map's results are no task result: AWS shows none (test_state_context_object
        # .snapshot.json, test_state_map_context_object: afterResultSelector, no result).
        stages.pop("result", None)
    if state.jsonata:
        for key in ("afterInputPath", "afterParameters", "afterResultSelector", "afterResultPath"):
            stages.pop(key, None)
    else:
        _fill_jsonpath_stages(state, stages, original, answer)
    data: dict[str, JSON] = {"input": to_json(original)}
    for key in _TEXT_STAGES:
        if key in stages:
            data[key] = to_json(stages[key])
    for key in _NUMBERS:
        if key in stages:
            data[key] = stages[key]
    variables = thread.get("vars")
    if variables:
        data["variables"] = to_json(variables)
    details: dict[str, JSON] = {}
    if answer["status"] == "CAUGHT_ERROR" and watched.catch_index is not None:
        details["catchIndex"] = watched.catch_index
    if answer["status"] == "RETRIABLE" and watched.retry_index is not None:
        details["retryIndex"] = watched.retry_index
        details["retryBackoffIntervalSeconds"] = round(watched.retry_delay or 0)
    if details:
        data["errorDetails"] = details
    return data


def _fill_jsonpath_stages(
    state: CompiledState, stages: dict[str, JSON], original: JSON, answer: dict[str, JSON]
) -> None:
    """The stages a JSONPath state skips still show, holding the value passed through."""
    if state.type == "Pass":
        if state.has_result:
            # A Pass with Result ignores its input: AWS shows no InputPath/Parameters stage.
            stages.pop("afterInputPath", None)
            stages.pop("afterParameters", None)
            stages["result"] = state.result
            stages.setdefault("afterResultSelector", state.result)
            return
        stages.setdefault("afterInputPath", original)
        stages.setdefault("afterParameters", stages["afterInputPath"])
        stages.pop("result", None)
        stages["afterResultSelector"] = stages["afterParameters"]
        if "afterResultPath" not in stages and "output" in answer:
            stages["afterResultPath"] = json.loads(str(answer["output"]))
        return
    stages.setdefault("afterInputPath", original)
    if state.type in ("Task", "Parallel"):
        stages.setdefault("afterParameters", stages["afterInputPath"])
    if state.type not in ("Task", "Map", "Parallel"):
        for key in ("afterParameters", "result", "afterResultSelector", "afterResultPath"):
            stages.pop(key, None)
