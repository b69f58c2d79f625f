"""Execution roles defined through the IAM API decide what a Task may call.

A denied direct Lambda ARN fails with States.Permissions (the predefined error for
"insufficient privileges to run the specified code", error-handling page); the optimized
lambda:invoke integration reports Lambda's AccessDeniedException as Lambda.AWSLambdaException,
as real execution histories show it (awslabs/aws-deployment-framework issue 460).
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import wait_for
from tests.support.iam import ACCOUNT, STATES_TRUST_POLICY

pytestmark = pytest.mark.live

TRUST = STATES_TRUST_POLICY


def _allow_invoke(function: str) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "lambda:InvokeFunction",
                    "Resource": f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:{function}",
                }
            ],
        }
    )


def _run(sfn: Any, name: str, definition: dict[str, Any], role_arn: str) -> dict[str, Any]:
    machine = sfn.create_state_machine(name=name, definition=json.dumps(definition), roleArn=role_arn)
    started = sfn.start_execution(stateMachineArn=machine["stateMachineArn"], input="{}")
    described: dict[str, Any] = wait_for(
        lambda: (
            (d := sfn.describe_execution(executionArn=started["executionArn"]))["status"] != "RUNNING" and d
        )
    )
    return described


def _task(resource: str, parameters: dict[str, Any] | None = None) -> dict[str, Any]:
    state: dict[str, Any] = {"Type": "Task", "Resource": resource, "End": True}
    if parameters is not None:
        state["Parameters"] = parameters
    return {"StartAt": "Call", "States": {"Call": state}}


def test_a_role_without_the_permission_fails_the_task_and_granting_it_fixes_it(aws: Any) -> None:
    from workbench.accounts.services import default_workspace
    from workbench.functions.services import save_mock

    save_mock(default_workspace(), "charge", [{"output": {"charged": True}}])
    iam, sfn = aws("iam"), aws("stepfunctions")
    role_arn = iam.create_role(RoleName="OrdersRole", AssumeRolePolicyDocument=json.dumps(TRUST))["Role"][
        "Arn"
    ]
    iam.put_role_policy(RoleName="OrdersRole", PolicyName="other", PolicyDocument=_allow_invoke("refund"))

    direct = _task(f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:charge")
    denied = _run(sfn, "charge-direct", direct, role_arn)
    assert (denied["status"], denied["error"]) == ("FAILED", "States.Permissions")
    assert denied["cause"].startswith(f"User: arn:aws:sts::{ACCOUNT}:assumed-role/OrdersRole/")
    assert "is not authorized to perform: lambda:InvokeFunction on resource: " in denied["cause"]
    assert denied["cause"].endswith(
        "because no identity-based policy allows the lambda:InvokeFunction action"
    )

    optimized = _task("arn:aws:states:::lambda:invoke", {"FunctionName": "charge", "Payload": {}})
    denied = _run(sfn, "charge-optimized", optimized, role_arn)
    assert (denied["status"], denied["error"]) == ("FAILED", "Lambda.AWSLambdaException")
    assert "Error Code: AccessDeniedException" in denied["cause"]

    iam.put_role_policy(RoleName="OrdersRole", PolicyName="charge", PolicyDocument=_allow_invoke("charge"))
    allowed = _run(sfn, "charge-again", direct, role_arn)
    assert allowed["status"] == "SUCCEEDED", allowed
    assert json.loads(allowed["output"]) == {"charged": True}


def test_an_explicit_deny_wins_and_a_role_the_workbench_does_not_know_allows_everything(aws: Any) -> None:
    from workbench.accounts.services import default_workspace
    from workbench.functions.services import save_mock

    save_mock(default_workspace(), "charge", [{"output": 1}])
    iam, sfn = aws("iam"), aws("stepfunctions")
    role_arn = iam.create_role(RoleName="Locked", AssumeRolePolicyDocument=json.dumps(TRUST))["Role"]["Arn"]
    everything = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
    iam.put_role_policy(RoleName="Locked", PolicyName="all", PolicyDocument=json.dumps(everything))
    deny = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Deny", "Action": "lambda:Invoke*", "Resource": "*"}],
    }
    iam.put_role_policy(RoleName="Locked", PolicyName="no-lambda", PolicyDocument=json.dumps(deny))
    direct = _task(f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:charge")
    denied = _run(sfn, "locked", direct, role_arn)
    assert denied["error"] == "States.Permissions"
    assert denied["cause"].endswith("with an explicit deny in an identity-based policy")
    unknown = _run(sfn, "unknown-role", direct, f"arn:aws:iam::{ACCOUNT}:role/NotDefinedHere")
    assert unknown["status"] == "SUCCEEDED"
