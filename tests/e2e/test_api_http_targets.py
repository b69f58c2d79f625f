"""Connections, an http:invoke task and an API destination target through boto3 against the
served workbench, calling a real HTTP server started by the test (OAuth client credentials:
the token is fetched from the server's token endpoint and sent as a Bearer token)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import wait_for
from tests.support.http_server import Answer, Seen, Server, http_server

pytestmark = pytest.mark.live
__all__ = ["http_server"]

ROLE = "arn:aws:iam::123456789012:role/unit"


def test_oauth_connection_serves_an_http_task_and_an_api_destination_target(
    aws: Any, http_server: Server
) -> None:
    http_server.on("/token", Answer(200, {"access_token": "tok", "expires_in": 600}))

    def orders(seen: Seen) -> Answer:
        if seen.header("Authorization") != "Bearer tok":
            return Answer(401, {})
        return Answer(200, {"received": seen.path})

    http_server.on("/orders/42", orders)
    events, sfn = aws("events"), aws("stepfunctions")
    connection = events.create_connection(
        Name="shop",
        AuthorizationType="OAUTH_CLIENT_CREDENTIALS",
        AuthParameters={
            "OAuthParameters": {
                "ClientParameters": {"ClientID": "id", "ClientSecret": "c-s3cr3t-9"},
                "AuthorizationEndpoint": f"{http_server.url}/token",
                "HttpMethod": "POST",
            }
        },
    )
    described = events.describe_connection(Name="shop")
    assert "c-s3cr3t-9" not in json.dumps(described, default=str)

    definition = {
        "StartAt": "Call",
        "States": {
            "Call": {
                "Type": "Task",
                "Resource": "arn:aws:states:::http:invoke",
                "Parameters": {
                    "ApiEndpoint": f"{http_server.url}/orders/42",
                    "Method": "GET",
                    "Authentication": {"ConnectionArn": connection["ConnectionArn"]},
                },
                "ResultSelector": {"status.$": "$.StatusCode", "body.$": "$.ResponseBody"},
                "End": True,
            }
        },
    }
    machine = sfn.create_state_machine(name="http", definition=json.dumps(definition), roleArn=ROLE)
    execution = sfn.start_execution(stateMachineArn=machine["stateMachineArn"])["executionArn"]
    done = wait_for(
        lambda: (d := sfn.describe_execution(executionArn=execution))["status"] != "RUNNING" and d, timeout=60
    )
    assert done["status"] == "SUCCEEDED", done
    assert json.loads(done["output"]) == {"status": "200", "body": {"received": "/orders/42"}}
    assert events.describe_connection(Name="shop")["ConnectionState"] == "AUTHORIZED"

    destination = events.create_api_destination(
        Name="orders",
        ConnectionArn=connection["ConnectionArn"],
        InvocationEndpoint=f"{http_server.url}/orders/*",
        HttpMethod="POST",
        InvocationRateLimitPerSecond=10,
    )
    events.put_rule(Name="to-api", EventPattern=json.dumps({"source": ["shop"]}))
    events.put_targets(
        Rule="to-api",
        Targets=[
            {
                "Id": "api",
                "Arn": destination["ApiDestinationArn"],
                "HttpParameters": {"PathParameterValues": ["$.detail.id"]},
            }
        ],
    )
    listed = events.list_targets_by_rule(Rule="to-api")["Targets"]
    assert listed[0]["HttpParameters"] == {"PathParameterValues": ["$.detail.id"]}
    events.put_events(Entries=[{"Source": "shop", "DetailType": "order", "Detail": json.dumps({"id": 42})}])
    posted = wait_for(
        lambda: [s for s in http_server.requests_to("/orders/42") if s.method == "POST"], timeout=60
    )
    assert posted[0].json()["detail"] == {"id": 42}
    assert posted[0].header("Authorization") == "Bearer tok"
