"""TestState: run one state once and show what each data-flow stage made of the input.

AWS's TestState API ("Testing state machines with TestState API", developer guide,
test-state-isolation; API reference, API_TestState) accepts either one state's definition on
its own or a whole state machine plus ``stateName``, runs that state once and answers::

    status      SUCCEEDED | FAILED | RETRIABLE (a Retrier matched) | CAUGHT_ERROR (a Catcher did)
    output      the state output (SUCCEEDED, CAUGHT_ERROR)
    nextState   where the execution would go next (absent at the end, and on failure)
    error/cause the error (FAILED, RETRIABLE, CAUGHT_ERROR)
    inspectionData (DEBUG and TRACE) the value after each stage, as JSON text

The state runs through the interpreter's own handlers (``engine.states.handlers``): a
``Run`` subclass only watches the stages go by, so TestState and a real execution cannot
disagree about data flow. A Task's work is a ``mock`` or the caller's ``perform`` callback
(the shell calls the real resource), so this module stays pure. A Wait state does not wait.
Map and Parallel states need a mock (their iterations and branches do not run), as in AWS;
``engine.states.test_state_map`` shows a Map's item stages. A mocked Task result is checked
against the service's API model (``engine.states.mock_validation``); a supplied ``context``
replaces the context object (``engine.states.test_state_context``). ``stateConfiguration``
picks the retry attempt (retrierRetryCount), the failed Map iterations
(mapIterationFailureCount), the sub-state a Map/Parallel error comes from (errorCausedByState)
and what a Distributed Map's ItemReader read (mapItemReaderData).
TRACE adds the HTTP request and response of an HTTP Task; the workbench has no HTTP Task, so
TRACE shows what DEBUG shows.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Iterator
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
from engine.states.handlers import map_state, parallel_state, registry, task_state
from engine.states.handlers.choice_wait import finish_wait
from engine.states.handlers.codes import BLOCKED
from engine.states.handlers.compiled import CompiledMachine, CompiledState, Program
from engine.states.handlers.run import Run, Thread, iso_timestamp
from engine.states.history import ACTIVITY, SYNC, lambda_invoke_envelope
from engine.states.mock_validation import (
    DEFAULT_MODE,
    VALIDATION_MODES,
    ApiModel,
    MockValidationError,
    needs_api_model,
    validate_mock_result,
)
from engine.states.model import JSON, Environment, ExecutionContext, FinishExecution, InvokeTask, StartTimer
from engine.states.paths import Renderer, to_json
from engine.states.test_state_context import InvalidContextError, check_context
from engine.states.test_state_map import MapDataRefused, map_stages, map_view, release

__all__ = [
    "INSPECTION_LEVELS",
    "SINGLE_STATE_NAME",
    "ApiModels",
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
STATE_NOT_FOUND = "State not found in definition"
"""AWS's message for a ``stateName`` the definition lacks (LocalStack's AWS snapshot
test_test_state_machine_scenarios.snapshot.json, test_base_state_name_validation_failures)."""
TOLERATED_FAILURE_CAUSE = "The specified tolerated failure threshold was exceeded"
MAX_ERROR_LENGTH = 256
MAX_CAUSE_LENGTH = 32768
"""MockErrorOutput's limits (API_MockErrorOutput: error 0-256, cause 0-32768 characters)."""
_CHILD_WAITS = ("map", "maprun", "reader", "writer", "parallel")
"""What a Map or Parallel waits for when its children would run: a mock replaces all of it."""
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

ApiModels = Callable[[str], ApiModel | None]
"""The API model of a Task resource's result (the shell reads AWS's service models), or None."""


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
    api_models: ApiModels | None = None,
) -> dict[str, JSON]:
    """Run one state once; returns TestState's response (``output`` etc. as JSON text).

    ``input``, ``variables``, ``context`` and ``mock["result"]`` are JSON text, as the API
    sends them; ``mock`` is ``{"result": text}`` or ``{"errorOutput": {"error", "cause"}}``,
    with an optional ``fieldValidationMode``; ``state_configuration`` is the API's
    TestStateConfiguration. ``execution`` supplies the ARNs and names of the context object;
    ``api_models`` the model a mocked Task result is checked against where the engine has none.
    Raises TestStateError.
    """
    level = _level(inspection_level)
    program, machine, state = _load(definition, state_name)
    mocked = _check_mock(state, mock, reveal_secrets, api_models)
    if context is not None and mock is None:
        raise TestStateError(
            "ValidationException", "The context field may only be specified if a mock is specified."
        )
    config = _configuration(state_configuration, state, mocked)
    value = _parse_input(input)
    given_variables = _json_object(variables, "variables")
    given_context = _json_object(context, "context")
    if given_context is not None:
        _check_context(given_context, state)
    if given_variables:
        program.uses_variables = True
    run = _InspectingRun(program, _engine_state(execution or _DEFAULT_CONTEXT, value, env), env)
    run.context_override = given_context
    if given_context is None and _inside_map(machine):
        # "Automatic Context population": a state within a Map sees iteration 0 with its input.
        run.map_item = (0, value)
    retries = config.retrier_retry_count or _context_retry_count(given_context)
    run.configured_retries = retries
    thread = run.new_thread(machine, value, None, 0, last=0)
    thread["s"] = state.name
    if given_variables:
        thread["vars"] = dict(given_variables)
        thread["vsz"] = {name: len(to_json(v).encode()) for name, v in given_variables.items()}
    if retries:
        thread["rt"] = retries
    try:
        _execute(run, thread, state, mocked, perform, config)
    except MapDataRefused as refused:
        raise TestStateError("ValidationException", refused.message) from None
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
    error_caused_by_state: str | None = None
    map_item_reader_data: str | None = None


