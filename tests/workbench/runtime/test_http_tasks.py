"""The ``arn:aws:states:::http:invoke`` Task against a real HTTP server on 127.0.0.1: each
connection's authorization as the server sees it, OAuth's token fetch, cache and refresh on
401, AWS's result shape, ``States.Http.StatusCode.500``, a timeout and a refused connection
(``States.Http.Socket``), and a deauthorized connection
(https://docs.aws.amazon.com/step-functions/latest/dg/call-https-apis.html)."""

from __future__ import annotations

import base64
import json
import socket
import threading
import time
import urllib.parse
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from tests.support.http_server import Answer, Seen, Server, closing, http_server
from tests.support.inprocess import Broker, claim_pending_task, start
from workbench.accounts.services import default_workspace
from workbench.events import connections
from workbench.events import services as events
from workbench.events.models import Connection
from workbench.runtime.http_tasks import url_encoded
from workbench.stepfunctions.models import Execution, TaskInvocation

pytestmark = pytest.mark.django_db(transaction=True)
__all__ = ["http_server"]


def _connection(kind: str, auth: dict[str, Any], name: str = "api") -> Connection:
    return connections.create_connection(
        default_workspace(), name=name, authorization_type=kind, auth_parameters=auth
    )


def _run(broker: Broker, parameters: dict[str, Any], *, name: str = "m") -> Execution:
    definition = {
        "StartAt": "Call",
        "States": {
            "Call": {
                "Type": "Task",
                "Resource": "arn:aws:states:::http:invoke",
                "Parameters": parameters,
                "End": True,
            }
        },
    }
    execution = start(definition, name=name)
    broker.drain()
    execution.refresh_from_db()
    return execution


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


def test_basic_auth_query_headers_body_and_awss_result_shape(broker: Broker, http_server: Server) -> None:
    def orders(seen: Seen) -> Answer:
        if seen.header("Authorization") != _basic("ana", "s3cret"):
            return Answer(401, {"message": "who are you"})
        return Answer(201, {"id": 7}, headers={"X-Trace": "abc"})

    http_server.on("/orders", orders)
    connection = _connection(
        "BASIC",
        {
            "BasicAuthParameters": {"Username": "ana", "Password": "s3cret"},
            "InvocationHttpParameters": {"HeaderParameters": [{"Key": "X-Tenant", "Value": "t1"}]},
        },
    )
    execution = _run(
        broker,
        {
            "ApiEndpoint": f"{http_server.url}/orders",
            "Method": "POST",
            "Authentication": {"ConnectionArn": connection.arn},
            "Headers": {"X-Request": "r1"},
            "QueryParameters": {"dry": "no", "tags": ["a", "b"]},
            "RequestBody": {"item": "book", "qty": 2},
        },
    )
    assert execution.status == "SUCCEEDED", (execution.error, execution.cause)
    output = json.loads(execution.output or "")
    assert output["StatusCode"] == "201" and output["StatusText"] == "Created"
    assert output["ResponseBody"] == {"id": 7}
    assert output["Headers"]["X-Trace"] == ["abc"]
    [seen] = http_server.requests_to("/orders")
    assert seen.method == "POST" and seen.json() == {"item": "book", "qty": 2}
    assert seen.header("X-Request") == "r1" and seen.header("X-Tenant") == "t1"
    assert seen.header("Content-Type") == "application/json; charset=UTF-8"
    assert urllib.parse.parse_qs(urllib.parse.urlsplit(seen.path).query) == {
        "dry": ["no"],
        "tags": ["a", "b"],
    }


def test_api_key_auth_sends_the_key_as_its_header(broker: Broker, http_server: Server) -> None:
    http_server.on(
        "/ping",
        lambda seen: Answer(200, {"ok": True}) if seen.header("x-api-key") == "k-123" else Answer(403, {}),
    )
    connection = _connection(
        "API_KEY", {"ApiKeyAuthParameters": {"ApiKeyName": "x-api-key", "ApiKeyValue": "k-123"}}
    )
    execution = _run(
        broker,
        {
            "ApiEndpoint": f"{http_server.url}/ping",
            "Method": "GET",
            "Authentication": {"ConnectionArn": connection.arn},
        },
    )
    assert execution.status == "SUCCEEDED", execution.cause
    assert json.loads(execution.output or "")["ResponseBody"] == {"ok": True}


