"""Resolving and calling functions: one path for state machine tasks and rule targets."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils.module_loading import import_string

from workbench.accounts.models import Workspace
from workbench.core.arns import function_arn, lambda_function_name
from workbench.core.errors import AwsError, ResourceNotFound, ValidationError
from workbench.core.prepared import Prepared
from workbench.core.rows import insert
from workbench.functions.models import Function, Invocation

FUNCTION_NAME_MAX = 64


class FunctionError(Exception):
    """A function ended with an error; ``error`` is what Retry/Catch match on."""

    def __init__(self, error: str, cause: str = "") -> None:
        super().__init__(f"{error}: {cause}")
        self.error = error
        self.cause = cause


@dataclass(frozen=True)
class Outcome:
    output: Any = None
    error: str | None = None
    cause: str = ""


def arn_of(function: Function) -> str:
    return function_arn(function.workspace.region, function.workspace.account_id, function.name)


# Every function task looks its function up: compiled once per thread (core/prepared.py).
_BY_NAME: Prepared[Function] = Prepared(
    lambda workspace_id, name: (
        Function.objects.filter(workspace_id=workspace_id, name=name)
        .select_related("workspace")
        .order_by()[:1]
    ),
    int,
    str,
)


def exists(workspace: Workspace, arn_or_name: str) -> bool:
    """Whether ``resolve`` would find a function (stored, or registered in settings), creating nothing."""
    name = lambda_function_name(arn_or_name)
    if not name:
        return False
    return (
        name in settings.STEPBRIDGE_FUNCTIONS
        or Function.objects.filter(workspace=workspace, name=name).exists()
    )


def resolve(workspace: Workspace, arn_or_name: str) -> Function:
    """The function a Lambda ARN (or bare name) names in this workspace.

    A name registered in settings.STEPBRIDGE_FUNCTIONS and not yet in the database becomes a
    python function on first use, so operator code needs no set-up step.
    """
    name = lambda_function_name(arn_or_name)
    if not name:
        raise ResourceNotFound(f"Function not found: {arn_or_name}")
    found = _BY_NAME.first(workspace.id, name)
    if found is not None:
        return found
    if name in settings.STEPBRIDGE_FUNCTIONS:
        found, _ = Function.objects.get_or_create(
            workspace=workspace,
            name=name,
            defaults={"kind": Function.PYTHON, "python_path": settings.STEPBRIDGE_FUNCTIONS[name]},
        )
        return found
    raise ResourceNotFound(
        f"Function not found: {function_arn(workspace.region, workspace.account_id, name)}"
    )


def validate_outcomes(outcomes: Any) -> list[dict[str, Any]]:
    """Check a mock's outcome list; the message names the bad item."""
    if not isinstance(outcomes, list) or not outcomes:
        raise ValidationError(
            'outcomes must be a non-empty JSON list of {"output": ...} or {"error": ..., "cause": ...}'
        )
    for index, item in enumerate(outcomes):
        if not isinstance(item, dict):
            raise ValidationError(f"outcomes[{index}] must be an object")
        keys = set(item)
        if "error" in keys:
            if not isinstance(item["error"], str) or not item["error"]:
                raise ValidationError(f"outcomes[{index}].error must be a non-empty string")
            if keys - {"error", "cause"}:
                raise ValidationError(f"outcomes[{index}] with an error takes only error and cause")
        elif keys != {"output"}:
            raise ValidationError(f"outcomes[{index}] must have either output, or error (and cause)")
    return outcomes


def save_mock(workspace: Workspace, name: str, outcomes: Any, description: str = "") -> Function:
    """Create or replace a mock function; nothing is stored when the outcomes are invalid."""
    if not name or len(name) > FUNCTION_NAME_MAX or not all(c.isalnum() or c in "-_" for c in name):
        raise ValidationError(f"Invalid function name '{name}': 1-64 letters, digits, - or _")
    outcomes = validate_outcomes(outcomes)
    function, _ = Function.objects.update_or_create(
        workspace=workspace,
        name=name,
        defaults={"kind": Function.MOCK, "outcomes": outcomes, "python_path": "", "description": description},
    )
    return function


def invoke(function: Function, payload: Any, *, caller: str, attempt: int = 1) -> Outcome:
    """Call the function and log the call.

    ``attempt`` counts from 1 (a task's $$.State.RetryCount + 1, a delivery's try), so a
    mock's per-attempt outcomes line up with the retries of one task; ``caller`` names who
    called (an execution's state, a rule's target) for the log. In a caller's transaction (a
    task's call, ``runtime.executions.invoke_task``) no savepoint is taken: the handler's own
    exceptions are caught in ``_run``, so nothing here is rolled back alone.
    """
    with transaction.atomic(savepoint=False):
        outcome = _run(function, payload, attempt)
        invocation = Invocation(
            function=function,
            caller=caller[:512],
            attempt=attempt,
            payload=payload,
            output=outcome.output,
            error=outcome.error or "",
            cause=outcome.cause,
        )
        # One statement, no save path, no key read back (it goes with the task's other writes,
        # core.together): this is on every Task's call.
        insert(invocation, keyed=False)
    return outcome


def _run(function: Function, payload: Any, attempt: int) -> Outcome:
    if function.kind == Function.MOCK:
        outcomes = function.outcomes or [{"output": None}]
        chosen = outcomes[min(attempt, len(outcomes)) - 1]
        if "error" in chosen:
            return Outcome(error=chosen["error"], cause=chosen.get("cause", ""))
        return Outcome(output=chosen.get("output"))
    try:
        handler = import_string(function.python_path.replace(":", "."))
    except ImportError as exc:
        return Outcome(error="Lambda.ServiceException", cause=f"cannot import {function.python_path}: {exc}")
    context = {"function_name": function.name, "attempt": attempt}
    try:
        result = handler(payload, context)
        json.dumps(result)
    except FunctionError as exc:
        return Outcome(error=exc.error, cause=exc.cause)
    except AwsError as exc:
        return Outcome(error=exc.code, cause=exc.message)
    except Exception as exc:
        return Outcome(
            error=type(exc).__name__,
            cause=json.dumps({"errorMessage": str(exc), "errorType": type(exc).__name__}),
        )
    return Outcome(output=result)