def _level(level: str | None) -> str:
    chosen = level or "INFO"
    if chosen not in INSPECTION_LEVELS:
        raise TestStateError(
            "ValidationException", _enum_message(chosen, "inspectionLevel", INSPECTION_LEVELS)
        )
    return chosen


def _enum_message(value: object, member: str, allowed: tuple[str, ...]) -> str:
    return (
        f"1 validation error detected: Value '{value}' at '{member}' failed to satisfy constraint: "
        f"Member must satisfy enum value set: [{', '.join(allowed)}]"
    )


def _load(
    definition: str | dict[str, JSON], state_name: str | None
) -> tuple[Program, CompiledMachine, CompiledState]:
    """The program and the state to test: a whole machine plus ``stateName``, or one state.

    With ``stateName`` the state may sit anywhere, inside a Parallel branch or a Map's
    ItemProcessor too ("Iterating through state machine definitions", test-state-isolation).
    """
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
        raise TestStateError("ValidationException", STATE_NOT_FOUND)
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


def _inside_map(machine: CompiledMachine) -> bool:
    """The machine is a Map's ItemProcessor, or nested in one (see CompiledState's keys)."""
    return "#map" in machine.key


def _check_mock(
    state: CompiledState, mock: dict[str, JSON] | None, reveal_secrets: bool, api_models: ApiModels | None
) -> _Mock | None:
    if mock is None:
        if state.type in ("Map", "Parallel"):
            raise TestStateError("InvalidDefinition", UNSUPPORTED_WITHOUT_MOCK)
        info = state.resource
        if info is not None and (info.kind == ACTIVITY or info.wait_for_token or SYNC in info.arn):
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
    mode = mock.get("fieldValidationMode")
    if mode is None:
        mode = DEFAULT_MODE
    if mode not in VALIDATION_MODES:
        raise TestStateError(
            "ValidationException", _enum_message(mode, "mock.fieldValidationMode", VALIDATION_MODES)
        )
    has_result, error_output = "result" in mock, mock.get("errorOutput")
    if has_result == (error_output is not None):
        raise TestStateError(
            "ValidationException",
            "A test mock should have only one of the following fields: [result, errorOutput].",
        )
    if error_output is not None:
        return _mocked_error(error_output)
    result = _mocked_result(mock["result"])
    if state.type == "Map":
        _check_map_result(state, result)
    elif state.type == "Parallel":
        if not isinstance(result, list):
            raise TestStateError("ValidationException", "Mocked result must be an array.")
        if len(result) != len(state.branches):
            raise TestStateError(
                "ValidationException",
                "Mocked result must contain the same number of items as number of Parallel branches.",
            )
    elif state.resource is not None:
        arn, checked = state.resource.arn, str(mode)
        model = api_models(arn) if api_models is not None and needs_api_model(arn, checked) else None
        try:
            validate_mock_result(arn, result, checked, model)
        except MockValidationError as invalid:
            raise TestStateError("ValidationException", invalid.message) from None
    return _Mock(True, result=result)


def _mocked_error(error_output: JSON) -> _Mock:
    if not isinstance(error_output, dict) or not isinstance(error_output.get("error"), str):
        raise TestStateError(
            "ValidationException", "mock.errorOutput.error is required and must be a string."
        )
    error = error_output["error"]
    cause = error_output.get("cause")
    cause = cause if isinstance(cause, str) else ""
    for member, text, limit in (("error", error, MAX_ERROR_LENGTH), ("cause", cause, MAX_CAUSE_LENGTH)):
        if len(text) > limit:
            raise TestStateError(
                "ValidationException",
                f"1 validation error detected: Value at 'mock.errorOutput.{member}' failed to satisfy "
                f"constraint: Member must have length less than or equal to {limit}",
            )
    return _Mock(False, error=error, cause=cause)


