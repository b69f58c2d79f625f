"""core/rows.py: one UPDATE for many rows, one plain DELETE for rows nothing refers to."""

from __future__ import annotations

import pytest

from tests.support.inprocess import Broker, broker, start
from workbench.core.rows import delete_where
from workbench.stepfunctions.models import Execution, PendingTask

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
