"""The Mocks page: the workspace's own MockConfig (Step Functions Local's format), edited in the
browser and checked on save (workbench.stepfunctions.mocks: the line of a malformed text, each
Return against its Task state's output shape). A refused text is shown again, as typed, with
the error beside the editor; an empty text removes the workspace's config so the file named by
SFN_MOCK_CONFIG / STEPBRIDGE_MOCK_CONFIG applies again."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from workbench.accounts.services import default_workspace
from workbench.console.designer import import_map
from workbench.console.forms import notice
from workbench.stepfunctions import mocks
from workbench.stepfunctions.mocks import MockConfigError
from workbench.stepfunctions.models import StateMachine


def mock_config(request: HttpRequest) -> HttpResponse:
    workspace = default_workspace()
    own = mocks.workspace_text(workspace)
    file_text, file_source = mocks.file_text()
    text = own if own is not None else file_text
    error: MockConfigError | None = None
    if request.method == "POST":
        text = str(request.POST.get("config", ""))
        try:
            saved = mocks.save_workspace_config(workspace, text)
        except MockConfigError as exc:
            error = exc
        else:
            return redirect(f"{request.path}?done={'mocks-saved' if saved else 'mocks-removed'}")
    context: dict[str, Any] = {
        "text": text,
        "error": error,
        "own": own is not None,
        "file_source": file_source,
        "test_cases": [] if error else _test_cases(workspace, text),
        "notice": notice(request),
        "import_map": import_map(),
    }
    return render(request, "stepfunctions/mocks.html", context, status=400 if error else 200)


def _test_cases(workspace: Any, text: str) -> list[dict[str, str]]:
    """Each test case with the ARN that starts an execution on it (when its machine exists)."""
    if not text.strip():
        return []
    try:
        config = mocks.parse(text, "Mocks")
    except MockConfigError:
        return []  # the file shown is broken: the server refused to start on it anyway
    arns = {
        machine.name: machine.arn
        for machine in StateMachine.objects.filter(workspace=workspace, name__in=list(config.machines))
    }
    return [
        {"machine": name, "case": case, "arn": f"{arns[name]}#{case}" if name in arns else ""}
        for name, cases in config.machines.items()
        for case in cases
    ]