def test_oauth_token_is_fetched_cached_and_refreshed_on_401(broker: Broker, http_server: Server) -> None:
    issued: list[str] = []
    valid: set[str] = set()

    def token(seen: Seen) -> Answer:
        form = urllib.parse.parse_qs(seen.body.decode())
        if seen.header("Authorization") != _basic("client", "shh") or form.get("grant_type") != [
            "client_credentials"
        ]:
            return Answer(400, {"error": "invalid_client"})
        issued.append(f"t{len(issued) + 1}")
        valid.clear()
        valid.add(issued[-1])
        return Answer(200, {"access_token": issued[-1], "expires_in": 3600, "scope": form.get("scope")})

    def api(seen: Seen) -> Answer:
        bearer = (seen.header("Authorization") or "").removeprefix("Bearer ")
        return Answer(200, {"token": bearer}) if bearer in valid else Answer(401, {"message": "expired"})

    http_server.on("/oauth/token", token)
    http_server.on("/data", api)
    connection = _connection(
        "OAUTH_CLIENT_CREDENTIALS",
        {
            "OAuthParameters": {
                "ClientParameters": {"ClientID": "client", "ClientSecret": "shh"},
                "AuthorizationEndpoint": f"{http_server.url}/oauth/token",
                "HttpMethod": "POST",
                "OAuthHttpParameters": {"BodyParameters": [{"Key": "scope", "Value": "read"}]},
            }
        },
    )
    assert connection.state == "AUTHORIZING"
    call = {
        "ApiEndpoint": f"{http_server.url}/data",
        "Method": "GET",
        "Authentication": {"ConnectionArn": connection.arn},
    }

    first = _run(broker, call, name="first")
    assert first.status == "SUCCEEDED", first.cause
    assert json.loads(first.output or "")["ResponseBody"] == {"token": "t1"}
    connection.refresh_from_db()
    assert connection.state == "AUTHORIZED" and connection.last_authorized is not None

    second = _run(broker, call, name="second")  # the cached token, no new fetch
    assert json.loads(second.output or "")["ResponseBody"] == {"token": "t1"}
    assert len(http_server.requests_to("/oauth/token")) == 1

    valid.clear()  # the API no longer accepts t1: it answers 401, and the token is fetched again
    third = _run(broker, call, name="third")
    assert third.status == "SUCCEEDED", third.cause
    assert json.loads(third.output or "")["ResponseBody"] == {"token": "t2"}
    assert len(http_server.requests_to("/oauth/token")) == 2
    assert [s.header("Authorization") for s in http_server.requests_to("/data")][-2:] == [
        "Bearer t1",
        "Bearer t2",
    ]


def test_a_500_fails_with_states_http_status_code_500_and_the_response_as_cause(
    broker: Broker, http_server: Server
) -> None:
    http_server.on("/boom", Answer(500, {"message": "down"}))
    connection = _connection("API_KEY", {"ApiKeyAuthParameters": {"ApiKeyName": "k", "ApiKeyValue": "v"}})
    execution = _run(
        broker,
        {
            "ApiEndpoint": f"{http_server.url}/boom",
            "Method": "GET",
            "Authentication": {"ConnectionArn": connection.arn},
        },
    )
    assert (execution.status, execution.error) == ("FAILED", "States.Http.StatusCode.500")
    cause = json.loads(execution.cause or "")
    assert cause["StatusCode"] == "500" and cause["ResponseBody"] == {"message": "down"}
    assert cause["StatusText"] == "Internal Server Error"


def test_a_timeout_and_a_refused_connection_fail_with_states_http_socket(
    broker: Broker, http_server: Server, settings: Any
) -> None:
    settings.STEPBRIDGE_HTTP_TASK_TIMEOUT_SECONDS = 0.3
    http_server.on("/slow", Answer(200, {}, delay=1.5))
    connection = _connection("API_KEY", {"ApiKeyAuthParameters": {"ApiKeyName": "k", "ApiKeyValue": "v"}})
    slow = _run(
        broker,
        {
            "ApiEndpoint": f"{http_server.url}/slow",
            "Method": "GET",
            "Authentication": {"ConnectionArn": connection.arn},
        },
        name="slow",
    )
    assert (slow.status, slow.error) == ("FAILED", "States.Http.Socket")
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    refused = _run(
        broker,
        {
            "ApiEndpoint": f"http://127.0.0.1:{closed}/",
            "Method": "GET",
            "Authentication": {"ConnectionArn": connection.arn},
        },
        name="refused",
    )
    assert (refused.status, refused.error) == ("FAILED", "States.Http.Socket")


