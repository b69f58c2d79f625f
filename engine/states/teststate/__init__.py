"""TestState: run one state once and show what each data-flow stage made of the input.

AWS's TestState API ("Testing state machines with TestState API", developer guide,
test-state-isolation; API reference, API_TestState) accepts either one state's definition on
its own or a whole state machine plus ``stateName``, runs that state once and answers::

    status      SUCCEEDED | FAILED | RETRIABLE (a Retrier matched) | CAUGHT_ERROR (a Catcher did)
    output      the state output (SUCCEEDED, CAUGHT_ERROR)
    nextState   where the execution would go next (absent at the end, and on failure)
    error/cause the error (FAILED, RETRIABLE, CAUGHT_ERROR)
    inspectionData (DEBUG and TRACE) the value after each stage, as JSON text

One module a concern: ``request`` checks the request against the state it tests (the shell
checks the wire format first), ``inspector`` watches a plain ``Run`` through its stage-observer
hook, ``running`` carries the state to its end with its work mocked or performed, ``maps``
shapes a mocked Map's item stages, ``context`` checks a supplied context object, ``response``
builds the answer.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from engine.states.handlers.compiled import CompiledMachine
from engine.states.handlers.run import Run, iso_timestamp
from engine.states.model import JSON, Environment, ExecutionContext
from engine.states.paths import to_json
from engine.states.teststate import request
from engine.states.teststate.inspector import Inspector
from engine.states.teststate.maps import MapDataRefused
from engine.states.teststate.request import (
    SINGLE_STATE_NAME,
    ApiModels,
    ErrorOutput,
    InspectionLevel,
    MockSpec,
    Refused,
    StateConfiguration,
)
from engine.states.teststate.response import response
from engine.states.teststate.running import Perform, Performed, execute

__all__ = [
    "SINGLE_STATE_NAME",
    "ApiModels",
    "ErrorOutput",
    "InspectionLevel",
    "MockSpec",
    "Perform",
    "Performed",
    "Refused",
    "StateConfiguration",
    "run",
]

_DEFAULT_CONTEXT = ExecutionContext(
    execution_arn="arn:aws:states:us-east-1:123456789012:execution:TestStateMachine:test-state",
    execution_name="test-state",
    state_machine_arn="arn:aws:states:us-east-1:123456789012:stateMachine:TestStateMachine",
    state_machine_name="TestStateMachine",
    start_time=datetime(1970, 1, 1, tzinfo=UTC),
)


def run(
    definition: str | dict[str, JSON],
    *,
    state_name: str | None = None,
    input: str | None = None,
    mock: MockSpec | None = None,
    variables: str | None = None,
    context: str | None = None,
    inspection_level: InspectionLevel = "INFO",
    env: Environment,
    perform: Perform | None = None,
    state_configuration: StateConfiguration | None = None,
    execution: ExecutionContext | None = None,
    api_models: ApiModels | None = None,
) -> dict[str, JSON]:
    """Run one state once; returns TestState's response (``output`` etc. as JSON text).

    ``input``, ``variables``, ``context`` and ``mock["result"]`` are JSON text, as the API
    sends them; the shell has checked the request's wire format (``mock`` holds exactly one
    of ``result`` and ``errorOutput``). ``execution`` supplies the ARNs and names of the
    context object; ``api_models`` the model a mocked Task result is checked against where the
    engine has none. Raises Refused.
    """
    program, machine, state = request.load(definition, state_name)
    mocked = request.check_mock(state, mock, api_models)
    config = request.configuration(state_configuration, state, mocked)
    value = request.parse_input(input)
    given_variables = request.json_object(variables, "variables")
    given_context = request.json_object(context, "context")
    if given_context is not None:
        request.check_context_for(given_context, state)
    if given_variables:
        program.uses_variables = True
    # "Automatic Context population": a state within a Map sees iteration 0 with its input.
    map_item = (0, value) if given_context is None and _inside_map(machine) else None
    inspector = Inspector(given_context, map_item)
    one_run = Run(program, _engine_state(execution or _DEFAULT_CONTEXT, value, env), env, inspector)
    retries = config.retrier_retry_count or request.context_retry_count(given_context)
    thread = one_run.new_thread(machine, value, None, 0, last=0)
    thread["s"] = state.name
    if given_variables:
        thread["vars"] = dict(given_variables)
        thread["vsz"] = {name: len(to_json(v).encode()) for name, v in given_variables.items()}
    if retries:
        # The attempt to test: every retrier has been used ``retries`` times, and the state
        # reports that RetryCount (the first matching retrier is the one that counts).
        thread["rt"] = retries
        thread["rc"] = {str(index): retries for index in range(len(state.retriers))}
    try:
        execute(one_run, inspector, thread, state, mocked, perform, config)
    except MapDataRefused as refused:
        raise Refused("ValidationException", refused.message) from None
    return response(one_run, inspector.watched, thread, state, inspection_level)


def _inside_map(machine: CompiledMachine) -> bool:
    """The machine is a Map's ItemProcessor, or nested in one (see CompiledState's keys)."""
    return "#map" in machine.key


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
