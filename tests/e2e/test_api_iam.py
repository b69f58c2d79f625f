"""IAM roles and inline policies through boto3's iam client against the served workbench.

Expected shapes and messages follow LocalStack's AWS-recorded snapshot
tests/aws/services/iam/test_iam_roles.snapshot.json (test_role_errors,
test_create_role_defaults, test_delete_role_with_inline_policy, test_role_inline_policy_lifecycle).
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.support.iam import ACCOUNT, STATES_TRUST_POLICY

pytestmark = pytest.mark.live

TRUST = STATES_TRUST_POLICY
LIST_BUCKET = {
    "Version": "2012-10-17",
    "Statement": {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::example_bucket"},
}


def _error(exc: pytest.ExceptionInfo[ClientError]) -> tuple[int, str, str, str]:
    response = exc.value.response
    return (
        response["ResponseMetadata"]["HTTPStatusCode"],
        response["Error"]["Code"],
        response["Error"]["Message"],
        response["Error"].get("Type", ""),
    )


def test_role_lifecycle(aws: Any) -> None:
    iam = aws("iam")
    created = iam.create_role(
        RoleName="OrdersRole", AssumeRolePolicyDocument=json.dumps(TRUST), Description="runs the orders flow"
    )["Role"]
    assert created["Arn"] == f"arn:aws:iam::{ACCOUNT}:role/OrdersRole"
    assert created["Path"] == "/" and created["RoleName"] == "OrdersRole"
    assert created["RoleId"].startswith("AROA") and len(created["RoleId"]) == 21
    assert created["AssumeRolePolicyDocument"] == TRUST  # URL-encoded on the wire, decoded by botocore
    assert isinstance(created["CreateDate"], datetime)
    assert "MaxSessionDuration" not in created

    got = iam.get_role(RoleName="OrdersRole")["Role"]
    assert got["RoleId"] == created["RoleId"] and got["Description"] == "runs the orders flow"
    assert got["MaxSessionDuration"] == 3600 and got["RoleLastUsed"] == {}

    with pytest.raises(ClientError) as exc:
        iam.create_role(RoleName="OrdersRole", AssumeRolePolicyDocument=json.dumps(TRUST))
    assert _error(exc) == (409, "EntityAlreadyExists", "Role with name OrdersRole already exists.", "Sender")

    listed = iam.list_roles()
    assert [r["RoleName"] for r in listed["Roles"]] == ["OrdersRole"] and listed["IsTruncated"] is False

    iam.delete_role(RoleName="OrdersRole")
    with pytest.raises(ClientError) as exc:
        iam.get_role(RoleName="OrdersRole")
    assert _error(exc) == (404, "NoSuchEntity", "The role with name OrdersRole cannot be found.", "Sender")
    with pytest.raises(ClientError) as exc:
        iam.delete_role(RoleName="OrdersRole")
    assert _error(exc)[:2] == (404, "NoSuchEntity")


def test_inline_policy_lifecycle(aws: Any) -> None:
    iam = aws("iam")
    iam.create_role(RoleName="MapRole", Path="/service-role/", AssumeRolePolicyDocument=json.dumps(TRUST))
    iam.put_role_policy(RoleName="MapRole", PolicyName="list", PolicyDocument=json.dumps(LIST_BUCKET))
    got = iam.get_role_policy(RoleName="MapRole", PolicyName="list")
    assert (got["RoleName"], got["PolicyName"], got["PolicyDocument"]) == ("MapRole", "list", LIST_BUCKET)
    iam.put_role_policy(RoleName="MapRole", PolicyName="a-second", PolicyDocument=json.dumps(LIST_BUCKET))
    assert iam.list_role_policies(RoleName="MapRole")["PolicyNames"] == ["a-second", "list"]

    with pytest.raises(ClientError) as exc:
        iam.delete_role(RoleName="MapRole")
    assert _error(exc) == (
        409,
        "DeleteConflict",
        "Cannot delete entity, must delete policies first.",
        "Sender",
    )

    iam.delete_role_policy(RoleName="MapRole", PolicyName="list")
    with pytest.raises(ClientError) as exc:
        iam.get_role_policy(RoleName="MapRole", PolicyName="list")
    assert _error(exc) == (404, "NoSuchEntity", "The role policy with name list cannot be found.", "Sender")
    with pytest.raises(ClientError) as exc:
        iam.delete_role_policy(RoleName="MapRole", PolicyName="list")
    assert _error(exc)[:2] == (404, "NoSuchEntity")
    iam.delete_role_policy(RoleName="MapRole", PolicyName="a-second")
    iam.delete_role(RoleName="MapRole")


def test_malformed_documents_are_refused_with_iams_messages(aws: Any) -> None:
    iam = aws("iam")
    with pytest.raises(ClientError) as exc:
        iam.create_role(RoleName="Bad", AssumeRolePolicyDocument="{not json")
    assert _error(exc) == (400, "MalformedPolicyDocument", "This policy contains invalid Json", "Sender")

    iam.create_role(RoleName="Good", AssumeRolePolicyDocument=json.dumps(TRUST))
    no_resource = {"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:ListBucket"}}
    with pytest.raises(ClientError) as exc:
        iam.put_role_policy(RoleName="Good", PolicyName="p", PolicyDocument=json.dumps(no_resource))
    assert _error(exc) == (
        400,
        "MalformedPolicyDocument",
        "Policy statement must contain resources.",
        "Sender",
    )
    with pytest.raises(ClientError) as exc:
        iam.put_role_policy(RoleName="Good", PolicyName="bad name!", PolicyDocument=json.dumps(LIST_BUCKET))
    status, code, message, _ = _error(exc)
    assert (status, code) == (400, "ValidationError") and "'policyName'" in message
    with pytest.raises(ClientError) as exc:
        iam.put_role_policy(RoleName="Nobody", PolicyName="p", PolicyDocument=json.dumps(LIST_BUCKET))
    assert _error(exc)[:3] == (404, "NoSuchEntity", "The role with name Nobody cannot be found.")
    assert iam.list_role_policies(RoleName="Good")["PolicyNames"] == []


def test_list_roles_pages_and_filters_by_path(aws: Any) -> None:
    iam = aws("iam")
    for name, path in (("A", "/"), ("B", "/team/"), ("C", "/team/")):
        iam.create_role(
            RoleName=name,
            Path=path,
            AssumeRolePolicyDocument=json.dumps(TRUST),
            Tags=[{"Key": "k", "Value": name}],
        )
    first = iam.list_roles(MaxItems=2)
    assert [r["RoleName"] for r in first["Roles"]] == ["A", "B"] and first["IsTruncated"] is True
    rest = iam.list_roles(MaxItems=2, Marker=first["Marker"])
    assert [r["RoleName"] for r in rest["Roles"]] == ["C"] and rest["IsTruncated"] is False
    assert [r["Arn"] for r in iam.list_roles(PathPrefix="/team/")["Roles"]] == [
        f"arn:aws:iam::{ACCOUNT}:role/team/B",
        f"arn:aws:iam::{ACCOUNT}:role/team/C",
    ]
    assert iam.get_role(RoleName="B")["Role"]["Tags"] == [{"Key": "k", "Value": "B"}]
    paginated = [
        r["RoleName"]
        for p in iam.get_paginator("list_roles").paginate(PaginationConfig={"PageSize": 1})
        for r in p["Roles"]
    ]
    assert paginated == ["A", "B", "C"]


def test_other_services_still_answer_beside_iam(aws: Any) -> None:
    """IAM is told apart by its signature alone; a Step Functions call right after still works."""
    aws("iam").create_role(RoleName="Beside", AssumeRolePolicyDocument=json.dumps(TRUST))
    assert aws("stepfunctions").list_state_machines()["stateMachines"] == []


def test_update_assume_role_policy(aws: Any) -> None:
    iam = aws("iam")
    iam.create_role(RoleName="TrustRole", AssumeRolePolicyDocument=json.dumps(TRUST))
    wider = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": ["states.amazonaws.com", "events.amazonaws.com"]},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    iam.update_assume_role_policy(RoleName="TrustRole", PolicyDocument=json.dumps(wider))
    assert iam.get_role(RoleName="TrustRole")["Role"]["AssumeRolePolicyDocument"] == wider
    with pytest.raises(ClientError) as exc:
        iam.update_assume_role_policy(RoleName="TrustRole", PolicyDocument="{not json")
    assert _error(exc)[:2] == (400, "MalformedPolicyDocument")
    with pytest.raises(ClientError) as exc:
        iam.update_assume_role_policy(RoleName="Nobody", PolicyDocument=json.dumps(wider))
    assert _error(exc) == (404, "NoSuchEntity", "The role with name Nobody cannot be found.", "Sender")
    assert iam.get_role(RoleName="TrustRole")["Role"]["AssumeRolePolicyDocument"] == wider  # unchanged