def test_a_deauthorized_or_missing_connection_fails_before_any_call(
    broker: Broker, http_server: Server
) -> None:
    http_server.on("/x", Answer(200, {}))
    connection = _connection("BASIC", {"BasicAuthParameters": {"Username": "u", "Password": "p"}})
    connections.deauthorize_connection(default_workspace(), "api")
    call = {
        "ApiEndpoint": f"{http_server.url}/x",
        "Method": "GET",
        "Authentication": {"ConnectionArn": connection.arn},
    }
    execution = _run(broker, call, name="deauthorized")
    assert (execution.status, execution.error) == (
        "FAILED",
        "Events.ConnectionResource.InvalidConnectionState",
    )
    missing = _run(
        broker, {**call, "Authentication": {"ConnectionArn": connection.arn + "x"}}, name="missing"
    )
    assert (missing.status, missing.error) == ("FAILED", "Events.ConnectionResource.ResourceNotFound")
    assert http_server.seen == []


def test_url_encoded_bodies_write_arrays_as_array_format_says(broker: Broker, http_server: Server) -> None:
    value = {"array": ["a", "b"], "n": 1}
    assert urllib.parse.unquote(url_encoded(value, "INDICES")) == "array[0]=a&array[1]=b&n=1"
    assert urllib.parse.unquote(url_encoded(value, "BRACKETS")) == "array[]=a&array[]=b&n=1"
    assert url_encoded(value, "REPEAT") == "array=a&array=b&n=1"
    assert urllib.parse.unquote(url_encoded(value, "COMMAS")) == "array=a,b&n=1"
    http_server.on("/form", Answer(200, b"ok", headers={"Content-Type": "text/plain"}))
    connection = _connection("API_KEY", {"ApiKeyAuthParameters": {"ApiKeyName": "k", "ApiKeyValue": "v"}})
    execution = _run(
        broker,
        {
            "ApiEndpoint": f"{http_server.url}/form",
            "Method": "POST",
            "Authentication": {"ConnectionArn": connection.arn},
            "RequestBody": value,
            "Transform": {
                "RequestBodyEncoding": "URL_ENCODED",
                "RequestEncodingOptions": {"ArrayFormat": "REPEAT"},
            },
        },
    )
    assert execution.status == "SUCCEEDED", execution.cause
    assert json.loads(execution.output or "")["ResponseBody"] == "ok"
    [seen] = http_server.requests_to("/form")
    # (PostgreSQL's jsonb keeps an object's keys in its own order: compare as a form.)
    assert urllib.parse.parse_qs(seen.body.decode()) == {"array": ["a", "b"], "n": ["1"]}
    assert b"array=a&array=b" in seen.body
    assert seen.header("Content-Type") == "application/x-www-form-urlencoded"


def test_the_call_holds_no_database_lock_while_it_waits_for_the_endpoint(
    broker: Broker, http_server: Server
) -> None:
    """SQLite has one writer at a time: a call made inside a transaction would stop every other
    write (API calls, other executions) until its endpoint answered."""
    in_call, release = threading.Event(), threading.Event()

    def slow(_: Seen) -> Answer:
        in_call.set()
        release.wait(10)
        return Answer(200, {"late": True})

    http_server.on("/slow", slow)
    connection = _connection("API_KEY", {"ApiKeyAuthParameters": {"ApiKeyName": "k", "ApiKeyValue": "v"}})
    call = {
        "ApiEndpoint": f"{http_server.url}/slow",
        "Method": "GET",
        "Authentication": {"ConnectionArn": connection.arn},
    }
    definition = {
        "StartAt": "Call",
        "States": {
            "Call": {
                "Type": "Task",
                "Resource": "arn:aws:states:::http:invoke",
                "Parameters": call,
                "End": True,
            }
        },
    }
    execution = start(definition)
    worker = threading.Thread(target=closing(broker.drain))
    worker.start()
    try:
        assert in_call.wait(10)
        began = time.monotonic()
        events.create_bus(default_workspace(), "written-meanwhile")
        assert time.monotonic() - began < 2
    finally:
        release.set()
        worker.join(20)
    execution.refresh_from_db()
    assert execution.status == "SUCCEEDED" and json.loads(execution.output or "")["ResponseBody"] == {
        "late": True
    }


