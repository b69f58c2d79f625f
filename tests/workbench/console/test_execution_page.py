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
