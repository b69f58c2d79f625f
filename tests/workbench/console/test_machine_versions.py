"""The machine page's versions and aliases: publish, alias with weights, delete, and the refusals
the API gives, shown beside the form with what was typed kept."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from tests.support.inprocess import machine

pytestmark = pytest.mark.django_db(transaction=True)

PASS = {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}}


def _versions() -> list[int]:
    from workbench.stepfunctions.models import StateMachineVersion

    return list(StateMachineVersion.objects.order_by("number").values_list("number", flat=True))


def test_publish_lists_the_version_and_publishing_again_is_idempotent(client: Client) -> None:
    machine(PASS, name="m")
    response = client.post("/machines/m/versions/publish", {"description": "first cut"})
    assert response.status_code == 302 and "version-published" in response["Location"]
    client.post("/machines/m/versions/publish", {"description": ""})
    assert _versions() == [1]
    page = client.get(response["Location"]).content.decode()
    assert "Version m:1 published." in page
    table = page[page.index('id="version-table"') : page.index("</table>", page.index('id="version-table"'))]
    assert "first cut" in table and ":stateMachine:m:1" in table


def test_alias_with_two_weighted_versions_then_edit_and_delete(client: Client) -> None:
    from workbench.stepfunctions import services
    from workbench.stepfunctions.models import StateMachineAlias

    stored = machine(PASS, name="m")
    client.post("/machines/m/versions/publish", {})
    services.update_state_machine(stored, definition=json.dumps({**PASS, "Comment": "two"}))
    client.post("/machines/m/versions/publish", {})
    form = {
        "name": "live",
        "description": "canary",
        "version1": "1",
        "weight1": "80",
        "version2": "2",
        "weight2": "20",
    }
    assert client.post("/machines/m/aliases/save", form).status_code == 302
    alias = StateMachineAlias.objects.get()
    assert alias.routing == [{"version": 1, "weight": 80}, {"version": 2, "weight": 20}]
    page = client.get("/machines/m/").content.decode()
    assert "version 1: 80%" in page and "version 2: 20%" in page

    # A routed version cannot be deleted: ConflictException beside the versions.
    refused = client.post("/machines/m/versions/1/delete")
    assert refused.status_code == 400 and "ConflictException" in refused.content.decode()
    assert _versions() == [1, 2]

    edited = {
        "existing": "live",
        "description": "all in",
        "version1": "2",
        "weight1": "100",
        "version2": "",
        "weight2": "",
    }
    assert client.post("/machines/m/aliases/save", edited).status_code == 302
    alias.refresh_from_db()
    assert alias.routing == [{"version": 2, "weight": 100}] and alias.description == "all in"
    assert client.post("/machines/m/versions/1/delete").status_code == 302 and _versions() == [2]
    assert client.post("/machines/m/aliases/live/delete").status_code == 302
    assert not StateMachineAlias.objects.exists()


def test_alias_refusals_keep_what_was_typed(client: Client) -> None:
    machine(PASS, name="m")
    client.post("/machines/m/versions/publish", {})
    bad_sum = {
        "name": "live",
        "description": "typed",
        "version1": "1",
        "weight1": "70",
        "version2": "",
        "weight2": "",
    }
    response = client.post("/machines/m/aliases/save", bad_sum)
    page = response.content.decode()
    assert response.status_code == 400
    assert "Sum of routing configuration weights must equal 100. Received: [70]" in page
    form = page[page.index('id="alias-form"') : page.index("</form>", page.index('id="alias-form"'))]
    assert 'value="live"' in form and 'value="typed"' in form and 'value="70"' in form
    digits = {**bad_sum, "name": "123", "weight1": "100"}
    page = client.post("/machines/m/aliases/save", digits).content.decode()
    assert "Value &#x27;123&#x27; at &#x27;name&#x27; failed to satisfy constraint" in page
    no_route = {**bad_sum, "version1": "", "weight1": ""}
    assert (
        "Route the alias to at least one version"
        in client.post("/machines/m/aliases/save", no_route).content.decode()
    )


def test_start_a_version_or_an_alias_from_the_machine_page(client: Client) -> None:
    from workbench.stepfunctions import services
    from workbench.stepfunctions.models import Execution

    stored = machine(
        {"StartAt": "A", "States": {"A": {"Type": "Pass", "Result": "one", "End": True}}}, name="m"
    )
    client.post("/machines/m/versions/publish", {})
    services.update_state_machine(
        stored,
        definition=json.dumps(
            {"StartAt": "A", "States": {"A": {"Type": "Pass", "Result": "two", "End": True}}}
        ),
    )
    client.post(
        "/machines/m/aliases/save",
        {"name": "live", "description": "", "version1": "1", "weight1": "100", "version2": "", "weight2": ""},
    )
    for target, name in (("", "latest"), ("1", "by-version"), ("live", "by-alias")):
        response = client.post("/machines/m/", {"name": name, "input": "{}", "target": target})
        assert response.status_code == 302
    outputs = {
        e.name: (json.loads(e.output or "null"), e.version_number, e.alias_name)
        for e in Execution.objects.all()
    }
    assert outputs == {
        "latest": ("two", None, None),
        "by-version": ("one", 1, None),
        "by-alias": ("one", 1, "live"),
    }
    page = client.get(f"/executions/{Execution.objects.get(name='by-alias').id}/").content.decode()
    assert ":stateMachine:m:1</span> through alias" in page
    refused = client.post("/machines/m/", {"name": "gone", "input": "{}", "target": "7"})
    assert refused.status_code == 400 and "StateMachineDoesNotExist" in refused.content.decode()
