"""Stopping an execution, deleting a machine and the executions list, in-process."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.test import Client

from tests.support.inprocess import machine, start

pytestmark = pytest.mark.django_db(transaction=True)

WAITING = {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 3600, "End": True}}}
QUICK = {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}}


def test_stop_execution_aborts_it_with_the_typed_error(client: Client, broker: Any) -> None:
    execution = start(WAITING, name="slow")
    page = client.get(f"/executions/{execution.id}/").content.decode()
    assert re.search(r'<form[^>]*id="stop-form"(?![^>]*hidden)', page)  # offered while running
    response = client.post(f"/executions/{execution.id}/stop", {"error": "Manual", "cause": "<i>enough</i>"})
    assert response.status_code == 302
    execution.refresh_from_db()
    # StopExecution: the execution is ABORTED with the given error and cause (API_StopExecution).
    assert (execution.status, execution.error, execution.cause) == ("ABORTED", "Manual", "<i>enough</i>")
    page = client.get(response["Location"]).content.decode()
    assert f"Execution {execution.name} stopped." in page and "&lt;i&gt;enough&lt;/i&gt;" in page
    assert re.search(r'<form[^>]*id="stop-form"[^>]*hidden', page)


def test_stop_of_an_unknown_execution_is_404(client: Client) -> None:
    assert client.post("/executions/999999/stop").status_code == 404


def test_delete_machine_removes_it_and_its_executions(client: Client, broker: Any) -> None:
    from workbench.stepfunctions.models import Execution, StateMachine

    running = start(WAITING, name="slow")
    response = client.post("/machines/slow/delete")
    assert response.status_code == 302 and "machine-deleted" in response["Location"]
    assert not StateMachine.objects.filter(name="slow").exists()
    assert not Execution.objects.filter(id=running.id).exists()
    assert client.get("/machines/slow/").status_code == 404
    assert client.get("/machines/slow/delete").status_code == 405


def test_the_executions_list_filters_by_status_name_and_machine(client: Client, broker: Any) -> None:
    from workbench.runtime import executions

    slow = start(WAITING, name="slow")
    quick = machine(QUICK, name="quick")
    for name in ("alpha", "beta"):
        executions.start_execution(quick, name=name, input_text="{}")

    def names(query: str) -> list[str]:
        page = client.get(f"/executions/{query}").content.decode()
        return re.findall(r'<tr data-execution="([^"]+)">', page)

    assert sorted(names("")) == sorted([slow.name, "alpha", "beta"])
    assert names("?status=RUNNING") == [slow.name]
    assert sorted(names("?status=SUCCEEDED")) == ["alpha", "beta"]
    assert names("?name=ALP") == ["alpha"]
    assert sorted(names("?machine=quick")) == ["alpha", "beta"]


def test_the_executions_list_pages_by_key(
    client: Client, broker: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from workbench.console import executions as console_executions
    from workbench.runtime import executions

    monkeypatch.setattr(console_executions, "PAGE_SIZE", 2)
    quick = machine(QUICK, name="quick")
    for n in range(5):
        executions.start_execution(quick, name=f"run-{n}", input_text="{}")
    seen: list[str] = []
    url = "/executions/"
    while url:
        page = client.get(url).content.decode()
        seen += re.findall(r'<tr data-execution="([^"]+)">', page)
        after = re.search(r'id="next-page" href="([^"]+)"', page)
        url = "/executions/" + after.group(1).replace("&amp;", "&") if after else ""
    assert sorted(seen) == [f"run-{n}" for n in range(5)] and len(seen) == 5


@pytest.mark.parametrize(
    ("query", "field"), [("?status=DONE", "status"), ("?from=yesterday", "from"), ("?after=%%%", "after")]
)
def test_bad_list_filters_answer_400_beside_the_field(client: Client, query: str, field: str) -> None:
    response = client.get(f"/executions/{query}")
    assert response.status_code == 400
    assert f'data-field="{field}"' in response.content.decode()


def test_redrive_is_offered_for_an_unsuccessful_execution_and_restarts_it(
    client: Client, broker: Any
) -> None:
    execution = start(WAITING, name="slow")
    page = client.get(f"/executions/{execution.id}/").content.decode()
    assert re.search(r'<form[^>]*id="redrive-form"[^>]*hidden', page)  # not while running
    client.post(f"/executions/{execution.id}/stop", {})
    page = client.get(f"/executions/{execution.id}/").content.decode()
    assert re.search(
        r'<form[^>]*id="redrive-form"(?![^>]*hidden)[^>]*data-confirm="Redrive the execution', page
    )
    response = client.post(f"/executions/{execution.id}/redrive")
    assert response.status_code == 302 and "execution-redriven" in response["Location"]
    execution.refresh_from_db()
    assert execution.status == "RUNNING" and execution.redrive_count == 1
    page = client.get(response["Location"]).content.decode()
    assert f"Execution {execution.name} redriven" in page
    assert re.search(r'<form[^>]*id="redrive-form"[^>]*hidden', page)
    assert re.search(r'<dd id="execution-redrives">1 · last <time', page)


def test_a_refused_redrive_shows_aws_reason_beside_the_button(client: Client, broker: Any) -> None:
    execution = start(QUICK, name="quick")
    assert execution.status == "SUCCEEDED"
    response = client.post(f"/executions/{execution.id}/redrive")
    assert response.status_code == 400
    page = response.content.decode()
    assert re.search(
        r'id="redrive-error">ExecutionNotRedrivable: .*Execution is SUCCEEDED and cannot be redriven', page
    )
    assert client.post("/executions/999999/redrive").status_code == 404
    assert client.get(f"/executions/{execution.id}/redrive").status_code == 405
