"""The EventBridge schema registry's REST-JSON API (``schemas``, 2019-12-02) under ``/v1/``.

Paths, methods and success codes follow botocore's ``schemas`` service model: for example
``POST /v1/registries/name/{registryName}`` answers 201, deletes answer 204, PutCodeBinding 202,
and GetCodeBindingSource returns the zip itself as the body. Timestamps are ISO 8601 and tags
travel as ``tags``. Errors carry ``x-amzn-ErrorType`` and ``{"Code", "Message"}`` with the
model's HTTP statuses (BadRequestException 400, NotFoundException 404, ConflictException 409).
The browser never sees these routes: they live under ``/v1/`` only.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import re_path
from django.views.decorators.csrf import csrf_exempt

from workbench.accounts.models import Workspace
from workbench.accounts.services import workspace_for_access_key
from workbench.core.errors import AwsError
from workbench.core.ids import random_id
from workbench.core.paging import page
from workbench.schemas import services
from workbench.schemas.errors import BadRequest, NotFound, SchemasError
from workbench.schemas.models import CodeBinding, Discoverer, Registry, Schema, SchemaVersion

log = logging.getLogger(__name__)

Handler = Callable[["Call"], Any]
_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/")
_routes: list[tuple[str, re.Pattern[str], Handler, int]] = []


class Call:
    """One request: the workspace, path parameters, query string and JSON body."""

    def __init__(self, workspace: Workspace, path: dict[str, str], query: Any, body: dict[str, Any]) -> None:
        self.workspace = workspace
        self.path = path
        self.query = query
        self.body = body

    def limit(self) -> int | None:
        text = self.query.get("limit")
        if text is None:
            return None
        if not text.isdigit() or not 1 <= int(text) <= 100:
            raise BadRequest("Limit must be a number from 1 to 100")
        return int(text)

    def schema(self) -> Schema:
        return services.get_schema(self.workspace, self.path["registry"], self.path["schema"])

    def version(self, schema: Schema) -> SchemaVersion:
        return services.get_version(schema, self.query.get("schemaVersion"))


def route(method: str, pattern: str, status: int = 200) -> Callable[[Handler], Handler]:
    """Register a handler for ``METHOD /v1/<pattern>``; ``{name}`` matches one path segment."""
    regex = re.compile("^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", pattern) + "$")

    def register(handler: Handler) -> Handler:
        _routes.append((method, regex, handler, status))
        return handler

    return register


@csrf_exempt
def handle(request: HttpRequest, rest: str) -> HttpResponse:
    """Every ``/v1/...`` request: find the operation, run it, answer in AWS's shape."""
    try:
        for method, regex, handler, status in _routes:
            match = regex.match(rest)
            if match and request.method == method:
                workspace = workspace_for_access_key(_access_key(request))
                call = Call(workspace, match.groupdict(), request.GET, _body(request))
                result = handler(call)
                if isinstance(result, bytes):
                    return HttpResponse(result, status=status, content_type="application/octet-stream")
                return _respond(status, result)
        raise NotFound(f"No operation at {request.method} /v1/{rest}")
    except SchemasError as exc:
        return _respond(exc.status, exc.to_body(), error=exc.code)
    except AwsError as exc:
        return _respond(400, BadRequest(exc.message).to_body(), error="BadRequestException")
    except Exception:
        log.exception("internal error in schemas %s /v1/%s", request.method, rest)
        body = {"Code": "InternalServerErrorException", "Message": "An internal error occurred"}
        return _respond(500, body, error="InternalServerErrorException")


def _access_key(request: HttpRequest) -> str | None:
    match = _CREDENTIAL.search(request.headers.get("Authorization", ""))
    return match.group(1) if match else None


