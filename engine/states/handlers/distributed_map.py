"""Map in DISTRIBUTED mode: a Map Run whose iterations are child workflow executions.

As the "Distributed Map state" page describes it: the items come from the state input (ItemsPath /
Items) or from S3 through ItemReader; each item (or batch, with ItemBatcher) runs as a child
execution of the ItemProcessor with its own history; MaxConcurrency (default 10,000) bounds how
many run at once; ToleratedFailureCount/Percentage decide when failed children fail the Map Run
(States.ExceedToleratedFailureThreshold); ResultWriter exports the results to S3 instead of
returning them. The parent's history shows MapStateStarted, MapRunStarted, MapRunSucceeded/MapRunFailed
and MapStateSucceeded/MapStateFailed, as AWS's do.

The decider only decides: it asks the shell to read S3 (an InvokeTask on the ItemReader's
resource), to start children (StartChildExecution) and to end the run (EndMapRun), and hears
back through TaskSucceeded/TaskFailed and ChildExecutionEnded.

Words, as AWS uses them: "Distributed Map" (``distributed_map``) names the Map state's
behaviour in DISTRIBUTED mode, the state type's handler and its definition checks; "Map Run"
(``map_run``, ``MapRun``) names the resource one such state starts: its ARN, its commands
(StartMapRun, EndMapRun), its history events, the shell's model and its API operations
(workbench.runtime.map_runs, workbench.awsapi.map_runs). The waiting record's kind is spelled
``"maprun"`` because stored executions carry it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import uuid
from typing import TYPE_CHECKING, Any

from engine.states import errors, item_reader, result_writer
from engine.states.errors import StatesError, runtime_cause
from engine.states.handlers import map_state, query
from engine.states.handlers.codes import BLOCKED
from engine.states.handlers.compiled import CompiledState
from engine.states.handlers.records import Waiting, live_children
from engine.states.model import (
    JSON,
    ChildExecutionEnded,
    EndMapRun,
    InvokeTask,
    MapRunUpdated,
    RedriveChildExecution,
    RedriveMapRun,
    StartChildExecution,
    StartMapRun,
)
from engine.states.paths import compile_path, compile_template

if TYPE_CHECKING:
    from engine.states.handlers.run import Run, Thread

S3_GET_OBJECT = "arn:aws:states:::s3:getObject"
S3_LIST_OBJECTS_V2 = "arn:aws:states:::s3:listObjectsV2"
S3_PUT_OBJECT = result_writer.PUT_OBJECT
BODY_BASE64 = "BodyBase64"
"""The S3 calls the shell performs for ItemReader and ResultWriter (as InvokeTasks)."""

DEFAULT_MAX_CONCURRENCY = 10_000
"""The Distributed Map page: "If you don't specify, Step Functions runs 10,000 parallel child
workflow executions in parallel"."""

_LABEL_OK = re.compile(r"^[^\s?*<>{}\[\]:;,\\|^~$#%&`\"]{1,40}$")
"""Characters the Label field forbids (Map state page, "Label"): a state name that passes can
stand in for a missing Label."""


def start(run: Run, thread: Thread, state: CompiledState) -> int:
    """Entering (or retrying) a distributed Map: read the items, then begin the Map Run."""
    effective = run.effective_input(thread, state)
    reader = state.raw.get("ItemReader")
    if isinstance(reader, dict):
        # AWS reports MapStateStarted with length 0 before it reads (or refuses MaxItemsPath).
        run.emit(thread, "MapStateStarted", "mapStateStartedEventDetails", {"length": 0})
        return _request_items(run, thread, state, reader, effective)
    items = map_state.items_of(run, thread, state, effective)
    # Before the count and percentage paths are read: recorded on AWS (test_base_scenarios.snapshot.json,
    # test_map_state_tolerated_failure_count_path[-1]: MapStateStarted, then ExecutionFailed).
    run.emit(thread, "MapStateStarted", "mapStateStartedEventDetails", {"length": len(items)})
    return _begin_run(run, thread, state, items, effective)


# --- ItemReader ---------------------------------------------------------------------------


