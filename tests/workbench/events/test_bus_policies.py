"""PutPermission, RemovePermission and Policy in DescribeEventBus through the API, and a
PutEvents from another workspace refused unless the bus's policy allows it (EventBridge API
Reference: PutPermission, RemovePermission; botocore's events model for the shapes)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from tests.support.events import PATTERN
from tests.workbench.awsapi.calls import call
from workbench.accounts.models import Workspace
from workbench.accounts.services import default_workspace
from workbench.events import bus_policies, services
from workbench.events.models import ReceivedEvent
from workbench.runtime import routing


@pytest.fixture
def other(db: Any) -> Workspace:
    return Workspace.objects.create(name="other", account_id="210987654321", access_key_id="other")


@pytest.mark.django_db
def test_put_permission_builds_awss_statement_and_remove_permission_takes_it_out(client: Client) -> None:
    assert call(client, "AWSEvents.CreateEventBus", {"Name": "central"})[0] == 200
    status, _ = call(
        client,
        "AWSEvents.PutPermission",
        {
            "EventBusName": "central",
            "Action": "events:PutEvents",
            "Principal": "210987654321",
            "StatementId": "a",
        },
    )
    assert status == 200
    call(
        client,
        "AWSEvents.PutPermission",
        {
            "EventBusName": "central",
            "Action": "events:PutEvents",
            "Principal": "*",
            "StatementId": "org",
            "Condition": {"Type": "StringEquals", "Key": "aws:PrincipalOrgID", "Value": "o-1234567890"},
        },
    )
    _, bus = call(client, "AWSEvents.DescribeEventBus", {"Name": "central"})
    policy = json.loads(bus["Policy"])
    assert policy["Version"] == "2012-10-17"
    assert policy["Statement"] == [
        {
            "Sid": "a",
            "Effect": "Allow",
            "Principal": {"AWS": "arn:aws:iam::210987654321:root"},
            "Action": "events:PutEvents",
            "Resource": bus["Arn"],
        },
        {
            "Sid": "org",
            "Effect": "Allow",
            "Principal": "*",
            "Action": "events:PutEvents",
            "Resource": bus["Arn"],
            "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-1234567890"}},
        },
    ]
    status, error = call(
        client, "AWSEvents.RemovePermission", {"EventBusName": "central", "StatementId": "zz"}
    )
    assert (status, error["__type"]) == (400, "ResourceNotFoundException")
    assert error["message"] == "Statement with the provided id does not exist."
    call(client, "AWSEvents.RemovePermission", {"EventBusName": "central", "StatementId": "a"})
    call(client, "AWSEvents.RemovePermission", {"EventBusName": "central", "RemoveAllPermissions": True})
    _, bus = call(client, "AWSEvents.DescribeEventBus", {"Name": "central"})
    assert "Policy" not in bus
    status, error = call(
        client, "AWSEvents.RemovePermission", {"EventBusName": "central", "StatementId": "a"}
    )
    assert (status, error["message"]) == (400, "EventBus does not have a policy.")


@pytest.mark.django_db
def test_put_permission_refuses_a_bad_principal_and_a_malformed_policy(client: Client) -> None:
    status, error = call(
        client,
        "AWSEvents.PutPermission",
        {"Action": "events:PutEvents", "Principal": "me", "StatementId": "a"},
    )
    assert (status, error["__type"]) == (400, "ValidationException")
    assert "'me' at 'principal'" in error["message"]
    status, error = call(client, "AWSEvents.PutPermission", {"Policy": "{not json"})
    assert (status, error["__type"]) == (400, "ValidationException")
    _, bus = call(client, "AWSEvents.DescribeEventBus", {})
    assert "Policy" not in bus


ORG_KEY = "aws:PrincipalOrgID"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "says"),
    [
        # PutPermission's Action: "Currently, this must be events:PutEvents" (API Reference).
        ({"Action": "events:DeleteRule"}, "parameter 'action' is not supported"),
        # Condition: Type "StringEquals" and Key "aws:PrincipalOrgID" only (API Reference).
        (
            {
                "Principal": "*",
                "Condition": {"Type": "StringLike", "Key": "aws:PrincipalOrgID", "Value": "o-1"},
            },
            "parameter 'condition' is not supported",
        ),
        (
            {
                "Principal": "*",
                "Condition": {"Type": "StringEquals", "Key": "aws:SourceAccount", "Value": "1"},
            },
            "parameter 'condition' is not supported",
        ),
    ],
)
def test_put_permission_refuses_what_aws_does_not_support(
    client: Client, changes: dict[str, object], says: str
) -> None:
    params = {"Action": "events:PutEvents", "Principal": "111122223333", "StatementId": "a", **changes}
    status, error = call(client, "AWSEvents.PutPermission", params)
    assert (status, error["__type"]) == (400, "ValidationException") and says in error["message"]
    _, bus = call(client, "AWSEvents.DescribeEventBus", {})
    assert "Policy" not in bus


@pytest.mark.django_db
def test_put_events_onto_another_workspaces_bus_needs_its_policy(other: Workspace) -> None:
    ws = default_workspace()
    bus = services.create_bus(other, "inbound")
    services.put_rule(other, name="all", bus_name="inbound", event_pattern=json.dumps(PATTERN))
    entry = {"Source": "shop", "DetailType": "order", "Detail": "{}", "EventBusName": bus.arn}
    [refused] = routing.put_events(ws, [entry])
    assert refused["ErrorCode"] == "AccessDeniedException"
    assert refused["ErrorMessage"] == (
        f"User: arn:aws:iam::{ws.account_id}:root is not authorized to perform: events:PutEvents "
        f"on resource: {bus.arn} because no resource-based policy allows the events:PutEvents action"
    )
    only_shop = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "shop",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{ws.account_id}:root"},
                "Action": "events:PutEvents",
                "Resource": bus.arn,
                "Condition": {"ForAllValues:StringEquals": {"events:source": "shop"}},
            }
        ],
    }
    bus_policies.put_permission(services.get_bus(other, "inbound"), {"Policy": json.dumps(only_shop)})
    accepted, elsewhere = routing.put_events(ws, [entry, {**entry, "Source": "elsewhere"}])
    assert "EventId" in accepted and elsewhere["ErrorCode"] == "AccessDeniedException"
    [stored] = ReceivedEvent.objects.filter(bus=bus)
    assert stored.event_id == accepted["EventId"] and stored.body["account"] == ws.account_id
    assert stored.matched_rules == ["all"]
    # The owner's own PutEvents never needs the policy.
    assert "EventId" in routing.put_events(other, [{**entry, "Source": "elsewhere"}])[0]
