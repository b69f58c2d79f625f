"""TestState: run one state once and show what each data-flow stage made of the input.

AWS's TestState API ("Testing state machines with TestState API", developer guide,
test-state-isolation; API reference, API_TestState) accepts either one state's definition on
its own or a whole state machine plus ``stateName``, runs that state once and answers::

    status      SUCCEEDED | FAILED | RETRIABLE (a Retrier matched) | CAUGHT_ERROR (a Catcher did)
    output      the state output (SUCCEEDED, CAUGHT_ERROR)
    nextState   where the execution would go next (absent at the end, and on failure)
    error/cause the error (FAILED, RETRIABLE, CAUGHT_ERROR)
    inspectionData (DEBUG and TRACE) the value after each stage, as JSON text

The state runs through the interpreter's own handlers (``engine.states.runtime``): a
``Run`` subclass only watches the stages go by, so TestState and a real execution cannot
disagree about data flow. A Task's work is a ``mock`` or the caller's ``perform`` callback
(the shell calls the real resource), so this module stays pure. A Wait state does not wait.
Map and Parallel states need a mock (their iterations and branches do not run), as in AWS.
TRACE adds the HTTP request and response of an HTTP Task; the workbench has no HTTP Task, so
TRACE shows what DEBUG shows.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from engine.states import errors
from engine.states.definition import (
    InvalidDefinitionError,
    format_invalid_definition,
    parse_definition,
    validate,
)
from engine.states.errors import StatesError, error_matches
from engine.states.history import ACTIVITY, lambda_invoke_envelope
from engine.states.model import JSON, Environment, ExecutionContext, FinishExecution, InvokeTask, StartTimer
from engine.states.paths import Renderer, to_json
from engine.states.runtime import map_state, parallel_state, registry, task_state
from engine.states.runtime.choice_wait import finish_wait
from engine.states.runtime.codes import BLOCKED
from engine.states.runtime.compiled import CompiledMachine, CompiledState, Program
from engine.states.runtime.run import Run, Thread, iso_timestamp

__all__ = [
    "INSPECTION_LEVELS",
    "SINGLE_STATE_NAME",
    "Perform",
    "Performed",
    "TestStateError",
    "test_state",
]

INSPECTION_LEVELS = ("INFO", "DEBUG", "TRACE")
SINGLE_STATE_NAME = "StateName"
"""The name a state tested on its own answers to in ``$$.State.Name`` (as AWS reports it)."""

MOCKABLE_TYPES = ("Task", "Map", "Parallel")
UNSUPPORTED_WITHOUT_MOCK = (
    "TestState API does not support Map or Parallel states. "
    "Supported state types include: [Task, Wait, Pass, Succeed, Fail, Choice]"
)
TOLERATED_FAILURE_CAUSE = "The specified tolerated failure threshold was exceeded"
_DEFAULT_CONTEXT = ExecutionContext(
    execution_arn="arn:aws:states:us-east-1:123456789012:execution:TestStateMachine:test-state",
    execution_name="test-state",
    state_machine_arn="arn:aws:states:us-east-1:123456789012:stateMachine:TestStateMachine",
    state_machine_name="TestStateMachine",
    start_time=datetime(1970, 1, 1, tzinfo=UTC),
)


class TestStateError(Exception):
    """A request TestState refuses; ``code`` is AWS's error code for it."""

    __test__ = False  # not a pytest test class, despite its name

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Performed:
    """What calling a Task's resource gave: its own result, or an error."""

    output: JSON = None
    error: str | None = None
    cause: str = ""


Perform = Callable[[InvokeTask], Performed]
"""Carries out a Task's InvokeTask for real (the shell's side of an unmocked Task)."""


