"""The execution page drills into one Map iteration's or one Parallel branch's own graph,
coloured by that iteration's or branch's own statuses (engine/states/drill.py)."""

from __future__ import annotations

import re

import pytest

from tests.support.inprocess import start

pytestmark = pytest.mark.django_db(transaction=True)

MAP = {
    "StartAt": "Each",
    "States": {
        "Each": {
            "Type": "Map",
            "ItemsPath": "$.items",
            "MaxConcurrency": 1,
            "ItemProcessor": {
                "StartAt": "Check",
                "States": {
                    "Check": {
                        "Type": "Choice",
                        "Choices": [{"Variable": "$", "NumericEquals": 1, "Next": "Boom"}],
                        "Default": "Ok",
                    },
                    "Boom": {"Type": "Fail", "Error": "Bad", "Cause": "item one"},
                    "Ok": {"Type": "Pass", "End": True},
                },
            },
            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Handled"}],
            "End": True,
        },
        "Handled": {"Type": "Pass", "End": True},
    },
}

PARALLEL = {
    "StartAt": "Both",
    "States": {
        "Both": {
            "Type": "Parallel",
            "Branches": [
                {
                    "StartAt": "L1",
                    "States": {"L1": {"Type": "Pass", "Next": "L2"}, "L2": {"Type": "Pass", "End": True}},
                },
                {
                    "StartAt": "Inner",
                    "States": {
                        "Inner": {
                            "Type": "Map",
                            "ItemProcessor": {
                                "StartAt": "Deep",
                                "States": {"Deep": {"Type": "Pass", "End": True}},
                            },
                            "End": True,
                        }
                    },
                },
            ],
            "End": True,
        }
    },
}


def _statuses(page: str) -> dict[str, str]:
    graph = page[page.index('id="graph"') :]
    graph = graph[: graph.index("</section>")]
    return dict(re.findall(r'data-state="([^"]+)"[^>]*data-status="([^"]+)"', graph))


def _get(client: object, url: str) -> tuple[int, str]:
    response = client.get(url)  # type: ignore[attr-defined]
    return response.status_code, response.content.decode()


def test_a_map_iteration_shows_its_own_graph_and_statuses(client: object, broker: object) -> None:
    execution = start(MAP, input_text='{"items": [0, 1, 2]}')
    broker.drain()  # type: ignore[attr-defined]
    execution.refresh_from_db()
    assert execution.status == "SUCCEEDED"
    whole = _get(client, f"/executions/{execution.id}/")[1]
    assert _statuses(whole)["Handled"] == "succeeded"  # the Map's Catch took item 1's error
    assert 'data-drill-map="Each"' in whole

    status, failed = _get(client, f"/executions/{execution.id}/?state=Each&iteration=1")
    assert status == 200
    assert _statuses(failed) == {"Check": "succeeded", "Boom": "failed", "Ok": "not-started"}
    assert 'data-drill="on"' in failed
    assert f'href="/executions/{execution.id}/" id="drill-whole"' in failed
    assert "Each iteration 1" in failed
    assert re.findall(r'class="drill-sibling" href="\?([^"]+)">([^<]+)<', failed) == [
        ("state=Each&amp;iteration=0", "← previous (iteration 0)"),
        ("state=Each&amp;iteration=2", "next → (iteration 2)"),
    ]

    fine = _get(client, f"/executions/{execution.id}/?state=Each&iteration=0")[1]
    assert _statuses(fine) == {"Check": "succeeded", "Boom": "not-started", "Ok": "succeeded"}


def test_a_parallel_branch_and_a_map_inside_it(client: object, broker: object) -> None:
    execution = start(PARALLEL, input_text="[1, 2]")
    broker.drain()  # type: ignore[attr-defined]
    page = _get(client, f"/executions/{execution.id}/")[1]
    assert "?state=Both&amp;branch=0" in page and "?state=Both&amp;branch=1" in page

    first = _get(client, f"/executions/{execution.id}/?state=Both&branch=0")[1]
    assert _statuses(first) == {"L1": "succeeded", "L2": "succeeded"}
    second = _get(client, f"/executions/{execution.id}/?state=Both&branch=1")[1]
    assert _statuses(second) == {"Inner": "succeeded", "Deep": "succeeded"}  # Inner drawn with its processor
    assert 'data-drill-map="Inner"' in second  # and one level deeper
    deep = _get(client, f"/executions/{execution.id}/?state=Both&branch=1&state=Inner&iteration=1")[1]
    assert _statuses(deep) == {"Deep": "succeeded"}
    assert "?state=Both&amp;branch=1" in deep  # the breadcrumb back up one level


@pytest.mark.parametrize(
    "query",
    [
        "state=Nope&iteration=0",
        "state=Both&branch=5",
        "state=Both&iteration=0",
        "state=Both&branch=x",
        "state=Both",
        "state=Both&branch=1&state=Inner&iteration=7",
    ],
)
def test_a_bad_drill_down_is_a_400_beside_the_whole_graph(client: object, broker: object, query: str) -> None:
    execution = start(PARALLEL, input_text="[1]")
    status, page = _get(client, f"/executions/{execution.id}/?{query}")
    assert status == 400
    assert 'id="drill-error"' in page
    assert set(_statuses(page)) == {"Both", "L1", "L2", "Inner", "Deep"}


def test_a_distributed_map_iteration_is_its_child_execution(client: object, broker: object) -> None:
    from workbench.stepfunctions.models import Execution

    fan = {
        "StartAt": "Fan",
        "States": {
            "Fan": {
                "Type": "Map",
                "ItemProcessor": {
                    "ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"},
                    "StartAt": "Square",
                    "States": {"Square": {"Type": "Pass", "End": True}},
                },
                "End": True,
            }
        },
    }
    parent = start(fan, name="fan", input_text="[5, 6]")
    broker.drain()  # type: ignore[attr-defined]
    child = Execution.objects.get(map_run__execution=parent, item_index=1)
    page = _get(client, f"/executions/{parent.id}/")[1]
    assert "(distributed: each iteration is a child execution)" in page
    response = client.get(f"/executions/{parent.id}/?state=Fan&iteration=1")  # type: ignore[attr-defined]
    assert response.status_code == 302 and response["Location"] == f"/executions/{child.id}/"
    missing = client.get(f"/executions/{parent.id}/?state=Fan&iteration=9")  # type: ignore[attr-defined]
    assert missing.status_code == 400 and "has no item 9" in missing.content.decode()
