"""Browser page for functions: the list, and the editor of mock outcomes."""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from workbench.accounts.services import default_workspace
from workbench.core.errors import AwsError
from workbench.core.jsonio import loads_located
from workbench.functions import services as functions
from workbench.functions.models import Function

EXAMPLE_OUTCOMES = '[\n  {"error": "States.TaskFailed", "cause": "flaky"},\n  {"output": {"ok": true}}\n]'


def function_list(request: HttpRequest) -> HttpResponse:
    workspace = default_workspace()
    error = None
    form = {"name": request.GET.get("edit", ""), "outcomes": EXAMPLE_OUTCOMES, "description": ""}
    if form["name"]:
        existing = Function.objects.filter(workspace=workspace, name=form["name"]).first()
        if existing is not None:
            form["outcomes"] = json.dumps(existing.outcomes, indent=2)
            form["description"] = existing.description
    if request.method == "POST":
        form = {key: request.POST.get(key, "") for key in form}
        try:
            outcomes = loads_located(form["outcomes"], "outcomes")
            functions.save_mock(workspace, form["name"], outcomes, form["description"])
            return redirect("function-list")
        except AwsError as exc:
            error = exc
    rows = [
        {"function": f, "arn": functions.arn_of(f), "calls": f.invocations.count()}
        for f in Function.objects.filter(workspace=workspace).select_related("workspace")
    ]
    return render(request, "functions/function_list.html", {"rows": rows, "form": form, "error": error})
