"""The Activities page: every activity of the workspace with the tasks waiting on it (taken by
a worker or not yet), a create form, and delete after typing the name. It calls the activities
service only; a refused name shows Step Functions' error beside the field, keeping what was
typed (https://docs.aws.amazon.com/step-functions/latest/dg/concepts-activities.html)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from workbench.accounts.services import default_workspace
from workbench.core.errors import AwsError
from workbench.stepfunctions import activities
from workbench.stepfunctions.models import Activity, Execution, PendingTask


def activity_list(request: HttpRequest) -> HttpResponse:
    workspace = default_workspace()
    form = {"name": ""}
    errors: dict[str, AwsError] = {}
    confirm = ""  # the activity whose deletion waits for its name to be typed
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "create":
            form = {"name": request.POST.get("name", "").strip()}
            try:
                activities.create_activity(workspace, form["name"])
                return redirect("activity-list")
            except AwsError as exc:
                errors["name"] = exc
        elif action == "delete":
            target = request.POST.get("activity", "")
            if "confirm" in request.POST and request.POST["confirm"] == target:
                activity = Activity.objects.filter(workspace=workspace, name=target).first()
                if activity is not None:
                    activities.delete_activity(workspace, activity.arn)
                return redirect("activity-list")
            confirm = target
            if "confirm" in request.POST:
                errors["confirm"] = AwsError(
                    "Type the activity's name to delete it", code="ConfirmationRequired"
                )
    listed = list(Activity.objects.filter(workspace=workspace).select_related("workspace").order_by("name"))
    rows = [{"activity": activity, "tasks": _waiting(activity)} for activity in listed]
    context: dict[str, Any] = {
        "rows": rows,
        "form": form,
        "errors": errors,
        "confirm": confirm,
        "typed": request.POST.get("confirm", ""),
    }
    return render(request, "stepfunctions/activity_list.html", context)


def _waiting(activity: Activity) -> list[PendingTask]:
    """The activity's tasks that running executions wait on, oldest first (read-only query)."""
    return list(
        PendingTask.objects.filter(
            resource=activity.arn,
            execution__state_machine__workspace=activity.workspace,
            execution__status=Execution.RUNNING,
        )
        .select_related("execution__state_machine")
        .order_by("created", "id")[:50]
    )