def _check_map_result(state: CompiledState, result: JSON) -> None:
    """A Map's mock is its whole result: the results array, or with ResultWriter the writer's
    object (LocalStack's AWS snapshot test_state_mock_validation.snapshot.json)."""
    if "ResultWriter" in state.raw:
        if not isinstance(result, dict):
            raise TestStateError("ValidationException", "Mocked result must be a JSON object.")
    elif not isinstance(result, list):
        raise TestStateError("ValidationException", "Mocked result must be an array.")


def _mocked_result(raw: JSON) -> JSON:
    if isinstance(raw, str):
        try:
            return json.loads(raw)
        except json.JSONDecodeError:
            pass
    raise TestStateError("ValidationException", "Mocked result must be valid JSON")


def _configuration(
    config: dict[str, JSON] | None, state: CompiledState, mocked: _Mock | None
) -> _Configuration:
    """TestStateConfiguration, checked against the state it configures."""
    if not config:
        return _Configuration()
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
    if counts["mapIterationFailureCount"] is not None and state.type != "Map":
        raise TestStateError(
            "ValidationException",
            "stateConfiguration.mapIterationFailureCount applies to a Map state, "
            f"not to a {state.type} state.",
        )
    caused_by = _error_caused_by_state(config.get("errorCausedByState"), state, mocked)
    reader_data = config.get("mapItemReaderData")
    if reader_data is not None:
        if not isinstance(reader_data, str):
            raise TestStateError(
                "ValidationException", "stateConfiguration.mapItemReaderData must be a string."
            )
        if state.type != "Map" or not isinstance(state.raw.get("ItemReader"), dict):
            raise TestStateError(
                "ValidationException",
                "stateConfiguration.mapItemReaderData applies to a Map state with an ItemReader; "
                f"the state '{state.name}' has none.",
            )
    return _Configuration(
        counts["retrierRetryCount"] or 0, counts["mapIterationFailureCount"], caused_by, reader_data
    )


def _error_caused_by_state(name: JSON, state: CompiledState, mocked: _Mock | None) -> str | None:
    """The sub-state a mocked Map/Parallel error comes from ("Specifying error source with
    errorCausedByState", test-state-isolation): it must be one of that state's own states."""
    if name is None:
        return None
    if not isinstance(name, str) or not name:
        raise TestStateError(
            "ValidationException", "stateConfiguration.errorCausedByState must be a state name."
        )
    if state.type not in ("Map", "Parallel") or mocked is None or mocked.has_result:
        raise TestStateError(
            "ValidationException",
            "stateConfiguration.errorCausedByState applies to a Map or Parallel state with a mocked "
            "error (mock.errorOutput).",
        )
    if name not in {inner.name for inner in _states_within(state)}:
        raise TestStateError(
            "ValidationException",
            f"stateConfiguration.errorCausedByState: there is no state '{name}' inside the "
            f"{state.type} state '{state.name}'.",
        )
    return name


def _states_within(state: CompiledState) -> Iterator[CompiledState]:
    machines = list(state.branches) + ([state.processor] if state.processor is not None else [])
    for machine in machines:
        for inner in machine.states.values():
            yield inner
            yield from _states_within(inner)


def _check_context(context: dict[str, JSON], state: CompiledState) -> None:
    info = state.resource
    takes_token = info is not None and (info.wait_for_token or SYNC in info.arn)
    try:
        check_context(context, takes_token=takes_token)
    except InvalidContextError as invalid:
        raise TestStateError("ValidationException", invalid.message) from None


def _context_retry_count(context: dict[str, JSON] | None) -> int:
    """``State.RetryCount`` of a supplied context picks the retry attempt too ("test what happens
    when all retry attempts are exhausted by increasing RetryCount values in your context
    object", test-state-isolation)."""
    state = context.get("State") if context else None
    count = state.get("RetryCount") if isinstance(state, dict) else None
    return count if isinstance(count, int) and not isinstance(count, bool) else 0


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
    """The decider's state dict for a one-state run (see ``engine.states.handlers.run``)."""
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
    map_item: tuple[int, JSON] | None = None
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
        """The caller's context object in place of the built one (see test_state_context);
        a Map's own ItemSelector still sees the item it is selecting."""
        if self.context_override is None:
            built = super().context(thread, state, token, item if item is not None else self.map_item)
            execution = built["Execution"]
            if isinstance(execution, dict):
                # AWS's TestState context has no RedriveCount (test_state_configuration.snapshot.json,
                # the $states.context of test_map_state_failure_count[INFO-BASE_MAP_STATE]).
                execution.pop("RedriveCount", None)
        else:
            built = copy.deepcopy(self.context_override)
            if item is not None:
                built["Map"] = {"Item": {"Index": item[0], "Value": item[1]}}
        return built

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

    def handle_error(
        self, thread: Thread, state: CompiledState, error: str, cause: str, *, catchable: bool = False
    ) -> int:
        """Retry/Catch as an execution would; notes which handler took the error."""
        watched = self.watched
        watched.error, watched.cause = error, cause
        retry_index = _first_match([r.error_equals for r in state.retriers], error, catchable)
        if retry_index is not None and self.configured_retries:
            thread["rc"].setdefault(str(retry_index), self.configured_retries)
        timers_before = len(self.commands)
        code = super().handle_error(thread, state, error, cause, catchable=catchable)
        waiting = thread.get("w")
        if code == BLOCKED and waiting and waiting.get("k") == "retry":
            watched.retry_index = retry_index
            fire_at = next(c.fire_at for c in self.commands[timers_before:] if isinstance(c, StartTimer))
            watched.retry_delay = (fire_at - self.now).total_seconds()
        elif watched.exited:
            watched.catch_index = _first_match([c.error_equals for c in state.catchers], error, catchable)
        return code


