"""Executions in the browser: one list across machines, stopping or redriving one, deleting a
machine.

Stopping goes through ``runtime.executions.stop_execution``, redriving through
``runtime.executions.redrive_execution`` (RedriveExecution's path and refusals) and deleting through
``runtime.executions.delete_state_machine`` (StopExecution and DeleteStateMachine's paths:
a deleted machine's running executions are aborted first, as AWS documents for
DeleteStateMachine). The list pages by key (``workbench.core.paging``), newest first, as
ListExecutions does (https://docs.aws.amazon.com/step-functions/latest/apireference/API_ListExecutions.html).
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_POST

from workbench.accounts.services import default_workspace
from workbench.console.forms import done, field, within_dates
from workbench.console.stepfunctions import execution_detail
from workbench.core import paging
from workbench.core.errors import AwsError
from workbench.runtime import executions
from workbench.stepfunctions.models import Execution, StateMachine

PAGE_SIZE = 50
STATUSES = [status for status, _ in Execution.STATUSES]


def execution_list(request: HttpRequest) -> HttpResponse:
    """Every top-level execution of the workspace, filtered by status, name and start time."""
    workspace = default_workspace()
    query = {key: request.GET.get(key, "").strip() for key in ("status", "name", "machine", "from", "to")}
    errors: dict[str, str] = {}
    rows = Execution.objects.filter(state_machine__workspace=workspace, map_run=None).select_related(
        "state_machine__workspace"
    )
    if query["status"]:
        if query["status"] in STATUSES:
            rows = rows.filter(status=query["status"])
        else:
            errors["status"] = f"status must be one of {', '.join(STATUSES)}."
    if query["name"]:
        rows = rows.filter(name__icontains=query["name"])
    if query["machine"]:
        rows = rows.filter(state_machine__name=query["machine"])
    rows = within_dates(rows, query, "start_date", errors)
    items: list[Execution] = []
    next_token = None
    if not errors:
        try:
            items, next_token = paging.page(rows, request.GET.get("after") or None, PAGE_SIZE)
        except AwsError as exc:
            errors["after"] = exc.message
    machines = StateMachine.objects.filter(workspace=workspace).values_list("name", flat=True)
    context = {
        "executions": items,
        "next_token": next_token,
        "query": query,
        "statuses": STATUSES,
        "machines": list(machines),
        "errors": errors,
    }
    return render(request, "console/execution_list.html", context, status=400 if errors else 200)


@require_POST
def stop_execution(request: HttpRequest, execution_id: int) -> HttpResponse:
    """StopExecution, with the error and cause typed in the page (both optional, as on AWS)."""
    execution = get_object_or_404(
        Execution.objects.select_related("state_machine__workspace"),
        id=execution_id,
        state_machine__workspace=default_workspace(),
    )
    executions.stop_execution(
        execution, error=field(request, "error")[:256] or None, cause=field(request, "cause") or None
    )
    return done("execution-detail", "execution-stopped", execution.name, execution_id=execution.id)


@require_POST
def redrive_execution(request: HttpRequest, execution_id: int) -> HttpResponse:
    """RedriveExecution; a refusal is shown beside the Redrive button with AWS's reason."""
    execution = get_object_or_404(
        Execution.objects.select_related("state_machine__workspace", "map_run"),
        id=execution_id,
        state_machine__workspace=default_workspace(),
    )
    try:
        executions.redrive_execution(execution)
    except AwsError as exc:
        return execution_detail(request, execution.id, redrive_error=f"{exc.code}: {exc.message}", status=400)
    return done("execution-detail", "execution-redriven", execution.name, execution_id=execution.id)


@require_POST
def delete_machine(request: HttpRequest, name: str) -> HttpResponse:
    machine = get_object_or_404(
        StateMachine.objects.select_related("workspace"), workspace=default_workspace(), name=name
    )
    executions.delete_state_machine(machine)
    return done("machine-list", "machine-deleted", name)
