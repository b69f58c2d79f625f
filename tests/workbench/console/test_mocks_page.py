"""The Mocks page in-process: a save checked and stored, a refused save answered 400 with the
text as typed and the error (its line) beside the editor, an empty save falling back."""

from __future__ import annotations

import html
import json

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

CONFIG = {
    "StateMachines": {"orders": {"TestCases": {"Happy": {"Charge": "Ok"}}}},
    "MockedResponses": {"Ok": {"0": {"Return": {"MessageId": "m-1"}}}},
}


def test_a_valid_config_is_saved_for_the_workspace(client: Client) -> None:
    from workbench.accounts.services import default_workspace
    from workbench.stepfunctions import mocks

    text = json.dumps(CONFIG, indent=2)
    response = client.post("/mocks/", {"config": text})
    assert response.status_code == 302 and response["Location"] == "/mocks/?done=mocks-saved"
    assert mocks.workspace_text(default_workspace()) == text
    page = client.get(response["Location"]).content.decode()
    assert "This workspace's own config is in use" in page and "Happy" in page


def test_a_refused_config_keeps_the_text_and_names_the_line(client: Client) -> None:
    from tests.support.inprocess import machine
    from workbench.accounts.services import default_workspace
    from workbench.stepfunctions import mocks

    charge = {"Type": "Task", "Resource": "arn:aws:states:::sqs:sendMessage", "End": True}
    machine({"StartAt": "Charge", "States": {"Charge": charge}}, name="orders")
    wrong = json.dumps(CONFIG, indent=2).replace('"m-1"', "1")
    response = client.post("/mocks/", {"config": wrong})
    page = response.content.decode()
    assert response.status_code == 400
    assert html.escape(wrong) in page
    assert 'aria-describedby="error-config"' in page and 'data-error-line="14"' in page
    assert "Mocks: line 14: $.MockedResponses.Ok[&quot;0&quot;].Return:" in page
    assert "Field &#x27;MessageId&#x27; must be a string" in page
    assert mocks.workspace_text(default_workspace()) is None


def test_an_empty_save_removes_the_workspace_config(client: Client) -> None:
    from workbench.accounts.services import default_workspace
    from workbench.stepfunctions import mocks

    client.post("/mocks/", {"config": json.dumps(CONFIG)})
    response = client.post("/mocks/", {"config": ""})
    assert response["Location"] == "/mocks/?done=mocks-removed"
    assert mocks.workspace_text(default_workspace()) is None
