"""TestState in the workbench: one code path for the API operation and the state panel.

The engine (``engine.states.test_state``) runs the state; an unmocked Task's resource is
called for real here, through ``workbench.runtime.integrations.perform`` like any execution's,
and a mocked result is checked against the AWS API model ``workbench.stepfunctions.api_models`` reads.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.utils import timezone

from engine.states.model import ExecutionContext, InvokeTask
from engine.states.test_state import Performed, TestStateError
from engine.states.test_state import test_state as run_test_state
from workbench.accounts.models import Workspace
from workbench.core.arns import express_execution_arn, state_machine_arn
from workbench.core.errors import AwsError
from workbench.runtime import integrations
from workbench.runtime.stepper import environment
from workbench.stepfunctions.api_models import output_model

TEST_MACHINE_NAME = "TestStateMachine"
"""The context object's state machine when the state does not come from a stored machine."""


def test_state(
    workspace: Workspace,
    *,
    definition: str,
    state_name: str | None = None,
    input_text: str | None = None,
    mock: dict[str, Any] | None = None,
    variables: str | None = None,
    context: str | None = None,
    inspection_level: str | None = None,
    state_configuration: dict[str, Any] | None = None,
    reveal_secrets: bool = False,
    role_arn: str = "",
    machine_name: str = TEST_MACHINE_NAME,
) -> dict[str, Any]:
    """TestState's response; refusals raise AwsError with AWS's code."""
    name = str(uuid.uuid4())

    def perform(command: InvokeTask) -> Performed:
        done = integrations.perform_command(
            workspace, command, caller=f"TestState {machine_name}", role_arn=role_arn, session_name=name
        )
        if done.error is not None:
            return Performed(error=done.error, cause=done.cause)
        return Performed(output=done.output)

    execution = ExecutionContext(
        execution_arn=express_execution_arn(workspace.region, workspace.account_id, machine_name, name),
        execution_name=name,
        state_machine_arn=state_machine_arn(workspace.region, workspace.account_id, machine_name),
        state_machine_name=machine_name,
        start_time=timezone.now(),
        role_arn=role_arn,
    )
    try:
        return run_test_state(
            definition,
            state_name=state_name,
            input=input_text,
            mock=mock,
            variables=variables,
            context=context,
            inspection_level=inspection_level or "INFO",
            env=environment(),
            perform=perform,
            state_configuration=state_configuration,
            reveal_secrets=reveal_secrets,
            execution=execution,
            api_models=output_model,
        )
    except TestStateError as refused:
        raise AwsError(refused.message, code=refused.code) from None


test_state.__test__ = False  # type: ignore[attr-defined]  # not a pytest test, despite its name
