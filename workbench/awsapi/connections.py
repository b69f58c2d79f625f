"""EventBridge's connection and API destination operations over JSON 1.1, registered on the
events service (``AWSEvents.CreateConnection``...), answered in the shapes of botocore's
events model. No answer ever carries a secret (Password, ApiKeyValue, ClientSecret, or a
parameter marked IsValueSecret), as on AWS."""

from __future__ import annotations

from typing import Any

from workbench.accounts.models import Workspace
from workbench.awsapi.events import _paged, api
from workbench.awsapi.protocol import required
from workbench.core.jsonio import epoch
from workbench.events import api_destinations, connections
from workbench.events.models import ApiDestination, Connection


def _connection_summary(connection: Connection, state: str | None = None) -> dict[str, Any]:
    """What Create/Update/Delete/DeauthorizeConnection answer."""
    shaped: dict[str, Any] = {
        "ConnectionArn": connection.arn,
        "ConnectionState": state or connection.state,
        "CreationTime": epoch(connection.created),
        "LastModifiedTime": epoch(connection.updated),
    }
    if connection.last_authorized is not None:
        shaped["LastAuthorizedTime"] = epoch(connection.last_authorized)
    return shaped


def _connection_shape(connection: Connection, *, full: bool = False) -> dict[str, Any]:
    """A Connection of ListConnections, or with ``full`` DescribeConnection's answer."""
    shaped: dict[str, Any] = {
        "ConnectionArn": connection.arn,
        "Name": connection.name,
        "ConnectionState": connection.state,
        "AuthorizationType": connection.authorization_type,
        "CreationTime": epoch(connection.created),
        "LastModifiedTime": epoch(connection.updated),
    }
    if connection.state_reason:
        shaped["StateReason"] = connection.state_reason
    if connection.last_authorized is not None:
        shaped["LastAuthorizedTime"] = epoch(connection.last_authorized)
    if full:
        shaped["SecretArn"] = connection.secret_arn
        shaped["AuthParameters"] = connections.public_auth_parameters(connection)
        if connection.description:
            shaped["Description"] = connection.description
    return shaped


def _destination_shape(destination: ApiDestination, *, full: bool = False) -> dict[str, Any]:
    shaped: dict[str, Any] = {
        "ApiDestinationArn": destination.arn,
        "Name": destination.name,
        "ApiDestinationState": destination.state,
        "ConnectionArn": destination.connection_arn,
        "InvocationEndpoint": destination.invocation_endpoint,
        "HttpMethod": destination.http_method,
        "InvocationRateLimitPerSecond": destination.rate_limit,
        "CreationTime": epoch(destination.created),
        "LastModifiedTime": epoch(destination.updated),
    }
    if full and destination.description:
        shaped["Description"] = destination.description
    return shaped


def _destination_summary(destination: ApiDestination) -> dict[str, Any]:
    return {
        "ApiDestinationArn": destination.arn,
        "ApiDestinationState": destination.state,
        "CreationTime": epoch(destination.created),
        "LastModifiedTime": epoch(destination.updated),
    }


@api.operation("CreateConnection")
def create_connection(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    connection = connections.create_connection(
        ws,
        name=required(params, "Name"),
        authorization_type=required(params, "AuthorizationType"),
        auth_parameters=required(params, "AuthParameters"),
        description=params.get("Description"),
    )
    return _connection_summary(connection)


@api.operation("DescribeConnection")
def describe_connection(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    return _connection_shape(connections.get_connection(ws, required(params, "Name")), full=True)


@api.operation("ListConnections")
def list_connections(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    found = connections.list_connections(ws, params.get("NamePrefix"), params.get("ConnectionState"))
    result = _paged("Connections", found, params)
    result["Connections"] = [_connection_shape(connection) for connection in result["Connections"]]
    return result


@api.operation("UpdateConnection")
def update_connection(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    connection = connections.update_connection(
        ws,
        required(params, "Name"),
        description=params.get("Description"),
        authorization_type=params.get("AuthorizationType"),
        auth_parameters=params.get("AuthParameters"),
    )
    return _connection_summary(connection)


@api.operation("DeleteConnection")
def delete_connection(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    connection = connections.delete_connection(ws, required(params, "Name"))
    return _connection_summary(connection, state="DELETING")


@api.operation("DeauthorizeConnection")
def deauthorize_connection(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    return _connection_summary(connections.deauthorize_connection(ws, required(params, "Name")))


@api.operation("CreateApiDestination")
def create_api_destination(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    destination = api_destinations.create_api_destination(
        ws,
        name=required(params, "Name"),
        connection_arn=required(params, "ConnectionArn"),
        endpoint=required(params, "InvocationEndpoint"),
        method=required(params, "HttpMethod"),
        rate_limit=params.get("InvocationRateLimitPerSecond"),
        description=params.get("Description"),
    )
    return _destination_summary(destination)


@api.operation("DescribeApiDestination")
def describe_api_destination(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    return _destination_shape(api_destinations.get_api_destination(ws, required(params, "Name")), full=True)


@api.operation("ListApiDestinations")
def list_api_destinations(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    found = api_destinations.list_api_destinations(ws, params.get("NamePrefix"), params.get("ConnectionArn"))
    result = _paged("ApiDestinations", found, params)
    result["ApiDestinations"] = [_destination_shape(item) for item in result["ApiDestinations"]]
    return result


@api.operation("UpdateApiDestination")
def update_api_destination(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    destination = api_destinations.update_api_destination(
        ws,
        required(params, "Name"),
        connection_arn=params.get("ConnectionArn"),
        endpoint=params.get("InvocationEndpoint"),
        method=params.get("HttpMethod"),
        rate_limit=params.get("InvocationRateLimitPerSecond"),
        description=params.get("Description"),
    )
    return _destination_summary(destination)


@api.operation("DeleteApiDestination")
def delete_api_destination(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    api_destinations.delete_api_destination(ws, required(params, "Name"))
    return {}