def test_state(
    definition: str | dict[str, JSON],
    *,
    state_name: str | None = None,
    input: str | None = None,
    mock: dict[str, JSON] | None = None,
    variables: str | None = None,
    context: str | None = None,
    inspection_level: str = "INFO",
    env: Environment,
    perform: Perform | None = None,
    state_configuration: dict[str, JSON] | None = None,
    reveal_secrets: bool = False,
    execution: ExecutionContext | None = None,
) -> dict[str, JSON]:
    """Run one state once; returns TestState's response (``output`` etc. as JSON text).

    ``input``, ``variables``, ``context`` and ``mock["result"]`` are JSON text, as the API
    sends them; ``mock`` is ``{"result": text}`` or ``{"errorOutput": {"error", "cause"}}``.
    ``execution`` supplies the ARNs and names of the context object. Raises TestStateError.
    """
    level = _level(inspection_level)
    program, machine, state = _load(definition, state_name)
    mocked = _check_mock(state, mock, reveal_secrets)
    if context is not None and mock is None:
        raise TestStateError(
            "ValidationException", "The context field may only be specified if a mock is specified."
        )
    config = _configuration(state_configuration)
    value = _parse_input(input)
    given_variables = _json_object(variables, "variables")
    context_override = _json_object(context, "context")
    if given_variables:
        program.uses_variables = True
    run = _InspectingRun(program, _engine_state(execution or _DEFAULT_CONTEXT, value, env), env)
    run.context_override = context_override
    run.configured_retries = config.retrier_retry_count
    thread = run.new_thread(machine, value, None, 0, last=0)
    thread["s"] = state.name
    if given_variables:
        thread["vars"] = dict(given_variables)
        thread["vsz"] = {name: len(to_json(v).encode()) for name, v in given_variables.items()}
    if config.retrier_retry_count:
        thread["rt"] = config.retrier_retry_count
    _execute(run, thread, state, mocked, perform, config)
    return _response(run, thread, state, level)


test_state.__test__ = False  # type: ignore[attr-defined]  # pytest must not collect it as a test


# --- the request ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Mock:
    has_result: bool
    result: JSON = None
    error: str | None = None
    cause: str = ""


@dataclass(frozen=True)
class _Configuration:
    retrier_retry_count: int = 0
    map_iteration_failure_count: int | None = None


def _level(level: str | None) -> str:
    chosen = level or "INFO"
    if chosen not in INSPECTION_LEVELS:
        raise TestStateError(
            "ValidationException",
            f"1 validation error detected: Value '{chosen}' at 'inspectionLevel' failed to satisfy "
            "constraint: Member must satisfy enum value set: [INFO, DEBUG, TRACE]",
        )
    return chosen


def _load(
    definition: str | dict[str, JSON], state_name: str | None
) -> tuple[Program, CompiledMachine, CompiledState]:
    """The program and the state to test: a whole machine plus ``stateName``, or one state."""
    text = definition if isinstance(definition, str) else json.dumps(definition)
    if state_name is not None:
        try:
            document = parse_definition(text)
        except InvalidDefinitionError as problem:
            raise TestStateError("InvalidDefinition", problem.message) from None
        program = Program(document)
        for machine in program.machines.values():
            if state_name in machine.states:
                return program, machine, machine.states[state_name]
        raise TestStateError(
            "ValidationException",
            f"The state '{state_name}' given as stateName does not exist in the definition.",
        )
    try:
        single = json.loads(text)
    except json.JSONDecodeError:
        raise TestStateError("InvalidDefinition", format_invalid_definition(validate(text))) from None
    if not isinstance(single, dict) or "Type" not in single:
        hint = " (pass stateName to test one state of a whole state machine)" if "States" in single else ""
        raise TestStateError(
            "InvalidDefinition",
            f"Invalid State Definition: the definition must be one state, a JSON object with a Type{hint}.",
        )
    wrapper = _single_state_machine(single)
    problems = [d for d in validate(json.dumps(wrapper)) if d.severity == "ERROR"]
    if problems:
        raise TestStateError("InvalidDefinition", format_invalid_definition(problems))
    program = Program(wrapper)
    return program, program.root, program.root.states[SINGLE_STATE_NAME]


def _single_state_machine(state: dict[str, JSON]) -> dict[str, JSON]:
    """A machine around one state, with a stand-in for every state it can go to, so the
    validator checks the state itself and not the missing rest of its machine."""
    targets: list[JSON] = [state.get("Next"), state.get("Default")]
    for group in ("Choices", "Catch"):
        entries = state.get(group)
        if isinstance(entries, list):
            targets.extend(entry.get("Next") for entry in entries if isinstance(entry, dict))
    states: dict[str, JSON] = {SINGLE_STATE_NAME: state}
    for target in targets:
        if isinstance(target, str) and target not in states:
            states[target] = {"Type": "Succeed"}
    return {"StartAt": SINGLE_STATE_NAME, "States": states}


