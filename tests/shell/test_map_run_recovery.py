"""A Distributed Map survives a crash between its steps: ``recover()`` starts the children whose
start was lost and re-reports children that ended, and repeating it changes nothing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from unittest import mock

import pytest

pytestmark = pytest.mark.django_db(transaction=True)

FAN = {
    "StartAt": "Fan",
    "States": {
        "Fan": {
            "Type": "Map",
            "ItemsPath": "$.items",
            "ItemProcessor": {
                "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                "StartAt": "Square",
                "States": {
                    "Square": {
                        "Type": "Pass",
                        "Parameters": {"n.$": "$", "square.$": "States.MathAdd($, $)"},
                        "End": True,
                    }
                },
            },
            "End": True,
        }
    },
}


@pytest.fixture
def celery_inline() -> Iterator[None]:
    """Run the Map Run tasks in this thread, as a worker would after a restart."""
    from workbench.runtime import map_runs, tasks

    with (
        mock.patch.object(tasks.start_child_execution, "delay", side_effect=map_runs.start_child),
        mock.patch.object(tasks.report_child_end, "delay", side_effect=map_runs.report_end),
        mock.patch.object(tasks.stop_map_run_children, "delay", side_effect=map_runs.stop_children),
    ):
        yield


def _started_then_crashed() -> Any:
    """Start the parent, losing every command it gave (as if the process died at commit)."""
    from workbench.accounts.services import default_workspace
    from workbench.stepfunctions import services

    machine = services.create_state_machine(
        default_workspace(),
        name="fan",
        definition=json.dumps(FAN),
        role_arn="arn:aws:iam::123456789012:role/r",
    )
    with mock.patch("workbench.runtime.dispatch.carry_out"):
        return services.start_execution(machine, input_text='{"items": [1, 2, 3]}')


def test_recover_starts_lost_children_and_the_run_completes(celery_inline: None) -> None:
    from workbench.runtime import map_runs
    from workbench.stepfunctions.models import Execution, MapRun

    parent = _started_then_crashed()
    children = Execution.objects.filter(map_run__execution=parent)
    assert children.count() == 3 and all(child.engine_state is None for child in children)
    map_runs.recover()
    parent.refresh_from_db()
    assert parent.status == "SUCCEEDED"
    assert json.loads(parent.output) == [{"n": 1, "square": 2}, {"n": 2, "square": 4}, {"n": 3, "square": 6}]
    assert MapRun.objects.get(execution=parent).status == "SUCCEEDED"
    events_before = parent.history.count()
    map_runs.recover()  # nothing left to do
    for child in children:
        map_runs.report_end(child.id)  # a repeated report is ignored
    parent.refresh_from_db()
    assert parent.history.count() == events_before


def test_a_child_that_ended_unreported_is_counted_on_recovery(celery_inline: None) -> None:
    from workbench.runtime import map_runs
    from workbench.stepfunctions.models import Execution

    parent = _started_then_crashed()
    first = Execution.objects.filter(map_run__execution=parent).order_by("item_index").first()
    assert first is not None
    # The child ends; its report is lost.
    with (
        mock.patch.object(map_runs, "report_end"),
        mock.patch("workbench.runtime.tasks.report_child_end.delay"),
    ):
        map_runs.start_child(first.map_run.map_run_id, first.name)
    first.refresh_from_db()
    parent.refresh_from_db()
    assert first.status == "SUCCEEDED" and parent.status == "RUNNING"
    map_runs.recover()
    parent.refresh_from_db()
    assert parent.status == "SUCCEEDED"