def _body(request: HttpRequest) -> dict[str, Any]:
    if request.method not in ("POST", "PUT") or not request.body.strip():
        return {}
    try:
        body = json.loads(request.body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise BadRequest(f"The request body is not valid JSON: {exc}") from exc
    if not isinstance(body, dict):
        raise BadRequest("The request body must be a JSON object")
    return body


def _default(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()  # the schemas model's timestamps are ISO 8601
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _respond(status: int, body: dict[str, Any] | None, *, error: str | None = None) -> HttpResponse:
    text = "" if status == 204 or body is None else json.dumps(body, default=_default)
    response = HttpResponse(text, status=status, content_type="application/json")
    if error:
        response["x-amzn-ErrorType"] = error
    response["x-amzn-RequestId"] = random_id()
    return response


def _paged(call: Call, items: Any, key: str, render: Callable[[Any], dict[str, Any]]) -> dict[str, Any]:
    chunk, token = page(items, call.query.get("nextToken"), call.limit())
    out: dict[str, Any] = {key: [render(item) for item in chunk]}
    if token:
        out["NextToken"] = token
    return out


def _string(body: dict[str, Any], name: str) -> str | None:
    value = body.get(name)
    if value is not None and not isinstance(value, str):
        raise BadRequest(f"{name} must be a string")
    return value


def _tags(body: dict[str, Any]) -> dict[str, str] | None:
    tags = body.get("tags")
    if tags is not None and not (isinstance(tags, dict) and all(isinstance(v, str) for v in tags.values())):
        raise BadRequest("tags must be a map of strings")
    return tags


# ---------------------------------------------------------------- registries


def _registry(registry: Registry) -> dict[str, Any]:
    return {
        "Description": registry.description,
        "RegistryArn": registry.arn,
        "RegistryName": registry.name,
        "tags": registry.tags,
    }


@route("GET", "registries")
def list_registries(call: Call) -> dict[str, Any]:
    found = services.list_registries(
        call.workspace, call.query.get("registryNamePrefix"), call.query.get("scope")
    )
    return _paged(
        call, found, "Registries", lambda r: {k: v for k, v in _registry(r).items() if k != "Description"}
    )


@route("POST", "registries/name/{registry}", 201)
def create_registry(call: Call) -> dict[str, Any]:
    registry = services.create_registry(
        call.workspace, call.path["registry"], _string(call.body, "Description"), _tags(call.body)
    )
    return _registry(registry)


@route("GET", "registries/name/{registry}")
def describe_registry(call: Call) -> dict[str, Any]:
    return _registry(services.get_registry(call.workspace, call.path["registry"]))


@route("PUT", "registries/name/{registry}")
def update_registry(call: Call) -> dict[str, Any]:
    registry = services.update_registry(
        call.workspace, call.path["registry"], _string(call.body, "Description")
    )
    return _registry(registry)


@route("DELETE", "registries/name/{registry}", 204)
def delete_registry(call: Call) -> None:
    services.delete_registry(call.workspace, call.path["registry"])


# ---------------------------------------------------------------- schemas


def _schema(schema: Schema, version: SchemaVersion, *, content: bool = False) -> dict[str, Any]:
    out = {
        "Description": schema.description,
        "LastModified": schema.last_modified,
        "SchemaArn": schema.arn,
        "SchemaName": schema.name,
        "SchemaVersion": str(version.version),
        "tags": schema.tags,
        "Type": version.type,
        "VersionCreatedDate": version.created,
    }
    if content:
        out["Content"] = version.content
    return out


@route("GET", "registries/name/{registry}/schemas")
def list_schemas(call: Call) -> dict[str, Any]:
    found = services.list_schemas(call.workspace, call.path["registry"], call.query.get("schemaNamePrefix"))

    def render(schema: Schema) -> dict[str, Any]:
        return {
            "LastModified": schema.last_modified,
            "SchemaArn": schema.arn,
            "SchemaName": schema.name,
            "tags": schema.tags,
            "VersionCount": schema.versions.count(),
        }

    return _paged(call, found, "Schemas", render)


@route("GET", "registries/name/{registry}/schemas/search")
def search_schemas(call: Call) -> dict[str, Any]:
    registry = call.path["registry"]
    found = services.search_schemas(call.workspace, registry, call.query.get("keywords", ""))

    def render(schema: Schema) -> dict[str, Any]:
        versions = [
            {"CreatedDate": v.created, "SchemaVersion": str(v.version), "Type": v.type}
            for v in sorted(schema.versions.all(), key=lambda v: -v.version)
        ]
        return {
            "RegistryName": registry,
            "SchemaArn": schema.arn,
            "SchemaName": schema.name,
            "SchemaVersions": versions,
        }

    return _paged(call, found, "Schemas", render)


@route("POST", "registries/name/{registry}/schemas/name/{schema}", 201)
def create_schema(call: Call) -> dict[str, Any]:
    for member in ("Content", "Type"):
        if call.body.get(member) is None:
            raise BadRequest(f"{member} is required")
    schema, version = services.create_schema(
        call.workspace,
        call.path["registry"],
        call.path["schema"],
        call.body["Type"],
        call.body["Content"],
        _string(call.body, "Description"),
        _tags(call.body),
    )
    return _schema(schema, version)


@route("GET", "registries/name/{registry}/schemas/name/{schema}")
def describe_schema(call: Call) -> dict[str, Any]:
    schema = call.schema()
    return _schema(schema, call.version(schema), content=True)


@route("PUT", "registries/name/{registry}/schemas/name/{schema}")
def update_schema(call: Call) -> dict[str, Any]:
    schema, version = services.update_schema(
        call.workspace,
        call.path["registry"],
        call.path["schema"],
        call.body.get("Type"),
        call.body.get("Content"),
        _string(call.body, "Description"),
    )
    return _schema(schema, version)


@route("DELETE", "registries/name/{registry}/schemas/name/{schema}", 204)
def delete_schema(call: Call) -> None:
    services.delete_schema(call.workspace, call.path["registry"], call.path["schema"])


@route("GET", "registries/name/{registry}/schemas/name/{schema}/versions")
def list_schema_versions(call: Call) -> dict[str, Any]:
    schema = call.schema()

    def render(version: SchemaVersion) -> dict[str, Any]:
        return {
            "SchemaArn": schema.arn,
            "SchemaName": schema.name,
            "SchemaVersion": str(version.version),
            "Type": version.type,
        }

    return _paged(call, schema.versions.order_by("version"), "SchemaVersions", render)


@route("DELETE", "registries/name/{registry}/schemas/name/{schema}/version/{version}", 204)
def delete_schema_version(call: Call) -> None:
    services.delete_schema_version(
        call.workspace, call.path["registry"], call.path["schema"], call.path["version"]
    )


@route("GET", "registries/name/{registry}/schemas/name/{schema}/export")
def export_schema(call: Call) -> dict[str, Any]:
    schema = call.schema()
    version = call.version(schema)
    export_type = call.query.get("type")
    return {
        "Content": services.export_schema(schema, version, export_type),
        "SchemaArn": schema.arn,
        "SchemaName": schema.name,
        "SchemaVersion": str(version.version),
        "Type": export_type,
    }


@route("POST", "discover")
def get_discovered_schema(call: Call) -> dict[str, Any]:
    return {"Content": services.discovered_schema(call.body.get("Events"), call.body.get("Type"))}


# ---------------------------------------------------------------- code bindings


def _binding(binding: CodeBinding) -> dict[str, Any]:
    return {
        "CreationDate": binding.created,
        "LastModified": binding.last_modified,
        "SchemaVersion": str(binding.version.version),
        "Status": binding.status,
    }


@route("POST", "registries/name/{registry}/schemas/name/{schema}/language/{language}", 202)
def put_code_binding(call: Call) -> dict[str, Any]:
    schema = call.schema()
    return _binding(services.put_code_binding(schema, call.version(schema), call.path["language"]))


@route("GET", "registries/name/{registry}/schemas/name/{schema}/language/{language}")
def describe_code_binding(call: Call) -> dict[str, Any]:
    schema = call.schema()
    return _binding(services.get_code_binding(schema, call.version(schema), call.path["language"]))


@route("GET", "registries/name/{registry}/schemas/name/{schema}/language/{language}/source")
def get_code_binding_source(call: Call) -> bytes:
    schema = call.schema()
    binding = services.get_code_binding(schema, call.version(schema), call.path["language"])
    return services.binding_zip(binding)


# ---------------------------------------------------------------- discoverers


def _discoverer(found: Discoverer, *, description: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {
        "DiscovererArn": found.arn,
        "DiscovererId": found.discoverer_id,
        "SourceArn": found.source_arn,
        "State": found.state,
        "CrossAccount": found.cross_account,
        "tags": found.tags,
    }
    if description:
        out["Description"] = found.description
    return out


@route("GET", "discoverers")
def list_discoverers(call: Call) -> dict[str, Any]:
    found = services.list_discoverers(
        call.workspace, call.query.get("discovererIdPrefix"), call.query.get("sourceArnPrefix")
    )
    return _paged(call, found, "Discoverers", lambda d: _discoverer(d, description=False))


@route("POST", "discoverers", 201)
def create_discoverer(call: Call) -> dict[str, Any]:
    if call.body.get("SourceArn") is None:
        raise BadRequest("SourceArn is required")
    found = services.create_discoverer(
        call.workspace,
        call.body["SourceArn"],
        _string(call.body, "Description"),
        call.body.get("CrossAccount"),
        _tags(call.body),
    )
    return _discoverer(found)


@route("GET", "discoverers/id/{discoverer}")
def describe_discoverer(call: Call) -> dict[str, Any]:
    return _discoverer(services.get_discoverer(call.workspace, call.path["discoverer"]))


@route("PUT", "discoverers/id/{discoverer}")
def update_discoverer(call: Call) -> dict[str, Any]:
    found = services.update_discoverer(
        call.workspace,
        call.path["discoverer"],
        _string(call.body, "Description"),
        call.body.get("CrossAccount"),
    )
    return _discoverer(found)


@route("DELETE", "discoverers/id/{discoverer}", 204)
def delete_discoverer(call: Call) -> None:
    services.delete_discoverer(call.workspace, call.path["discoverer"])


@route("POST", "discoverers/id/{discoverer}/start")
def start_discoverer(call: Call) -> dict[str, Any]:
    found = services.set_discoverer_state(call.workspace, call.path["discoverer"], Discoverer.STARTED)
    return {"DiscovererId": found.discoverer_id, "State": found.state}


@route("POST", "discoverers/id/{discoverer}/stop")
def stop_discoverer(call: Call) -> dict[str, Any]:
    found = services.set_discoverer_state(call.workspace, call.path["discoverer"], Discoverer.STOPPED)
    return {"DiscovererId": found.discoverer_id, "State": found.state}


urlpatterns = [re_path(r"^(?P<rest>.*)$", handle)]
