"""The mock function editor page, through Django's test client: outcomes checked, then saved."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def test_mock_function_editor_validates_and_saves(client: Client) -> None:
    from workbench.functions.models import Function

    bad = client.post("/functions/", {"name": "pay", "outcomes": '[{"nothing": 1}]'}).content.decode()
    assert "outcomes[0]" in bad and not Function.objects.exists()
    outcomes: list[dict[str, Any]] = [{"error": "PaymentDeclined", "cause": "no"}, {"output": {"ok": True}}]
    assert client.post("/functions/", {"name": "pay", "outcomes": json.dumps(outcomes)}).status_code == 302
    assert Function.objects.get(name="pay").outcomes == outcomes
    page = client.get("/functions/").content.decode()
    assert "arn:aws:lambda:us-east-1:123456789012:function:pay" in page
