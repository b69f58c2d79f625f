"""Map (inline): each iteration is a child thread; at most MaxConcurrency are active at once.

Covers ItemsPath, ItemSelector (and the legacy Parameters) with ``$$.Map.Item``, ItemProcessor
(and the legacy Iterator), MaxConcurrency(Path), ToleratedFailureCount/Percentage(Path) and
ItemBatcher (MaxItemsPerBatch(Path), BatchInput). A DISTRIBUTED Map runs its iterations as child
executions instead: see ``distributed_map``, which shares the item helpers here.

In JSONata the items are ``Items`` (an array, or an expression giving one; default: the state
input), ItemSelector is a JSONata template seeing ``$states.context.Map.Item``, the numeric
fields may be expressions, and the output is ``Output`` (default: the results array).
"""

from __future__ import annotations

import math
import re
from typing import TYPE_CHECKING

from engine.states import errors
from engine.states.errors import StatesError
from engine.states.handlers import query
from engine.states.handlers.codes import BLOCKED
from engine.states.handlers.compiled import CompiledState
from engine.states.handlers.records import Waiting, WaitKind, live_threads
from engine.states.jsonata import is_expression, jsonata_type
from engine.states.model import JSON
from engine.states.paths import compile_path, compile_template, to_json, value_text

if TYPE_CHECKING:
    from engine.states.handlers.run import Run, Thread


TOLERATED_FAILURE_CAUSE = "The specified tolerated failure threshold was exceeded"
"""AWS's cause for States.ExceedToleratedFailureThreshold (as recorded from AWS by LocalStack's
snapshot tests of TestState on Map states)."""


def start_iterations(run: Run, thread: Thread, state: CompiledState) -> int:
    """An inline Map's first wave of iterations (``map_entry`` sends a Distributed one elsewhere)."""
    effective = run.effective_input(thread, state)
    items = items_of(run, thread, state, effective)
    waiting = new_waiting(run, thread, state, "map", items, effective)
    iterations = waiting["n"]
    run.emit(thread, "MapStateStarted", "mapStateStartedEventDetails", {"length": iterations})
    thread["w"] = waiting
    if iterations == 0:
        thread["w"] = None
        return complete(run, thread, state, [])
    first_wave = iterations if not waiting["max"] else min(waiting["max"], iterations)
    for _ in range(first_wave):
        _start_iteration(run, thread, state, waiting)
    return BLOCKED


def new_waiting(
    run: Run, thread: Thread, state: CompiledState, kind: WaitKind, items: list[JSON], effective: JSON
) -> Waiting:
    """What a Map waits on, for both modes: its items (or batches), the limits read from the
    state, and the count of iterations started, running, left, failed and their results."""
    concurrency = count_field(run, thread, state, "MaxConcurrency", effective, 0)
    batch_size, batch_input = batching(run, thread, state, effective)
    total = len(items) if batch_size is None else math.ceil(len(items) / batch_size)
    return {
        "k": kind,
        "items": items,
        "eff": effective,
        "n": total,
        "next": 0,
        "left": total,
        "failed": 0,
        "results": [None] * total,
        "max": concurrency or 0,
        "tc": count_field(run, thread, state, "ToleratedFailureCount", effective, None),
        "tp": percent_field(run, thread, state, effective),
        "batch": batch_size,
        "batch_input": batch_input,
        "live": [],
    }


def items_of(run: Run, thread: Thread, state: CompiledState, effective: JSON) -> list[JSON]:
    """The items from the state input: ItemsPath (JSONPath) or Items (JSONata)."""
    if state.jsonata:
        return _jsonata_items(run, thread, state)
    if state.items_path is None:
        items = effective
    else:
        items = run.resolve(thread, state, state.items_path, effective, "ItemsPath")
    if not isinstance(items, list):
        raise run.runtime_error(
            thread,
            state,
            f"The ItemsPath '{state.raw.get('ItemsPath', '$')}' must reference a JSON array, "
            f"not {type(items).__name__}",
        )
    return items


