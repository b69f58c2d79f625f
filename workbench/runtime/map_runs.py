"""Map Runs in the shell: the durable half of the decider's Map Run commands, and what a
child's end tells its parent. (A Distributed Map is the state; the Map Run is the resource it
starts: see engine.states.handlers.distributed_map for the words.)

The engine decides (StartMapRun, StartChildExecution, EndMapRun); the durable executor
(runtime.commands) writes these rows inside the parent's step transaction and carries the rest
out after it commits, through Celery, so a parent step and a child step never share a
transaction or a row lock. See
https://docs.aws.amazon.com/step-functions/latest/dg/state-map-distributed.html
"""

from __future__ import annotations

import json
from datetime import datetime

from django.db.models import F
from django.utils import timezone

from engine.states.model import (
    ChildExecutionEnded,
    EndMapRun,
    RedriveChildExecution,
    RedriveMapRun,
    StartChildExecution,
    StartMapRun,
)
from workbench.core.jsonio import dumps
from workbench.runtime import clock
from workbench.stepfunctions.models import Execution, MapRun
from workbench.stepfunctions.redrive import UNSUCCESSFUL, pending_redrive


def record_start(execution: Execution, command: StartMapRun) -> None:
    MapRun.objects.get_or_create(
        map_run_id=command.map_run_id,
        defaults={
            "execution": execution,
            "arn": command.map_run_arn,
            "state_name": command.state_name,
            "state_machine_arn": command.state_machine_arn,
            "definition": json.dumps(command.definition),
            "execution_type": command.execution_type,
            "item_count": command.item_count,
            "max_concurrency": command.max_concurrency,
            "tolerated_failure_count": command.tolerated_failure_count,
            "tolerated_failure_percentage": command.tolerated_failure_percentage,
            "start_date": clock.now(execution.state_machine.workspace),
        },
    )


def record_child(execution: Execution, command: StartChildExecution) -> None:
    """The child's row, not yet started (engine_state None): recovery starts it if the
    start message is lost."""
    map_run = MapRun.objects.get(map_run_id=command.map_run_id)
    Execution.objects.get_or_create(
        state_machine_id=execution.state_machine_id,
        map_run=map_run,
        name=command.name,
        defaults={
            "definition": map_run.definition,
            "input": dumps(command.input),
            "start_date": clock.now(execution.state_machine.workspace),
            "item_index": command.index,
            "mock_case": execution.mock_case,  # a mocked parent's children answer from its test case
        },
    )


def record_end(command: EndMapRun, at: datetime) -> None:
    """The run's end, at the parent's workspace time ``at``."""
    MapRun.objects.filter(map_run_id=command.map_run_id, status=MapRun.RUNNING).update(
        status=command.status, error=command.error, cause=command.cause, stop_date=at
    )


def record_redrive(command: RedriveMapRun) -> None:
    """The redriven parent's Map Run runs again (DescribeMapRun: redriveCount, redriveDate)."""
    MapRun.objects.filter(map_run_id=command.map_run_id).update(
        status=MapRun.RUNNING,
        error=None,
        cause=None,
        stop_date=None,
        redrive_count=F("redrive_count") + 1,
        redrive_date=timezone.now(),
    )


def mark_for_redrive(command: RedriveChildExecution) -> bool:
    """Mark the child of item ``index`` PENDING_REDRIVE (in the parent's step); False when there
    is no such ended child (a child still running is left to end and report as it is)."""
    marked = Execution.objects.filter(
        map_run__map_run_id=command.map_run_id, item_index=command.index, status__in=UNSUCCESSFUL
    ).update(stop_date=None, end_reported=False)
    return marked > 0


def children_pending_redrive(before: datetime) -> list[tuple[str, int]]:
    """(map run id, item index) of children marked for redrive before ``before`` and still
    waiting (their message was lost): the recovery sweep sends it again."""
    return list(
        Execution.objects.filter(
            pending_redrive(),
            map_run__status=MapRun.RUNNING,
            map_run__redrive_date__lte=before,
            map_run__execution__status=Execution.RUNNING,
        ).values_list("map_run__map_run_id", "item_index")
    )


def ended_happening(child: Execution) -> ChildExecutionEnded:
    """What the parent's decider hears when ``child`` ended."""
    map_run = child.map_run
    assert map_run is not None and child.item_index is not None
    return ChildExecutionEnded(
        map_run_id=map_run.map_run_id,
        index=child.item_index,
        status=child.status,
        output=json.loads(child.output) if child.output is not None else None,
        error=child.error,
        cause=child.cause,
        execution_arn=child.arn,
        name=child.name,
        start_date=_iso(child.start_date),
        stop_date=_iso(child.stop_date) if child.stop_date is not None else "",
    )


def _iso(moment: datetime) -> str:
    return moment.isoformat()


def children_not_started(before: datetime) -> list[tuple[str, str]]:
    """(map run id, child name) of children recorded before ``before`` but never started."""
    return list(
        Execution.objects.filter(
            map_run__status=MapRun.RUNNING,
            map_run__execution__status=Execution.RUNNING,
            status=Execution.RUNNING,
            engine_state__isnull=True,
            start_date__lte=before,
        ).values_list("map_run__map_run_id", "name")
    )


def children_ended_unreported(before: datetime) -> list[int]:
    """Children that ended before ``before`` and whose parent has not heard it yet."""
    return list(
        Execution.objects.filter(
            map_run__status=MapRun.RUNNING,
            map_run__execution__status=Execution.RUNNING,
            end_reported=False,
            stop_date__lte=before,
        )
        .exclude(status=Execution.RUNNING)
        .values_list("id", flat=True)
    )
