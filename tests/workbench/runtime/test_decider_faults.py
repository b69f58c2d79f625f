"""A fault inside the decider ends the execution FAILED instead of leaving it RUNNING."""

from __future__ import annotations

from typing import Any
from unittest import mock

import pytest

from tests.support.inprocess import start

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