def _check_mock(state: CompiledState, mock: dict[str, JSON] | None, reveal_secrets: bool) -> _Mock | None:
    if mock is None:
        if state.type in ("Map", "Parallel"):
            raise TestStateError("InvalidDefinition", UNSUPPORTED_WITHOUT_MOCK)
        info = state.resource
        if info is not None and (info.kind == ACTIVITY or info.wait_for_token or ".sync" in info.arn):
            raise TestStateError(
                "InvalidDefinition",
                "TestState only supports Activity tasks, .sync or .waitForTaskToken service integration "
                "patterns when a mock is specified.",
            )
        return None
    if reveal_secrets:
        raise TestStateError(
            "ValidationException", "TestState does not support RevealSecrets when a mock is specified."
        )
    if state.type not in MOCKABLE_TYPES:
        raise TestStateError(
            "ValidationException", f"State type '{state.type}' is not supported when a mock is specified"
        )
    has_result, error_output = "result" in mock, mock.get("errorOutput")
    if has_result == (error_output is not None):
        raise TestStateError(
            "ValidationException",
            "A test mock should have only one of the following fields: [result, errorOutput].",
        )
    if error_output is not None:
        if not isinstance(error_output, dict) or not isinstance(error_output.get("error"), str):
            raise TestStateError(
                "ValidationException", "mock.errorOutput.error is required and must be a string."
            )
        cause = error_output.get("cause")
        return _Mock(False, error=error_output["error"], cause=cause if isinstance(cause, str) else "")
    result = _mocked_result(mock["result"])
    if state.type in ("Map", "Parallel") and not isinstance(result, list):
        raise TestStateError("ValidationException", "Mocked result must be an array.")
    if state.type == "Parallel" and len(result) != len(state.branches):
        raise TestStateError(
            "ValidationException",
            "Mocked result must contain the same number of items as number of Parallel branches.",
        )
    return _Mock(True, result=result)


def _mocked_result(raw: JSON) -> JSON:
    if isinstance(raw, str):
        try:
            return json.loads(raw)
        except json.JSONDecodeError:
            pass
    raise TestStateError("ValidationException", "Mocked result must be valid JSON")


def _configuration(config: dict[str, JSON] | None) -> _Configuration:
    if not config:
        return _Configuration()
    if "mapItemReaderData" in config:
        raise TestStateError(
            "ValidationException",
            "stateConfiguration.mapItemReaderData is not supported: this workbench has no ItemReader.",
        )
    counts: dict[str, int | None] = {}
    for key in ("retrierRetryCount", "mapIterationFailureCount"):
        value = config.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
            raise TestStateError(
                "ValidationException",
                f"1 validation error detected: Value '{value}' at 'stateConfiguration.{key}' failed to "
                "satisfy constraint: Member must have value greater than or equal to 0",
            )
        counts[key] = value
    return _Configuration(counts["retrierRetryCount"] or 0, counts["mapIterationFailureCount"])


def _parse_input(text: str | None) -> JSON:
    if text is None:
        return {}
    try:
        return json.loads(text)
    except json.JSONDecodeError as problem:
        raise TestStateError(
            "InvalidExecutionInput",
            f"Invalid State Machine Execution Input: '{problem.msg} at line {problem.lineno} "
            f"column {problem.colno}'",
        ) from None


def _json_object(text: str | None, field_name: str) -> dict[str, JSON] | None:
    if text is None:
        return None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as problem:
        raise TestStateError(
            "ValidationException", f"The {field_name} field is not valid JSON: {problem.msg}"
        ) from None
    if not isinstance(value, dict):
        raise TestStateError("ValidationException", f"The {field_name} field must be a JSON object.")
    return value


def _engine_state(execution: ExecutionContext, value: JSON, env: Environment) -> dict[str, Any]:
    """The decider's state dict for a one-state run (see ``engine.states.runtime.run``)."""
    return {
        "status": "RUNNING",
        "ctx": {
            "execution_arn": execution.execution_arn,
            "execution_name": execution.execution_name,
            "state_machine_arn": execution.state_machine_arn,
            "state_machine_name": execution.state_machine_name,
            "start_time": iso_timestamp(execution.start_time),
            "role_arn": execution.role_arn,
            "redrive_count": execution.redrive_count,
            "input": value,
        },
        "next_event_id": 1,
        "seq": 0,
        "threads": {},
        "tasks": {},
        "timers": {},
    }


