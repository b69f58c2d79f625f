"""The Connections and API destinations pages, in process: list, create, delete, AWS's error
beside the field with what was typed kept, secrets never rendered; and an API destination
picked and saved as a target in the sandbox's target editor, with its HttpParameters."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from workbench.accounts.services import default_workspace
from workbench.events import api_destinations, connections, services
from workbench.events.models import ApiDestination, Connection, Target

pytestmark = pytest.mark.django_db


def _create_connection(client: Client, **fields: str) -> Any:
    form = {
        "name": "shop",
        "authorization_type": "API_KEY",
        "api_key_name": "x-api-key",
        "api_key_value": "k-9",
    }
    return client.post("/connections/", {**form, **fields})


def test_a_connection_is_created_listed_without_its_secret_and_deleted(client: Client) -> None:
    response = _create_connection(client)
    assert response.status_code == 302
    page = client.get("/connections/").content.decode()
    assert 'data-connection="shop"' in page and "API_KEY" in page and "AUTHORIZED" in page
    assert "k-9" not in page
    assert Connection.objects.get(name="shop").auth_parameters["ApiKeyAuthParameters"]["ApiKeyValue"] == "k-9"
    assert client.post("/connections/", {"action": "delete", "name": "shop"}).status_code == 302
    assert not Connection.objects.exists()


def test_a_refused_connection_shows_the_error_beside_its_field_and_keeps_what_was_typed(
    client: Client,
) -> None:
    response = _create_connection(
        client,
        name="auth",
        authorization_type="OAUTH_CLIENT_CREDENTIALS",
        client_id="me",
        authorization_endpoint="ftp://x",
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert 'id="endpoint-error"' in page and "AuthorizationEndpoint" in page
    assert 'value="auth"' in page and 'value="me"' in page and 'value="ftp://x"' in page
    assert not Connection.objects.exists()


def test_an_api_destination_is_created_and_deleted_from_its_page(client: Client) -> None:
    _create_connection(client)
    arn = Connection.objects.get(name="shop").arn
    response = client.post(
        "/api-destinations/",
        {
            "name": "orders",
            "connection_arn": arn,
            "endpoint": "https://api.example.com/o/*",
            "method": "PUT",
            "rate_limit": "7",
        },
    )
    assert response.status_code == 302
    stored = ApiDestination.objects.get(name="orders")
    assert (stored.http_method, stored.rate_limit, stored.connection_arn) == ("PUT", 7, arn)
    page = client.get("/api-destinations/").content.decode()
    assert 'data-api-destination="orders"' in page and "https://api.example.com/o/*" in page

    refused = client.post(
        "/api-destinations/", {"name": "bad", "connection_arn": arn, "endpoint": "nowhere", "method": "GET"}
    )
    assert 'id="endpoint-error"' in refused.content.decode() and 'value="bad"' in refused.content.decode()
    assert client.post("/api-destinations/", {"action": "delete", "name": "orders"}).status_code == 302
    assert not ApiDestination.objects.exists()


def test_the_target_editor_offers_api_destinations_and_saves_http_parameters(client: Client) -> None:
    ws = default_workspace()
    connection = connections.create_connection(
        ws,
        name="c",
        authorization_type="BASIC",
        auth_parameters={"BasicAuthParameters": {"Username": "u", "Password": "p"}},
    )
    destination = api_destinations.create_api_destination(
        ws, name="orders", connection_arn=connection.arn, endpoint="https://api.example.com/*", method="POST"
    )
    services.put_rule(ws, name="r", event_pattern=json.dumps({"source": ["shop"]}))
    page = client.get("/patterns/sandbox/?rule=r").content.decode()
    assert f'<option value="{destination.arn}">API destination orders' in page
    http_parameters = {"PathParameterValues": ["$.detail.id"], "HeaderParameters": {"X-Src": "$.source"}}
    response = client.post(
        "/buses/default/rules/r/targets/",
        data=json.dumps(
            {
                "id": "api",
                "arn": destination.arn,
                "kind": "whole",
                "http_parameters": json.dumps(http_parameters),
            }
        ),
        content_type="application/json",
    )
    assert response.status_code == 200 and response.json()["ok"] is True, response.content
    assert Target.objects.get(target_id="api").http_parameters == http_parameters
    assert response.json()["targets"] == [
        {"Id": "api", "Arn": destination.arn, "HttpParameters": http_parameters}
    ]


def test_the_target_editor_refuses_malformed_http_parameters_and_stores_nothing(client: Client) -> None:
    services.put_rule(default_workspace(), name="r", event_pattern=json.dumps({"source": ["shop"]}))
    for bad in ({"HeaderParameters": ["X"]}, {"PathParameterValues": [1]}, {"Body": {}}, ["x"]):
        response = client.post(
            "/buses/default/rules/r/targets/",
            data=json.dumps(
                {
                    "id": "api",
                    "arn": "arn:aws:events:us-east-1:123456789012:api-destination/a/b",
                    "kind": "whole",
                    "http_parameters": json.dumps(bad),
                }
            ),
            content_type="application/json",
        )
        assert response.status_code == 400 or response.json().get("ok") is False, (bad, response.content)
    assert not Target.objects.exists()


def test_deletes_are_red_and_api_destinations_are_in_the_nav(client: Client) -> None:
    """The Delete buttons look like every other delete (``danger``); API destinations has its
    own nav entry beside Connections, current on its page."""
    import re

    _create_connection(client)
    arn = Connection.objects.get(name="shop").arn
    api_destinations.create_api_destination(
        default_workspace(),
        name="orders",
        connection_arn=arn,
        endpoint="https://api.example.com/*",
        method="POST",
    )
    for url, label in (
        ("/connections/", "Delete connection shop"),
        ("/api-destinations/", "Delete API destination orders"),
    ):
        page = client.get(url).content.decode()
        assert re.search(
            rf'<button type="submit" class="danger small" aria-label="{label}">Delete</button>', page
        )
    nav = re.search(
        r'<nav aria-label="Main">(.*?)</nav>', client.get("/api-destinations/").content.decode(), re.S
    )
    assert nav
    links = re.findall(r'<li><a href="([^"]+)"( aria-current="page")?>([^<]+)</a></li>', nav.group(1))
    names = [(href, bool(current), text) for href, current, text in links]
    place = names.index(("/api-destinations/", True, "API destinations"))
    assert names[place - 1] == ("/connections/", False, "Connections")
