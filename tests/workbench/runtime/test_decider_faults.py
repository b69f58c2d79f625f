"""A fault inside the decider ends the execution FAILED instead of leaving it RUNNING."""

from __future__ import annotations

from typing import Any
from unittest import mock

import pytest

from tests.support.inprocess import TWO_CALLS, start

pytestmark = pytest.mark.django_db(transaction=True)

CHAIN = {
    "StartAt": "A",
    "States": {"A": {"Type": "Wait", "Seconds": 60, "Next": "B"}, "B": {"Type": "Pass", "End": True}},
}


def test_decider_fault_fails_the_execution_with_states_runtime(broker: Any) -> None:
    from engine.states.model import TimerFired
    from workbench.runtime.stepper import apply_happening
    from workbench.stepfunctions.models import Execution, Timer

    execution = start(CHAIN)
    timer = Timer.objects.get(execution=execution)
    boom: Any = RuntimeError("simulated defect")
    with mock.patch("workbench.runtime.stepper.advance", side_effect=boom):
        apply_happening(execution.id, TimerFired(timer_id=timer.timer_id))
    execution.refresh_from_db()
    assert (execution.status, execution.error) == ("FAILED", "States.Runtime")
    assert "simulated defect" in execution.cause
    last = execution.history.order_by("-event_id").first()
    assert last.type == "ExecutionFailed" and last.event_id == execution.event_count
    assert not Timer.objects.filter(execution=execution).exists()
    assert Execution.objects.get(id=execution.id).stop_date is not None


def test_a_fault_clears_every_pending_task_of_the_execution(broker: Any) -> None:
    """The shell ends an execution the decider could not advance, so no CancelTask came for the
    task still waiting: the shell clears it itself (commands.DurableExecutor.clear_all_on_finish)."""
    from engine.states.model import TaskSucceeded
    from workbench.runtime.stepper import apply_happening
    from workbench.stepfunctions.models import PendingTask

    execution = start(TWO_CALLS)
    answered, waiting = PendingTask.objects.filter(execution=execution).order_by("task_id")
    boom: Any = RuntimeError("simulated defect")
    with mock.patch("workbench.runtime.stepper.advance", side_effect=boom):
        apply_happening(execution.id, TaskSucceeded(task_id=answered.task_id, output={}))
    execution.refresh_from_db()
    assert (execution.status, execution.error) == ("FAILED", "States.Runtime")
    assert not PendingTask.objects.filter(execution=execution).exists(), waiting.task_id


def test_a_decided_end_leaves_no_pending_task_behind(broker: Any) -> None:
    """A branch that fails ends the execution while its sibling's task waits: the decider cancels
    that task before it finishes (engine Run.finish), so its row goes too."""
    from engine.states.model import TaskFailed
    from workbench.runtime.stepper import apply_happening
    from workbench.stepfunctions.models import PendingTask

    execution = start(TWO_CALLS)
    failed, _ = PendingTask.objects.filter(execution=execution).order_by("task_id")
    apply_happening(execution.id, TaskFailed(task_id=failed.task_id, error="Boom", cause=""))
    execution.refresh_from_db()
    assert (execution.status, execution.error) == ("FAILED", "Boom")
    assert not PendingTask.objects.filter(execution=execution).exists()
