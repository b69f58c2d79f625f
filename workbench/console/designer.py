"""The visual designer's page and its JSON endpoints (layout, save, draft, import, TestState, start).

Errors come back in AWS's JSON error shape (``__type``, ``message``) with the validator's
diagnostics (ValidateStateMachineDefinition's code/message/location) where a definition was
refused, so the page can point at the field or the line that is wrong and keep what was typed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.templatetags.static import static
from django.urls import reverse
from django.views.decorators.csrf import ensure_csrf_cookie
from django.views.decorators.http import require_POST

from engine.states.definition import validate
from workbench.accounts.services import default_workspace
from workbench.core.browser_json import error_response, read_json, read_json_object
from workbench.core.errors import AwsError, ValidationError
from workbench.core.jsonio import dumps
from workbench.runtime import executions, teststate
from workbench.stepfunctions import designer
from workbench.stepfunctions.errors import InvalidDefinition, StateMachineDoesNotExist
from workbench.stepfunctions.layout import layout
from workbench.stepfunctions.models import StateMachine

VENDOR_MAPS = ("vendor/codemirror/importmap.json", "vendor/yaml/importmap.json")
NEW_MACHINE = {"StartAt": "Start", "States": {"Start": {"Type": "Pass", "End": True}}}


def _import_map() -> str:
    """The vendored libraries' import map, their relative entries turned into static URLs."""
    imports: dict[str, str] = {}
    for relative in VENDOR_MAPS:
        base = relative.rsplit("/", 1)[0]
        entries = json.loads((Path(settings.BASE_DIR) / "static" / relative).read_text())["imports"]
        imports.update({name: static(f"{base}/{entry}") for name, entry in entries.items()})
    return json.dumps({"imports": imports})


def _page(request: HttpRequest, machine: StateMachine | None, name: str) -> HttpResponse:
    workspace = default_workspace()
    if machine is not None:
        source, config = designer.machine_source(machine), designer.machine_config(machine)
    else:
        source, config = json.dumps(NEW_MACHINE, indent=2), designer.Config(name=name)
    draft = designer.draft_for(workspace, name) if name else None
    initial: dict[str, Any] = {
        "machine": machine.name if machine else None,
        "region": workspace.region,
        "account": workspace.account_id,
        "source": source,
        "config": config.to_body(),
        "draft": {"source": draft.source, "config": draft.config, "saved": draft.saved.isoformat()}
        if draft
        else None,
        "urls": {
            "validate": reverse("validate-definition"),
            "layout": reverse("designer-layout"),
            "save": reverse("designer-save"),
            "import": reverse("designer-import"),
            "testState": reverse("designer-test-state"),
            "start": reverse("designer-start"),
            "machines": reverse("machine-list"),
            "revisions": reverse("designer-revisions", args=[machine.name]) if machine else None,
        },
    }
    return render(
        request,
        "stepfunctions/designer.html",
        {"machine": machine, "initial": initial, "import_map": _import_map(), "account": initial["account"]},
    )


@ensure_csrf_cookie
def design_new(request: HttpRequest) -> HttpResponse:
    return _page(request, None, request.GET.get("name", ""))


@ensure_csrf_cookie
def design_machine(request: HttpRequest, name: str) -> HttpResponse:
    machine = get_object_or_404(
        StateMachine.objects.select_related("workspace"), workspace=default_workspace(), name=name
    )
    return _page(request, machine, name)


def _machine(name: str) -> StateMachine:
    """The named machine of the workspace, or AWS's StateMachineDoesNotExist."""
    machine = (
        StateMachine.objects.select_related("workspace")
        .filter(workspace=default_workspace(), name=name)
        .first()
    )
    if machine is None:
        raise StateMachineDoesNotExist(f"State Machine Does Not Exist: '{name}'")
    return machine


def _source(body: dict[str, Any]) -> str:
    source = body.get("source")
    if not isinstance(source, str):
        raise ValidationError("source must be the definition's text")
    return source