def test_a_call_whose_worker_died_is_not_made_again_but_fails_the_attempt(
    broker: Broker, http_server: Server
) -> None:
    """At most once per attempt: a claim whose lease ran out without an outcome fails with
    States.TaskFailed (Retry can catch it); a claim still within its lease is left alone."""
    from workbench.runtime import queue

    http_server.on("/x", Answer(200, {}))
    connection = _connection("API_KEY", {"ApiKeyAuthParameters": {"ApiKeyName": "k", "ApiKeyValue": "v"}})
    call = {
        "ApiEndpoint": f"{http_server.url}/x",
        "Method": "GET",
        "Authentication": {"ConnectionArn": connection.arn},
    }
    definition = {
        "StartAt": "Call",
        "States": {
            "Call": {
                "Type": "Task",
                "Resource": "arn:aws:states:::http:invoke",
                "Parameters": call,
                "End": True,
            }
        },
    }
    execution = start(definition)
    claim = claim_pending_task(execution, for_=timedelta(seconds=60))  # another worker's, still live
    [message] = broker.take(queue.INVOKE_TASK)
    broker.deliver(message)
    execution.refresh_from_db()
    assert execution.status == "RUNNING" and http_server.seen == []
    TaskInvocation.objects.filter(id=claim.id).update(claimed_until=timezone.now() - timedelta(seconds=1))
    broker.deliver(message)  # the lease ran out: that worker died mid-call
    broker.drain()
    execution.refresh_from_db()
    assert (execution.status, execution.error) == ("FAILED", "States.TaskFailed")
    assert http_server.seen == []


def test_an_oauth_token_endpoint_called_with_get_gets_the_form_in_its_query(
    broker: Broker, http_server: Server
) -> None:
    def token(seen: Seen) -> Answer:
        query = urllib.parse.parse_qs(urllib.parse.urlsplit(seen.path).query)
        if query.get("grant_type") != ["client_credentials"] or query.get("audience") != ["api"]:
            return Answer(400, {"error": "invalid_request"})
        return Answer(200, {"access_token": "g1"})

    http_server.on("/token", token)
    http_server.on("/me", lambda seen: Answer(200, {"auth": seen.header("Authorization")}))
    connection = _connection(
        "OAUTH_CLIENT_CREDENTIALS",
        {
            "OAuthParameters": {
                "ClientParameters": {"ClientID": "c", "ClientSecret": "s"},
                "AuthorizationEndpoint": f"{http_server.url}/token",
                "HttpMethod": "GET",
                "OAuthHttpParameters": {"QueryStringParameters": [{"Key": "audience", "Value": "api"}]},
            }
        },
    )
    execution = _run(
        broker,
        {
            "ApiEndpoint": f"{http_server.url}/me",
            "Method": "GET",
            "Authentication": {"ConnectionArn": connection.arn},
        },
    )
    assert execution.status == "SUCCEEDED", execution.cause
    assert json.loads(execution.output or "")["ResponseBody"] == {"auth": "Bearer g1"}


def test_a_refused_token_request_fails_the_task_and_says_why_on_the_connection(
    broker: Broker, http_server: Server
) -> None:
    http_server.on("/token", Answer(401, {"error": "invalid_client"}))
    connection = _connection(
        "OAUTH_CLIENT_CREDENTIALS",
        {
            "OAuthParameters": {
                "ClientParameters": {"ClientID": "c", "ClientSecret": "wrong"},
                "AuthorizationEndpoint": f"{http_server.url}/token",
                "HttpMethod": "POST",
            }
        },
    )
    execution = _run(
        broker,
        {
            "ApiEndpoint": f"{http_server.url}/me",
            "Method": "GET",
            "Authentication": {"ConnectionArn": connection.arn},
        },
    )
    assert (execution.status, execution.error) == (
        "FAILED",
        "Events.ConnectionResource.InvalidConnectionState",
    )
    connection.refresh_from_db()
    assert connection.state == "AUTHORIZING" and "401" in connection.state_reason
    assert http_server.requests_to("/me") == []
