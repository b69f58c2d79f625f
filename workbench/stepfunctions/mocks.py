"""Mocked service integrations in Step Functions Local's MockConfig format: reading, checking,
storing and choosing a test case.

The format (https://docs.aws.amazon.com/step-functions/latest/dg/sfn-local-mock-cfg-file.html)::

    {"StateMachines": {"<machine>": {"TestCases": {"<case>": {"<Task state>": "<response>"}}}},
     "MockedResponses": {"<response>": {"0": {"Return": ...}, "1-2": {"Throw": {"Error", "Cause"}}}}}

A mocked response answers each invocation of its Task state: ``"0"`` the first, an inclusive
range such as ``"1-2"`` the second and third; each answer is exactly one of ``Return`` (the
result) or ``Throw`` (an ``Error`` and a ``Cause``, both strings). An execution started on
``<stateMachineArn>#<case>`` uses that test case (sfn-local-test-sm-exec page, step 3); the test
case is copied onto the execution when it starts, so what it answers does not change while it
runs, whichever process performs its tasks.

Where the config comes from, and which wins:

- the file named by ``STEPBRIDGE_MOCK_CONFIG`` or, when that is unset, ``SFN_MOCK_CONFIG``
  (Step Functions Local's and LocalStack's variable), read once per process. ``manage.py serve``
  and every Celery worker read it at start and refuse to start when it is malformed, naming
  the line (``check_file``);
- a workspace's own config, edited on its Mocks page. **A workspace's saved config replaces the
  file for that workspace** (no merging: what the page shows is exactly what its executions
  use); saving an empty text removes it and the workspace falls back to the file. The Mocks page
  opens on the file's text while the workspace has none of its own.

A malformed config is refused with the line it is on: JSON's own errors carry a line and column,
a structural error names the path of the offending member (``$.MockedResponses.R["1-2"].Throw``)
and the line where it starts. Each ``Return`` is checked against the output shape of the Task
state's resource as TestState checks a mock in its default STRICT mode
(``engine.states.mock_validation``, with botocore's models from ``api_models``): when a
test case is chosen (StartExecution) and, for the workspace's state machines of those names,
when the Mocks page saves. Step Functions Local itself checks no shape.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.db import transaction
from django.utils import timezone

from engine.states.mock_validation import (
    DEFAULT_MODE,
    MockValidationError,
    needs_api_model,
    validate_mock_result,
)
from workbench.accounts.models import Workspace
from workbench.core.errors import ValidationError
from workbench.stepfunctions.api_models import output_model
from workbench.stepfunctions.errors import InvalidName
from workbench.stepfunctions.models import MockConfigText, StateMachine

__all__ = [
    "ENV_VARIABLES",
    "MockConfig",
    "MockConfigError",
    "check_file",
    "check_machine",
    "effective_config",
    "file_config",
    "how_to_mock",
    "parse",
    "save_workspace_config",
    "test_case_for",
    "workspace_text",
]

ENV_VARIABLES = ("STEPBRIDGE_MOCK_CONFIG", "SFN_MOCK_CONFIG")
"""The variables naming the config file, the first set one wins."""

RETURN, THROW = "Return", "Throw"
_ATTEMPTS = re.compile(r"^(0|[1-9][0-9]*)(?:-(0|[1-9][0-9]*))?$")

Path = tuple[str | int, ...]


class MockShapeError(ValidationError):
    """A Return that does not fit its resource's output shape; ``path`` is where it is."""

    def __init__(self, message: str, path: Path) -> None:
        super().__init__(message)
        self.path = path


