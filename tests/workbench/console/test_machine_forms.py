"""The state machine forms refuse with HTTP 400, the error beside its field, what was typed kept."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

from tests.support.inprocess import machine

pytestmark = pytest.mark.django_db(transaction=True)

PASS = {"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}}


def test_bad_execution_input_is_refused_beside_the_input_keeping_the_name(client: Client) -> None:
    machine(PASS, name="m")
    response = client.post("/machines/m/", {"name": "my-run", "input": '{"a": '})
    page = response.content.decode()
    assert response.status_code == 400
    # StartExecution refuses input that is not JSON with InvalidExecutionInput (API_StartExecution).
    form = page[page.index('id="start-form"') : page.index("</form>", page.index('id="start-form"'))]
    assert re.search(
        r'<textarea name="input"[^>]*>\{&quot;a&quot;: </textarea></label>\s*<div class="error"', form
    )
    assert "InvalidExecutionInput" in form and 'value="my-run"' in form


def test_an_invalid_definition_is_refused_beside_the_definition(client: Client) -> None:
    bad = json.dumps({"StartAt": "Missing", "States": {"A": {"Type": "Pass", "End": True}}})
    response = client.post("/machines/", {"name": "x-1", "definition": bad, "type": "STANDARD"})
    page = response.content.decode()
    assert response.status_code == 400
    assert re.search(r"</textarea></label>\s*<div class=\"error\"[^>]*><strong>InvalidDefinition", page)
    assert 'value="x-1"' in page and "&quot;Missing&quot;" in page


def test_a_name_with_markup_is_refused_beside_the_name_as_text(client: Client) -> None:
    response = client.post(
        "/machines/", {"name": "<b>x</b>", "definition": json.dumps(PASS), "type": "STANDARD"}
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert re.search(
        r'value="&lt;b&gt;x&lt;/b&gt;" required></label>\s*<div class="error"[^>]*><strong>InvalidName', page
    )
    assert "<b>x</b>" not in page
