"""Browser pages for state machines and executions (the console's view of Step Functions).

Reads query the models; starting an execution goes through runtime.executions, the same path
as StartExecution/StartSyncExecution. The execution page paints the node statuses each step
stored with the execution."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl, urlencode

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from engine.states.definition import validate
from engine.states.drill import DrillError, Step, children_of, drill, is_distributed, iteration_count
from engine.states.inspection import query_languages, task_resources, waiting_retries
from engine.states.progress import status_changes
from workbench.accounts.services import default_workspace
from workbench.console.events import delivery_of
from workbench.console.forms import notice
from workbench.core.browser_json import error_response, read_json_object
from workbench.core.errors import AwsError
from workbench.core.jsonio import dumps
from workbench.runtime import executions, integrations, teststate
from workbench.stepfunctions import presenters, versions
from workbench.stepfunctions import services as stepfunctions
from workbench.stepfunctions.graph import render_svg
from workbench.stepfunctions.models import Execution, StateMachine, Timer

DEFAULT_ROLE = "arn:aws:iam::{account}:role/stepbridge-workbench"


def machine_list(request: HttpRequest) -> HttpResponse:
    workspace = default_workspace()
    error = None
    form = {"name": "", "definition": "", "type": StateMachine.STANDARD}
    if request.method == "POST":
        form = {key: request.POST.get(key, "") for key in form}
        try:
            machine = stepfunctions.create_state_machine(
                workspace,
                name=form["name"],
                definition=form["definition"],
                role_arn=DEFAULT_ROLE.format(account=workspace.account_id),
                type=form["type"] or "STANDARD",
            )
            return redirect("machine-detail", name=machine.name)
        except AwsError as exc:
            error = exc
    machines = StateMachine.objects.filter(workspace=workspace).select_related("workspace")
    context = {"machines": machines, "error": error, "form": form, "notice": notice(request)}
    return render(request, "stepfunctions/machine_list.html", context, status=400 if error else 200)


def machine_detail(request: HttpRequest, name: str) -> HttpResponse:
    workspace = default_workspace()
    machine = get_object_or_404(
        StateMachine.objects.select_related("workspace"), workspace=workspace, name=name
    )
    error = edit_error = None
    input_text = "{}"
    execution_name = ""
    definition_text = machine.definition
    express_result = None
    if request.method == "POST" and "definition" in request.POST:
        definition_text = request.POST["definition"]
        try:
            stepfunctions.update_state_machine(machine, definition=definition_text)
            return redirect("machine-detail", name=machine.name)
        except AwsError as exc:
            edit_error = exc
    elif request.method == "POST":
        input_text = request.POST.get("input", "{}")
        execution_name = request.POST.get("name", "")
        chosen = request.POST.get("target", "")
        try:
            # The latest definition, or a version or alias (as StartExecution by their ARNs).
            target = versions.start_target(workspace, f"{machine.arn}:{chosen}") if chosen else None
            if machine.type == StateMachine.EXPRESS:
                express_result = executions.start_sync_execution(
                    machine, name=execution_name or None, input_text=input_text, target=target
                )[1]
            else:
                started = executions.start_execution(
                    machine, name=execution_name or None, input_text=input_text, target=target
                )
                assert started.execution is not None  # a Standard machine's execution is stored
                return redirect("execution-detail", execution_id=started.execution.id)
        except AwsError as exc:
            error = exc
    context = {
        "error": error,
        "edit_error": edit_error,
        "input_text": input_text,
        "execution_name": execution_name,
        "definition_text": definition_text,
        "express_result": express_result,
        "express_output": dumps(express_result.output) if express_result else None,
    }
    return machine_page(request, machine, context, status=400 if error or edit_error else 200)


def machine_page(
    request: HttpRequest, machine: StateMachine, context: dict[str, Any], *, status: int = 200
) -> HttpResponse:
    """The machine page: its graph, executions, definition, versions and aliases; ``context``
    carries the form that was refused (console.versions renders its refusals here too)."""
    page = {
        "input_text": "{}",
        "definition_text": machine.definition,
        "notice": notice(request),
        "alias_form": {
            "name": "",
            "description": "",
            "version1": "",
            "weight1": "100",
            "version2": "",
            "weight2": "",
        },
        **context,
        "machine": machine,
        "graph": render_svg(json.loads(machine.definition)),
        "executions": machine.executions.filter(map_run__isnull=True)[:50],
        "versions": [
            {
                "number": v.number,
                "arn": f"{machine.arn}:{v.number}",
                "description": v.description,
                "created": v.created,
            }
            for v in versions.versions_of(machine)
        ],
        "aliases": [
            {
                "name": a.name,
                "arn": f"{machine.arn}:{a.name}",
                "description": a.description,
                "routing": a.routing,
            }
            for a in machine.aliases.order_by("name")
        ],
    }
    return render(request, "stepfunctions/machine_detail.html", page, status=status)


@require_POST
def run_test_state(request: HttpRequest, name: str) -> JsonResponse:
    """The state panel's Run: TestState on one state of this machine, as the API runs it.

    The body is TestState's request members (``stateName``, ``input``, ``mock``,
    ``inspectionLevel``, ``variables``...); the definition is the machine's own.
    """
    workspace = default_workspace()
    machine = get_object_or_404(
        StateMachine.objects.select_related("workspace"), workspace=workspace, name=name
    )
    try:
        body = read_json_object(request)
        answer = teststate.run(
            workspace,
            definition=machine.definition,
            state_name=body.get("stateName") or None,
            input_text=body.get("input"),
            mock=body.get("mock") or None,
            variables=body.get("variables") or None,
            inspection_level=body.get("inspectionLevel"),
            state_configuration=body.get("stateConfiguration") or None,
            role_arn=machine.role_arn,
            machine_name=machine.name,
        )
    except AwsError as exc:
        return error_response(exc)
    return JsonResponse(answer)


@require_POST
def validate_definition(request: HttpRequest) -> JsonResponse:
    """Diagnostics for the definition editor and the designer, as ValidateStateMachineDefinition
    gives them, plus a WARNING (a workbench addition, not AWS's) on each Task whose Resource the
    workbench cannot perform: neither a workbench function nor a supported integration."""
    text = request.body.decode("utf-8", errors="replace")
    diagnostics = validate(text)
    shaped = [d.to_aws() for d in diagnostics] + unknown_resources(text)
    return JsonResponse(
        {
            "result": "FAIL" if any(d.severity == "ERROR" for d in diagnostics) else "OK",
            "diagnostics": shaped,
        }
    )


UNKNOWN_RESOURCE = "WORKBENCH_UNKNOWN_RESOURCE"


def unknown_resources(text: str) -> list[dict[str, str]]:
    """A WARNING per Task the runtime could not perform (none for a definition that does not parse)."""
    try:
        definition = json.loads(text)
    except ValueError:
        return []
    if not isinstance(definition, dict):
        return []
    workspace = default_workspace()
    found = []
    for task in task_resources(definition):
        fault = integrations.resource_fault(workspace, task.resource)
        if fault is not None:
            found.append(
                {"severity": "WARNING", "code": UNKNOWN_RESOURCE, "message": fault, "location": task.location}
            )
    return found


def execution_detail(
    request: HttpRequest, execution_id: int, *, redrive_error: str = "", status: int = 200
) -> HttpResponse:
    """The execution's page; ``redrive_error`` is why a Redrive was refused, shown beside it."""
    execution = get_object_or_404(
        Execution.objects.select_related("state_machine__workspace", "map_run__execution", "parent"),
        id=execution_id,
    )
    rows = [presenters.shape_history_row(row) for row in execution.history.order_by("event_id")]
    started = list(
        execution.started_children.select_related("state_machine__workspace").order_by("start_date", "id")
    )
    definition = json.loads(execution.definition)
    drilled = drill_down(execution, definition, rows, request.META.get("QUERY_STRING", ""))
    if isinstance(drilled, HttpResponse):
        return drilled
    if drilled["error"]:
        status = 400
    context = {
        "execution": execution,
        "started_children": started,
        "history_rows": _with_children(rows, started),
        "graph": drilled.pop("graph") or render_svg(definition, execution.node_statuses),
        "drill": drilled,
        "query_languages": query_languages(definition),
        "retries": retry_waits(execution),
        "status_frames": status_changes(rows),
        "events": rows,
        "last_event_id": rows[-1]["id"] if rows else 0,
        "started_by": delivery_of(execution),
        "notice": notice(request),
        "describe": presenters.describe_execution(execution),
        "redrive_error": redrive_error,
        "map_runs": [
            (run, presenters.describe_map_run(run), run.children.order_by("item_index")[:100])
            for run in execution.map_runs.all()
        ],
    }
    return render(request, "stepfunctions/execution_detail.html", context, status=status)


def _drill_path(query: str) -> list[Step]:
    """The drill-down path in the query string, in order: ``state=Map&iteration=2`` or
    ``state=Parallel&branch=1``, repeated one pair per level (``state=Outer&iteration=1&
    state=Inner&branch=0``), so any depth is one URL."""
    path: list[Step] = []
    pending: str | None = None
    for key, value in parse_qsl(query, keep_blank_values=True):
        if key == "state":
            if pending is not None:
                raise DrillError(f"pick an iteration or branch of {pending!r}")
            pending = value
        elif key in ("iteration", "branch"):
            if pending is None:
                raise DrillError(f"{key} needs a state before it")
            try:
                index = int(value)
            except ValueError:
                raise DrillError(f"{key} must be a whole number, not {value!r}") from None
            path.append(Step(pending, index, key))
            pending = None
    if pending is not None:
        raise DrillError(f"pick an iteration or branch of {pending!r}")
    return path


def _query(path: list[Step]) -> str:
    return urlencode([pair for step in path for pair in (("state", step.state), (step.kind, step.index))])


def drill_down(
    execution: Execution, definition: dict[str, Any], rows: list[dict[str, Any]], query: str
) -> dict[str, Any] | HttpResponse:
    """The drill-down's graph, breadcrumbs and the Maps and Parallels one can drill into next
    (engine.states.drill picks the events and folds their statuses). An iteration of a
    Distributed Map is a child execution: its page is the drill-down (a redirect)."""
    found: dict[str, Any] = {"graph": "", "error": "", "crumbs": [], "containers": [], "siblings": []}
    try:
        path = _drill_path(query)
        for depth, step in enumerate(path):
            level = drill(definition, rows, path[:depth])
            state = (level.definition.get("States") or {}).get(step.state)
            if isinstance(state, dict) and state.get("Type") == "Map" and is_distributed(state):
                child = (
                    Execution.objects.filter(
                        map_run__execution=execution, map_run__state_name=step.state, item_index=step.index
                    )
                    .order_by("-id")
                    .first()
                )
                if child is None:
                    raise DrillError(f"the Map Run of {step.state!r} has no item {step.index}")
                return redirect("execution-detail", execution_id=child.id)
            if depth == len(path) - 1 and isinstance(state, dict):
                found["siblings"] = _siblings(path, state, level.events)
        scope = drill(definition, rows, path)
    except DrillError as exc:
        found["error"] = str(exc)
        found["siblings"] = []
        path, scope = [], drill(definition, rows, [])
        scope.statuses = dict(execution.node_statuses)
    if path:
        found["graph"] = render_svg(scope.definition, scope.statuses)
    found["crumbs"] = [
        {
            "label": f"{step.state} {step.kind} {step.index if step.kind == 'iteration' else step.index + 1}",
            "query": _query(path[: depth + 1]),
        }
        for depth, step in enumerate(path)
    ]
    found["pairs"] = [pair for step in path for pair in (("state", step.state), (step.kind, step.index))]
    for name, state in (scope.definition.get("States") or {}).items():
        if not isinstance(state, dict) or not children_of(state):
            continue
        if state.get("Type") == "Parallel":
            found["containers"].append(
                {
                    "name": name,
                    "kind": "branch",
                    "links": [
                        (index + 1, _query([*path, Step(name, index, "branch")]))
                        for index in range(len(children_of(state)))
                    ],
                }
            )
        else:
            found["containers"].append(
                {
                    "name": name,
                    "kind": "iteration",
                    "distributed": is_distributed(state),
                    "count": iteration_count(scope.events, name),
                }
            )
    return found


def _siblings(path: list[Step], state: dict[str, Any], events: list[Any]) -> list[tuple[str, str]]:
    """Links to the previous and next iteration (or branch) of the last step's Map (Parallel)."""
    step = path[-1]
    count = iteration_count(events, step.state) if step.kind == "iteration" else len(children_of(state))
    found = []
    for index, label in ((step.index - 1, "← previous"), (step.index + 1, "next →")):
        if 0 <= index < count:
            shown = index if step.kind == "iteration" else index + 1
            found.append(
                (f"{label} ({step.kind} {shown})", _query([*path[:-1], Step(step.state, index, step.kind)]))
            )
    return found


def _with_children(
    rows: list[dict[str, Any]], started: list[Execution]
) -> list[tuple[dict[str, Any], Execution | None]]:
    """Each history row with the child execution its states:startExecution task started (the
    ExecutionArn of the TaskSubmitted or TaskSucceeded output), else None."""
    by_arn = {child.arn: child for child in started}
    linked: list[tuple[dict[str, Any], Execution | None]] = []
    for row in rows:
        child = None
        details = row.get("taskSubmittedEventDetails") or row.get("taskSucceededEventDetails")
        if by_arn and isinstance(details, dict) and details.get("resourceType") == "states":
            child = by_arn.get(_execution_arn_in(details.get("output")))
        linked.append((row, child))
    return linked


def _execution_arn_in(output: Any) -> str:
    if isinstance(output, str):
        try:
            output = json.loads(output)
        except ValueError:
            return ""
    return str(output.get("ExecutionArn", "")) if isinstance(output, dict) else ""


def retry_waits(execution: Execution) -> list[dict[str, object]]:
    """The states of a running execution waiting out a Retry interval: the next attempt's
    number and when it starts (its durable timer), for the inspector's countdown."""
    if execution.status != Execution.RUNNING:
        return []
    waits = waiting_retries(execution.engine_state)
    fire_at = dict(
        Timer.objects.filter(execution=execution, timer_id__in=[w.timer_id for w in waits]).values_list(
            "timer_id", "fire_at"
        )
    )
    return [
        {"state": wait.state_name, "attempt": wait.attempt, "fire_at": fire_at[wait.timer_id]}
        for wait in waits
        if wait.timer_id in fire_at
    ]
