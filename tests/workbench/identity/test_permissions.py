"""Roles, inline policies and task_permission_denial through the service layer (no server)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from workbench.accounts.services import default_workspace
from workbench.identity import services as identity
from workbench.identity.errors import (
    DeleteConflict,
    EntityAlreadyExists,
    IamLimitExceeded,
    IamValidationError,
    MalformedPolicyDocument,
    NoSuchEntity,
)

TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "states.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
)
INVOKE = "arn:aws:states:::lambda:invoke"


def allow(action: str | list[str], resource: str | list[str], **extra: Any) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [{"Effect": "Allow", "Action": action, "Resource": resource, **extra}],
        }
    )


@pytest.fixture
def ws(db: Any) -> Any:
    return default_workspace()


def fn_arn(ws: Any, name: str) -> str:
    return f"arn:aws:lambda:{ws.region}:{ws.account_id}:function:{name}"


def test_a_role_arn_that_names_no_workbench_role_allows_everything(ws: Any) -> None:
    made_up = f"arn:aws:iam::{ws.account_id}:role/anything"
    assert identity.task_permission_denial(ws, made_up, INVOKE, {"FunctionName": "echo"}) is None
    assert identity.task_permission_denial(ws, "not-an-arn", INVOKE, {"FunctionName": "echo"}) is None


def test_a_role_without_policies_denies_and_names_the_missing_permission(ws: Any) -> None:
    role = identity.create_role(ws, name="OrdersRole", assume_role_policy_document=TRUST)
    denial = identity.task_permission_denial(
        ws, role.arn, INVOKE, {"FunctionName": "echo"}, session_name="run-1"
    )
    assert denial == (
        f"User: arn:aws:sts::{ws.account_id}:assumed-role/OrdersRole/run-1 is not authorized to perform: "
        f"lambda:InvokeFunction on resource: {fn_arn(ws, 'echo')} "
        "because no identity-based policy allows the lambda:InvokeFunction action"
    )


def test_the_default_session_name_is_32_letters_as_step_functions_uses(ws: Any) -> None:
    role = identity.create_role(ws, name="R", assume_role_policy_document=TRUST)
    denial = identity.task_permission_denial(ws, role.arn, fn_arn(ws, "echo"), {})
    assert denial is not None
    assert re.search(r"assumed-role/R/[A-Za-z]{32} is not authorized", denial)


def test_putting_the_right_policy_fixes_it_and_a_deny_breaks_it_again(ws: Any) -> None:
    role = identity.create_role(ws, name="OrdersRole", assume_role_policy_document=TRUST)
    identity.put_role_policy(ws, "OrdersRole", "invoke", allow("lambda:InvokeFunction", fn_arn(ws, "echo")))
    assert identity.task_permission_denial(ws, role.arn, INVOKE, {"FunctionName": "echo"}) is None
    # A different function is still not covered.
    assert identity.task_permission_denial(ws, role.arn, INVOKE, {"FunctionName": "other"}) is not None
    identity.put_role_policy(
        ws,
        "OrdersRole",
        "no-echo",
        json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Deny", "Action": "lambda:*", "Resource": fn_arn(ws, "echo")}],
            }
        ),
    )
    denial = identity.task_permission_denial(ws, role.arn, INVOKE, {"FunctionName": "echo"}, session_name="s")
    assert denial is not None and denial.endswith("with an explicit deny in an identity-based policy")
    identity.delete_role_policy(ws, "OrdersRole", "no-echo")
    assert identity.task_permission_denial(ws, role.arn, INVOKE, {"FunctionName": "echo"}) is None


def test_the_role_path_is_part_of_the_arn_that_enforces(ws: Any) -> None:
    role = identity.create_role(ws, name="Pathed", path="/service-role/", assume_role_policy_document=TRUST)
    assert role.arn == f"arn:aws:iam::{ws.account_id}:role/service-role/Pathed"
    assert identity.task_permission_denial(ws, role.arn, INVOKE, {"FunctionName": "echo"}) is not None
    # The same name under another path, or in another account, is not this role.
    for other in (
        f"arn:aws:iam::{ws.account_id}:role/Pathed",
        "arn:aws:iam::210987654321:role/service-role/Pathed",
    ):
        assert identity.task_permission_denial(ws, other, INVOKE, {"FunctionName": "echo"}) is None


def test_put_events_needs_every_bus_the_entries_name(ws: Any) -> None:
    role = identity.create_role(ws, name="EventsRole", assume_role_policy_document=TRUST)
    default_bus = f"arn:aws:events:{ws.region}:{ws.account_id}:event-bus/default"
    identity.put_role_policy(ws, "EventsRole", "put", allow("events:PutEvents", default_bus))
    put = "arn:aws:states:::events:putEvents"
    assert identity.task_permission_denial(ws, role.arn, put, {"Entries": [{"Source": "s"}]}) is None
    denial = identity.task_permission_denial(
        ws, role.arn, put, {"Entries": [{"Source": "s"}, {"Source": "s", "EventBusName": "orders"}]}
    )
    assert denial is not None and "event-bus/orders" in denial


def test_item_reader_list_condition_uses_the_request_prefix(ws: Any) -> None:
    role = identity.create_role(ws, name="MapRole", assume_role_policy_document=TRUST)
    identity.put_role_policy(
        ws,
        "MapRole",
        "list",
        allow(
            "s3:ListBucket", "arn:aws:s3:::data", Condition={"StringLike": {"s3:prefix": ["processData/*"]}}
        ),
    )
    listing = "arn:aws:states:::s3:listObjectsV2"
    assert (
        identity.task_permission_denial(ws, role.arn, listing, {"Bucket": "data", "Prefix": "processData/"})
        is None
    )
    assert (
        identity.task_permission_denial(ws, role.arn, listing, {"Bucket": "data", "Prefix": "x/"}) is not None
    )


def test_global_condition_keys_describe_the_assumed_role(ws: Any) -> None:
    role = identity.create_role(ws, name="Keyed", assume_role_policy_document=TRUST)
    identity.put_role_policy(
        ws,
        "Keyed",
        "only-here",
        allow(
            "lambda:InvokeFunction",
            "*",
            Condition={
                "StringEquals": {"aws:RequestedRegion": ws.region, "aws:PrincipalAccount": ws.account_id},
                "ArnEquals": {"aws:PrincipalArn": role.arn},
            },
        ),
    )
    assert identity.task_permission_denial(ws, role.arn, INVOKE, {"FunctionName": "echo"}) is None


def test_resources_without_a_known_permission_are_not_checked(ws: Any) -> None:
    role = identity.create_role(ws, name="Bare", assume_role_policy_document=TRUST)
    assert identity.task_permission_denial(ws, role.arn, "arn:aws:states:::dynamodb:putItem", {}) is None


# --- The CRUD rules IAM enforces -------------------------------------------------------------


def test_role_names_are_unique_without_regard_to_case(ws: Any) -> None:
    identity.create_role(ws, name="Orders", assume_role_policy_document=TRUST)
    with pytest.raises(EntityAlreadyExists, match=re.escape("Role with name orders already exists.")):
        identity.create_role(ws, name="orders", assume_role_policy_document=TRUST)
    assert identity.get_role(ws, "ORDERS").name == "Orders"


def test_role_id_looks_like_iams(ws: Any) -> None:
    role = identity.create_role(ws, name="Ided", assume_role_policy_document=TRUST)
    assert re.fullmatch(r"AROA[A-Z2-7]{17}", role.role_id)


def test_bad_names_paths_and_trust_policies_are_refused(ws: Any) -> None:
    with pytest.raises(IamValidationError, match="at 'roleName' failed to satisfy constraint"):
        identity.create_role(ws, name="has space", assume_role_policy_document=TRUST)
    with pytest.raises(IamValidationError, match="Member must have length less than or equal to 64"):
        identity.create_role(ws, name="x" * 65, assume_role_policy_document=TRUST)
    with pytest.raises(IamValidationError, match="at 'path'"):
        identity.create_role(ws, name="ok", path="no-slashes", assume_role_policy_document=TRUST)
    with pytest.raises(MalformedPolicyDocument, match="This policy contains invalid Json"):
        identity.create_role(ws, name="ok", assume_role_policy_document="{")
    with pytest.raises(IamLimitExceeded, match="ACLSizePerRole: 2048"):
        identity.create_role(
            ws,
            name="ok",
            assume_role_policy_document=TRUST.replace("sts:AssumeRole", "sts:AssumeRole" + "x" * 2100),
        )
    assert list(identity.list_roles(ws)) == []


def test_delete_role_with_inline_policies_is_a_conflict(ws: Any) -> None:
    identity.create_role(ws, name="Busy", assume_role_policy_document=TRUST)
    identity.put_role_policy(ws, "Busy", "p", allow("sns:Publish", "*"))
    with pytest.raises(DeleteConflict, match=re.escape("Cannot delete entity, must delete policies first.")):
        identity.delete_role(ws, "Busy")
    identity.delete_role_policy(ws, "Busy", "p")
    identity.delete_role(ws, "Busy")
    with pytest.raises(NoSuchEntity, match=re.escape("The role with name Busy cannot be found.")):
        identity.get_role(ws, "Busy")


def test_put_role_policy_replaces_validates_and_keeps_the_size_quota(ws: Any) -> None:
    identity.create_role(ws, name="Sized", assume_role_policy_document=TRUST)
    identity.put_role_policy(ws, "Sized", "p", allow("sns:Publish", "*"))
    identity.put_role_policy(ws, "Sized", "p", allow("sqs:SendMessage", "*"))
    assert identity.list_role_policies(ws, "Sized") == ["p"]
    assert "sqs:SendMessage" in identity.get_role_policy(ws, "Sized", "p").document
    with pytest.raises(MalformedPolicyDocument, match=re.escape("Policy statement must contain resources.")):
        identity.put_role_policy(
            ws,
            "Sized",
            "q",
            json.dumps({"Version": "2012-10-17", "Statement": {"Effect": "Allow", "Action": "s3:*"}}),
        )
    big = allow([f"s3:GetObject{i}" for i in range(700)], "*")
    with pytest.raises(IamLimitExceeded, match="Maximum policy size of 10240 bytes exceeded for role Sized"):
        identity.put_role_policy(ws, "Sized", "big", big)
    with pytest.raises(NoSuchEntity, match=re.escape("The role policy with name missing cannot be found.")):
        identity.get_role_policy(ws, "Sized", "missing")
    with pytest.raises(NoSuchEntity, match=re.escape("The role with name Nobody cannot be found.")):
        identity.put_role_policy(ws, "Nobody", "p", allow("sns:Publish", "*"))


def test_a_role_arn_names_its_role_without_regard_to_case_and_only_that_role(ws: Any) -> None:
    """IAM compares role names case-insensitively; a name with LIKE's wildcards (``_``, ``%``)
    names only itself, and the ARN's path and account must match."""
    role = identity.create_role(ws, name="Order_Tasks", path="/team/", assume_role_policy_document=TRUST)
    identity.create_role(ws, name="OrderXTasks", assume_role_policy_document=TRUST)
    account = ws.account_id
    assert identity.role_for_arn(ws, f"arn:aws:iam::{account}:role/team/order_tasks") == role
    assert identity.role_for_arn(ws, f"arn:aws:iam::{account}:role/team/ORDER_TASKS") == role
    assert identity.role_for_arn(ws, f"arn:aws:iam::{account}:role/Order_Tasks") is None  # wrong path
    assert identity.role_for_arn(ws, f"arn:aws:iam::{account}:role/team/Order%Tasks") is None
    assert identity.role_for_arn(ws, f"arn:aws:iam::{account}:role/team/OrderYTasks") is None
    assert identity.role_for_arn(ws, "arn:aws:iam::999999999999:role/team/Order_Tasks") is None
