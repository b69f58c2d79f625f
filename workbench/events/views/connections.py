"""Browser pages for EventBridge connections and API destinations: each list, a create form
and delete (after a confirmation). They call the same services as CreateConnection and
CreateApiDestination, so a refused form shows AWS's error beside the field, keeping what was
typed; a secret typed into a form is stored and never shown again, as on AWS."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from workbench.accounts.services import default_workspace
from workbench.core.errors import AwsError, ValidationError, field_for
from workbench.events import api_destinations, connections
from workbench.events.models import Connection

CONNECTION_FIELDS = (
    "name",
    "description",
    "authorization_type",
    "username",
    "password",
    "api_key_name",
    "api_key_value",
    "client_id",
    "client_secret",
    "authorization_endpoint",
    "oauth_method",
)
DESTINATION_FIELDS = ("name", "description", "connection_arn", "endpoint", "method", "rate_limit")


def _auth_parameters(form: dict[str, str]) -> dict[str, Any]:
    kind = form["authorization_type"]
    if kind == Connection.BASIC:
        return {"BasicAuthParameters": {"Username": form["username"], "Password": form["password"]}}
    if kind == Connection.API_KEY:
        return {
            "ApiKeyAuthParameters": {"ApiKeyName": form["api_key_name"], "ApiKeyValue": form["api_key_value"]}
        }
    return {
        "OAuthParameters": {
            "ClientParameters": {"ClientID": form["client_id"], "ClientSecret": form["client_secret"]},
            "AuthorizationEndpoint": form["authorization_endpoint"],
            "HttpMethod": form["oauth_method"] or "POST",
        }
    }


@require_http_methods(["GET", "POST"])
def connection_list(request: HttpRequest) -> HttpResponse:
    workspace = default_workspace()
    form = dict.fromkeys(CONNECTION_FIELDS, "")
    form.update(authorization_type=Connection.API_KEY, oauth_method="POST")
    errors: dict[str, AwsError] = {}
    if request.method == "POST" and request.POST.get("action") == "delete":
        try:
            connections.delete_connection(workspace, request.POST.get("name", ""))
        except AwsError as exc:
            errors["delete"] = exc
        else:
            return redirect("connection-list")
    elif request.method == "POST":
        form = {key: request.POST.get(key, "").strip() for key in CONNECTION_FIELDS}
        try:
            connections.create_connection(
                workspace,
                name=form["name"],
                authorization_type=form["authorization_type"],
                auth_parameters=_auth_parameters(form),
                description=form["description"],
            )
            return redirect("connection-list")
        except AwsError as exc:
            fields = {
                "authorization_type": "authorizationType",
                "authorization_endpoint": "AuthorizationEndpoint",
            }
            errors[field_for(exc.message, fields, "name")] = exc
    context = {
        "connections": connections.list_connections(workspace),
        "form": form,
        "errors": errors,
        "types": [kind for kind, _ in Connection.AUTHORIZATION_TYPES],
    }
    return render(request, "events/connection_list.html", context)


@require_http_methods(["GET", "POST"])
def api_destination_list(request: HttpRequest) -> HttpResponse:
    workspace = default_workspace()
    form = dict.fromkeys(DESTINATION_FIELDS, "")
    form.update(method="POST", rate_limit="300")
    errors: dict[str, AwsError] = {}
    if request.method == "POST" and request.POST.get("action") == "delete":
        try:
            api_destinations.delete_api_destination(workspace, request.POST.get("name", ""))
        except AwsError as exc:
            errors["delete"] = exc
        else:
            return redirect("api-destination-list")
    elif request.method == "POST":
        form = {key: request.POST.get(key, "").strip() for key in DESTINATION_FIELDS}
        try:
            api_destinations.create_api_destination(
                workspace,
                name=form["name"],
                connection_arn=form["connection_arn"],
                endpoint=form["endpoint"],
                method=form["method"],
                rate_limit=_rate(form["rate_limit"]),
                description=form["description"],
            )
            return redirect("api-destination-list")
        except AwsError as exc:
            fields = {
                "endpoint": "InvocationEndpoint",
                "method": "httpMethod",
                "rate_limit": "invocationRateLimitPerSecond",
                "connection_arn": "onnection",
            }
            errors[field_for(exc.message, fields, "name")] = exc
    context = {
        "destinations": api_destinations.list_api_destinations(workspace),
        "connections": connections.list_connections(workspace),
        "form": form,
        "errors": errors,
        "methods": api_destinations.METHODS,
    }
    return render(request, "events/api_destination_list.html", context)


def _rate(text: str) -> int | None:
    if not text:
        return None
    try:
        return int(text)
    except ValueError as exc:
        raise ValidationError(
            f"1 validation error detected: Value '{text}' at 'invocationRateLimitPerSecond' failed to "
            "satisfy constraint: Member must be a whole number"
        ) from exc
