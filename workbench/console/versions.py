"""The machine page's versions and aliases: publish a version, delete one, create or edit an
alias routing to one or two versions by weight, delete an alias.

Each action goes through workbench.stepfunctions.versions, the rules PublishStateMachineVersion
and the alias operations follow, so the browser is refused what the API is refused; a refusal is
shown beside the form with what was typed kept (HTTP 400), a success redirects with a notice.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.views.decorators.http import require_POST

from workbench.accounts.services import default_workspace
from workbench.console.forms import field, fields
from workbench.console.stepfunctions import machine_page
from workbench.core.errors import AwsError, ValidationError
from workbench.stepfunctions import versions
from workbench.stepfunctions.models import StateMachine

ALIAS_FIELDS = ("name", "description", "version1", "weight1", "version2", "weight2")


def _done(machine: StateMachine, what: str, name: str) -> HttpResponseRedirect:
    """Back to the machine page with the notice ``what`` about ``name``."""
    query = urlencode({"done": what, "name": name})
    return HttpResponseRedirect(f"{reverse('machine-detail', args=[machine.name])}?{query}")


def _machine(name: str) -> StateMachine:
    return get_object_or_404(
        StateMachine.objects.select_related("workspace"), workspace=default_workspace(), name=name
    )


@require_POST
def publish(request: HttpRequest, name: str) -> HttpResponse:
    machine = _machine(name)
    description = field(request, "description")
    try:
        if len(description) > 256:
            raise ValidationError("The description is longer than 256 characters")
        version = versions.publish_version(machine, description=description or None)
    except AwsError as exc:
        return machine_page(
            request, machine, {"version_error": exc, "version_description": description}, status=400
        )
    return _done(machine, "version-published", f"{machine.name}:{version.number}")


@require_POST
def delete_version(request: HttpRequest, name: str, number: int) -> HttpResponse:
    machine = _machine(name)
    try:
        versions.delete_version(machine.workspace, f"{machine.arn}:{number}")
    except AwsError as exc:
        return machine_page(request, machine, {"version_error": exc}, status=400)
    return _done(machine, "version-deleted", f"{machine.name}:{number}")


def _routing(machine: StateMachine, form: dict[str, str]) -> list[dict[str, object]]:
    """The form's one or two (version, weight) rows as CreateStateMachineAlias's
    routingConfiguration; a weight that is not a whole number from 0 to 100 is refused here."""
    routing: list[dict[str, object]] = []
    for row in ("1", "2"):
        version, weight = form[f"version{row}"], form[f"weight{row}"]
        if not version and not weight:
            continue
        if not version.isdigit():
            raise ValidationError(f"Choose the version of route {row}")
        if not weight.isdigit() or int(weight) > 100:
            raise ValidationError(f"The weight of route {row} must be a whole number from 0 to 100")
        routing.append({"stateMachineVersionArn": f"{machine.arn}:{version}", "weight": int(weight)})
    if not routing:
        raise ValidationError("Route the alias to at least one version")
    return routing


@require_POST
def save_alias(request: HttpRequest, name: str) -> HttpResponse:
    """Create the alias, or with ``existing`` set update that alias's description and routing."""
    machine = _machine(name)
    form = fields(request, ALIAS_FIELDS)
    existing = field(request, "existing")
    try:
        routing = _routing(machine, form)
        if existing:
            versions.update_alias(
                machine.workspace,
                f"{machine.arn}:{existing}",
                description=form["description"],
                routing=routing,
            )
            saved = existing
        else:
            versions.check_alias_name(form["name"])
            versions.create_alias(
                machine.workspace, name=form["name"], description=form["description"] or None, routing=routing
            )
            saved = form["name"]
    except AwsError as exc:
        return machine_page(
            request, machine, {"alias_error": exc, "alias_form": form, "alias_existing": existing}, status=400
        )
    return _done(machine, "alias-saved", f"{machine.name}:{saved}")


@require_POST
def delete_alias(request: HttpRequest, name: str, alias: str) -> HttpResponse:
    machine = _machine(name)
    versions.delete_alias(machine.workspace, f"{machine.arn}:{alias}")
    return _done(machine, "alias-deleted", f"{machine.name}:{alias}")
