"""Versions and aliases through the Step Functions JSON API, in process: every operation, its
shapes and AWS's refusals as AWS's recorded answers show them (LocalStack's AWS snapshots
test_sfn_api_versioning.snapshot.json and test_sfn_api_aliasing.snapshot.json)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from tests.support.inprocess import ROLE, Broker, broker
from tests.workbench.awsapi.calls import call

__all__ = ["broker"]
pytestmark = pytest.mark.django_db(transaction=True)

ARN = "arn:aws:states:us-east-1:123456789012:stateMachine:orders"


def _pass(result: str) -> str:
    return json.dumps({"StartAt": "P", "States": {"P": {"Type": "Pass", "Result": result, "End": True}}})


def sfn(client: Client, operation: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    return call(client, f"AWSStepFunctions.{operation}", params)


def ok(client: Client, operation: str, **params: Any) -> dict[str, Any]:
    status, body = sfn(client, operation, params)
    assert status == 200, body
    return body


def refused(client: Client, operation: str, **params: Any) -> tuple[str, str]:
    status, body = sfn(client, operation, params)
    assert status == 400, body
    return body["__type"], body.get("message", "")


def _create(client: Client, *, publish: bool = False, type: str = "STANDARD") -> dict[str, Any]:
    params: dict[str, Any] = {"name": "orders", "definition": _pass("one"), "roleArn": ROLE, "type": type}
    if publish:
        params["publish"] = True
    return ok(client, "CreateStateMachine", **params)


def _output(client: Client, execution_arn: str) -> Any:
    described = ok(client, "DescribeExecution", executionArn=execution_arn)
    return json.loads(described["output"])


def test_create_with_publish_then_update_and_publish(broker: Broker, client: Client) -> None:
    created = _create(client, publish=True)
    assert created["stateMachineVersionArn"] == f"{ARN}:1"
    # The initial revision has no revisionId; describing the version gives its own ARN.
    version = ok(client, "DescribeStateMachine", stateMachineArn=f"{ARN}:1")
    assert version["stateMachineArn"] == f"{ARN}:1" and "revisionId" not in version
    assert json.loads(version["definition"])["States"]["P"]["Result"] == "one"

    updated = ok(client, "UpdateStateMachine", stateMachineArn=ARN, definition=_pass("two"))
    revision = updated["revisionId"]
    assert "stateMachineVersionArn" not in updated
    published = ok(
        client, "PublishStateMachineVersion", stateMachineArn=ARN, revisionId=revision, description="second"
    )
    assert published["stateMachineVersionArn"] == f"{ARN}:2"
    # Idempotent: the same revision publishes the same version again.
    again = ok(client, "PublishStateMachineVersion", stateMachineArn=ARN)
    assert again["stateMachineVersionArn"] == f"{ARN}:2"
    described = ok(client, "DescribeStateMachine", stateMachineArn=f"{ARN}:2")
    assert described["description"] == "second" and described["revisionId"] == revision
    listed = ok(client, "ListStateMachineVersions", stateMachineArn=ARN)["stateMachineVersions"]
    assert [v["stateMachineVersionArn"] for v in listed] == [f"{ARN}:2", f"{ARN}:1"]

    # An update with publish answers the revision and the new version in one call.
    both = ok(
        client,
        "UpdateStateMachine",
        stateMachineArn=ARN,
        definition=_pass("three"),
        publish=True,
        versionDescription="third",
    )
    assert both["stateMachineVersionArn"] == f"{ARN}:3" and both["revisionId"] != revision
    code, message = refused(client, "PublishStateMachineVersion", stateMachineArn=ARN, revisionId=revision)
    assert code == "ConflictException"
    assert message == (
        f"Failed to publish the State Machine version for revision {revision}. "
        f"The current State Machine revision is {both['revisionId']}."
    )


def test_refusals_of_versions(broker: Broker, client: Client) -> None:
    code, message = refused(
        client,
        "CreateStateMachine",
        name="orders",
        definition=_pass("x"),
        roleArn=ROLE,
        versionDescription="d",
    )
    assert (code, message) == (
        "ValidationException",
        "Version description can only be set when publish is true",
    )
    _create(client, publish=True)
    # A version's ARN is not a machine to update; an unknown version does not exist.
    assert refused(client, "UpdateStateMachine", stateMachineArn=f"{ARN}:1", definition=_pass("y")) == (
        "StateMachineDoesNotExist",
        f"State Machine Does Not Exist: '{ARN}:1'",
    )
    assert (
        refused(client, "DescribeStateMachine", stateMachineArn=f"{ARN}:9")[0] == "StateMachineDoesNotExist"
    )
    assert refused(client, "StartExecution", stateMachineArn=f"{ARN}:9")[0] == "StateMachineDoesNotExist"
    assert (
        refused(client, "PublishStateMachineVersion", stateMachineArn=f"{ARN}x")[0]
        == "StateMachineDoesNotExist"
    )
    assert (
        refused(
            client,
            "ListStateMachineVersions",
            stateMachineArn="arn:aws:states:us-east-1:123456789012:activity:a",
        )[0]
        == "InvalidArn"
    )
    assert refused(client, "PublishStateMachineVersion", stateMachineArn=ARN, revisionId="nope")[0] == (
        "ConflictException"
    )


def test_deleted_version_numbers_are_not_reused(broker: Broker, client: Client) -> None:
    _create(client, publish=True)
    ok(client, "UpdateStateMachine", stateMachineArn=ARN, definition=_pass("two"), publish=True)
    ok(client, "DeleteStateMachineVersion", stateMachineVersionArn=f"{ARN}:2")
    ok(client, "DeleteStateMachineVersion", stateMachineVersionArn=f"{ARN}:2")  # gone already: success
    ok(client, "UpdateStateMachine", stateMachineArn=ARN, definition=_pass("three"))
    assert (
        ok(client, "PublishStateMachineVersion", stateMachineArn=ARN)["stateMachineVersionArn"] == f"{ARN}:3"
    )


def test_an_execution_runs_its_version_after_the_machine_changes(broker: Broker, client: Client) -> None:
    _create(client, publish=True)
    ok(client, "UpdateStateMachine", stateMachineArn=ARN, definition=_pass("two"))
    by_version = ok(client, "StartExecution", stateMachineArn=f"{ARN}:1", name="v1")["executionArn"]
    latest = ok(client, "StartExecution", stateMachineArn=ARN, name="latest")["executionArn"]
    assert by_version.endswith(":execution:orders:v1")
    assert _output(client, by_version) == "one" and _output(client, latest) == "two"
    described = ok(client, "DescribeExecution", executionArn=by_version)
    assert described["stateMachineArn"] == ARN and described["stateMachineVersionArn"] == f"{ARN}:1"
    assert "stateMachineAliasArn" not in described
    assert "stateMachineVersionArn" not in ok(client, "DescribeExecution", executionArn=latest)
    every = ok(client, "ListExecutions", stateMachineArn=ARN)["executions"]
    assert {e["name"] for e in every} == {"v1", "latest"}
    of_version = ok(client, "ListExecutions", stateMachineArn=f"{ARN}:1")["executions"]
    assert [e["name"] for e in of_version] == ["v1"]
    assert of_version[0]["stateMachineVersionArn"] == f"{ARN}:1"


def test_alias_lifecycle_and_routing(broker: Broker, client: Client) -> None:
    _create(client, publish=True)
    ok(client, "UpdateStateMachine", stateMachineArn=ARN, definition=_pass("two"), publish=True)
    routing = [{"stateMachineVersionArn": f"{ARN}:1", "weight": 100}]
    created = ok(
        client, "CreateStateMachineAlias", name="live", routingConfiguration=routing, description="d"
    )
    assert created["stateMachineAliasArn"] == f"{ARN}:live"
    # Idempotent for the same configuration; a different one conflicts.
    ok(client, "CreateStateMachineAlias", name="live", routingConfiguration=routing, description="d")
    assert refused(
        client,
        "CreateStateMachineAlias",
        name="live",
        routingConfiguration=[{"stateMachineVersionArn": f"{ARN}:2", "weight": 100}],
    ) == (
        "ConflictException",
        "Failed to create alias because an alias with the same name and a different routing configuration "
        "already exists.",
    )
    described = ok(client, "DescribeStateMachineAlias", stateMachineAliasArn=f"{ARN}:live")
    assert described["name"] == "live" and described["description"] == "d"
    assert described["routingConfiguration"] == routing

    # The alias routes an execution to its version and is named by DescribeExecution.
    started = ok(client, "StartExecution", stateMachineArn=f"{ARN}:live", name="through-alias")[
        "executionArn"
    ]
    execution = ok(client, "DescribeExecution", executionArn=started)
    assert execution["stateMachineAliasArn"] == f"{ARN}:live"
    assert execution["stateMachineVersionArn"] == f"{ARN}:1" and _output(client, started) == "one"
    first = ok(client, "GetExecutionHistory", executionArn=started)["events"][0]
    assert first["executionStartedEventDetails"]["stateMachineAliasArn"] == f"{ARN}:live"
    assert first["executionStartedEventDetails"]["stateMachineVersionArn"] == f"{ARN}:1"
    assert [e["name"] for e in ok(client, "ListExecutions", stateMachineArn=f"{ARN}:live")["executions"]] == [
        "through-alias"
    ]

    # A version an alias routes to cannot be deleted.
    assert refused(client, "DeleteStateMachineVersion", stateMachineVersionArn=f"{ARN}:1") == (
        "ConflictException",
        "Version to be deleted must not be referenced by an alias. Current list of aliases referencing this "
        "version: [live]",
    )
    # Shift all traffic to version 2: every start now runs it.
    split = [
        {"stateMachineVersionArn": f"{ARN}:1", "weight": 0},
        {"stateMachineVersionArn": f"{ARN}:2", "weight": 100},
    ]
    ok(client, "UpdateStateMachineAlias", stateMachineAliasArn=f"{ARN}:live", routingConfiguration=split)
    for n in range(3):
        arn = ok(client, "StartExecution", stateMachineArn=f"{ARN}:live", name=f"n{n}")["executionArn"]
        assert _output(client, arn) == "two"
    listed = ok(client, "ListStateMachineAliases", stateMachineArn=ARN)["stateMachineAliases"]
    assert [a["stateMachineAliasArn"] for a in listed] == [f"{ARN}:live"]
    assert ok(client, "ListStateMachineAliases", stateMachineArn=f"{ARN}:2")["stateMachineAliases"] == listed

    ok(client, "DeleteStateMachineAlias", stateMachineAliasArn=f"{ARN}:live")
    ok(client, "DeleteStateMachineAlias", stateMachineAliasArn=f"{ARN}:live")  # gone already: success
    assert refused(client, "DescribeStateMachineAlias", stateMachineAliasArn=f"{ARN}:live") == (
        "ResourceNotFound",
        "Request references a resource that does not exist.",
    )
    assert (
        refused(client, "UpdateStateMachineAlias", stateMachineAliasArn=f"{ARN}:live", description="x")[0]
        == "ResourceNotFound"
    )
    ok(client, "DeleteStateMachineVersion", stateMachineVersionArn=f"{ARN}:1")


@pytest.mark.parametrize(
    ("routing", "message"),
    [
        (
            [{"stateMachineVersionArn": ARN, "weight": 100}],
            f"Routing configuration must contain state machine version ARNs. Received: [{ARN}]",
        ),
        (
            [
                {"stateMachineVersionArn": f"{ARN}:1", "weight": 50},
                {"stateMachineVersionArn": f"{ARN}:1", "weight": 50},
            ],
            "Routing configuration must contain distinct state machine version ARNs. "
            f"Received: [{ARN}:1, {ARN}:1]",
        ),
        (
            [
                {"stateMachineVersionArn": f"{ARN}:1", "weight": 70},
                {"stateMachineVersionArn": f"{ARN}:2", "weight": 29},
            ],
            "Sum of routing configuration weights must equal 100. Received: [70, 29]",
        ),
        (
            [{"stateMachineVersionArn": f"{ARN}:1", "weight": 101}],
            "1 validation error detected: Value '101' at 'routingConfiguration.1.member.weight' failed "
            "to satisfy constraint: Member must have value less than or equal to 100",
        ),
    ],
)
def test_alias_routing_refusals(broker: Broker, client: Client, routing: Any, message: str) -> None:
    _create(client, publish=True)
    ok(client, "UpdateStateMachine", stateMachineArn=ARN, definition=_pass("two"), publish=True)
    assert refused(client, "CreateStateMachineAlias", name="live", routingConfiguration=routing) == (
        "ValidationException",
        message,
    )


def test_alias_refusals_of_names_and_versions(broker: Broker, client: Client) -> None:
    _create(client, publish=True)
    one = [{"stateMachineVersionArn": f"{ARN}:1", "weight": 100}]
    code, message = refused(client, "CreateStateMachineAlias", name="123", routingConfiguration=one)
    assert code == "ValidationException" and "at 'name' failed to satisfy constraint" in message
    missing = [{"stateMachineVersionArn": f"{ARN}:7", "weight": 100}]
    assert refused(client, "CreateStateMachineAlias", name="live", routingConfiguration=missing)[0] == (
        "ResourceNotFound"
    )


def test_express_versions_run_their_definition_synchronously(broker: Broker, client: Client) -> None:
    _create(client, publish=True, type="EXPRESS")
    ok(client, "UpdateStateMachine", stateMachineArn=ARN, definition=_pass("two"))
    routing = [{"stateMachineVersionArn": f"{ARN}:1", "weight": 100}]
    ok(client, "CreateStateMachineAlias", name="live", routingConfiguration=routing)
    for arn in (f"{ARN}:1", f"{ARN}:live"):
        answered = ok(client, "StartSyncExecution", stateMachineArn=arn)
        assert answered["status"] == "SUCCEEDED" and json.loads(answered["output"]) == "one"
    assert json.loads(ok(client, "StartSyncExecution", stateMachineArn=ARN)["output"]) == "two"


def test_deleting_the_machine_deletes_its_versions_and_aliases(broker: Broker, client: Client) -> None:
    from workbench.stepfunctions.models import StateMachineAlias, StateMachineVersion

    _create(client, publish=True)
    ok(
        client,
        "CreateStateMachineAlias",
        name="live",
        routingConfiguration=[{"stateMachineVersionArn": f"{ARN}:1", "weight": 100}],
    )
    ok(client, "DeleteStateMachine", stateMachineArn=ARN)
    assert not StateMachineVersion.objects.exists() and not StateMachineAlias.objects.exists()


@pytest.mark.parametrize(
    ("draw", "chosen"),
    [(0.0, 1), (0.7999, 1), (0.8, 2), (0.9999, 2)],
)
def test_an_alias_chooses_by_weight(draw: float, chosen: int) -> None:
    from workbench.stepfunctions.versions import choose_version

    assert choose_version([{"version": 1, "weight": 80}, {"version": 2, "weight": 20}], draw) == chosen
    # A route of weight 0 is never taken.
    assert choose_version([{"version": 1, "weight": 0}, {"version": 2, "weight": 100}], draw) == 2


def test_the_version_and_alias_quotas(
    broker: Broker, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """1000 versions and 100 aliases per machine on AWS; lowered here so the test stays fast."""
    from workbench.stepfunctions import versions

    monkeypatch.setattr(versions, "MAX_VERSIONS", 2)
    monkeypatch.setattr(versions, "MAX_ALIASES", 1)
    _create(client, publish=True)
    ok(client, "UpdateStateMachine", stateMachineArn=ARN, definition=_pass("two"), publish=True)
    ok(client, "UpdateStateMachine", stateMachineArn=ARN, definition=_pass("three"))
    assert (
        refused(client, "PublishStateMachineVersion", stateMachineArn=ARN)[0]
        == "ServiceQuotaExceededException"
    )
    assert len(ok(client, "ListStateMachineVersions", stateMachineArn=ARN)["stateMachineVersions"]) == 2
    one = [{"stateMachineVersionArn": f"{ARN}:1", "weight": 100}]
    ok(client, "CreateStateMachineAlias", name="a", routingConfiguration=one)
    assert refused(client, "CreateStateMachineAlias", name="b", routingConfiguration=one)[0] == (
        "ServiceQuotaExceededException"
    )


def test_versions_page_by_next_token(broker: Broker, client: Client) -> None:
    _create(client, publish=True)
    for result in ("two", "three"):
        ok(client, "UpdateStateMachine", stateMachineArn=ARN, definition=_pass(result), publish=True)
    first = ok(client, "ListStateMachineVersions", stateMachineArn=ARN, maxResults=2)
    rest = ok(client, "ListStateMachineVersions", stateMachineArn=ARN, nextToken=first["nextToken"])
    arns = [v["stateMachineVersionArn"] for v in first["stateMachineVersions"] + rest["stateMachineVersions"]]
    assert arns == [f"{ARN}:3", f"{ARN}:2", f"{ARN}:1"] and "nextToken" not in rest


def test_a_version_keeps_its_role(broker: Broker, client: Client) -> None:
    """A version snapshots the role with the definition: its executions act as that role."""
    role_of = json.dumps(
        {
            "StartAt": "R",
            "States": {"R": {"Type": "Pass", "Parameters": {"role.$": "$$.Execution.RoleArn"}, "End": True}},
        }
    )
    ok(client, "CreateStateMachine", name="orders", definition=role_of, roleArn=ROLE, publish=True)
    other = "arn:aws:iam::123456789012:role/other"
    ok(client, "UpdateStateMachine", stateMachineArn=ARN, roleArn=other)
    assert ok(client, "DescribeStateMachine", stateMachineArn=f"{ARN}:1")["roleArn"] == ROLE
    by_version = ok(client, "StartExecution", stateMachineArn=f"{ARN}:1")["executionArn"]
    latest = ok(client, "StartExecution", stateMachineArn=ARN)["executionArn"]
    assert _output(client, by_version) == {"role": ROLE} and _output(client, latest) == {"role": other}


def test_an_asynchronous_express_execution_of_a_version_runs_that_version(
    broker: Broker, client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    """StartExecution on an Express version: the worker runs the version's definition and role."""
    from workbench.runtime import express, queue

    ran: list[tuple[Any, str]] = []
    real_run = express.run

    def recording_run(workspace: Any, definition: Any, payload: Any, context: Any, **options: Any) -> Any:
        ran.append((definition["States"]["P"]["Result"], context.role_arn))
        return real_run(workspace, definition, payload, context, **options)

    monkeypatch.setattr(express, "run", recording_run)
    _create(client, publish=True, type="EXPRESS")
    ok(client, "UpdateStateMachine", stateMachineArn=ARN, definition=_pass("two"))
    ok(client, "StartExecution", stateMachineArn=f"{ARN}:1")
    ok(client, "StartExecution", stateMachineArn=ARN)
    assert broker.names() == [queue.RUN_EXPRESS_EXECUTION] * 2
    broker.drain()
    assert ran == [("one", ROLE), ("two", ROLE)]


def test_update_with_only_publish_publishes_the_current_revision_once(broker: Broker, client: Client) -> None:
    """LocalStack's AWS snapshot test_empty_revision_with_publish_and_no_publish_on_creation: no
    revisionId (nothing changed), the same version both times."""
    _create(client)
    first = ok(client, "UpdateStateMachine", stateMachineArn=ARN, publish=True)
    second = ok(client, "UpdateStateMachine", stateMachineArn=ARN, publish=True)
    assert first["stateMachineVersionArn"] == second["stateMachineVersionArn"] == f"{ARN}:1"
    assert "revisionId" not in first and "revisionId" not in second
    assert refused(client, "UpdateStateMachine", stateMachineArn=ARN)[0] == "MissingRequiredParameter"
