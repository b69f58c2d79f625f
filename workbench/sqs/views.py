"""Browser pages for queues: the list with message counts, and a queue's page with its messages,
a send form, purge and delete (after a confirmation). They call sqs.services only, so they live
in the app; a refused form shows SQS's error beside the field, keeping what was typed."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from workbench.accounts.services import default_workspace
from workbench.core.errors import AwsError, field_for
from workbench.core.jsonio import loads_located
from workbench.sqs import services
from workbench.sqs.errors import InvalidParameterValue

SHOWN_MESSAGES = 100
"""Messages a queue's page lists (the oldest); its counts say how many there are."""


def queue_list(request: HttpRequest) -> HttpResponse:
    workspace = default_workspace()
    form = {"name": "", "visibility_timeout": "30", "fifo": ""}
    errors: dict[str, AwsError] = {}
    if request.method == "POST":
        form = {key: request.POST.get(key, "").strip() for key in form}
        attributes = {"VisibilityTimeout": form["visibility_timeout"] or "30"}
        if form["fifo"]:
            attributes["FifoQueue"] = "true"
        try:
            queue = services.create_queue(workspace, form["name"], attributes)
            return redirect("queue-detail", name=queue.name)
        except AwsError as exc:
            errors[field_for(exc.message, {"visibility_timeout": "VisibilityTimeout"}, "name")] = exc
    queues = services.list_queues(workspace)
    rows = [{"queue": queue, "counts": services.counts(queue)} for queue in queues]
    context = {
        "rows": rows,
        "next_change": services.next_change([queue.id for queue in queues]),
        "form": form,
        "errors": errors,
    }
    return render(request, "sqs/queue_list.html", context)


def queue_detail(request: HttpRequest, name: str) -> HttpResponse:
    workspace = default_workspace()
    try:
        queue = services.get_queue(workspace, name)
    except AwsError as exc:
        return render(request, "sqs/queue_missing.html", {"name": name, "error": exc}, status=404)
    form = {"body": "", "delay": "", "attributes": ""}
    errors: dict[str, AwsError] = {}
    confirm_delete = False
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "send":
            form = {key: request.POST.get(key, "") for key in form}
            try:
                services.send_message(queue, form["body"], **_send_options(form))
                return redirect("queue-detail", name=queue.name)
            except AwsError as exc:
                fields = {"delay": "DelaySeconds", "attributes": "attribute"}
                errors[field_for(exc.message, fields, "body")] = exc
        elif action == "purge":
            services.purge_queue(queue)
            return redirect("queue-detail", name=queue.name)
        elif action == "delete":
            if request.POST.get("confirm") == queue.name:
                services.delete_queue(queue)
                return redirect("queue-list")
            confirm_delete = True
            if "confirm" in request.POST:
                errors["confirm"] = AwsError(
                    "Type the queue's name to delete it", code="ConfirmationRequired"
                )
    now = timezone.now()
    messages = [
        {
            "message": message,
            "state": services.message_state(message, now),
            "event_id": _event_id(message.body),
        }
        for message in services.messages_of(queue, most=SHOWN_MESSAGES)
    ]
    context = {
        "queue": queue,
        "url": services.queue_url(queue, request.build_absolute_uri("/")),
        "attributes": services.attributes_of(queue, ["All"]),
        "counts": services.counts(queue),
        "next_change": services.next_change([queue.id]),
        "messages": messages,
        "shown_most": SHOWN_MESSAGES,
        "form": form,
        "errors": errors,
        "confirm_delete": confirm_delete,
        "typed": request.POST.get("confirm", ""),
    }
    return render(request, "sqs/queue_detail.html", context)


def _send_options(form: dict[str, str]) -> dict[str, Any]:
    options: dict[str, Any] = {}
    if form["delay"].strip():
        try:
            options["delay_seconds"] = int(form["delay"])
        except ValueError as exc:
            raise InvalidParameterValue(
                f"Value {form['delay']} for parameter DelaySeconds is invalid. "
                "Reason: must be a whole number."
            ) from exc
    if form["attributes"].strip():
        options["message_attributes"] = loads_located(
            form["attributes"], "Message attributes", error=InvalidParameterValue
        )
    return options


def _event_id(body: str) -> str:
    """The id of the EventBridge event a message's body is (a rule's target given the whole
    event, or a dead-letter queue: "the body is the event", EventBridge User Guide, "Using
    dead-letter queues"), to link its journey; "" for any other body."""
    if not body.startswith("{") or '"detail-type"' not in body:
        return ""
    try:
        event = json.loads(body)
    except ValueError:
        return ""
    if isinstance(event, dict) and isinstance(event.get("id"), str) and "source" in event:
        return event["id"]
    return ""