# --- watching the stages go by -----------------------------------------------------------------


class _Held(Exception):
    """A mocked Map/Parallel tried to leave before its mocked result was in."""


@dataclass
class _Watched:
    """What the run showed: the stage values and how the state ended."""

    stages: dict[str, JSON] = field(default_factory=dict)
    exited: bool = False
    output: JSON = None
    next_state: str | None = None
    error: str | None = None
    cause: str = ""
    catch_index: int | None = None
    retry_index: int | None = None
    retry_delay: float | None = None


class _InspectingRun(Run):
    """A Run that records each data-flow stage of the state under test."""

    context_override: dict[str, JSON] | None = None
    configured_retries = 0
    holding = False

    def __init__(self, program: Program, state: dict[str, Any], env: Environment) -> None:
        super().__init__(program, state, env)
        self.watched = _Watched()
        self._placing = False

    def context(
        self,
        thread: Thread,
        state: CompiledState,
        token: str | None = None,
        item: tuple[int, JSON] | None = None,
    ) -> dict[str, JSON]:
        built = super().context(thread, state, token, item)
        return _merged(built, self.context_override) if self.context_override else built

    def effective_input(self, thread: Thread, state: CompiledState) -> JSON:
        value = super().effective_input(thread, state)
        self.watched.stages.setdefault("afterInputPath", value)
        return value

    def render(
        self,
        thread: Thread,
        state: CompiledState,
        renderer: Renderer,
        document: JSON,
        token: str | None = None,
        item: tuple[int, JSON] | None = None,
    ) -> JSON:
        value = super().render(thread, state, renderer, document, token, item)
        if renderer is state.parameters:
            self.watched.stages["afterParameters"] = value
        elif renderer is state.result_selector:
            self.watched.stages["result"] = document
            self.watched.stages["afterResultSelector"] = value
        return value

    def place_result(self, thread: Thread, state: CompiledState, result: JSON) -> JSON:
        self.watched.stages.setdefault("result", result)
        self.watched.stages.setdefault("afterResultSelector", result)
        self._placing = True
        try:
            return super().place_result(thread, state, result)
        finally:
            self._placing = False

    def output_path(self, thread: Thread, state: CompiledState, output: JSON) -> JSON:
        if self._placing:
            self.watched.stages["afterResultPath"] = output
        return super().output_path(thread, state, output)

    def exit_state(
        self,
        thread: Thread,
        state: CompiledState,
        output: JSON,
        next_name: str | None = None,
        assigned: dict[str, JSON] | None = None,
    ) -> int:
        if self.holding:
            raise _Held
        code = super().exit_state(thread, state, output, next_name, assigned)
        self.watched.exited = True
        self.watched.output = output
        self.watched.next_state = next_name or state.next
        return code

    def handle_error(self, thread: Thread, state: CompiledState, error: str, cause: str) -> int:
        """Retry/Catch as an execution would; notes which handler took the error."""
        watched = self.watched
        watched.error, watched.cause = error, cause
        retry_index = _first_match([r.error_equals for r in state.retriers], error)
        if retry_index is not None and self.configured_retries:
            thread["rc"].setdefault(str(retry_index), self.configured_retries)
        timers_before = len(self.commands)
        code = super().handle_error(thread, state, error, cause)
        waiting = thread.get("w")
        if code == BLOCKED and waiting and waiting.get("k") == "retry":
            watched.retry_index = retry_index
            fire_at = next(c.fire_at for c in self.commands[timers_before:] if isinstance(c, StartTimer))
            watched.retry_delay = (fire_at - self.now).total_seconds()
        elif watched.exited:
            watched.catch_index = _first_match([c.error_equals for c in state.catchers], error)
        return code


def _first_match(error_lists: list[tuple[str, ...]], error: str) -> int | None:
    return next((index for index, names in enumerate(error_lists) if error_matches(names, error)), None)


def _merged(base: dict[str, JSON], override: dict[str, JSON]) -> dict[str, JSON]:
    """The context object with the caller's fields laid over it, nested objects merged."""
    merged = dict(base)
    for key, value in override.items():
        current = merged.get(key)
        merged[key] = (
            _merged(current, value) if isinstance(current, dict) and isinstance(value, dict) else value
        )
    return merged


