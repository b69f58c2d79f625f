"""Browser pages of the schema registry: browse, search, read, diff, download bindings.

They mirror the EventBridge console's Schemas pages (eventbridge/latest/userguide/eb-schema.html):
registries, a schema's versions with their dates, and "Download code bindings"; the
side-by-side diff with a verdict per change is a workbench addition.
"""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from engine.schemas import bindings, structure
from workbench.accounts.services import default_workspace
from workbench.core.errors import AwsError
from workbench.events.models import EventBus
from workbench.schemas import services
from workbench.schemas.models import BusValidation, Registry, Schema


def registry_list(request: HttpRequest) -> HttpResponse:
    workspace = default_workspace()
    registries = list(services.list_registries(workspace, None, None))
    keywords = request.GET.get("q", "").strip()
    context: dict[str, Any] = {"registries": registries, "keywords": keywords, "results": None, "error": None}
    if keywords:
        context["results"] = [
            (registry, list(services.search_schemas(workspace, registry.name, keywords)))
            for registry in registries
        ]
    return render(request, "schemas/registry_list.html", context)


def registry_detail(request: HttpRequest, registry: str) -> HttpResponse:
    workspace = default_workspace()
    try:
        found: Registry = services.get_registry(workspace, registry)
    except AwsError as exc:
        return render(request, "schemas/missing.html", {"error": exc}, status=exc.status)
    schemas = services.list_schemas(workspace, registry, None).prefetch_related("versions")
    return render(request, "schemas/registry_detail.html", {"registry": found, "schemas": schemas})


def _schema_or_error(request: HttpRequest, registry: str, schema: str) -> Schema | HttpResponse:
    try:
        return services.get_schema(default_workspace(), registry, schema)
    except AwsError as exc:
        return render(request, "schemas/missing.html", {"error": exc}, status=exc.status)


def schema_detail(
    request: HttpRequest, registry: str, schema: str, validation_error: AwsError | None = None
) -> HttpResponse:
    found = _schema_or_error(request, registry, schema)
    if isinstance(found, HttpResponse):
        return found
    versions = list(found.versions.order_by("-version"))
    try:
        shown = services.get_version(found, request.GET.get("version") or None)
    except AwsError as exc:
        return render(request, "schemas/missing.html", {"error": exc}, status=exc.status)
    binding = BusValidation.objects.filter(schema=found).select_related("bus")
    context = {
        "schema": found,
        "registry": found.registry,
        "versions": versions,
        "shown": shown,
        "languages": bindings.LANGUAGES,
        "buses": EventBus.objects.filter(workspace=found.registry.workspace).order_by("name"),
        "validations": list(binding),
        "validation_error": validation_error,
        "form": request.POST if validation_error else {},
    }
    return render(
        request,
        "schemas/schema_detail.html",
        context,
        status=validation_error.status if validation_error else 200,
    )


def schema_diff(request: HttpRequest, registry: str, schema: str) -> HttpResponse:
    found = _schema_or_error(request, registry, schema)
    if isinstance(found, HttpResponse):
        return found
    versions = list(found.versions.order_by("version"))
    default_old = str(versions[-2].version) if len(versions) > 1 else str(versions[-1].version)
    try:
        old = services.get_version(found, request.GET.get("from") or default_old)
        new = services.get_version(found, request.GET.get("to") or None)
    except AwsError as exc:
        return render(request, "schemas/missing.html", {"error": exc}, status=exc.status)
    changes = structure.diff(services.document(old), services.document(new))
    context = {
        "schema": found,
        "registry": found.registry,
        "versions": versions,
        "old": old,
        "new": new,
        "changes": changes,
        "verdict": structure.verdict(changes),
        "old_lines": json.dumps(services.document(old), indent=2).splitlines(),
        "new_lines": json.dumps(services.document(new), indent=2).splitlines(),
    }
    return render(request, "schemas/schema_diff.html", context)


def download_binding(request: HttpRequest, registry: str, schema: str, language: str) -> HttpResponse:
    """Generate the binding if needed (PutCodeBinding) and send GetCodeBindingSource's zip."""
    found = _schema_or_error(request, registry, schema)
    if isinstance(found, HttpResponse):
        return found
    try:
        version = services.get_version(found, request.GET.get("version") or None)
        binding = services.put_code_binding(found, version, language)
    except AwsError as exc:
        return render(request, "schemas/missing.html", {"error": exc}, status=exc.status)
    response = HttpResponse(services.binding_zip(binding), content_type="application/zip")
    filename = f"{found.name.replace('@', '-')}-v{version.version}-{language}.zip"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_POST
def set_validation(request: HttpRequest, registry: str, schema: str) -> HttpResponse:
    found = _schema_or_error(request, registry, schema)
    if isinstance(found, HttpResponse):
        return found
    bus = request.POST.get("bus", "")
    try:
        if request.POST.get("mode") == "off":
            services.clear_bus_validation(found.registry.workspace, bus)
        else:
            services.set_bus_validation(
                found.registry.workspace,
                bus,
                found,
                request.POST.get("version") or None,
                request.POST.get("mode", ""),
            )
    except AwsError as exc:
        return schema_detail(request, registry, schema, validation_error=exc)
    return redirect("schema-detail", registry=registry, schema=schema)
