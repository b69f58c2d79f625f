"""Every action on the schema registry: one path for the ``schemas`` API, the browser and tasks.

``check_*`` functions refuse bad input with the schemas API's errors (BadRequestException,
NotFoundException, ConflictException, as botocore's ``schemas`` 2019-12-02 model lists them);
the other functions trust their caller. Reads query the models directly.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from engine.schemas import bindings, inference, layout
from engine.schemas.errors import SchemaContentError
from engine.schemas.validation import OPENAPI3, TYPES, parse_content
from workbench.accounts.models import Workspace
from workbench.events import services as bus_services
from workbench.events.models import EventBus
from workbench.schemas.builtin import AWS_REGISTRY, DISCOVERED_REGISTRY, SAMPLE_EVENTS
from workbench.schemas.errors import BadRequest, Conflict, Forbidden, NotFound
from workbench.schemas.models import BusValidation, CodeBinding, Discoverer, Registry, Schema, SchemaVersion

REGISTRY_NAME_RE = re.compile(r"^[A-Za-z0-9@._\-]{1,64}$")
SCHEMA_NAME_RE = re.compile(r"^[A-Za-z0-9@._\-]{1,385}$")
COMPLETE = "CREATE_COMPLETE"


# ---------------------------------------------------------------- registries


def ensure_builtin(workspace: Workspace) -> None:
    """Make ``aws.events`` (with its schemas) and ``discovered-schemas`` on first use."""
    if Registry.objects.filter(workspace=workspace, name=AWS_REGISTRY).exists():
        return
    now = timezone.now()
    with transaction.atomic():
        registry, made = Registry.objects.get_or_create(
            workspace=workspace,
            name=AWS_REGISTRY,
            defaults={
                "builtin": True,
                "created": now,
                "description": "Schemas of the events AWS services emit",
            },
        )
        Registry.objects.get_or_create(
            workspace=workspace,
            name=DISCOVERED_REGISTRY,
            defaults={"created": now, "description": "Schemas discovered from events on event buses"},
        )
        if made:
            for (source, detail_type), details in inference.group_by_type(SAMPLE_EVENTS).items():
                name, document = inference.discover(source, detail_type, details)
                schema = Schema.objects.create(
                    registry=registry,
                    name=name,
                    type=OPENAPI3,
                    created=now,
                    last_modified=now,
                    description=f"Schema for event type {detail_type}, published by AWS service {source}",
                )
                add_version(schema, document)


def check_registry_name(name: Any) -> str:
    if not isinstance(name, str) or not REGISTRY_NAME_RE.match(name):
        raise BadRequest(f"RegistryName {name!r} is not valid: use 1-64 letters, digits, @ . - or _")
    return name


def get_registry(workspace: Workspace, name: str) -> Registry:
    ensure_builtin(workspace)
    registry = Registry.objects.filter(workspace=workspace, name=name).select_related("workspace").first()
    if registry is None:
        raise NotFound(f"Registry with name {name} does not exist.")
    return registry


def _writable(registry: Registry) -> Registry:
    if registry.builtin:
        raise Forbidden(f"Registry {registry.name} is managed by AWS and cannot be changed.")
    return registry


def list_registries(workspace: Workspace, prefix: str | None, scope: str | None) -> QuerySet[Registry]:
    ensure_builtin(workspace)
    registries = Registry.objects.filter(workspace=workspace).select_related("workspace")
    if prefix:
        registries = registries.filter(name__startswith=prefix)
    if scope is not None:
        if scope not in ("LOCAL", "AWS"):
            raise BadRequest("Scope must be LOCAL or AWS")
        registries = registries.filter(builtin=scope == "AWS")
    return registries.order_by("name")


def create_registry(
    workspace: Workspace, name: str, description: str | None, tags: dict[str, str] | None
) -> Registry:
    check_registry_name(name)
    ensure_builtin(workspace)
    if Registry.objects.filter(workspace=workspace, name=name).exists():
        raise Conflict(f"Registry with name {name} already exists.")
    return Registry.objects.create(
        workspace=workspace, name=name, description=description or "", tags=tags or {}, created=timezone.now()
    )


def update_registry(workspace: Workspace, name: str, description: str | None) -> Registry:
    registry = _writable(get_registry(workspace, name))
    if description is not None:
        registry.description = description
        registry.save(update_fields=["description"])
    return registry


def delete_registry(workspace: Workspace, name: str) -> None:
    _writable(get_registry(workspace, name)).delete()


# ---------------------------------------------------------------- schemas and versions


def get_schema(workspace: Workspace, registry_name: str, name: str) -> Schema:
    registry = get_registry(workspace, registry_name)
    schema = Schema.objects.filter(registry=registry, name=name).select_related("registry__workspace").first()
    if schema is None:
        raise NotFound(f"Schema with name {name} does not exist in registry {registry_name}.")
    return schema


def get_version(schema: Schema, version: str | None) -> SchemaVersion:
    """A version by number, or the latest when ``version`` is None."""
    versions = schema.versions.all()
    if version is None:
        found = versions.order_by("-version").first()
    elif not version.isdigit():
        raise BadRequest(f"SchemaVersion {version!r} is not valid: use a version number")
    else:
        found = versions.filter(version=int(version)).first()
    if found is None:
        raise NotFound(f"Version {version or 'latest'} of schema {schema.name} does not exist.")
    return found


def document(version: SchemaVersion) -> dict[str, Any]:
    parsed: dict[str, Any] = json.loads(version.content)
    return parsed


def check_content(schema_type: Any, content: Any) -> dict[str, Any]:
    if not isinstance(content, str):
        raise BadRequest("Content must be a string holding the schema document")
    try:
        return parse_content(str(schema_type), content)
    except SchemaContentError as exc:
        raise BadRequest(exc.fault) from exc


def add_version(schema: Schema, parsed: dict[str, Any], description: str | None = None) -> SchemaVersion:
    """Store the next version of a schema; version numbers are never reused."""
    now = timezone.now()
    version = SchemaVersion.objects.create(
        schema=schema,
        version=schema.next_version,
        type=schema.type,
        content=json.dumps(parsed, indent=2),
        description=schema.description if description is None else description,
        created=now,
    )
    Schema.objects.filter(pk=schema.pk).update(next_version=schema.next_version + 1, last_modified=now)
    schema.next_version += 1
    schema.last_modified = now
    return version


def create_schema(
    workspace: Workspace,
    registry_name: str,
    name: str,
    schema_type: Any,
    content: Any,
    description: str | None,
    tags: dict[str, str] | None,
) -> tuple[Schema, SchemaVersion]:
    registry = _writable(get_registry(workspace, registry_name))
    if not isinstance(name, str) or not SCHEMA_NAME_RE.match(name):
        raise BadRequest(f"SchemaName {name!r} is not valid: use 1-385 letters, digits, @ . - or _")
    parsed = check_content(schema_type, content)
    if Schema.objects.filter(registry=registry, name=name).exists():
        raise Conflict(f"Schema with name {name} already exists in registry {registry_name}.")
    now = timezone.now()
    with transaction.atomic():
        schema = Schema.objects.create(
            registry=registry,
            name=name,
            type=str(schema_type),
            description=description or "",
            tags=tags or {},
            created=now,
            last_modified=now,
        )
        return schema, add_version(schema, parsed)


def update_schema(
    workspace: Workspace,
    registry_name: str,
    name: str,
    schema_type: Any,
    content: Any,
    description: str | None,
) -> tuple[Schema, SchemaVersion]:
    """A new version when the content differs from the latest one; the description in place."""
    schema = get_schema(workspace, registry_name, name)
    _writable(schema.registry)
    latest = get_version(schema, None)
    with transaction.atomic():
        if description is not None:
            schema.description = description
            schema.save(update_fields=["description"])
        if content is not None:
            if schema_type is not None:
                schema.type = str(schema_type)
            parsed = check_content(schema.type, content)
            if parsed != document(latest) or schema.type != latest.type:
                schema.save(update_fields=["type"])
                return schema, add_version(schema, parsed)
        elif schema_type is not None and schema_type != schema.type:
            raise BadRequest("Type can only change together with Content")
    return schema, latest


def list_schemas(workspace: Workspace, registry_name: str, prefix: str | None) -> QuerySet[Schema]:
    schemas = Schema.objects.filter(registry=get_registry(workspace, registry_name))
    if prefix:
        schemas = schemas.filter(name__startswith=prefix)
    return schemas.select_related("registry__workspace").order_by("name")


def search_schemas(workspace: Workspace, registry_name: str, keywords: str) -> QuerySet[Schema]:
    """Schemas whose name, description or content holds every keyword (case-insensitive)."""
    if not keywords or not keywords.strip():
        raise BadRequest("Keywords must not be empty")
    schemas = list_schemas(workspace, registry_name, None)
    for word in keywords.split():
        schemas = schemas.filter(
            Q(name__icontains=word) | Q(description__icontains=word) | Q(versions__content__icontains=word)
        )
    return schemas.distinct().prefetch_related("versions")


def delete_schema(workspace: Workspace, registry_name: str, name: str) -> None:
    schema = get_schema(workspace, registry_name, name)
    _writable(schema.registry)
    schema.delete()


def delete_schema_version(workspace: Workspace, registry_name: str, name: str, version: str) -> None:
    schema = get_schema(workspace, registry_name, name)
    _writable(schema.registry)
    found = get_version(schema, version)
    if schema.versions.count() == 1:
        raise BadRequest(f"Version {version} is the only version of schema {name}: delete the schema instead")
    found.delete()


def export_schema(schema: Schema, version: SchemaVersion, export_type: Any) -> str:
    """ExportSchema: the version as JSONSchemaDraft4 (or unchanged in its own type)."""
    if export_type not in TYPES:
        raise BadRequest(f"Type must be one of {', '.join(TYPES)}")
    if export_type == version.type:
        return version.content
    if export_type == OPENAPI3:
        raise BadRequest(f"Schema {schema.name} is {version.type} and cannot be exported as {OPENAPI3}")
    return json.dumps(layout.as_draft4(document(version)), indent=2)


def discovered_schema(events: Any, schema_type: Any) -> str:
    """GetDiscoveredSchema: a schema inferred from sample events given as JSON strings."""
    if schema_type not in TYPES:
        raise BadRequest(f"Type must be one of {', '.join(TYPES)}")
    if not isinstance(events, list) or not events:
        raise BadRequest("Events must be a non-empty list of events as JSON strings")
    parsed = []
    for index, text in enumerate(events):
        try:
            event = json.loads(text) if isinstance(text, str) else None
        except json.JSONDecodeError as exc:
            raise BadRequest(f"Events[{index}] is not valid JSON: {exc.msg}") from exc
        if not isinstance(event, dict):
            raise BadRequest(f"Events[{index}] must be a JSON object")
        parsed.append(event)
    try:
        found = inference.discover_events(parsed)
    except ValueError as exc:
        raise BadRequest(str(exc)) from exc
    return json.dumps(found if schema_type == OPENAPI3 else layout.as_draft4(found), indent=2)


# ---------------------------------------------------------------- discoverers


def _bus_for_arn(workspace: Workspace, source_arn: Any) -> EventBus:
    if isinstance(source_arn, str):
        for bus in EventBus.objects.filter(workspace=workspace).select_related("workspace"):
            if bus.arn == source_arn:
                return bus
    raise BadRequest(f"SourceArn {source_arn!r} is not the ARN of an event bus in this account")


def get_discoverer(workspace: Workspace, discoverer_id: str) -> Discoverer:
    found = (
        Discoverer.objects.filter(workspace=workspace, discoverer_id=discoverer_id)
        .select_related("workspace")
        .first()
    )
    if found is None:
        raise NotFound(f"Discoverer {discoverer_id} does not exist.")
    return found


def create_discoverer(
    workspace: Workspace, source_arn: Any, description: str | None, cross_account: bool | None, tags: Any
) -> Discoverer:
    bus = _bus_for_arn(workspace, source_arn)
    discoverer_id = f"events-event-bus-{bus.name}"  # AWS's id for a bus's discoverer
    if Discoverer.objects.filter(workspace=workspace, discoverer_id=discoverer_id).exists():
        raise Conflict(f"Discoverer for {source_arn} already exists.")
    ensure_builtin(workspace)
    return Discoverer.objects.create(
        workspace=workspace,
        bus=bus,
        discoverer_id=discoverer_id,
        source_arn=bus.arn,
        description=description or "",
        cross_account=True if cross_account is None else bool(cross_account),
        tags=tags or {},
        created=timezone.now(),
    )


def list_discoverers(
    workspace: Workspace, id_prefix: str | None, arn_prefix: str | None
) -> QuerySet[Discoverer]:
    found = Discoverer.objects.filter(workspace=workspace).select_related("workspace")
    if id_prefix:
        found = found.filter(discoverer_id__startswith=id_prefix)
    if arn_prefix:
        found = found.filter(source_arn__startswith=arn_prefix)
    return found.order_by("discoverer_id")


def update_discoverer(
    workspace: Workspace, discoverer_id: str, description: str | None, cross_account: bool | None
) -> Discoverer:
    found = get_discoverer(workspace, discoverer_id)
    if description is not None:
        found.description = description
    if cross_account is not None:
        found.cross_account = bool(cross_account)
    found.save(update_fields=["description", "cross_account"])
    return found


def set_discoverer_state(workspace: Workspace, discoverer_id: str, state: str) -> Discoverer:
    found = get_discoverer(workspace, discoverer_id)
    found.state = state
    found.save(update_fields=["state"])
    return found


def delete_discoverer(workspace: Workspace, discoverer_id: str) -> None:
    get_discoverer(workspace, discoverer_id).delete()


# ---------------------------------------------------------------- code bindings


def check_language(language: Any) -> str:
    if language not in bindings.LANGUAGES:
        raise BadRequest(f"Language must be one of {', '.join(bindings.LANGUAGES)}, not {language!r}")
    return str(language)


def put_code_binding(schema: Schema, version: SchemaVersion, language: str) -> CodeBinding:
    """Generate a binding (quick and deterministic, so it is complete when the call returns)."""
    check_language(language)
    existing = CodeBinding.objects.filter(version=version, language=language).first()
    if existing is not None:
        return existing
    now = timezone.now()
    files = bindings.generate(language, schema.name, document(version))
    return CodeBinding.objects.create(
        version=version, language=language, status=COMPLETE, files=files, created=now, last_modified=now
    )


def get_code_binding(schema: Schema, version: SchemaVersion, language: str) -> CodeBinding:
    check_language(language)
    found = CodeBinding.objects.filter(version=version, language=language).first()
    if found is None:
        raise NotFound(f"No {language} code binding for version {version.version} of schema {schema.name}.")
    return found


def binding_zip(binding: CodeBinding) -> bytes:
    """GetCodeBindingSource's body: the binding's files as a zip archive."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, text in sorted(binding.files.items()):
            archive.writestr(zipfile.ZipInfo(path, date_time=(1980, 1, 1, 0, 0, 0)), text)
    return buffer.getvalue()


# ---------------------------------------------------------------- bus validation (beyond AWS)


def set_bus_validation(
    workspace: Workspace, bus_name: str, schema: Schema, version: str | None, mode: str
) -> BusValidation:
    bus = EventBus.objects.filter(workspace=workspace, name=bus_name).first()
    if bus is None:
        raise NotFound(f"Event bus {bus_name} does not exist.")
    if mode not in (BusValidation.REJECT, BusValidation.FLAG):
        raise BadRequest("Mode must be reject or flag")
    number = get_version(schema, version).version if version else None
    with transaction.atomic():
        found, _ = BusValidation.objects.update_or_create(
            bus=bus, defaults={"schema": schema, "version": number, "mode": mode}
        )
        # PutEvents keeps "this bus validates nothing" per rules version (validation._UNBOUND).
        bus_services.touch_routing(bus)
    return found


def clear_bus_validation(workspace: Workspace, bus_name: str) -> None:
    BusValidation.objects.filter(bus__workspace=workspace, bus__name=bus_name).delete()