# --- running the state -------------------------------------------------------------------------


def _execute(
    run: _InspectingRun,
    thread: Thread,
    state: CompiledState,
    mocked: _Mock | None,
    perform: Perform | None,
    config: _Configuration,
) -> None:
    mocked_children = mocked is not None and state.type in ("Map", "Parallel")
    run.holding = mocked_children
    held = False
    try:
        code = registry.ENTER[state.type](run, thread, state)
    except _Held:
        code, held = BLOCKED, True
    except StatesError as failure:
        run.holding = False
        code = run.handle_error(thread, state, failure.error, failure.cause)
    run.holding = False
    waiting = thread.get("w")
    if held:
        # An empty Map left with its own (empty) result before the mock replaced it.
        for stage in ("result", "afterResultSelector", "afterResultPath"):
            run.watched.stages.pop(stage, None)
        _finish_mocked_children(run, thread, state, mocked, config)
        return
    if code != BLOCKED or not waiting or run.finished:
        return
    kind = waiting.get("k")
    if kind == "wait":
        # TestState answers at once: a Wait state's timer is not waited for.
        for timer_id in list(waiting["timers"]):
            run.cancel_timer(timer_id)
        run.settle(thread, finish_wait)
    elif kind == "task":
        _finish_task(run, thread, state, mocked, perform)
    elif mocked_children and kind in ("map", "parallel"):
        _finish_mocked_children(run, thread, state, mocked, config)


def _finish_task(
    run: _InspectingRun, thread: Thread, state: CompiledState, mocked: _Mock | None, perform: Perform | None
) -> None:
    command = next(c for c in run.commands if isinstance(c, InvokeTask))
    run.watched.stages["afterArguments" if state.jsonata else "afterParameters"] = command.payload
    if mocked is not None:
        if mocked.has_result:
            _settle_success(run, thread, mocked.result)
        else:
            _settle_failure(run, thread, mocked.error or "", mocked.cause)
        return
    if perform is None:
        raise TestStateError(
            "ValidationException",
            f"The Task state '{state.name}' needs a mock: nothing can call its resource.",
        )
    performed = perform(command)
    if performed.error is not None:
        _settle_failure(run, thread, performed.error, performed.cause)
        return
    info = state.resource
    result = performed.output
    if info is not None and info.is_lambda_invoke:
        result = lambda_invoke_envelope(result, thread["id"])
    _settle_success(run, thread, result)


def _settle_success(run: _InspectingRun, thread: Thread, result: JSON) -> None:
    run.watched.stages.setdefault("result", result)
    run.settle(
        thread,
        lambda run, thread, state: task_state.task_succeeded(
            run, thread, state, result, service_response=True
        ),
    )


def _settle_failure(run: Run, thread: Thread, error: str, cause: str) -> None:
    run.settle(thread, lambda run, thread, state: task_state.task_failed(run, thread, state, error, cause))


def _finish_mocked_children(
    run: _InspectingRun, thread: Thread, state: CompiledState, mocked: _Mock | None, config: _Configuration
) -> None:
    """A Map or Parallel whose result is mocked: its iterations/branches never run."""
    assert mocked is not None
    waiting = thread.get("w") or {}
    for child_id in list(waiting.get("live", ())):
        run.drop_thread(child_id)
    thread["w"] = None
    if state.type == "Map":
        _note_map_settings(run, state, waiting)
    if not mocked.has_result:
        error, cause = mocked.error or "", mocked.cause
        run.settle(thread, lambda run, thread, state: run.handle_error(thread, state, error, cause))
        return
    if state.type == "Map" and _tolerance_exceeded(waiting, config.map_iteration_failure_count):
        run.settle(
            thread,
            lambda run, thread, state: run.handle_error(
                thread, state, errors.EXCEED_TOLERATED_FAILURE_THRESHOLD, TOLERATED_FAILURE_CAUSE
            ),
        )
        return
    result = mocked.result
    run.watched.stages.setdefault("result", result)
    complete = map_state.complete if state.type == "Map" else parallel_state.complete
    run.settle(thread, lambda run, thread, state: complete(run, thread, state, result))


