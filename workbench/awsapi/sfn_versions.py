"""Step Functions' version and alias operations: PublishStateMachineVersion,
ListStateMachineVersions, DeleteStateMachineVersion, CreateStateMachineAlias,
DescribeStateMachineAlias, UpdateStateMachineAlias, ListStateMachineAliases,
DeleteStateMachineAlias (AWS Step Functions API Reference; shapes from botocore's model).
The rules behind them are workbench.stepfunctions.versions."""

from __future__ import annotations

from typing import Any

from workbench.accounts.models import Workspace
from workbench.awsapi.protocol import required, string
from workbench.awsapi.stepfunctions import paged, sfn
from workbench.core.jsonio import epoch
from workbench.stepfunctions import services as stepfunctions
from workbench.stepfunctions import versions
from workbench.stepfunctions.models import StateMachineAlias


@sfn.operation("PublishStateMachineVersion")
def publish_state_machine_version(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    machine = stepfunctions.get_machine(ws, required(params, "stateMachineArn"))
    version = versions.publish_version(
        machine, description=string(params, "description"), revision_id=string(params, "revisionId")
    )
    return {"creationDate": epoch(version.created), "stateMachineVersionArn": version.arn}


@sfn.operation("ListStateMachineVersions")
def list_state_machine_versions(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    machine = stepfunctions.get_machine(ws, required(params, "stateMachineArn"))
    arn = machine.arn
    return paged(
        "stateMachineVersions",
        versions.versions_of(machine),
        params,
        lambda version: {
            "stateMachineVersionArn": f"{arn}:{version.number}",
            "creationDate": epoch(version.created),
        },
    )


@sfn.operation("DeleteStateMachineVersion")
def delete_state_machine_version(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    versions.delete_version(ws, required(params, "stateMachineVersionArn"))
    return {}


def _routing_out(alias: StateMachineAlias) -> list[dict[str, Any]]:
    return [
        {"stateMachineVersionArn": f"{alias.machine.arn}:{route['version']}", "weight": route["weight"]}
        for route in alias.routing
    ]


@sfn.operation("CreateStateMachineAlias")
def create_state_machine_alias(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    alias = versions.create_alias(
        ws,
        name=required(params, "name"),
        description=string(params, "description"),
        routing=required(params, "routingConfiguration"),
    )
    return {"stateMachineAliasArn": alias.arn, "creationDate": epoch(alias.created)}


@sfn.operation("DescribeStateMachineAlias")
def describe_state_machine_alias(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    alias = versions.get_alias(ws, required(params, "stateMachineAliasArn"))
    shaped: dict[str, Any] = {
        "stateMachineAliasArn": alias.arn,
        "name": alias.name,
        "routingConfiguration": _routing_out(alias),
        "creationDate": epoch(alias.created),
        "updateDate": epoch(alias.updated),
    }
    if alias.description:
        shaped["description"] = alias.description
    return shaped


@sfn.operation("UpdateStateMachineAlias")
def update_state_machine_alias(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    alias = versions.update_alias(
        ws,
        required(params, "stateMachineAliasArn"),
        description=string(params, "description"),
        routing=params.get("routingConfiguration"),
    )
    return {"updateDate": epoch(alias.updated)}


@sfn.operation("ListStateMachineAliases")
def list_state_machine_aliases(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    aliases = versions.aliases_of(ws, required(params, "stateMachineArn"))
    return paged(
        "stateMachineAliases",
        aliases,
        params,
        lambda alias: {"stateMachineAliasArn": alias.arn, "creationDate": epoch(alias.created)},
    )


@sfn.operation("DeleteStateMachineAlias")
def delete_state_machine_alias(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    versions.delete_alias(ws, required(params, "stateMachineAliasArn"))
    return {}