def _request_items(
    run: Run, thread: Thread, state: CompiledState, reader: dict[str, Any], effective: JSON
) -> int:
    parameters = _field_parameters(run, thread, state, reader, effective)
    if not isinstance(parameters, dict):
        raise item_reader.fail("The ItemReader Parameters must be a JSON object.")
    try:
        request = item_reader.s3_request(reader, parameters)
    except StatesError as failure:
        raise _in_state(thread, state, failure) from None
    max_items = _max_items(run, thread, state, reader, effective)
    thread["w"] = {"k": "reader", "task": None, "eff": effective, "max_items": max_items, "first": None}
    return _read(run, thread, state, request)


def _read(run: Run, thread: Thread, state: CompiledState, request: item_reader.S3Request) -> int:
    """Ask the shell for one S3 read (GetObject or every page of ListObjectsV2)."""
    task_id = f"reader-{run.next_seq()}"
    run.state["tasks"][task_id] = thread["id"]
    waiting = thread["w"]
    assert waiting is not None
    waiting["task"] = task_id
    waiting["req"] = {"action": request.action, "arguments": request.arguments}
    resource = S3_GET_OBJECT if request.action == "GetObject" else S3_LIST_OBJECTS_V2
    run.commands.append(
        InvokeTask(task_id=task_id, resource=resource, payload=dict(request.arguments), state_name=state.name)
    )
    return BLOCKED


def _field_parameters(
    run: Run, thread: Thread, state: CompiledState, reader: dict[str, Any], effective: JSON
) -> JSON:
    if state.jsonata:
        if "Arguments" not in reader:
            return {}
        values = query.bindings(run, thread, state)
        return query.render(run, thread, state, reader["Arguments"], "Arguments", values)
    if "Parameters" not in reader:
        return {}
    return run.render(thread, state, compile_template(reader["Parameters"]), effective)


def _max_items(
    run: Run, thread: Thread, state: CompiledState, reader: dict[str, Any], effective: JSON
) -> int | None:
    config = reader.get("ReaderConfig")
    if not isinstance(config, dict):
        return None
    if "MaxItems" in config:
        if state.jsonata:
            return query.whole_number(run, thread, state, "MaxItems", config["MaxItems"], 0) or None
        return int(config["MaxItems"]) or None
    if "MaxItemsPath" not in config:
        return None
    path_text = config["MaxItemsPath"]
    value = run.resolve(thread, state, compile_path(path_text), effective, "MaxItemsPath")
    value = map_state.path_integer(run, thread, state, "MaxItemsPath", path_text, value)
    if value < 0:
        raise run.runtime_error(
            thread,
            state,
            f"The MaxItemsPath '{path_text}' must resolve to a non-negative integer, not {value!r}",
        )
    return value or None


def items_read(run: Run, thread: Thread, state: CompiledState, fetched: JSON) -> int:
    """One S3 read came back: read what a manifest or LOAD_AND_FLATTEN names next, then parse it
    all as the ReaderConfig says and begin the run."""
    waiting = thread["w"]
    assert waiting is not None
    reader = state.raw["ItemReader"]
    if waiting["first"] is None:
        waiting["first"] = fetched
        request = item_reader.S3Request(waiting["req"]["action"], waiting["req"]["arguments"])
        follow_ups = item_reader.follow_up_requests(reader, request, _body(fetched))
        waiting["todo"] = [{"action": r.action, "arguments": r.arguments} for r in follow_ups]
        waiting["loaded"] = []
    else:
        waiting["loaded"].append(fetched)
    if waiting["todo"]:
        following = waiting["todo"].pop(0)
        return _read(run, thread, state, item_reader.S3Request(following["action"], following["arguments"]))
    thread["w"] = None
    try:
        items = item_reader.read_items(
            reader,
            _body(waiting["first"]),
            max_items=waiting["max_items"],
            loaded=[_body(loaded) for loaded in waiting["loaded"]],
        )
    except StatesError as failure:
        raise _in_state(thread, state, failure) from None
    return _begin_run(run, thread, state, items, waiting["eff"])


def _body(fetched: JSON) -> JSON:
    """What the shell read: text, a listing, or a binary body (GZIP) sent as base64."""
    if isinstance(fetched, dict) and isinstance(fetched.get(BODY_BASE64), str):
        try:
            return base64.b64decode(fetched[BODY_BASE64], validate=True)
        except binascii.Error:
            raise item_reader.fail("The S3 object's body could not be decoded.") from None
    return fetched