def _jsonata_items(run: Run, thread: Thread, state: CompiledState) -> list[JSON]:
    """Items, or the state input without it; anything but an array is States.QueryEvaluationError
    with AWS's causes (recorded on AWS: localstack/localstack, tests/aws/services/stepfunctions/v2/
    scenarios/test_base_scenarios.snapshot.json, test_map_state_items_eval_jsonata_fail[*],
    test_map_state_items_variable_sampling[*], test_map_state_items_input_types[*])."""
    if not state.has_items:
        items = thread["in"]
        if not isinstance(items, list):
            raise query.query_error(
                thread, state, f"Map state input must be an array but was: {to_json(items)}"
            )
        return items
    values = query.bindings(run, thread, state)
    items = query.render(run, thread, state, state.items, "Items", values)
    if not isinstance(items, list):
        written = state.items
        source = (
            f"The JSONata expression '{query.expression_text(written)}' specified for the field 'Items'"
            if isinstance(written, str) and is_expression(written)
            else "The value of the field 'Items'"
        )
        raise query.query_error(
            thread,
            state,
            f"{source} returned an unexpected result type. Expected 'array', but was "
            f"'{jsonata_type(items)}' for value: {to_json(items)}",
            "Items",
        )
    return items


def count_field(
    run: Run, thread: Thread, state: CompiledState, field: str, effective: JSON, default: int | None
) -> int | None:
    spec = state.raw
    if field in spec:
        if state.jsonata:
            return query.whole_number(run, thread, state, field, spec[field], 0)
        return int(spec[field])
    if field + "Path" not in spec:
        return default
    path_text = spec[field + "Path"]
    value = run.resolve(thread, state, compile_path(path_text), effective, field + "Path")
    count = path_integer(run, thread, state, field + "Path", path_text, value)
    if count < 0:
        raise run.runtime_error(thread, state, _NEGATIVE[field].format(count))
    return count


_JAVA_INT = re.compile(r"[+-]?[0-9]+")
_NEGATIVE = {
    "ToleratedFailureCount": "ToleratedFailureCount cannot be negative.",
    # Not recorded (AWS's run with -1 never ended in the recording); LocalStack's wording.
    "MaxConcurrency": "Expected non-negative integer for MaxConcurrency, got '{}' instead.",
}
"""AWS's causes for a count path field below zero (recorded on AWS: localstack/localstack,
tests/aws/services/stepfunctions/v2/scenarios/test_base_scenarios.snapshot.json,
test_map_state_tolerated_failure_count_path[-1])."""


def path_integer(
    run: Run, thread: Thread, state: CompiledState, field: str, path_text: str, value: JSON
) -> int:
    """What a count path field (MaxConcurrencyPath, ToleratedFailureCountPath, MaxItemsPath) found,
    read as AWS reads it: an integer, or a string holding one ("1" from a workflow variable
    works); anything else fails with AWS's cause (recorded on AWS: test_base_scenarios.snapshot.json,
    test_max_concurrency_path[NoNumber], test_map_state_tolerated_failure_count_path[NoNumber],
    test_map_item_reader_csv_max_items_paths[1.5]; test_assign_reference_variables.snapshot.json,
    test_reference_in_map_state[MAP_STATE_REFERENCE_IN_MAX_CONCURRENCY_PATH])."""
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and _JAVA_INT.fullmatch(value) and -(2**31) <= int(value) < 2**31:
        return int(value)
    raise run.runtime_error(
        thread,
        state,
        f'The {field} field refers to value "{value_text(value)}" which is not a valid integer: {path_text}',
    )