def _note_map_settings(run: _InspectingRun, state: CompiledState, waiting: dict[str, Any]) -> None:
    stages = run.watched.stages
    if "items" in waiting and state.items_path is not None and not state.jsonata:
        stages["afterItemsPath"] = waiting["items"]
    stages["maxConcurrency"] = waiting.get("max", 0)
    if waiting.get("tc") is not None:
        stages["toleratedFailureCount"] = waiting["tc"]
    if waiting.get("tp") is not None:
        stages["toleratedFailurePercentage"] = float(waiting["tp"])


def _tolerance_exceeded(waiting: dict[str, Any], failures: int | None) -> bool:
    """stateConfiguration.mapIterationFailureCount against the Map's tolerated failures."""
    if not failures:
        return False
    count, percent, total = waiting.get("tc"), waiting.get("tp"), waiting.get("n") or 0
    if count is not None and failures > count:
        return True
    return percent is not None and total > 0 and failures * 100 / total > percent


# --- the response ------------------------------------------------------------------------------


def _response(run: _InspectingRun, thread: Thread, state: CompiledState, level: str) -> dict[str, JSON]:
    watched = run.watched
    response: dict[str, JSON] = {}
    failed = next((c for c in run.commands if isinstance(c, FinishExecution) and c.status == "FAILED"), None)
    if failed is not None:
        response.update(status="FAILED", error=failed.error or "", cause=failed.cause or "")
    elif watched.retry_index is not None:
        response.update(status="RETRIABLE", error=watched.error, cause=watched.cause)
    elif watched.exited:
        response["output"] = to_json(watched.output)
        if watched.next_state is not None:
            response["nextState"] = watched.next_state
        if watched.error is not None:
            response.update(status="CAUGHT_ERROR", error=watched.error, cause=watched.cause)
        else:
            response["status"] = "SUCCEEDED"
    else:
        raise RuntimeError(f"TestState: the state '{state.name}' neither finished nor failed")
    if level != "INFO":
        response["inspectionData"] = _inspection_data(run, thread, state, response)
    return response


_JSONPATH_ORDER = ("afterInputPath", "afterParameters", "result", "afterResultSelector", "afterResultPath")
_NUMBERS = ("maxConcurrency", "toleratedFailureCount", "toleratedFailurePercentage")


def _inspection_data(
    run: _InspectingRun, thread: Thread, state: CompiledState, response: dict[str, JSON]
) -> dict[str, JSON]:
    """DEBUG's stage values, shaped per state type the way AWS's answers show them."""
    stages = dict(run.watched.stages)
    original = run.state["ctx"]["input"]
    if state.jsonata:
        for key in ("afterInputPath", "afterParameters", "afterResultSelector", "afterResultPath"):
            stages.pop(key, None)
    else:
        _fill_jsonpath_stages(state, stages, original, response)
    data: dict[str, JSON] = {"input": to_json(original)}
    for key in ("afterArguments", *_JSONPATH_ORDER, "afterItemsPath"):
        if key in stages:
            data[key] = to_json(stages[key])
    for key in _NUMBERS:
        if key in stages:
            data[key] = stages[key]
    variables = thread.get("vars")
    if variables:
        data["variables"] = to_json(variables)
    details: dict[str, JSON] = {}
    watched = run.watched
    if response["status"] == "CAUGHT_ERROR" and watched.catch_index is not None:
        details["catchIndex"] = watched.catch_index
    if response["status"] == "RETRIABLE" and watched.retry_index is not None:
        details["retryIndex"] = watched.retry_index
        details["retryBackoffIntervalSeconds"] = round(watched.retry_delay or 0)
    if details:
        data["errorDetails"] = details
    return data


def _fill_jsonpath_stages(
    state: CompiledState, stages: dict[str, JSON], original: JSON, response: dict[str, JSON]
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
        if "afterResultPath" not in stages and "output" in response:
            stages["afterResultPath"] = json.loads(str(response["output"]))
        return
    stages.setdefault("afterInputPath", original)
    if state.type in ("Task", "Parallel"):
        stages.setdefault("afterParameters", stages["afterInputPath"])
    if state.type not in ("Task", "Map", "Parallel"):
        for key in ("afterParameters", "result", "afterResultSelector", "afterResultPath"):
            stages.pop(key, None)
