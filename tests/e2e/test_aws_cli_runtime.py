"""aws-cli, unchanged, drives issue 12's runtime against the served workbench: versions and
aliases, a nested child execution, an activity answered by a CLI worker, a redrive, and an
EventBridge connection (the operations as the AWS CLI Command Reference names them)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest

from tests.conftest import wait_for

pytestmark = pytest.mark.live

ROLE = "arn:aws:iam::123456789012:role/cli"
PASS = {"StartAt": "P", "States": {"P": {"Type": "Pass", "End": True}}}


@pytest.fixture
def cli(live_url: str, transactional_db: Any) -> Any:
    env = dict(
        os.environ, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test", AWS_DEFAULT_REGION="us-east-1"
    )

    def run(service: str, *args: str) -> dict[str, Any]:
        command = [sys.executable, "-m", "awscli", "--endpoint-url", live_url, "--output", "json", service]
        done = subprocess.run([*command, *args], env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout) if done.stdout.strip() else {}

    return run


def _ended(cli: Any, arn: str) -> dict[str, Any]:
    return wait_for(
        lambda: (lambda d: d if d["status"] != "RUNNING" else None)(
            cli("stepfunctions", "describe-execution", "--execution-arn", arn)
        ),
        timeout=60,
    )


def test_versions_aliases_and_a_nested_child_through_aws_cli(cli: Any) -> None:
    child = cli(
        "stepfunctions", "create-state-machine", "--name", "cli-child", "--definition", json.dumps(PASS),
        "--role-arn", ROLE, "--publish",
    )  # fmt: skip
    assert child["stateMachineVersionArn"] == child["stateMachineArn"] + ":1"
    alias = cli(
        "stepfunctions", "create-state-machine-alias", "--name", "live", "--routing-configuration",
        f"stateMachineVersionArn={child['stateMachineVersionArn']},weight=100",
    )["stateMachineAliasArn"]  # fmt: skip
    parent_definition = {
        "StartAt": "Nested",
        "States": {
            "Nested": {
                "Type": "Task",
                "Resource": "arn:aws:states:::states:startExecution.sync:2",
                "Parameters": {"StateMachineArn": alias, "Input": {"n.$": "$.n"}},
                "OutputPath": "$.Output",
                "End": True,
            }
        },
    }
    parent = cli(
        "stepfunctions", "create-state-machine", "--name", "cli-parent", "--definition",
        json.dumps(parent_definition), "--role-arn", ROLE,
    )["stateMachineArn"]  # fmt: skip
    started = cli("stepfunctions", "start-execution", "--state-machine-arn", parent, "--input", '{"n": 7}')
    done = _ended(cli, started["executionArn"])
    assert done["status"] == "SUCCEEDED", (done.get("error"), done.get("cause"))
    assert json.loads(done["output"]) == {"n": 7}
    children = cli("stepfunctions", "list-executions", "--state-machine-arn", alias)["executions"]
    assert len(children) == 1 and children[0]["stateMachineAliasArn"] == alias
    versions = cli(
        "stepfunctions", "list-state-machine-versions", "--state-machine-arn", child["stateMachineArn"]
    )
    assert [v["stateMachineVersionArn"] for v in versions["stateMachineVersions"]] == [
        child["stateMachineVersionArn"]
    ]


def test_an_activity_worker_a_redrive_and_a_connection_through_aws_cli(cli: Any) -> None:
    activity = cli("stepfunctions", "create-activity", "--name", "cli-approvals")["activityArn"]
    ask = {"StartAt": "Ask", "States": {"Ask": {"Type": "Task", "Resource": activity, "End": True}}}
    machine = cli(
        "stepfunctions", "create-state-machine", "--name", "cli-activity", "--role-arn", ROLE,
        "--definition", json.dumps(ask),
    )["stateMachineArn"]  # fmt: skip
    arn = cli("stepfunctions", "start-execution", "--state-machine-arn", machine, "--input", '{"q": 1}')[
        "executionArn"
    ]
    task = cli("stepfunctions", "get-activity-task", "--activity-arn", activity, "--worker-name", "cli")
    assert json.loads(task["input"]) == {"q": 1}
    cli(
        "stepfunctions",
        "send-task-success",
        "--task-token",
        task["taskToken"],
        "--task-output",
        '{"ok": true}',
    )
    assert json.loads(_ended(cli, arn)["output"]) == {"ok": True}

    failing = cli(
        "stepfunctions", "create-state-machine", "--name", "cli-fails", "--role-arn", ROLE,
        "--definition", json.dumps({"StartAt": "No", "States": {"No": {"Type": "Fail", "Error": "Nope"}}}),
    )["stateMachineArn"]  # fmt: skip
    failed = cli("stepfunctions", "start-execution", "--state-machine-arn", failing)["executionArn"]
    assert _ended(cli, failed)["status"] == "FAILED"
    cli("stepfunctions", "redrive-execution", "--execution-arn", failed)
    again = wait_for(
        lambda: (lambda d: d if d["status"] != "RUNNING" and d.get("redriveCount") == 1 else None)(
            cli("stepfunctions", "describe-execution", "--execution-arn", failed)
        ),
        timeout=60,
    )
    assert again["status"] == "FAILED" and again["error"] == "Nope"

    key = {"ApiKeyAuthParameters": {"ApiKeyName": "x-api-key", "ApiKeyValue": "s3cret"}}
    cli(
        "events", "create-connection", "--name", "cli-key", "--authorization-type", "API_KEY",
        "--auth-parameters", json.dumps(key),
    )  # fmt: skip
    described = cli("events", "describe-connection", "--name", "cli-key")
    assert described["ConnectionState"] == "AUTHORIZED"
    assert "s3cret" not in json.dumps(described)