def percent_field(run: Run, thread: Thread, state: CompiledState, effective: JSON) -> float | None:
    spec = state.raw
    if "ToleratedFailurePercentage" in spec:
        written = spec["ToleratedFailurePercentage"]
        if not state.jsonata:
            return float(written)
        value = query.render(
            run, thread, state, written, "ToleratedFailurePercentage", query.bindings(run, thread, state)
        )
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 100:
            raise query.wrong_type(
                thread, state, "ToleratedFailurePercentage", written, value, "a number from 0 to 100"
            )
        return float(value)
    if "ToleratedFailurePercentagePath" not in spec:
        return None
    path_text = spec["ToleratedFailurePercentagePath"]
    value = run.resolve(thread, state, compile_path(path_text), effective, "ToleratedFailurePercentagePath")
    percent = _as_float(value)
    if percent is None:
        raise run.runtime_error(
            thread,
            state,
            f'The ToleratedFailurePercentagePath field refers to value "{value_text(value)}" '
            f"which is not a valid float: {path_text}",
        )
    if not 0 <= percent <= 100:
        raise run.runtime_error(thread, state, "ToleratedFailurePercentage must be between 0 and 100.")
    return percent


def _as_float(value: JSON) -> float | None:
    """A number, or a string holding one, as AWS reads ToleratedFailurePercentagePath (recorded on
    AWS: test_base_scenarios.snapshot.json, test_map_state_tolerated_failure_percentage_path[*])."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None


def batching(run: Run, thread: Thread, state: CompiledState, effective: JSON) -> tuple[int | None, JSON]:
    batcher = state.raw.get("ItemBatcher")
    if not isinstance(batcher, dict):
        return None, None
    size: int | None = None
    if "MaxItemsPerBatch" in batcher and state.jsonata:
        size = query.whole_number(run, thread, state, "MaxItemsPerBatch", batcher["MaxItemsPerBatch"], 1)
    elif "MaxItemsPerBatch" in batcher:
        size = int(batcher["MaxItemsPerBatch"])
    elif "MaxItemsPerBatchPath" in batcher:
        value = run.resolve(
            thread, state, compile_path(batcher["MaxItemsPerBatchPath"]), effective, "MaxItemsPerBatchPath"
        )
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise run.runtime_error(
                thread, state, f"MaxItemsPerBatchPath must resolve to a positive integer, not {value!r}"
            )
        size = value
    batch_input: JSON = None
    if "BatchInput" in batcher and state.jsonata:
        values = query.bindings(run, thread, state)
        batch_input = query.render(run, thread, state, batcher["BatchInput"], "BatchInput", values)
    elif "BatchInput" in batcher:
        batch_input = run.render(thread, state, compile_template(batcher["BatchInput"]), effective)
    return size or 1_000_000_000, batch_input


def iteration_input(run: Run, thread: Thread, state: CompiledState, waiting: Waiting, index: int) -> JSON:
    items = waiting["items"]
    size = waiting["batch"]
    if size is None:
        item = items[index]
        return _select(run, thread, state, waiting, index, item) if state.selects_items else item
    start = index * size
    batch = [
        _select(run, thread, state, waiting, i, items[i]) for i in range(start, min(start + size, len(items)))
    ]
    value: dict[str, JSON] = {"Items": batch}
    if waiting["batch_input"] is not None:
        value["BatchInput"] = waiting["batch_input"]
    return value


def _select(run: Run, thread: Thread, state: CompiledState, waiting: Waiting, index: int, item: JSON) -> JSON:
    if state.jsonata:
        if state.item_selector_spec is None:
            return item
        values = query.bindings(run, thread, state, item=(index, item))
        return query.render(run, thread, state, state.item_selector_spec, "ItemSelector", values)
    if state.item_selector is None:
        return item
    return run.render(thread, state, state.item_selector, waiting["eff"], item=(index, item))


def _start_iteration(run: Run, thread: Thread, state: CompiledState, waiting: Waiting) -> None:
    index = waiting["next"]
    waiting["next"] = index + 1
    try:
        value = iteration_input(run, thread, state, waiting, index)
    except StatesError:
        for child_id in list(live_threads(waiting)):
            run.drop_thread(child_id)
        thread["w"] = None
        run.emit(thread, "MapStateFailed", None, None)
        raise
    assert state.processor is not None
    child = run.new_thread(state.processor, value, thread, index, last=thread["last"])
    run.emit(
        child, "MapIterationStarted", "mapIterationStartedEventDetails", {"name": state.name, "index": index}
    )
    live_threads(waiting).append(child["id"])
    run.ready.append(child["id"])


def iteration_succeeded(run: Run, parent: Thread, state: CompiledState, child: Thread, output: JSON) -> None:
    waiting = parent["w"]
    assert waiting is not None
    run.emit(
        child,
        "MapIterationSucceeded",
        "mapIterationSucceededEventDetails",
        {"name": state.name, "index": child["slot"]},
    )
    waiting["results"][child["slot"]] = output
    _iteration_over(run, parent, state, waiting, child)


def iteration_failed(
    run: Run, parent: Thread, state: CompiledState, child: Thread, error: str, cause: str
) -> None:
    waiting = parent["w"]
    assert waiting is not None
    run.emit(
        child,
        "MapIterationFailed",
        "mapIterationFailedEventDetails",
        {"name": state.name, "index": child["slot"]},
    )
    waiting["failed"] += 1
    tolerance_set = waiting["tc"] is not None or waiting["tp"] is not None
    exceeded = not tolerance_set
    if waiting["tc"] is not None and waiting["failed"] > waiting["tc"]:
        exceeded = True
    if waiting["tp"] is not None and waiting["failed"] * 100 > waiting["tp"] * waiting["n"]:
        exceeded = True
    if not exceeded:
        waiting["results"][child["slot"]] = {"Error": error, "Cause": cause}
        _iteration_over(run, parent, state, waiting, child)
        return
    live_threads(waiting).remove(child["id"])
    for sibling_id in list(live_threads(waiting)):
        sibling = run.threads.get(sibling_id)
        if sibling is not None:
            run.emit(
                sibling,
                "MapIterationAborted",
                "mapIterationAbortedEventDetails",
                {"name": state.name, "index": sibling["slot"]},
            )
        run.drop_thread(sibling_id)
    parent["w"] = None
    parent["last"] = child["last"]
    if tolerance_set:
        error = errors.EXCEED_TOLERATED_FAILURE_THRESHOLD
        cause = TOLERATED_FAILURE_CAUSE

    def fail(run: Run, parent: Thread, state: CompiledState) -> int:
        run.emit(parent, "MapStateFailed", None, None)
        return run.handle_error(parent, state, error, cause)

    run.settle(parent, fail)


def _iteration_over(run: Run, parent: Thread, state: CompiledState, waiting: Waiting, child: Thread) -> None:
    live_threads(waiting).remove(child["id"])
    waiting["left"] -= 1
    if waiting["next"] < waiting["n"]:
        run.settle(parent, _start_next)
    elif waiting["left"] == 0:
        parent["last"] = child["last"]
        run.settle(parent, _finish)


def _start_next(run: Run, parent: Thread, state: CompiledState) -> int:
    waiting = parent["w"]
    assert waiting is not None
    _start_iteration(run, parent, state, waiting)
    return BLOCKED


def _finish(run: Run, parent: Thread, state: CompiledState) -> int:
    waiting = parent["w"]
    assert waiting is not None
    results = waiting["results"]
    parent["w"] = None
    return complete(run, parent, state, results)


def complete(run: Run, thread: Thread, state: CompiledState, results: JSON) -> int:
    """The Map's result (one output per iteration): ResultSelector, ResultPath, OutputPath
    (or JSONata Output), then leave the state. Public for TestState's mocked results.

    MapStateSucceeded follows the last iteration (or MapRunSucceeded) and MapStateExited points
    back past it to that same event, as every AWS history records (localstack/localstack,
    tests/aws/services/stepfunctions/v2/scenarios/test_base_scenarios.snapshot.json, e.g.
    test_map_state_legacy_config_inline and test_map_state_legacy_config_distributed)."""
    run.emit(None, "MapStateSucceeded", None, None, prev=thread["last"])
    if state.jsonata:
        return query.conclude(run, thread, state, results, result=results)
    if state.result_selector is not None:
        results = run.render(thread, state, state.result_selector, results)
    assigned = query.jsonpath_assignments(run, thread, state, state.assign_renderer, results)
    return run.exit_state(thread, state, run.place_result(thread, state, results), None, assigned)
