"""The state machine and execution pages, through Django's test client: forms, errors and the
rendered graph."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

from tests.support import seed

pytestmark = pytest.mark.django_db

CHAIN = {
    "StartAt": "First",
    "States": {
        "First": {"Type": "Pass", "Next": "Second"},
        "Second": {"Type": "Pass", "Result": {"done": True}, "End": True},
    },
}


def _states_in(html: str) -> dict[str, str]:
    return dict(re.findall(r'data-state="([^"]+)" data-status="([^"]+)"', html))


def test_create_machine_shows_graph_with_every_state(client: Client) -> None:
    definition = json.dumps(seed.lab2_definition())
    response = client.post("/machines/", {"name": "orders", "definition": definition, "type": "STANDARD"})
    assert response.status_code == 302 and response["Location"] == "/machines/orders/"
    page = client.get("/machines/orders/").content.decode()
    assert set(_states_in(page)) == {
        "ValidateOrder",
        "ProcessPayment",
        "FulfillOrder",
        "UpdateInventory",
        "SendConfirmation",
        "OrderComplete",
        "PaymentFailed",
    }
    assert set(_states_in(page).values()) == {"not-started"}


def test_invalid_definition_shows_aws_error_and_stores_nothing(client: Client) -> None:
    from workbench.stepfunctions.models import StateMachine

    bad = json.dumps({"StartAt": "Missing", "States": {"A": {"Type": "Pass", "End": True}}})
    page = client.post("/machines/", {"name": "bad", "definition": bad, "type": "STANDARD"}).content.decode()
    assert "InvalidDefinition" in page and "Missing" in page
    assert not StateMachine.objects.exists()


def test_start_execution_form_runs_to_the_execution_page(client: Client) -> None:
    client.post("/machines/", {"name": "chain", "definition": json.dumps(CHAIN), "type": "STANDARD"})
    response = client.post("/machines/chain/", {"name": "run-1", "input": '{"a": 1}'})
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    # Pass states need nothing from outside: the first decider step finishes the run.
    assert _states_in(page) == {"First": "succeeded", "Second": "succeeded"}
    assert "ExecutionSucceeded" in page and 'data-execution-id="' in page
    bad = client.post("/machines/chain/", {"input": "{oops"}).content.decode()
    assert "InvalidExecutionInput" in bad
