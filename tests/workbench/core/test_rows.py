"""core/rows.py: one UPDATE for many rows, an INSERT that gives way to a row already there, one
plain DELETE for rows nothing refers to."""

from __future__ import annotations

import pytest

from tests.support.inprocess import Broker, broker, start
from workbench.core.rows import delete_where, insert_unless_present
from workbench.stepfunctions.models import Execution, PendingTask, TaskInvocation

pytestmark = pytest.mark.django_db
__all__ = ["broker"]  # the fixture

ECHO = "arn:aws:lambda:us-east-1:123456789012:function:echo"
WAITING = {  # two calls left pending: the broker fixture holds their messages
    "StartAt": "Both",
    "States": {
        "Both": {
            "Type": "Parallel",
            "Branches": [
                {"StartAt": f"C{n}", "States": {f"C{n}": {"Type": "Task", "Resource": ECHO, "End": True}}}
                for n in (1, 2)
            ],
            "End": True,
        }
    },
}  # fmt: skip


def test_delete_where_removes_only_the_matching_rows(broker: Broker) -> None:
    first, second = start(WAITING, name="one"), start(WAITING, name="two")
    [task, other] = PendingTask.objects.filter(execution=first).order_by("task_id")
    assert delete_where(PendingTask, execution_id=first.id, task_id=task.task_id) == 1
    assert delete_where(PendingTask, execution_id=first.id, task_id=task.task_id) == 0
    assert list(PendingTask.objects.filter(execution=first)) == [other]
    assert delete_where(PendingTask, execution_id=first.id) == 1
    assert PendingTask.objects.filter(execution=second).count() == 2


def test_delete_where_refuses_a_model_other_rows_refer_to() -> None:
    with pytest.raises(ValueError, match="referred to by other rows"):
        delete_where(Execution, id=1)


def _claim(execution: Execution, status: str = TaskInvocation.CLAIMED) -> TaskInvocation:
    from django.utils import timezone

    return TaskInvocation(
        execution=execution, task_id="task-1", attempt=1, claimed_until=timezone.now(), status=status
    )


def test_insert_unless_present_inserts_once_and_says_so(broker: Broker) -> None:
    execution = start(WAITING, name="one")
    first = _claim(execution)
    assert insert_unless_present(first) and first.pk is not None and not first._state.adding
    stored = TaskInvocation.objects.get(pk=first.pk)
    # Every field as save() writes it, the model's defaults included.
    assert (stored.task_id, stored.attempt, stored.status, stored.state_name) == ("task-1", 1, "CLAIMED", "")
    assert stored.claimed_until == first.claimed_until and stored.output is None
    # The unique (execution, task, attempt) already holds a row: nothing changes, and it says so.
    second = _claim(execution, status=TaskInvocation.SUCCEEDED)
    assert not insert_unless_present(second) and second.pk is None
    assert list(TaskInvocation.objects.values_list("id", "status")) == [(first.pk, "CLAIMED")]
