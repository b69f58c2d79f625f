"""A fault inside an operation reaches the client in AWS's shape, never as a traceback.

AWS's "Common Errors" page of each JSON API reference: InternalFailure, "The request processing
has failed because of an unknown error, exception or failure", HTTP status 500.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from tests.workbench.awsapi.calls import call_raw
from workbench.awsapi.stepfunctions import sfn

pytestmark = pytest.mark.django_db


def test_an_unexpected_fault_is_internal_failure(client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(ws: Any, params: dict[str, Any]) -> dict[str, Any]:
        raise RuntimeError("secret detail of the fault")

    monkeypatch.setitem(sfn.operations, "ListStateMachines", broken)
    response = call_raw(client, "AWSStepFunctions.ListStateMachines", b"{}")
    assert response.status_code == 500
    assert json.loads(response.content) == {
        "__type": "InternalFailure",
        "message": "An internal error occurred",
    }
    assert response["x-amzn-ErrorType"] == "InternalFailure"
    assert b"secret detail" not in response.content and b"Traceback" not in response.content
