"""Distributed Map runs in the shell: record them, start and stop their child executions, and
report each child's end back to its parent.

The engine decides (StartMapRun, StartChildExecution, EndMapRun); this module writes the durable
half inside the parent's step transaction and carries the rest out after it commits, through
Celery, so a parent step and a child step never share a transaction or a row lock.
"""

from __future__ import annotations

import json
from typing import Any

from django.utils import timezone

from engine.states.model import (
    ChildExecutionEnded,
    Command,
    EndMapRun,
    ExecutionContext,
    ExecutionStartRequested,
    StartChildExecution,
    StartMapRun,
    StopRequested,
)
from workbench.core.arns import state_machine_name
from workbench.core.jsonio import dumps
from workbench.stepfunctions.models import Execution, MapRun

MAP_RUN_COMMANDS = (StartMapRun, StartChildExecution, EndMapRun)


def record(execution: Execution, command: Any) -> None:
    """The durable half of a Map Run command, written in the parent's step transaction."""
    if isinstance(command, StartMapRun):
        MapRun.objects.create(
            execution=execution,
            map_run_id=command.map_run_id,
            arn=command.map_run_arn,
            state_name=command.state_name,
            state_machine_arn=command.state_machine_arn,
            definition=json.dumps(command.definition),
            execution_type=command.execution_type,
            item_count=command.item_count,
            max_concurrency=command.max_concurrency,
            tolerated_failure_count=command.tolerated_failure_count,
            tolerated_failure_percentage=command.tolerated_failure_percentage,
            start_date=timezone.now(),
        )
    elif isinstance(command, StartChildExecution):
        map_run = MapRun.objects.get(map_run_id=command.map_run_id)
        Execution.objects.create(
            state_machine_id=execution.state_machine_id,
            name=command.name,
            definition=map_run.definition,
            input=dumps(command.input),
            start_date=timezone.now(),
            map_run=map_run,
            item_index=command.index,
        )
    elif isinstance(command, EndMapRun):
        MapRun.objects.filter(map_run_id=command.map_run_id, status=MapRun.RUNNING).update(
            status=command.status, error=command.error, cause=command.cause, stop_date=timezone.now()
        )


def carry_out(command: Command) -> None:
    """After the parent's step committed: start a child, or stop what an ended run left running."""
    from workbench.runtime import tasks

    if isinstance(command, StartChildExecution):
        tasks.start_child_execution.delay(command.map_run_id, command.name)
    elif isinstance(command, EndMapRun) and command.status != "SUCCEEDED":
        tasks.stop_map_run_children.delay(command.map_run_id)


def child_stepped(execution_id: int, status: str) -> None:
    """After a child's step committed: once it has ended, its parent hears of it."""
    from workbench.runtime import tasks

    if status != "RUNNING":
        tasks.report_child_end.delay(execution_id)


def start_child(map_run_id: str, name: str) -> None:
    """The child's first decider step (ExecutionStarted...); a repeated call does nothing."""
    from workbench.runtime.stepper import apply_happening

    child = (
        Execution.objects.filter(map_run__map_run_id=map_run_id, name=name)
        .select_related("map_run", "state_machine__workspace")
        .first()
    )
    if child is None or child.engine_state is not None or child.status != Execution.RUNNING:
        return
    map_run = child.map_run
    assert map_run is not None
    context = ExecutionContext(
        execution_arn=child.arn,
        execution_name=child.name,
        state_machine_arn=map_run.state_machine_arn,
        state_machine_name=state_machine_name(map_run.state_machine_arn),
        start_time=child.start_date,
        role_arn=child.state_machine.role_arn,
    )
    apply_happening(child.id, ExecutionStartRequested(input=json.loads(child.input), context=context))


def stop_children(map_run_id: str) -> None:
    """Abort the children still running when their Map Run failed or was aborted."""
    from workbench.runtime.stepper import apply_happening

    for child_id in Execution.objects.filter(
        map_run__map_run_id=map_run_id, status=Execution.RUNNING
    ).values_list("id", flat=True):
        apply_happening(child_id, StopRequested(error="", cause=""))


def report_end(child_id: int) -> None:
    """Tell the parent that a child ended (safe to repeat: the decider ignores a second report)."""
    from workbench.runtime.stepper import apply_happening

    child = (
        Execution.objects.filter(id=child_id).select_related("map_run", "state_machine__workspace").first()
    )
    if child is None or child.map_run is None or child.status == Execution.RUNNING:
        return
    apply_happening(child.map_run.execution_id, _ended_happening(child))


def _ended_happening(child: Execution) -> ChildExecutionEnded:
    map_run = child.map_run
    assert map_run is not None and child.item_index is not None
    return ChildExecutionEnded(
        map_run_id=map_run.map_run_id,
        index=child.item_index,
        status=child.status,  # type: ignore[arg-type]
        output=json.loads(child.output) if child.output is not None else None,
        error=child.error,
        cause=child.cause,
        execution_arn=child.arn,
        name=child.name,
        start_date=_iso(child.start_date),
        stop_date=_iso(child.stop_date) if child.stop_date is not None else "",
    )


def _iso(moment: Any) -> str:
    return str(moment.isoformat())


def recover() -> None:
    """After a crash: start children never started, and re-report children that ended while
    their run still waits (the decider ignores reports it already counted)."""
    from workbench.runtime import tasks

    running_runs = MapRun.objects.filter(status=MapRun.RUNNING, execution__status=Execution.RUNNING)
    for map_run_id, name in Execution.objects.filter(
        map_run__in=running_runs, status=Execution.RUNNING, engine_state__isnull=True
    ).values_list("map_run__map_run_id", "name"):
        tasks.start_child_execution.delay(map_run_id, name)
    for child_id in (
        Execution.objects.filter(map_run__in=running_runs)
        .exclude(status=Execution.RUNNING)
        .values_list("id", flat=True)
    ):
        tasks.report_child_end.delay(child_id)