class MockConfigError(Exception):
    """A config that cannot be used: ``message`` says where (its line) and why."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


@dataclass(frozen=True)
class MockConfig:
    """A checked config: ``machines`` maps machine -> test case -> Task state -> response name,
    ``responses`` maps response name -> attempt key ("0", "1-2") -> {"Return"|"Throw": ...}."""

    machines: Mapping[str, Mapping[str, Mapping[str, str]]]
    responses: Mapping[str, Mapping[str, Mapping[str, Any]]]
    source: str

    def test_case(self, machine: str, case: str) -> dict[str, Any] | None:
        """The test case as an execution keeps it: ``{"testCase", "source", "states": {state:
        {"response": name, "answers": {attempt key: answer}}}}``; None when it is not defined."""
        states = self.machines.get(machine, {}).get(case)
        if states is None:
            return None
        return {
            "testCase": case,
            "source": self.source,
            "states": {
                state: {"response": name, "answers": dict(self.responses[name])}
                for state, name in states.items()
            },
        }


def parse(text: str, source: str) -> MockConfig:
    """Read and check a MockConfig text; ``source`` names it in messages (a path, a page)."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise MockConfigError(
            f"{source}: line {exc.lineno}, column {exc.colno}: {exc.msg}", exc.lineno
        ) from None
    return _Checker(text, source).config(data)


def how_to_mock(resource: str, machine: str, state: str) -> str:
    """The cause of a Task whose resource the workbench does not perform and nobody mocked."""
    return (
        f"The resource '{resource}' of state '{state}' in state machine '{machine}' is not performed by "
        "this workbench; mock it: add a test case under StateMachines."
        f'{machine or "<machine>"}.TestCases mapping "{state}" to a mocked response in a MockConfig '
        f"(the file named by {ENV_VARIABLES[1]} or {ENV_VARIABLES[0]}, or this workspace's Mocks "
        "page, /mocks/), then start the execution on '<stateMachineArn>#<TestCase>'"
    )


# --- where configs come from ----------------------------------------------------------------


def check_file() -> None:
    """Read the file config now, so a malformed one stops the starting process (MockConfigError)."""
    file_config()


@lru_cache(maxsize=1)
def file_config() -> MockConfig | None:
    """The config of the file named by the environment, read once per process; None when unset."""
    variable, path = _file_variable()
    if not path:
        return None
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise MockConfigError(f"{variable}={path}: the mock config file cannot be read: {exc}") from None
    return parse(text, f"{variable}={path}")


def _file_variable() -> tuple[str, str]:
    for variable in ENV_VARIABLES:
        value = os.environ.get(variable, "")
        if value:
            return variable, value
    return ENV_VARIABLES[0], ""


def file_text() -> tuple[str, str]:
    """The file's text and name ("" when no file is configured or it cannot be read)."""
    variable, path = _file_variable()
    if not path:
        return "", ""
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read(), f"{variable}={path}"
    except (OSError, UnicodeDecodeError):
        return "", f"{variable}={path}"


def workspace_text(workspace: Workspace) -> str | None:
    """The workspace's own saved config text, None when it has none."""
    saved = MockConfigText.objects.filter(workspace=workspace).values_list("text", flat=True).first()
    return saved if saved else None


def effective_config(workspace: Workspace) -> MockConfig | None:
    """The config the workspace's executions use: its own when saved, else the file's."""
    own = workspace_text(workspace)
    if own is not None:
        return parse(own, "this workspace's Mocks page")
    return file_config()


def save_workspace_config(workspace: Workspace, text: str) -> MockConfig | None:
    """Check and store the workspace's config (MockConfigError when refused, nothing stored);
    an empty text removes it."""
    if not text.strip():
        MockConfigText.objects.filter(workspace=workspace).delete()
        return None
    config = parse(text, "Mocks")
    for machine in StateMachine.objects.filter(workspace=workspace, name__in=list(config.machines)):
        for case in config.machines[machine.name]:
            try:
                check_machine(machine, config.test_case(machine.name, case) or {})
            except MockShapeError as exc:
                raise _Checker(text, "Mocks").fail(exc.path, exc.message) from None
    with transaction.atomic():
        MockConfigText.objects.update_or_create(
            workspace=workspace, defaults={"text": text, "updated": timezone.now()}
        )
    return config