def _in_state(thread: Thread, state: CompiledState, failure: StatesError) -> StatesError:
    """AWS prefixes an ItemReader/ResultWriter cause with the state and its entered event."""
    return StatesError(failure.error, runtime_cause(state.name, thread["ent"], failure.cause))


def items_unreadable(run: Run, thread: Thread, state: CompiledState, error: str, cause: str) -> int:
    """The S3 read failed (no such bucket or key, access denied): States.ItemReaderFailed."""
    thread["w"] = None
    detail = f"{error}: {cause}" if cause else error
    raise StatesError(errors.ITEM_READER_FAILED, runtime_cause(state.name, thread["ent"], detail))


# --- the Map Run --------------------------------------------------------------------------


def _begin_run(run: Run, thread: Thread, state: CompiledState, items: list[JSON], effective: JSON) -> int:
    waiting = map_state.new_waiting(run, thread, state, "maprun", items, effective)
    total: int = waiting["n"]
    run_id = _uuid(run.env.new_token())
    arns = _arns(run, state, run_id)
    run.state.setdefault("runs", {})[run_id] = thread["id"]
    processor = state.raw.get("ItemProcessor") or state.raw.get("Iterator") or {}
    config = processor.get("ProcessorConfig") or {}
    assert state.processor is not None
    definition = {key: value for key, value in processor.items() if key != "ProcessorConfig"}
    definition["QueryLanguage"] = state.processor.language
    run.commands.append(
        StartMapRun(
            map_run_id=run_id,
            map_run_arn=arns["run"],
            state_name=state.name,
            state_machine_arn=arns["machine"],
            definition=definition,
            execution_type=str(config.get("ExecutionType", "STANDARD")),
            item_count=total,
            max_concurrency=waiting["max"],
            tolerated_failure_count=waiting["tc"] or 0,
            tolerated_failure_percentage=waiting["tp"] or 0.0,
        )
    )
    run.emit(thread, "MapRunStarted", "mapRunStartedEventDetails", {"mapRunArn": arns["run"]})
    waiting.update({"run": run_id, "arn": arns["run"], "sm": arns["machine"], "records": {}})
    waiting["max"] = waiting["max"] or DEFAULT_MAX_CONCURRENCY
    thread["w"] = waiting
    if total == 0:
        return _run_succeeded(run, thread, state)
    for _ in range(min(waiting["max"], total)):
        _start_child(run, thread, state, waiting)
    return BLOCKED


def _uuid(token: str) -> str:
    """A UUID-shaped id drawn from the injected token source (deterministic in tests)."""
    return str(uuid.UUID(bytes=hashlib.sha256(token.encode()).digest()[:16], version=4))


def _arns(run: Run, state: CompiledState, run_id: str) -> dict[str, str]:
    """The Map Run's ARN and its children's state machine ARN, as the Label field documents:
    ``arn:aws:states:<region>:<account>:mapRun:<machine>/<label>:<id>``."""
    ctx = run.state["ctx"]
    machine_arn: str = ctx["state_machine_arn"]
    prefix, _, machine_name = machine_arn.partition(":stateMachine:")
    label = _label_of(state)
    return {
        "run": f"{prefix}:mapRun:{machine_name}/{label}:{run_id}",
        "machine": f"{prefix}:stateMachine:{machine_name}/{label}",
    }


def _label_of(state: CompiledState) -> str:
    """The Label, else the state's name when it is a valid label, else a stable generated one."""
    label = state.raw.get("Label")
    if isinstance(label, str) and label:
        return label
    if _LABEL_OK.match(state.name):
        return state.name
    return hashlib.sha256(state.name.encode()).hexdigest()[:8]


def _more_to_start(waiting: Waiting) -> bool:
    return bool(waiting.get("redo")) or waiting["next"] < waiting["n"]


def _start_child(run: Run, thread: Thread, state: CompiledState, waiting: Waiting) -> None:
    redo = waiting.get("redo")
    if redo:
        index = redo.pop(0)
        live_children(waiting).append(index)
        run.commands.append(RedriveChildExecution(map_run_id=waiting["run"], index=index))
        return
    index = waiting["next"]
    waiting["next"] = index + 1
    value = map_state.iteration_input(run, thread, state, waiting, index)
    live_children(waiting).append(index)
    name = _uuid(run.env.new_token())
    run.commands.append(StartChildExecution(map_run_id=waiting["run"], index=index, name=name, input=value))


