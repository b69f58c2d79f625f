"""Versions, aliases and execution status change events through boto3 against the served
workbench (its worker delivers the status change event to a rule's state machine target)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.conftest import wait_for
from tests.support.aws import error_code

pytestmark = pytest.mark.live

ROLE = "arn:aws:iam::123456789012:role/unit"


def _pass(result: str) -> str:
    return json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": result, "End": True}}})


def _finished(sfn: Any, arn: str) -> dict[str, Any] | None:
    described = sfn.describe_execution(executionArn=arn)
    return described if described["status"] != "RUNNING" else None


def test_versions_aliases_and_a_rule_on_status_changes(aws: Any) -> None:
    sfn, events = aws("stepfunctions"), aws("events")
    created = sfn.create_state_machine(
        name="orders", definition=_pass("one"), roleArn=ROLE, publish=True, versionDescription="v1"
    )
    arn, v1 = created["stateMachineArn"], created["stateMachineVersionArn"]
    assert v1 == f"{arn}:1"
    updated = sfn.update_state_machine(stateMachineArn=arn, definition=_pass("two"), publish=True)
    v2 = updated["stateMachineVersionArn"]
    assert v2 == f"{arn}:2" and updated["revisionId"]
    assert [
        v["stateMachineVersionArn"]
        for v in sfn.list_state_machine_versions(stateMachineArn=arn)["stateMachineVersions"]
    ] == [v2, v1]
    alias = sfn.create_state_machine_alias(
        name="live", routingConfiguration=[{"stateMachineVersionArn": v1, "weight": 100}]
    )["stateMachineAliasArn"]
    assert alias == f"{arn}:live"

    # A rule on the default bus starts "audit" whenever an execution of "orders" succeeds.
    audit = sfn.create_state_machine(name="audit", definition=_pass("seen"), roleArn=ROLE)["stateMachineArn"]
    events.put_rule(
        Name="orders-done",
        EventPattern=json.dumps(
            {
                "source": ["aws.states"],
                "detail-type": ["Step Functions Execution Status Change"],
                "detail": {"status": ["SUCCEEDED"], "stateMachineArn": [arn]},
            }
        ),
    )
    events.put_targets(Rule="orders-done", Targets=[{"Id": "audit", "Arn": audit, "InputPath": "$.detail"}])

    started = sfn.start_execution(stateMachineArn=alias, name="through-alias", input='{"n": 1}')[
        "executionArn"
    ]
    done = wait_for(lambda: _finished(sfn, started))
    assert done["status"] == "SUCCEEDED" and json.loads(done["output"]) == "one"
    assert done["stateMachineAliasArn"] == alias and done["stateMachineVersionArn"] == v1

    audited = wait_for(lambda: sfn.list_executions(stateMachineArn=audit)["executions"])
    detail = json.loads(sfn.describe_execution(executionArn=audited[0]["executionArn"])["input"])
    assert detail["executionArn"] == started and detail["status"] == "SUCCEEDED"
    assert detail["stateMachineAliasArn"] == alias and json.loads(detail["output"]) == "one"

    with pytest.raises(ClientError) as refused:
        sfn.delete_state_machine_version(stateMachineVersionArn=v1)
    assert error_code(refused) == "ConflictException"
    sfn.update_state_machine_alias(
        stateMachineAliasArn=alias, routingConfiguration=[{"stateMachineVersionArn": v2, "weight": 100}]
    )
    sfn.delete_state_machine_version(stateMachineVersionArn=v1)
    assert sfn.describe_state_machine_alias(stateMachineAliasArn=alias)["routingConfiguration"] == [
        {"stateMachineVersionArn": v2, "weight": 100}
    ]
    sfn.delete_state_machine_alias(stateMachineAliasArn=alias)
    assert sfn.list_state_machine_aliases(stateMachineArn=arn)["stateMachineAliases"] == []