def test_case_for(machine: StateMachine, case: str) -> dict[str, Any]:
    """The test case ``case`` of ``machine`` as an execution keeps it, checked against its
    definition. An unknown test case is refused with InvalidName: neither AWS nor Step
    Functions Local documents the answer, so the code and words are ours."""
    try:
        config = effective_config(machine.workspace)
    except MockConfigError as exc:
        raise ValidationError(f"The mock config cannot be used: {exc.message}") from None
    chosen = config.test_case(machine.name, case) if config is not None else None
    if chosen is None:
        where = config.source if config is not None else "no mock config is loaded"
        raise InvalidName(
            f"Test case '{case}' is not defined for state machine '{machine.name}' in the mock config "
            f"({where}): add it under StateMachines.{machine.name}.TestCases"
        )
    check_machine(machine, chosen)
    return chosen


def check_machine(machine: StateMachine, test_case: Mapping[str, Any]) -> None:
    """Check each Return of the test case against its Task state's resource, as TestState
    checks a mock's result (STRICT); ValidationException names the response and the attempt."""
    resources = dict(_task_resources(json.loads(machine.definition)))
    for state, mocked in test_case.get("states", {}).items():
        resource = resources.get(state)
        if resource is None:
            continue  # not a Task state of this machine: never consulted
        for key, answer in mocked["answers"].items():
            if RETURN not in answer:
                continue
            model = output_model(resource) if needs_api_model(resource, DEFAULT_MODE) else None
            try:
                validate_mock_result(resource, answer[RETURN], DEFAULT_MODE, model)
            except MockValidationError as exc:
                raise MockShapeError(
                    f"Mocked response '{mocked['response']}' (invocation \"{key}\") of state '{state}' "
                    f"in test case '{test_case.get('testCase')}': {exc.message}",
                    ("MockedResponses", mocked["response"], key, RETURN),
                ) from None


def _task_resources(definition: Any) -> Iterator[tuple[str, str]]:
    """(state name, Resource) of every Task state, in branches and Map processors too."""
    states = definition.get("States") if isinstance(definition, dict) else None
    if not isinstance(states, dict):
        return
    for name, state in states.items():
        if not isinstance(state, dict):
            continue
        if state.get("Type") == "Task" and isinstance(state.get("Resource"), str):
            yield name, state["Resource"]
        for branch in state.get("Branches") or []:
            yield from _task_resources(branch)
        for key in ("Iterator", "ItemProcessor"):
            yield from _task_resources(state.get(key))


# --- checking the structure, with lines -----------------------------------------------------


