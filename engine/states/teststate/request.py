"""TestState's request, checked against the state it tests (API_TestState; test-state-isolation).

The shell has already checked the request's wire format (member types, enum values, members
that exclude each other, lengths) as the API answers it; what is left here depends on the
definition: which state is tested, whether its type takes a mock, whether a mocked result fits
the state or its service's API model, and whether ``stateConfiguration`` applies to the state.
Every refusal is ``Refused`` carrying AWS's error code and words.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Literal, Required, TypedDict

from engine.states.definition import (
    InvalidDefinitionError,
    format_invalid_definition,
    parse_definition,
    validate,
)
from engine.states.handlers.compiled import CompiledMachine, CompiledState, Program
from engine.states.history import ACTIVITY, SYNC
from engine.states.mock_validation import (
    DEFAULT_MODE,
    ApiModel,
    MockValidationError,
    needs_api_model,
    validate_mock_result,
)
from engine.states.model import JSON
from engine.states.teststate.context import InvalidContextError, check_context

__all__ = [
    "SINGLE_STATE_NAME",
    "ApiModels",
    "Configuration",
    "ErrorOutput",
    "InspectionLevel",
    "Mock",
    "MockSpec",
    "Refused",
    "StateConfiguration",
    "check_context_for",
    "check_mock",
    "configuration",
    "context_retry_count",
    "json_object",
    "load",
    "parse_input",
]

InspectionLevel = Literal["INFO", "DEBUG", "TRACE"]

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

ApiModels = Callable[[str], ApiModel | None]
"""The API model of a Task resource's result (the shell reads AWS's service models), or None."""


class Refused(Exception):
    """A request TestState refuses; ``code`` is AWS's error code for it."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


class ErrorOutput(TypedDict, total=False):
    """API_MockErrorOutput, as the shell checked it."""

    error: Required[str]
    cause: str


class MockSpec(TypedDict, total=False):
    """API_MockInput, as the shell checked it: exactly one of ``result`` and ``errorOutput``."""

    result: str
    errorOutput: ErrorOutput
    fieldValidationMode: str


class StateConfiguration(TypedDict, total=False):
    """API_TestStateConfiguration, as the shell checked it (counts are whole numbers >= 0)."""

    retrierRetryCount: int
    mapIterationFailureCount: int
    errorCausedByState: str
    mapItemReaderData: str


@dataclass(frozen=True)
class Mock:
    """A mock as the run uses it: a parsed result, or an error."""

    has_result: bool
    result: JSON = None
    error: str | None = None
    cause: str = ""


@dataclass(frozen=True)
class Configuration:
    retrier_retry_count: int = 0
    map_iteration_failure_count: int | None = None
    error_caused_by_state: str | None = None
    map_item_reader_data: str | None = None


