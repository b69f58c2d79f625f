"""The one place an engine ExecutionContext ($$.Execution / $$.StateMachine) is built.

AWS's context object names the execution (ARN, name, start time, role) and its state machine;
a Distributed Map child's state machine is ``<machine>/<label>`` and an Express execution's ARN
is unique per run (``express:<machine>:<name>:<uuid>``), see
https://docs.aws.amazon.com/step-functions/latest/dg/input-output-contextobject.html
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from engine.states.model import ExecutionContext
from workbench.core.arns import express_execution_arn, map_run_child_arn, state_machine_name
from workbench.core.ids import random_id
from workbench.runtime import clock
from workbench.stepfunctions.models import Execution, StateMachine, StateMachineVersion


def _context(arn: str, name: str, machine_arn: str, start: datetime, role_arn: str) -> ExecutionContext:
    return ExecutionContext(
        execution_arn=arn,
        execution_name=name,
        state_machine_arn=machine_arn,
        state_machine_name=state_machine_name(machine_arn),
        start_time=start,
        role_arn=role_arn,
    )


def of_execution(execution: Execution) -> ExecutionContext:
    """A stored (Standard) execution's context; a Map Run child's names its Map Run's machine,
    one started through a version or alias names them."""
    context = _context(
        execution.arn,
        execution.name,
        execution.state_machine_arn,
        execution.start_date,
        execution.role_arn,
    )
    if execution.version_number is None:
        return context
    return replace(context, version_arn=execution.version_arn or "", alias_arn=execution.alias_arn or "")


def of_express(
    machine: StateMachine, name: str, arn: str | None = None, *, version: StateMachineVersion | None = None
) -> ExecutionContext:
    """A new Express execution's context; its ARN is unique per run unless given. One run by
    a version acts as that version's role."""
    workspace = machine.workspace
    if arn is None:
        base = express_execution_arn(workspace.region, workspace.account_id, machine.name, name)
        arn = f"{base}:{random_id()}"
    role_arn = version.role_arn if version is not None else machine.role_arn
    return _context(arn, name, machine.arn, clock.now(workspace), role_arn)


def of_express_child(map_run_machine_arn: str, name: str, role_arn: str, start: datetime) -> ExecutionContext:
    """An in-memory Distributed Map child of an Express parent, started at ``start`` (its
    workspace's time)."""
    arn = map_run_child_arn(map_run_machine_arn, name, express=True)
    return _context(arn, name, map_run_machine_arn, start, role_arn)