def child_ended(run: Run, thread: Thread, state: CompiledState, ended: ChildExecutionEnded) -> int:
    """One child execution ended: count it, start the next, or end the Map Run."""
    waiting = thread["w"]
    assert waiting is not None
    if ended.index not in live_children(waiting):
        return BLOCKED  # a repeated report: already counted
    live_children(waiting).remove(ended.index)
    waiting["left"] -= 1
    if "ResultWriter" in state.raw:
        waiting["records"][str(ended.index)] = _record(ended)
    if ended.status == "SUCCEEDED":
        waiting["results"][ended.index] = ended.output
    else:
        waiting["failed"] += 1
        waiting.setdefault("fi", []).append(ended.index)
        waiting["results"][ended.index] = {"Error": ended.error, "Cause": ended.cause}
        if _threshold_exceeded(waiting):
            return _run_failed(run, thread, state)
    while _more_to_start(waiting) and len(live_children(waiting)) < waiting["max"]:
        _start_child(run, thread, state, waiting)
    if waiting["left"] == 0:
        return _run_succeeded(run, thread, state)
    return BLOCKED


def run_updated(run: Run, thread: Thread, state: CompiledState, update: MapRunUpdated) -> int:
    """UpdateMapRun: the new limits apply from now on (more children may start, or the
    failures so far may now exceed the threshold)."""
    waiting = thread["w"]
    assert waiting is not None
    if update.max_concurrency is not None:
        waiting["max"] = update.max_concurrency or DEFAULT_MAX_CONCURRENCY
    if update.tolerated_failure_count is not None:
        waiting["tc"] = update.tolerated_failure_count
    if update.tolerated_failure_percentage is not None:
        waiting["tp"] = update.tolerated_failure_percentage
    if waiting["failed"] and _threshold_exceeded(waiting):
        return _run_failed(run, thread, state)
    while _more_to_start(waiting) and len(live_children(waiting)) < waiting["max"]:
        _start_child(run, thread, state, waiting)
    return BLOCKED


def _record(ended: ChildExecutionEnded) -> dict[str, JSON]:
    """What ResultWriter needs of a child beyond its result (kept in ``results``)."""
    return {
        "status": ended.status,
        "arn": ended.execution_arn,
        "name": ended.name,
        "start": ended.start_date,
        "stop": ended.stop_date,
    }


def _threshold_exceeded(waiting: Waiting) -> bool:
    """Distributed Map failure threshold: with neither field set, one failure fails the run."""
    failed: int = waiting["failed"]
    if waiting["tc"] is None and waiting["tp"] is None:
        return True
    if waiting["tc"] is not None and failed > waiting["tc"]:
        return True
    return waiting["tp"] is not None and failed * 100 > waiting["tp"] * waiting["n"]


def _run_failed(run: Run, thread: Thread, state: CompiledState) -> int:
    waiting = thread["w"]
    assert waiting is not None
    thread["w"] = None
    thread["mr"] = waiting  # for RedriveExecution: the same Map Run is redriven
    run.state["runs"].pop(waiting["run"], None)
    error = errors.EXCEED_TOLERATED_FAILURE_THRESHOLD
    cause = map_state.TOLERATED_FAILURE_CAUSE
    run.commands.append(EndMapRun(map_run_id=waiting["run"], status="FAILED", error=error, cause=cause))
    run.emit(thread, "MapRunFailed", "mapRunFailedEventDetails", {"error": error, "cause": cause})
    run.emit(thread, "MapStateFailed", None, None)
    raise StatesError(error, cause)


def _run_succeeded(run: Run, thread: Thread, state: CompiledState) -> int:
    waiting = thread["w"]
    assert waiting is not None
    run.state["runs"].pop(waiting["run"], None)
    run.commands.append(EndMapRun(map_run_id=waiting["run"], status="SUCCEEDED"))
    run.emit(thread, "MapRunSucceeded", None, None)
    writer = state.raw.get("ResultWriter")
    if isinstance(writer, dict):
        return _write_results(run, thread, state, writer, waiting)
    thread["w"] = None
    return map_state.complete(run, thread, state, waiting["results"])


# --- ResultWriter -------------------------------------------------------------------------