class _Checker:
    """Checks a decoded config; a refusal names the path and the line the member starts on."""

    def __init__(self, text: str, source: str) -> None:
        self.text = text
        self.source = source
        self._lines: dict[Path, int] | None = None

    def line(self, path: Path) -> int:
        if self._lines is None:
            self._lines = _line_index(self.text)
        while path not in self._lines and path:
            path = path[:-1]
        return self._lines.get(path, 1)

    def fail(self, path: Path, problem: str) -> MockConfigError:
        line = self.line(path)
        return MockConfigError(f"{self.source}: line {line}: {_show(path)}: {problem}", line)

    def obj(self, value: Any, path: Path) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise self.fail(path, "must be an object")
        return value

    def config(self, data: Any) -> MockConfig:
        top = self.obj(data, ())
        for key in top:
            if key not in ("StateMachines", "MockedResponses"):
                raise self.fail((key,), "unknown field: a mock config has StateMachines and MockedResponses")
        responses = {
            name: self.response(value, ("MockedResponses", name))
            for name, value in self.obj(top.get("MockedResponses", {}), ("MockedResponses",)).items()
        }
        machines: dict[str, dict[str, dict[str, str]]] = {}
        for machine, value in self.obj(top.get("StateMachines", {}), ("StateMachines",)).items():
            path: Path = ("StateMachines", machine)
            body = self.obj(value, path)
            for key in body:
                if key != "TestCases":
                    raise self.fail((*path, key), "unknown field: a state machine has only TestCases")
            cases = self.obj(body.get("TestCases"), (*path, "TestCases"))
            machines[machine] = {}
            for case, states in cases.items():
                case_path = (*path, "TestCases", case)
                mapped = self.obj(states, case_path)
                for state, name in mapped.items():
                    if not isinstance(name, str):
                        raise self.fail((*case_path, state), "must name a mocked response (a string)")
                    if name not in responses:
                        raise self.fail(
                            (*case_path, state), f"names '{name}', which is not in MockedResponses"
                        )
                machines[machine][case] = dict(mapped)
        return MockConfig(machines, responses, self.source)

    def response(self, value: Any, path: Path) -> dict[str, dict[str, Any]]:
        answers = self.obj(value, path)
        taken: list[tuple[int, int, str]] = []
        for key, answer in answers.items():
            at = (*path, key)
            match = _ATTEMPTS.match(key)
            if match is None:
                raise self.fail(at, 'an invocation is a number ("0") or an inclusive range ("1-2")')
            first, last = int(match[1]), int(match[2] or match[1])
            if last < first:
                raise self.fail(at, f"the range ends ({last}) before it starts ({first})")
            for start, end, other in taken:
                if first <= end and start <= last:
                    raise self.fail(at, f'invocations overlap those of "{other}"')
            taken.append((first, last, key))
            body = self.obj(answer, at)
            if set(body) not in ({RETURN}, {THROW}):
                raise self.fail(at, "must have exactly one field, Return or Throw")
            if THROW in body:
                thrown = self.obj(body[THROW], (*at, THROW))
                for field in ("Error", "Cause"):
                    if not isinstance(thrown.get(field), str):
                        raise self.fail((*at, THROW, field), "Throw needs Error and Cause, both strings")
                for field in thrown:
                    if field not in ("Error", "Cause"):
                        raise self.fail((*at, THROW, field), "unknown field: Throw has Error and Cause")
        return answers


def _show(path: Path) -> str:
    shown = "$"
    for part in path:
        if isinstance(part, int):
            shown += f"[{part}]"
        elif re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", part):
            shown += f".{part}"
        else:
            shown += f"[{json.dumps(part)}]"
    return shown


_WHITESPACE = re.compile(r"[ \t\n\r]*")
_SCALAR = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?|true|false|null")


def _line_index(text: str) -> dict[Path, int]:
    """The line on which each member of a valid JSON text starts (a key's line for an object's
    member), keyed by its path; the last of duplicate keys wins, as it does in json.loads."""
    lines: dict[Path, int] = {}
    decoder = json.JSONDecoder()

    def skip(at: int) -> int:
        return _WHITESPACE.match(text, at).end()  # type: ignore[union-attr]

    def line_of(at: int) -> int:
        return text.count("\n", 0, at) + 1

    def value(at: int, path: Path) -> int:
        at = skip(at)
        lines.setdefault(path, line_of(at))
        char = text[at : at + 1]
        if char == "{":
            at = skip(at + 1)
            if text[at] == "}":
                return at + 1
            while True:
                key, end = decoder.raw_decode(text, at)
                lines[(*path, key)] = line_of(at)
                at = skip(end)
                at = value(at + 1, (*path, key))  # past the colon
                at = skip(at)
                if text[at] == "}":
                    return at + 1
                at = skip(at + 1)
        if char == "[":
            at = skip(at + 1)
            if text[at] == "]":
                return at + 1
            index = 0
            while True:
                lines[(*path, index)] = line_of(skip(at))
                at = skip(value(at, (*path, index)))
                index += 1
                if text[at] == "]":
                    return at + 1
                at += 1
        if char == '"':
            return int(decoder.raw_decode(text, at)[1])
        match = _SCALAR.match(text, at)
        return match.end() if match else at + 1

    value(0, ())
    return lines
