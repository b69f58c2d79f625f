"""The human approval inbox: every task waiting for its token (waitForTaskToken), with
Approve and Reject, which are SendTaskSuccess and SendTaskFailure by another door
(https://docs.aws.amazon.com/step-functions/latest/dg/connect-to-resource.html#connect-wait-token).
A token sent to a workbench queue (sqs:sendMessage.waitForTaskToken, or sns:publish to a
subscribed queue) also shows the queue and the message that carries it. Reads the pending tasks
and messages directly; answers go through runtime.executions."""

from __future__ import annotations

import json

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from workbench.accounts.services import default_workspace
from workbench.core.errors import AwsError
from workbench.runtime import executions
from workbench.sqs import services as queues
from workbench.stepfunctions.models import Execution, PendingTask


def inbox(request: HttpRequest) -> HttpResponse:
    workspace = default_workspace()
    error = None
    if request.method == "POST":
        token = request.POST.get("token", "")
        try:
            if request.POST.get("decision") == "approve":
                executions.send_task_success(workspace, token, request.POST.get("output") or "{}")
            else:
                executions.send_task_failure(
                    workspace, token, request.POST.get("error") or "Rejected", request.POST.get("cause") or ""
                )
            return redirect("inbox")
        except AwsError as exc:
            error = exc
    waiting = (
        PendingTask.objects.filter(
            execution__state_machine__workspace=workspace,
            execution__status=Execution.RUNNING,
            wait_for_token=True,
        )
        .select_related("execution__state_machine__workspace")
        .order_by("created")
    )
    rows = [
        {
            "task": task,
            "payload": json.dumps(task.payload, indent=2),
            "message": queues.message_carrying(workspace, task.token or ""),
        }
        for task in waiting
    ]
    return render(request, "inbox/inbox.html", {"rows": rows, "error": error})