def load(
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
            raise Refused("InvalidDefinition", problem.message) from None
        program = Program(document)
        for machine in program.machines.values():
            if state_name in machine.states:
                return program, machine, machine.states[state_name]
        raise Refused("ValidationException", STATE_NOT_FOUND)
    try:
        single = json.loads(text)
    except json.JSONDecodeError:
        raise Refused("InvalidDefinition", format_invalid_definition(validate(text))) from None
    if not isinstance(single, dict) or "Type" not in single:
        hint = " (pass stateName to test one state of a whole state machine)" if "States" in single else ""
        raise Refused(
            "InvalidDefinition",
            f"Invalid State Definition: the definition must be one state, a JSON object with a Type{hint}.",
        )
    wrapper = _single_state_machine(single)
    problems = [d for d in validate(json.dumps(wrapper)) if d.severity == "ERROR"]
    if problems:
        raise Refused("InvalidDefinition", format_invalid_definition(problems))
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


def check_mock(state: CompiledState, mock: MockSpec | None, api_models: ApiModels | None) -> Mock | None:
    """The mock, if the state takes one and its result fits; a state that needs one without it
    is refused."""
    if mock is None:
        if state.type in ("Map", "Parallel"):
            raise Refused("InvalidDefinition", UNSUPPORTED_WITHOUT_MOCK)
        info = state.resource
        if info is not None and (info.kind == ACTIVITY or info.wait_for_token or SYNC in info.arn):
            raise Refused(
                "InvalidDefinition",
                "TestState only supports Activity tasks, .sync or .waitForTaskToken service integration "
                "patterns when a mock is specified.",
            )
        return None
    if state.type not in MOCKABLE_TYPES:
        raise Refused(
            "ValidationException", f"State type '{state.type}' is not supported when a mock is specified"
        )
    error_output = mock.get("errorOutput")
    if error_output is not None:
        return Mock(False, error=error_output["error"], cause=error_output.get("cause", ""))
    result = _mocked_result(mock.get("result"))
    if state.type == "Map":
        _check_map_result(state, result)
    elif state.type == "Parallel":
        if not isinstance(result, list):
            raise Refused("ValidationException", "Mocked result must be an array.")
        if len(result) != len(state.branches):
            raise Refused(
                "ValidationException",
                "Mocked result must contain the same number of items as number of Parallel branches.",
            )
    elif state.resource is not None:
        arn, mode = state.resource.arn, mock.get("fieldValidationMode") or DEFAULT_MODE
        model = api_models(arn) if api_models is not None and needs_api_model(arn, mode) else None
        try:
            validate_mock_result(arn, result, mode, model)
        except MockValidationError as invalid:
            raise Refused("ValidationException", invalid.message) from None
    return Mock(True, result=result)


def _check_map_result(state: CompiledState, result: JSON) -> None:
    """A Map's mock is its whole result: the results array, or with ResultWriter the writer's
    object (LocalStack's AWS snapshot test_state_mock_validation.snapshot.json)."""
    if "ResultWriter" in state.raw:
        if not isinstance(result, dict):
            raise Refused("ValidationException", "Mocked result must be a JSON object.")
    elif not isinstance(result, list):
        raise Refused("ValidationException", "Mocked result must be an array.")


def _mocked_result(raw: JSON) -> JSON:
    if isinstance(raw, str):
        try:
            return json.loads(raw)
        except json.JSONDecodeError:
            pass
    raise Refused("ValidationException", "Mocked result must be valid JSON")


def configuration(
    config: StateConfiguration | None, state: CompiledState, mocked: Mock | None
) -> Configuration:
    """TestStateConfiguration, checked against the state it configures."""
    if not config:
        return Configuration()
    failures = config.get("mapIterationFailureCount")
    if failures is not None and state.type != "Map":
        raise Refused(
            "ValidationException",
            "stateConfiguration.mapIterationFailureCount applies to a Map state, "
            f"not to a {state.type} state.",
        )
    caused_by = _error_caused_by_state(config.get("errorCausedByState"), state, mocked)
    reader_data = config.get("mapItemReaderData")
    if reader_data is not None and (state.type != "Map" or not isinstance(state.raw.get("ItemReader"), dict)):
        raise Refused(
            "ValidationException",
            "stateConfiguration.mapItemReaderData applies to a Map state with an ItemReader; "
            f"the state '{state.name}' has none.",
        )
    return Configuration(config.get("retrierRetryCount") or 0, failures, caused_by, reader_data)


def _error_caused_by_state(name: str | None, state: CompiledState, mocked: Mock | None) -> str | None:
    """The sub-state a mocked Map/Parallel error comes from ("Specifying error source with
    errorCausedByState", test-state-isolation): it must be one of that state's own states."""
    if name is None:
        return None
    if state.type not in ("Map", "Parallel") or mocked is None or mocked.has_result:
        raise Refused(
            "ValidationException",
            "stateConfiguration.errorCausedByState applies to a Map or Parallel state with a mocked "
            "error (mock.errorOutput).",
        )
    if name not in {inner.name for inner in _states_within(state)}:
        raise Refused(
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


def check_context_for(context: dict[str, JSON], state: CompiledState) -> None:
    """A supplied context object, refused where a real one could not hold it."""
    info = state.resource
    takes_token = info is not None and (info.wait_for_token or SYNC in info.arn)
    try:
        check_context(context, takes_token=takes_token)
    except InvalidContextError as invalid:
        raise Refused("ValidationException", invalid.message) from None


def context_retry_count(context: dict[str, JSON] | None) -> int:
    """``State.RetryCount`` of a supplied context picks the retry attempt too ("test what happens
    when all retry attempts are exhausted by increasing RetryCount values in your context
    object", test-state-isolation)."""
    state = context.get("State") if context else None
    count = state.get("RetryCount") if isinstance(state, dict) else None
    return count if isinstance(count, int) and not isinstance(count, bool) else 0


def parse_input(text: str | None) -> JSON:
    if text is None:
        return {}
    try:
        return json.loads(text)
    except json.JSONDecodeError as problem:
        raise Refused(
            "InvalidExecutionInput",
            f"Invalid State Machine Execution Input: '{problem.msg} at line {problem.lineno} "
            f"column {problem.colno}'",
        ) from None


def json_object(text: str | None, field_name: str) -> dict[str, JSON] | None:
    """``variables`` or ``context``: JSON text holding an object."""
    if text is None:
        return None
    try:
        value = json.loads(text)
    except json.JSONDecodeError as problem:
        raise Refused(
            "ValidationException", f"The {field_name} field is not valid JSON: {problem.msg}"
        ) from None
    if not isinstance(value, dict):
        raise Refused("ValidationException", f"The {field_name} field must be a JSON object.")
    return value