def _write_results(
    run: Run, thread: Thread, state: CompiledState, writer: dict[str, Any], waiting: Waiting
) -> int:
    records = [_child_record(run, thread, state, waiting, index) for index in range(waiting["n"])]
    if not result_writer.writes_to_s3(writer):
        thread["w"] = None
        shaped = result_writer.inline_result(writer, records)
        return map_state.complete(run, thread, state, shaped)
    parameters = _field_parameters(run, thread, state, writer, waiting["eff"])
    if not isinstance(parameters, dict):
        raise result_writer.fail("The ResultWriter Parameters must be a JSON object.")
    try:
        export = result_writer.export_results(writer, parameters, waiting["arn"], records)
    except StatesError as failure:
        raise _in_state(thread, state, failure) from None
    puts = [put.put_object_arguments() for put in export.objects]
    thread["w"] = {"k": "writer", "task": None, "puts": puts, "result": export.result}
    return _next_put(run, thread, state)


def _child_record(
    run: Run, thread: Thread, state: CompiledState, waiting: Waiting, index: int
) -> result_writer.ChildRecord:
    """What ResultWriter exports for one child (PENDING when it never ran); the input is
    rebuilt from the item rather than kept for every child in the execution state."""
    record = waiting["records"].get(str(index))
    items_input = map_state.iteration_input(run, thread, state, waiting, index)
    if record is None:
        return result_writer.ChildRecord(
            status="PENDING", execution_arn="", name="", input=items_input, state_machine_arn=waiting["sm"]
        )
    result = waiting["results"][index]
    succeeded = record["status"] == "SUCCEEDED"
    return result_writer.ChildRecord(
        status=record["status"],
        execution_arn=record["arn"],
        name=record["name"],
        input=items_input,
        output=result if succeeded else None,
        error=None if succeeded else result["Error"],
        cause=None if succeeded else result["Cause"],
        start_date=record["start"],
        stop_date=record["stop"],
        state_machine_arn=waiting["sm"],
    )


def _next_put(run: Run, thread: Thread, state: CompiledState) -> int:
    waiting = thread["w"]
    assert waiting is not None
    if not waiting["puts"]:
        thread["w"] = None
        return map_state.complete(run, thread, state, waiting["result"])
    put = waiting["puts"].pop(0)
    task_id = f"writer-{run.next_seq()}"
    run.state["tasks"][task_id] = thread["id"]
    waiting["task"] = task_id
    run.commands.append(
        InvokeTask(task_id=task_id, resource=S3_PUT_OBJECT, payload=put, state_name=state.name)
    )
    return BLOCKED


def result_written(run: Run, thread: Thread, state: CompiledState) -> int:
    return _next_put(run, thread, state)


def result_unwritable(run: Run, thread: Thread, state: CompiledState, error: str, cause: str) -> int:
    """An S3 write failed: States.ResultWriterFailed."""
    thread["w"] = None
    detail = f"{error}: {cause}" if cause else error
    raise StatesError(errors.RESULT_WRITER_FAILED, runtime_cause(state.name, thread["ent"], detail))


# --- RedriveExecution ---------------------------------------------------------------------


def redrive_run(run: Run, thread: Thread, waiting: Waiting) -> None:
    """The redriven parent redrives its Map Run: the same run (same ARN) runs again its failed
    and aborted children and starts those it never started; the children that succeeded keep
    their results ("Redriving Map Runs" in the Step Functions developer guide). The parent's
    history gets MapRunRedriven with the run's redrive count."""
    state = run.state_of(thread)
    again = sorted(set(waiting.get("fi", [])) | set(live_children(waiting)))
    waiting["left"] += len(waiting.get("fi", []))
    waiting["failed"] = 0
    waiting["fi"] = []
    waiting["live"] = []
    waiting["redo"] = again
    waiting["redrives"] = waiting.get("redrives", 0) + 1
    thread["w"] = waiting
    run.state.setdefault("runs", {})[waiting["run"]] = thread["id"]
    run.commands.append(RedriveMapRun(map_run_id=waiting["run"]))
    run.emit(
        thread,
        "MapRunRedriven",
        "mapRunRedrivenEventDetails",
        {"mapRunArn": waiting["arn"], "redriveCount": waiting["redrives"]},
    )
    while _more_to_start(waiting) and len(live_children(waiting)) < waiting["max"]:
        _start_child(run, thread, state, waiting)
