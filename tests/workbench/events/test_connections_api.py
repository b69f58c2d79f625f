"""Connections and API destinations through the events API, in process: AWS's shapes
(botocore's events model), secrets stored but never returned, DeauthorizeConnection, and
AWS's error codes for a missing, duplicate or malformed resource."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from tests.workbench.awsapi.calls import call
from workbench.events.models import Connection

pytestmark = pytest.mark.django_db

SECRETS = ("s3cret", "k-123", "shh", "hidden-header")


def _events(client: Client, operation: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    return call(client, f"AWSEvents.{operation}", params)


def _no_secret(answer: dict[str, Any]) -> None:
    text = json.dumps(answer)
    for secret in SECRETS:
        assert secret not in text, (secret, text)


def test_each_authorization_type_is_created_described_and_listed_without_its_secrets(client: Client) -> None:
    created = {}
    for name, kind, auth in (
        ("basic", "BASIC", {"BasicAuthParameters": {"Username": "ana", "Password": "s3cret"}}),
        ("key", "API_KEY", {"ApiKeyAuthParameters": {"ApiKeyName": "x-api-key", "ApiKeyValue": "k-123"}}),
        (
            "oauth",
            "OAUTH_CLIENT_CREDENTIALS",
            {
                "OAuthParameters": {
                    "ClientParameters": {"ClientID": "client", "ClientSecret": "shh"},
                    "AuthorizationEndpoint": "https://auth.example.com/token",
                    "HttpMethod": "POST",
                },
                "InvocationHttpParameters": {
                    "HeaderParameters": [
                        {"Key": "X-Tenant", "Value": "t1", "IsValueSecret": False},
                        {"Key": "X-Secret", "Value": "hidden-header", "IsValueSecret": True},
                    ]
                },
            },
        ),
    ):
        status, answer = _events(
            client, "CreateConnection", {"Name": name, "AuthorizationType": kind, "AuthParameters": auth}
        )
        assert status == 200, answer
        assert answer["ConnectionArn"].startswith(f"arn:aws:events:us-east-1:123456789012:connection/{name}/")
        assert answer["ConnectionState"] == ("AUTHORIZING" if kind.startswith("OAUTH") else "AUTHORIZED")
        assert {"CreationTime", "LastModifiedTime"} <= answer.keys()
        created[name] = answer["ConnectionArn"]

    _, basic = _events(client, "DescribeConnection", {"Name": "basic"})
    assert basic["AuthParameters"] == {"BasicAuthParameters": {"Username": "ana"}}
    assert basic["SecretArn"].startswith(
        "arn:aws:secretsmanager:us-east-1:123456789012:secret:events!connection/basic/"
    )
    _, key = _events(client, "DescribeConnection", {"Name": "key"})
    assert key["AuthParameters"] == {"ApiKeyAuthParameters": {"ApiKeyName": "x-api-key"}}
    _, oauth = _events(client, "DescribeConnection", {"Name": "oauth"})
    assert oauth["AuthParameters"]["OAuthParameters"]["ClientParameters"] == {"ClientID": "client"}
    headers = oauth["AuthParameters"]["InvocationHttpParameters"]["HeaderParameters"]
    assert headers == [
        {"Key": "X-Tenant", "Value": "t1", "IsValueSecret": False},
        {"Key": "X-Secret", "IsValueSecret": True},
    ]
    _, listed = _events(client, "ListConnections", {"NamePrefix": "b"})
    assert [c["Name"] for c in listed["Connections"]] == ["basic"]
    for answer in (basic, key, oauth, listed):
        _no_secret(answer)
    # ...and yet the secrets are stored, for the calls.
    assert Connection.objects.get(name="basic").auth_parameters["BasicAuthParameters"]["Password"] == "s3cret"


def test_update_keeps_what_is_not_given_and_deauthorize_removes_the_secret(client: Client) -> None:
    auth = {"BasicAuthParameters": {"Username": "ana", "Password": "s3cret"}}
    _events(client, "CreateConnection", {"Name": "c", "AuthorizationType": "BASIC", "AuthParameters": auth})
    status, answer = _events(
        client,
        "UpdateConnection",
        {"Name": "c", "Description": "new", "AuthParameters": {"BasicAuthParameters": {"Password": "other"}}},
    )
    assert status == 200 and answer["ConnectionState"] == "AUTHORIZED"
    stored = Connection.objects.get(name="c")
    assert stored.auth_parameters["BasicAuthParameters"] == {"Username": "ana", "Password": "other"}
    assert stored.description == "new"

    status, answer = _events(client, "DeauthorizeConnection", {"Name": "c"})
    assert status == 200 and answer["ConnectionState"] == "DEAUTHORIZED"
    assert "Password" not in Connection.objects.get(name="c").auth_parameters["BasicAuthParameters"]
    _, listed = _events(client, "ListConnections", {"ConnectionState": "DEAUTHORIZED"})
    assert [c["Name"] for c in listed["Connections"]] == ["c"]

    status, answer = _events(client, "DeleteConnection", {"Name": "c"})
    assert status == 200 and answer["ConnectionState"] == "DELETING"
    status, answer = _events(client, "DescribeConnection", {"Name": "c"})
    assert (status, answer["__type"]) == (400, "ResourceNotFoundException")
    assert answer["message"] == "Failed to describe the connection(s). Connection 'c' does not exist."


def test_bad_connections_answer_awss_errors_and_store_nothing(client: Client) -> None:
    basic = {"BasicAuthParameters": {"Username": "u", "Password": "p"}}
    _events(client, "CreateConnection", {"Name": "c", "AuthorizationType": "BASIC", "AuthParameters": basic})
    status, answer = _events(
        client, "CreateConnection", {"Name": "c", "AuthorizationType": "BASIC", "AuthParameters": basic}
    )
    assert (status, answer["__type"]) == (400, "ResourceAlreadyExistsException")
    status, answer = _events(
        client, "CreateConnection", {"Name": "d", "AuthorizationType": "API_KEY", "AuthParameters": basic}
    )
    assert (status, answer["__type"]) == (400, "ValidationException")
    status, answer = _events(client, "CreateConnection", {"Name": "e", "AuthorizationType": "BASIC"})
    assert (status, answer["__type"]) == (400, "ValidationException")
    status, answer = _events(
        client, "CreateConnection", {"Name": "f", "AuthorizationType": "DIGEST", "AuthParameters": basic}
    )
    assert (status, answer["__type"]) == (400, "ValidationException")
    assert list(Connection.objects.values_list("name", flat=True)) == ["c"]


def test_api_destinations_are_created_described_updated_listed_and_deleted(client: Client) -> None:
    basic = {"BasicAuthParameters": {"Username": "u", "Password": "p"}}
    _, connection = _events(
        client, "CreateConnection", {"Name": "c", "AuthorizationType": "BASIC", "AuthParameters": basic}
    )
    arn = connection["ConnectionArn"]
    status, created = _events(
        client,
        "CreateApiDestination",
        {
            "Name": "orders",
            "ConnectionArn": arn,
            "InvocationEndpoint": "https://api.example.com/o/*",
            "HttpMethod": "POST",
        },
    )
    assert status == 200, created
    assert created["ApiDestinationArn"].startswith(
        "arn:aws:events:us-east-1:123456789012:api-destination/orders/"
    )
    assert created["ApiDestinationState"] == "ACTIVE"
    _, described = _events(client, "DescribeApiDestination", {"Name": "orders"})
    assert described["ConnectionArn"] == arn and described["InvocationRateLimitPerSecond"] == 300
    assert (
        described["HttpMethod"] == "POST" and described["InvocationEndpoint"] == "https://api.example.com/o/*"
    )

    status, _ = _events(
        client,
        "UpdateApiDestination",
        {"Name": "orders", "InvocationRateLimitPerSecond": 5, "HttpMethod": "PUT"},
    )
    assert status == 200
    _, listed = _events(client, "ListApiDestinations", {"ConnectionArn": arn})
    [only] = listed["ApiDestinations"]
    assert (only["Name"], only["HttpMethod"], only["InvocationRateLimitPerSecond"]) == ("orders", "PUT", 5)

    status, answer = _events(
        client,
        "CreateApiDestination",
        {
            "Name": "x",
            "ConnectionArn": arn + "nope",
            "InvocationEndpoint": "https://a.example/",
            "HttpMethod": "GET",
        },
    )
    assert (status, answer["__type"]) == (400, "ResourceNotFoundException")
    assert _events(client, "DeleteApiDestination", {"Name": "orders"}) == (200, {})
    status, answer = _events(client, "DescribeApiDestination", {"Name": "orders"})
    assert (status, answer["__type"]) == (400, "ResourceNotFoundException")
