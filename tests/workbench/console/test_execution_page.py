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


def test_a_waiting_retry_is_shown_with_its_next_attempt_and_when(client: object, broker: object) -> None:
    import json as jsonlib

    from workbench.stepfunctions.models import Timer

    definition = {
        "QueryLanguage": "JSONata",
        "StartAt": "Call",
        "States": {
            "Call": {
                "Type": "Task",
                "Resource": "arn:aws:lambda:us-east-1:123456789012:function:not-there",
                "Retry": [{"ErrorEquals": ["States.ALL"], "IntervalSeconds": 60, "MaxAttempts": 3}],
                "End": True,
            }
        },
    }
    from workbench.runtime import queue

    execution = start(definition)
    for message in broker.take(queue.INVOKE_TASK):  # type: ignore[attr-defined]
        broker.deliver(message)  # type: ignore[attr-defined]  # the call fails; its retry waits
    execution.refresh_from_db()
    assert execution.status == "RUNNING"
    (timer,) = Timer.objects.filter(execution=execution)
    page = client.get(f"/executions/{execution.id}/").content.decode()  # type: ignore[attr-defined]
    waits = re.findall(r'<li data-retry-state="([^"]+)" data-attempt="(\d+)">', page)
    assert waits == [("Call", "2")]
    assert f'data-until="{timer.fire_at.isoformat()}"' in page
    languages = re.search(r'<script id="query-languages" type="application/json">([^<]*)</script>', page)
    assert languages and jsonlib.loads(languages.group(1)) == {"Call": "JSONata"}


def test_no_retry_panel_once_the_run_ended(client: object, broker: object) -> None:
    execution = start({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}})
    page = client.get(f"/executions/{execution.id}/").content.decode()  # type: ignore[attr-defined]
    assert 'id="retry-waits" aria-live="polite" hidden' in page and "data-retry-state" not in page


def test_the_scrubber_frames_replay_to_the_stored_statuses(client: object, broker: object) -> None:
    import json as jsonlib

    definition = {
        "StartAt": "A",
        "States": {"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Pass", "End": True}},
    }
    execution = start(definition)
    page = client.get(f"/executions/{execution.id}/").content.decode()  # type: ignore[attr-defined]
    found = re.search(r'<script id="status-frames" type="application/json">([^<]*)</script>', page)
    assert found
    frames = jsonlib.loads(found.group(1))
    assert len(frames) == execution.history.count() == 6
    assert frames[1] == {"A": "running"} and frames[2] == {"A": "succeeded"}
    replayed: dict[str, str] = {}
    for frame in frames:
        replayed.update(frame)
    assert replayed == execution.node_statuses
    assert 'id="scrubber-range" min="0" max="6" value="6"' in page
