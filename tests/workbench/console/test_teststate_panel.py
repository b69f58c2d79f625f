"""The state panel's TestState endpoint, through Django's test client (the panel in Chromium and
TestState through boto3 are tests/e2e/test_teststate.py)."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from tests.support.inprocess import ROLE
from tests.support.mocks import mock_functions
from tests.support.teststate import ORDER, QUOTE_MACHINE


@pytest.mark.django_db
def test_panel_endpoint_runs_a_state_of_the_machine(client: Client) -> None:
    from workbench.accounts.services import default_workspace
    from workbench.stepfunctions import services as stepfunctions

    workspace = default_workspace()
    stepfunctions.create_state_machine(
        workspace, name="quotes", definition=json.dumps(QUOTE_MACHINE), role_arn=ROLE
    )
    mock_functions({"quote": [{"output": {"price": 7}}]})
    url = "/machines/quotes/test-state"
    answer = client.post(
        url,
        json.dumps({"stateName": "Price", "input": json.dumps(ORDER), "inspectionLevel": "DEBUG"}),
        content_type="application/json",
    ).json()
    assert answer["status"] == "SUCCEEDED"
    assert json.loads(answer["inspectionData"]["afterResultSelector"]) == {"price": 7}
    refused = client.post(url, json.dumps({"stateName": "Nope"}), content_type="application/json")
    # AWS's words (LocalStack's AWS snapshot test_test_state_machine_scenarios.snapshot.json).
    assert refused.status_code == 400 and refused.json()["message"] == "State not found in definition"
