"""The decider: ``advance(definition, state, happening, env) -> Decision``.

It runs the execution as far as it can without the outside world: Pass, Choice, Succeed, Fail
and the bookkeeping of Parallel branches and Map iterations all happen in one call. It stops at
a Task (InvokeTask), a Wait or a retry back-off (StartTimer), a Distributed Map's Map Run (its S3
reads and writes as InvokeTask, its child executions as StartChildExecution, heard back through
ChildExecutionEnded), and at the end (FinishExecution).

``state`` is the JSON-serialisable dict of the previous Decision. The decider takes ownership
of it and updates it in place (the shell persists ``Decision.state`` and loads a fresh copy for
the next happening). A happening naming an unknown task or timer is stale: it is ignored.
"""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict
from typing import Any

from engine.states import errors
from engine.states.handlers import distributed_map, redrive, registry
from engine.states.handlers.choice_wait import finish_wait
from engine.states.handlers.codes import payload_too_large
from engine.states.handlers.compiled import CompiledState, Program
from engine.states.handlers.frozen import frozen_instance
from engine.states.handlers.run import HistoryLimitReached, Run, Thread, iso_timestamp
from engine.states.handlers.task_state import (
    activity_started,
    task_failed,
    task_heartbeat,
    task_submitted,
    task_succeeded,
    task_timed_out,
)
from engine.states.history import HISTORY_LIMIT_CAUSE, error_details
from engine.states.model import (
    ChildExecutionEnded,
    Decision,
    Environment,
    ExecutionStartRequested,
    Happening,
    MapRunUpdated,
    RedriveRequested,
    StopRequested,
    TaskFailed,
    TaskHeartbeat,
    TaskStarted,
    TaskSubmitted,
    TaskSucceeded,
    TimerFired,
)
from engine.states.paths import to_json

STATE_FORMAT = 1

__all__ = ["Program", "advance", "compile_definition", "definition_key", "parse_definition"]

_BY_HASH: OrderedDict[str, Program] = OrderedDict()
_BY_OBJECT: OrderedDict[int, tuple[dict[str, Any], Program]] = OrderedDict()
_BY_TEXT: OrderedDict[str, dict[str, Any]] = OrderedDict()
_CACHE_SIZE = 256


def parse_definition(text: str) -> dict[str, Any]:
    """A stored definition's JSON text, parsed once per text: the same object every time, so
    ``compile_definition`` finds its program by identity instead of hashing it again. Like
    every cached program's definition, it is only read. (Issue 10's cProfile of PutEvents to
    Express targets, 2026-12-05: each run parsed and hashed its machine's definition anew.)"""
    found = _BY_TEXT.get(text)
    if found is None:
        parsed: dict[str, Any] = json.loads(text)
        _remember(_BY_TEXT, text, parsed)
        found = parsed
    return found


