"""The Connections page in Chromium at 1280 px and at phone width: create an API key
connection from the form (boto3 then describes it without its secret), see a refused OAuth
endpoint keep what was typed with the error beside the field, delete after confirming."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.support.browser import chromium_page

pytestmark = [pytest.mark.live, pytest.mark.browser]


def test_connections_page_creates_refuses_and_deletes(aws: Any, live_url: str) -> None:
    events = aws("events")
    with chromium_page() as page:
        page.set_viewport_size({"width": 1280, "height": 800})
        page.goto(f"{live_url}/connections/")
        page.fill("#create-connection input[name=name]", "shop")
        page.select_option("#create-connection select[name=authorization_type]", "API_KEY")
        page.fill("#create-connection input[name=api_key_name]", "x-api-key")
        page.fill("#create-connection input[name=api_key_value]", "k-browser-7")
        page.click("#create-connection button[type=submit]")
        page.wait_for_selector('#connections tr[data-connection="shop"] [data-state="AUTHORIZED"]')
        assert "k-browser-7" not in page.content()
        described = events.describe_connection(Name="shop")
        assert described["AuthParameters"] == {"ApiKeyAuthParameters": {"ApiKeyName": "x-api-key"}}
        assert "k-browser-7" not in json.dumps(described, default=str)

        page.set_viewport_size({"width": 390, "height": 800})
        page.fill("#create-connection input[name=name]", "auth")
        page.select_option("#create-connection select[name=authorization_type]", "OAUTH_CLIENT_CREDENTIALS")
        page.fill("#create-connection input[name=client_id]", "me")
        page.fill("#create-connection input[name=authorization_endpoint]", "ftp://nowhere")
        page.click("#create-connection button[type=submit]")
        page.wait_for_selector("#endpoint-error")
        assert page.input_value("#create-connection input[name=name]") == "auth"
        assert page.input_value("#create-connection input[name=client_id]") == "me"
        right = page.evaluate("document.querySelector('#create-connection').getBoundingClientRect().right")
        assert right <= 390, "the form fits the phone's width"

        page.once("dialog", lambda dialog: dialog.accept())
        page.click('#connections tr[data-connection="shop"] button')
        page.wait_for_selector('#connections tr[data-connection="shop"]', state="detached")
    assert events.list_connections()["Connections"] == []
