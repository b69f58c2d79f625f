"""TestState in the workbench: one code path for the API operation and the state panel.

It lives in the runtime because an unmocked Task is performed for real, like an execution's.

This module checks the request's wire format as the API answers it (API_TestState's member
types, the InspectionLevel and MockResponseValidationMode enums, MockInput's ``result`` and
``errorOutput`` excluding each other, API_MockErrorOutput's lengths, TestStateConfiguration's
whole numbers); the engine (``engine.states.teststate``) checks the rest against the state and
runs it. An unmocked Task's resource is called for real here, through
``workbench.runtime.integrations`` like any execution's, and a mocked result is checked
against the AWS API model ``workbench.stepfunctions.api_models`` reads.
"""

from __future__ import annotations

from typing import Any, cast

from django.utils import timezone

from engine.states.mock_validation import VALIDATION_MODES
from engine.states.model import ExecutionContext, InvokeTask
from engine.states.teststate import InspectionLevel, MockSpec, Performed, Refused, StateConfiguration
from engine.states.teststate import run as run_state_once
from workbench.accounts.models import Workspace
from workbench.core.arns import express_execution_arn, state_machine_arn
from workbench.core.errors import (
    AwsError,
    ValidationError,
    enum_value_set,
    invalid,
    max_length,
    value_at_least,
)
from workbench.core.ids import random_id
from workbench.runtime import integrations
from workbench.runtime.stepper import environment
from workbench.stepfunctions.api_models import output_model

TEST_MACHINE_NAME = "TestStateMachine"
"""The context object's state machine when the state does not come from a stored machine."""

INSPECTION_LEVELS = ("INFO", "DEBUG", "TRACE")
MAX_ERROR_LENGTH = 256
MAX_CAUSE_LENGTH = 32768
"""MockErrorOutput's limits (API_MockErrorOutput: error 0-256, cause 0-32768 characters)."""
_COUNTS = ("retrierRetryCount", "mapIterationFailureCount")
_NAMES = ("errorCausedByState", "mapItemReaderData")


def run(
    workspace: Workspace,
    *,
    definition: str,
    state_name: str | None = None,
    input_text: str | None = None,
    mock: Any = None,
    variables: str | None = None,
    context: str | None = None,
    inspection_level: str | None = None,
    state_configuration: Any = None,
    reveal_secrets: bool = False,
    role_arn: str = "",
    machine_name: str = TEST_MACHINE_NAME,
) -> dict[str, Any]:
    """TestState's response; refusals raise AwsError with AWS's code."""
    level = check_inspection_level(inspection_level)
    checked_mock = check_mock(mock)
    if checked_mock is not None and reveal_secrets:
        raise ValidationError("TestState does not support RevealSecrets when a mock is specified.")
    if context is not None and checked_mock is None:
        raise ValidationError("The context field may only be specified if a mock is specified.")
    configuration = check_state_configuration(state_configuration)
    name = random_id()

    def perform(command: InvokeTask) -> Performed:
        done = integrations.perform_command(
            workspace,
            command,
            caller=f"TestState {machine_name}",
            role_arn=role_arn,
            session_name=name,
            state_machine_name=machine_name,
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
        return run_state_once(
            definition,
            state_name=state_name,
            input=input_text,
            mock=checked_mock,
            variables=variables,
            context=context,
            inspection_level=level,
            env=environment(),
            perform=perform,
            state_configuration=configuration,
            execution=execution,
            api_models=output_model,
        )
    except Refused as refused:
        raise AwsError(refused.message, code=refused.code) from None


def check_inspection_level(level: str | None) -> InspectionLevel:
    """InspectionLevel, INFO when absent."""
    chosen = level or "INFO"
    if chosen not in INSPECTION_LEVELS:
        raise invalid("inspectionLevel", enum_value_set(INSPECTION_LEVELS), chosen)
    return cast(InspectionLevel, chosen)


def check_mock(mock: Any) -> MockSpec | None:
    """MockInput: a ``fieldValidationMode`` from the enum, and exactly one of ``result`` and
    ``errorOutput`` (AWS's words, LocalStack's AWS snapshot test_state_mock_validation)."""
    if mock is None:
        return None
    if not isinstance(mock, dict):
        raise ValidationError("mock must be a structure.")
    mode = mock.get("fieldValidationMode")
    if mode is not None and mode not in VALIDATION_MODES:
        raise invalid("mock.fieldValidationMode", enum_value_set(VALIDATION_MODES), mode)
    has_result, error_output = "result" in mock, mock.get("errorOutput")
    if has_result == (error_output is not None):
        raise ValidationError(
            "A test mock should have only one of the following fields: [result, errorOutput]."
        )
    if error_output is not None:
        if not isinstance(error_output, dict) or not isinstance(error_output.get("error"), str):
            raise ValidationError("mock.errorOutput.error is required and must be a string.")
        cause = error_output.get("cause")
        cause = cause if isinstance(cause, str) else ""
        for member, text, limit in (
            ("error", error_output["error"], MAX_ERROR_LENGTH),
            ("cause", cause, MAX_CAUSE_LENGTH),
        ):
            if len(text) > limit:
                raise invalid(f"mock.errorOutput.{member}", max_length(limit))
        checked: MockSpec = {"errorOutput": {"error": error_output["error"], "cause": cause}}
    else:
        checked = {"result": mock["result"]}
    if mode is not None:
        checked["fieldValidationMode"] = mode
    return checked


def check_state_configuration(config: Any) -> StateConfiguration | None:
    """TestStateConfiguration: whole-number counts >= 0 and string names."""
    if not config:
        return None
    if not isinstance(config, dict):
        raise ValidationError("stateConfiguration must be a structure.")
    for key in _COUNTS:
        value = config.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
            raise invalid(f"stateConfiguration.{key}", value_at_least(0), value)
    caused_by = config.get("errorCausedByState")
    if caused_by is not None and (not isinstance(caused_by, str) or not caused_by):
        raise ValidationError("stateConfiguration.errorCausedByState must be a state name.")
    reader_data = config.get("mapItemReaderData")
    if reader_data is not None and not isinstance(reader_data, str):
        raise ValidationError("stateConfiguration.mapItemReaderData must be a string.")
    return cast(StateConfiguration, {k: config[k] for k in _COUNTS + _NAMES if config.get(k) is not None})
