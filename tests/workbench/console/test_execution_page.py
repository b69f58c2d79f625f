"""The execution page paints the node statuses stored with the execution (folded once, by the
step that committed them), not a fold of its own."""

from __future__ import annotations

import re

import pytest

from tests.support.inprocess import start

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_page_paints_the_stored_statuses(client: object, broker: object) -> None:
    from workbench.stepfunctions.models import Execution

    definition = {
        "StartAt": "A",
        "States": {"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Pass", "End": True}},
    }
    execution = start(definition)
    assert execution.node_statuses == {"A": "succeeded", "B": "succeeded"}
    Execution.objects.filter(id=execution.id).update(node_statuses={"A": "succeeded", "B": "retrying"})
    page = client.get(f"/executions/{execution.id}/").content.decode()  # type: ignore[attr-defined]
    statuses = dict(re.findall(r'data-state="([^"]+)"[^>]*data-status="([^"]+)"', page))
    assert statuses == {"A": "succeeded", "B": "retrying"}


def test_parent_and_child_pages_link_to_each_other(client: object, broker: object) -> None:
    """A states:startExecution child says who started it; the parent lists its children and
    its task's TaskSubmitted row links to the child."""
    from tests.support.inprocess import machine
    from workbench.stepfunctions.models import Execution

    child_machine = machine({"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}, name="kid")
    parent = start(
        {
            "StartAt": "Run",
            "States": {
                "Run": {
                    "Type": "Task",
                    "Resource": "arn:aws:states:::states:startExecution.sync:2",
                    "Parameters": {"StateMachineArn": child_machine.arn, "Name": "little"},
                    "End": True,
                }
            },
        },
        name="mother",
    )
    broker.drain()  # type: ignore[attr-defined]
    child = Execution.objects.get(parent=parent)
    parent_page = client.get(f"/executions/{parent.id}/").content.decode()  # type: ignore[attr-defined]
    assert re.search(
        rf'id="child-executions">\s*<li><a href="/executions/{child.id}/">kid · little</a>', parent_page
    )
    assert re.search(
        rf'<td>TaskSubmitted</td>\s*<td>child <a class="child-link" href="/executions/{child.id}/">',
        parent_page,
    )
    child_page = client.get(f"/executions/{child.id}/").content.decode()  # type: ignore[attr-defined]
    assert f'Started by <a href="/executions/{parent.id}/">{parent.name}</a>' in child_page