def definition_key(definition: dict[str, Any]) -> str:
    """A stable hash of the definition's JSON text (the state remembers it)."""
    text = json.dumps(definition, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def compile_definition(definition: dict[str, Any]) -> Program:
    """Compile (or fetch from the cache) the program for a validated definition."""
    cached = _BY_OBJECT.get(id(definition))
    if cached is not None and cached[0] is definition:
        return cached[1]
    key = definition_key(definition)
    program = _BY_HASH.get(key)
    if program is None:
        program = Program(definition)
        program.key = key
        _remember(_BY_HASH, key, program)
    # Holding the definition object keeps its id from being reused while it is cached.
    _remember(_BY_OBJECT, id(definition), (definition, program))
    return program


def _remember(cache: OrderedDict[Any, Any], key: Any, value: Any) -> None:
    cache[key] = value
    cache.move_to_end(key)
    while len(cache) > _CACHE_SIZE:
        cache.popitem(last=False)


def _program_for(
    definition: dict[str, Any], state: dict[str, Any] | None, program: Program | None
) -> Program:
    if program is not None:
        return program
    if state is not None:
        found = _BY_HASH.get(state.get("program", ""))
        if found is not None:
            return found
    return compile_definition(definition)


def advance(
    definition: dict[str, Any],
    state: dict[str, Any] | None,
    happening: Happening,
    env: Environment,
    *,
    program: Program | None = None,
) -> Decision:
    """Apply one happening; see the module docstring. ``program`` skips the cache lookup."""
    if isinstance(happening, ExecutionStartRequested):
        if state is not None:
            return Decision(state, [], [], state["status"])
        compiled = _program_for(definition, None, program)
        run = Run(compiled, _initial_state(compiled, happening), env)
        _guarded(run, _start, happening)
        return _decision(run)
    if state is None:
        raise ValueError(f"{type(happening).__name__} needs the state of a started execution, got None")
    if isinstance(happening, RedriveRequested):
        if redrive.refusal(state) is not None:
            return Decision(state, [], [], state["status"])
        compiled = _program_for(definition, state, program)
        run = Run(compiled, state, env)
        _guarded(run, _redrive, happening)
        return _decision(run)
    if state["status"] != "RUNNING":
        return Decision(state, [], [], state["status"])
    compiled = _program_for(definition, state, program)
    run = Run(compiled, state, env)
    if not _guarded(run, _apply, happening):
        return Decision(state, [], [], state["status"])
    return _decision(run)


def _decision(run: Run) -> Decision:
    """What the call produced (built as the hot path builds its records: see runtime.frozen)."""
    state = run.state
    fields = {"state": state, "commands": run.commands, "history": run.events, "status": state["status"]}
    return frozen_instance(Decision, fields)


def _guarded(run: Run, step: Any, happening: Happening) -> bool:
    """Run ``step``; the 25,000-event quota turns into ExecutionFailed."""
    try:
        applied: bool = step(run, happening)
        if applied:
            run.drive()
    except HistoryLimitReached:
        run.finish(
            "FAILED",
            "ExecutionFailed",
            "executionFailedEventDetails",
            error_details(errors.RUNTIME, HISTORY_LIMIT_CAUSE),
            error=errors.RUNTIME,
            cause=HISTORY_LIMIT_CAUSE,
        )
        redrive.block(run.state, redrive.HISTORY_LIMIT_REASON)
        return True
    return applied


def _initial_state(program: Program, happening: ExecutionStartRequested) -> dict[str, Any]:
    context = happening.context
    return {
        "format": STATE_FORMAT,
        "program": program.key,
        "status": "RUNNING",
        "ctx": {
            "execution_arn": context.execution_arn,
            "execution_name": context.execution_name,
            "state_machine_arn": context.state_machine_arn,
            "state_machine_name": context.state_machine_name,
            "start_time": iso_timestamp(context.start_time),
            "role_arn": context.role_arn,
            "redrive_count": context.redrive_count,
            "input": happening.input,
        },
        "next_event_id": 1,
        "seq": 0,
        "threads": {},
        "tasks": {},
        "timers": {},
    }


def _start(run: Run, happening: ExecutionStartRequested) -> bool:
    text = to_json(happening.input)
    details: dict[str, Any] = {"input": text, "inputDetails": {"truncated": False}}
    if happening.context.role_arn:
        details["roleArn"] = happening.context.role_arn
    # ExecutionStartedEventDetails names the version and alias it was started through (API
    # reference, ExecutionStartedEventDetails).
    if happening.context.version_arn:
        details["stateMachineVersionArn"] = happening.context.version_arn
    if happening.context.alias_arn:
        details["stateMachineAliasArn"] = happening.context.alias_arn
    run.emit(None, "ExecutionStarted", "executionStartedEventDetails", details, prev=0)
    if payload_too_large(text):
        cause = "The execution input exceeds the maximum number of bytes service limit."
        run.finish(
            "FAILED",
            "ExecutionFailed",
            "executionFailedEventDetails",
            error_details(errors.DATA_LIMIT_EXCEEDED, cause),
            error=errors.DATA_LIMIT_EXCEEDED,
            cause=cause,
        )
        return True
    if run.program.timeout_seconds:
        run.start_timer(None, "execution", float(run.program.timeout_seconds))
    root = run.new_thread(run.program.root, happening.input, None, 0, last=0)
    run.remember_text(happening.input, text)
    run.ready.append(root["id"])
    return True


def _redrive(run: Run, happening: RedriveRequested) -> bool:
    return redrive.resume(run)


def _apply(run: Run, happening: Happening) -> bool:
    """Route a happening to its thread; False when it is stale."""
    state = run.state
    if isinstance(happening, TaskSubmitted):
        thread_id = state["tasks"].get(happening.task_id)
        thread = run.threads.get(thread_id) if thread_id is not None else None
        if thread is None or not thread["w"] or thread["w"]["k"] != "task":
            return False
        return task_submitted(run, thread, run.state_of(thread), happening.output)
    if isinstance(happening, TaskSucceeded | TaskFailed | TaskHeartbeat | TaskStarted):
        thread_id = state["tasks"].get(happening.task_id)
        thread = run.threads.get(thread_id) if thread_id is not None else None
        if thread is None:
            return False
        if isinstance(happening, TaskHeartbeat):
            task_heartbeat(run, thread)
            return True
        if isinstance(happening, TaskStarted):
            return activity_started(run, thread, happening.worker_name)
        kind = thread["w"]["k"] if thread["w"] else None
        if kind in ("reader", "writer"):
            return _map_run_io(run, thread, happening, kind)
        if isinstance(happening, TaskSucceeded):
            output, whole = happening.output, happening.service_response
            run.settle(
                thread,
                lambda run, thread, st: task_succeeded(run, thread, st, output, service_response=whole),
            )
        else:
            error, cause = happening.error, happening.cause
            run.settle(thread, lambda run, thread, st: task_failed(run, thread, st, error, cause))
        return True
    if isinstance(happening, TimerFired):
        return _timer_fired(run, happening.timer_id)
    if isinstance(happening, ChildExecutionEnded | MapRunUpdated):
        thread_id = state.get("runs", {}).get(happening.map_run_id)
        thread = run.threads.get(thread_id) if thread_id is not None else None
        if thread is None or not thread["w"] or thread["w"].get("run") != happening.map_run_id:
            return False
        if isinstance(happening, MapRunUpdated):
            update = happening
            run.settle(thread, lambda run, thread, st: distributed_map.run_updated(run, thread, st, update))
            return True
        ended = happening
        run.settle(thread, lambda run, thread, st: distributed_map.child_ended(run, thread, st, ended))
        return True
    if isinstance(happening, StopRequested):
        run.finish(
            "ABORTED",
            "ExecutionAborted",
            "executionAbortedEventDetails",
            error_details(happening.error, happening.cause),
            error=happening.error or None,
            cause=happening.cause or None,
        )
        return True
    if isinstance(happening, RedriveRequested):  # handled in advance(): never reaches a thread
        return False
    raise TypeError(f"unknown happening {happening!r}")


def _map_run_io(run: Run, thread: Thread, happening: TaskSucceeded | TaskFailed, kind: str) -> bool:
    """A distributed Map's S3 read (ItemReader) or write (ResultWriter) came back."""
    run.state["tasks"].pop(happening.task_id, None)
    if isinstance(happening, TaskSucceeded):
        output = happening.output
        if kind == "reader":
            run.settle(thread, lambda run, thread, st: distributed_map.items_read(run, thread, st, output))
        else:
            run.settle(thread, distributed_map.result_written)
        return True
    error, cause = happening.error, happening.cause
    failed = distributed_map.items_unreadable if kind == "reader" else distributed_map.result_unwritable
    run.settle(thread, lambda run, thread, st: failed(run, thread, st, error, cause))
    return True


def _timer_fired(run: Run, timer_id: str) -> bool:
    timer = run.state["timers"].pop(timer_id, None)
    if timer is None:
        return False
    kind = timer["k"]
    if kind == "execution":
        # AWS names States.Timeout in the event only, with no cause and previousEventId 0;
        # DescribeExecution then carries neither error nor cause (LocalStack's AWS-recorded
        # test_timeouts.snapshot.json::test_global_timeout; github.com/floci-io/floci/issues/2733).
        details: dict[str, Any] = {"error": errors.TIMEOUT}
        run.finish("TIMED_OUT", "ExecutionTimedOut", "executionTimedOutEventDetails", details, prev=0)
        return True
    thread = run.threads.get(timer["t"])
    if thread is None or thread["w"] is None or timer_id not in thread["w"].get("timers", ()):
        return False
    thread["w"]["timers"].remove(timer_id)
    if kind == "wait":
        run.settle(thread, finish_wait)
    elif kind == "retry":
        thread["w"] = None
        run.settle(thread, _retry)
    elif kind == "timeout":
        run.settle(thread, lambda run, thread, st: task_timed_out(run, thread, st, errors.TIMEOUT))
    elif kind == "heartbeat":
        run.settle(thread, lambda run, thread, st: task_timed_out(run, thread, st, errors.HEARTBEAT_TIMEOUT))
    else:
        raise ValueError(f"unknown timer kind {kind!r} in the execution state")
    return True


def _retry(run: Run, thread: Thread, state: CompiledState) -> int:
    retry: int = registry.RETRY[state.type](run, thread, state)
    return retry