@require_POST
def layout_view(request: HttpRequest) -> JsonResponse:
    """Graphviz's placement of a definition (the body), for the canvas to draw."""
    try:
        definition = read_json(request)
        if not isinstance(definition, dict):
            raise ValidationError("the definition must be a JSON object")
    except AwsError as exc:
        return error_response(exc)
    return JsonResponse(layout(definition))


@require_POST
def save(request: HttpRequest) -> JsonResponse:
    """Save the design: to its machine (created if new) when valid, or as a draft when asked."""
    workspace = default_workspace()
    try:
        body = read_json_object(request)
        source = _source(body)
        config = designer.Config.from_body(body.get("config"))
        if body.get("draft"):
            draft = designer.save_draft(workspace, source=source, config=config)
            return JsonResponse({"draft": True, "name": draft.machine_name, "diagnostics": draft.diagnostics})
        existing = body.get("machine")
        machine = _machine(str(existing)) if isinstance(existing, str) and existing else None
        machine = designer.save_design(workspace, source=source, config=config, machine=machine)
    except AwsError as exc:
        diagnostics = (
            [d.to_aws() for d in validate(designer.fill_substitutions(body.get("source") or "", {}))]
            if isinstance(exc, InvalidDefinition)
            else []
        )
        return error_response(exc, diagnostics=diagnostics)
    return JsonResponse(
        {
            "name": machine.name,
            "arn": machine.arn,
            "revision": machine.revision,
            "url": reverse("designer-machine", args=[machine.name]),
        }
    )


def revisions(request: HttpRequest, name: str) -> JsonResponse:
    """The designer's saved revisions of a machine (source and Config), to compare and roll back."""
    try:
        machine = _machine(name)
    except AwsError as exc:
        return error_response(exc)
    return JsonResponse(
        {
            "revisions": [
                {"revision": r.revision, "saved": r.saved.isoformat(), "source": r.source, "config": r.config}
                for r in designer.revisions(machine)
            ]
        }
    )


@require_POST
def import_template(request: HttpRequest) -> JsonResponse:
    """State machines of a CloudFormation/SAM template (sent as JSON; the page parses YAML)."""
    try:
        body = read_json_object(request)
        machines = designer.import_template(default_workspace(), body.get("template"))
    except AwsError as exc:
        return error_response(exc)
    return JsonResponse({"machines": [m.to_body() for m in machines]})


@require_POST
def run_test_state(request: HttpRequest) -> JsonResponse:
    """TestState on a state of the definition being designed (saved or not)."""
    workspace = default_workspace()
    try:
        body = read_json_object(request)
        config = designer.Config.from_body(body.get("config") or {})
        answer = teststate.run(
            workspace,
            definition=designer.fill_substitutions(_source(body), config.substitutions),
            state_name=body.get("stateName") or None,
            input_text=body.get("input"),
            mock=body.get("mock") or None,
            variables=body.get("variables") or None,
            inspection_level=body.get("inspectionLevel"),
            role_arn=config.role_arn or designer.DEFAULT_ROLE.format(account=workspace.account_id),
        )
    except AwsError as exc:
        return error_response(exc)
    return JsonResponse(answer)



@require_POST
def start(request: HttpRequest) -> JsonResponse:
    """Start an execution of the saved machine, as the machine page's Start does."""
    try:
        body = read_json_object(request)
        machine = _machine(str(body.get("machine") or ""))
        input_text = body.get("input") if isinstance(body.get("input"), str) else "{}"
        if machine.type == StateMachine.EXPRESS:
            _, result = executions.start_sync_execution(machine, input_text=input_text)
            return JsonResponse(
                {
                    "status": result.status,
                    "output": dumps(result.output) if result.output is not None else None,
                    "error": result.error,
                    "cause": result.cause,
                }
            )
        started = executions.start_execution(machine, input_text=input_text)
        assert started.execution is not None  # a Standard machine's execution is stored
    except AwsError as exc:
        return error_response(exc)
    return JsonResponse(
        {"executionArn": started.arn, "url": reverse("execution-detail", args=[started.execution.id])}
    )