def _first_match(error_lists: list[tuple[str, ...]], error: str, catchable: bool = False) -> int | None:
    return next(
        (
            index
            for index, names in enumerate(error_lists)
            if error_matches(names, error, catchable=catchable)
        ),
        None,
    )


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
    if mocked is not None and (held or (mocked_children and waiting and waiting.get("k") in _CHILD_WAITS)):
        if state.type == "Map":
            _finish_mocked_map(run, thread, state, mocked, config)
        else:
            _finish_mocked_parallel(run, thread, state, mocked)
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


def _finish_mocked_map(
    run: _InspectingRun, thread: Thread, state: CompiledState, mocked: _Mock, config: _Configuration
) -> None:
    """A Map whose result is mocked: its items are read and shaped, its iterations never run."""
    waiting = release(run, thread)

    def step(run: Run, thread: Thread, _: CompiledState) -> int:
        assert isinstance(run, _InspectingRun)
        view = map_view(run, thread, state, waiting, config.map_item_reader_data)
        run.watched.stages.update(map_stages(run, thread, state, view))
        failures = config.map_iteration_failure_count
        if failures is not None and failures > len(view.items):
            raise TestStateError(
                "ValidationException",
                f"stateConfiguration.mapIterationFailureCount ({failures}) cannot exceed the number of "
                f"items in the input ({len(view.items)}).",
            )
        if not mocked.has_result:
            return run.handle_error(thread, state, mocked.error or "", mocked.cause)
        if _tolerance_exceeded(failures, view.tolerated_count, view.tolerated_percent, view.iterations):
            return run.handle_error(
                thread, state, errors.EXCEED_TOLERATED_FAILURE_THRESHOLD, TOLERATED_FAILURE_CAUSE
            )
        return map_state.complete(run, thread, state, mocked.result)

    run.settle(thread, step)


def _finish_mocked_parallel(run: _InspectingRun, thread: Thread, state: CompiledState, mocked: _Mock) -> None:
    """A Parallel whose result is mocked: its branches never run."""
    live = (thread.get("w") or {}).get("live")
    branch = run.threads.get(live[0]) if live else None
    if state.jsonata and state.has_arguments and branch is not None:
        run.watched.stages["afterArguments"] = branch["in"]
    release(run, thread)
    if not mocked.has_result:
        error, cause = mocked.error or "", mocked.cause
        run.settle(thread, lambda run, thread, state: run.handle_error(thread, state, error, cause))
        return
    result = mocked.result
    run.watched.stages.setdefault("result", result)
    run.settle(thread, lambda run, thread, state: parallel_state.complete(run, thread, state, result))


def _tolerance_exceeded(failures: int | None, count: int | None, percent: float | None, total: int) -> bool:
    """stateConfiguration.mapIterationFailureCount against the Map's tolerated failures; a Map
    that tolerates nothing explicitly is not failed by it (AWS's answer for a Map without
    ToleratedFailureCount: SUCCEEDED, test_state_configuration.snapshot.json)."""
    if not failures:
        return False
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


def _inspection_data(
    run: _InspectingRun, thread: Thread, state: CompiledState, response: dict[str, JSON]
) -> dict[str, JSON]:
    """DEBUG's stage values, shaped per state type the way AWS's answers show them."""
    stages = dict(run.watched.stages)
    original = run.state["ctx"]["input"]
    if state.type == "Map":
        # A mocked Map's results are no task result: AWS shows none (test_state_context_object
        # .snapshot.json, test_state_map_context_object: afterResultSelector, no result).
        stages.pop("result", None)
    if state.jsonata:
        for key in ("afterInputPath", "afterParameters", "afterResultSelector", "afterResultPath"):
            stages.pop(key, None)
    else:
        _fill_jsonpath_stages(state, stages, original, response)
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
