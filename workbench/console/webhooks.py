"""A bus's inbound webhook in the browser and on the wire (beyond AWS; see
``workbench.events.webhooks``).

``receive`` is the URL shown on the bus page: a POST carrying the bus's secret in the
``X-Stepbridge-Webhook-Secret`` header and a JSON object body becomes one event on the bus
(``runtime.routing.put_events``, so it is archived and delivered like any PutEvents entry).
It is exempt from CSRF, since the senders are other programs, but not from Django's host
check; a browser page on another site cannot send the secret header without a CORS preflight,
which is never granted. A missing or wrong secret is 401, an unknown URL 404.

``manage`` is the bus page's webhook card: turn it on, rotate the secret, set the source and
detail-type, turn it off.
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from workbench.accounts.services import default_workspace
from workbench.console import events as bus_pages
from workbench.console.forms import field
from workbench.core.errors import AwsError
from workbench.events import services as events
from workbench.events import webhooks
from workbench.runtime import routing

SECRET_META = "HTTP_" + webhooks.SECRET_HEADER.upper().replace("-", "_")


@csrf_exempt
@require_POST
def receive(request: HttpRequest, uid: str) -> HttpResponse:
    request.get_host()  # the host check applies here as everywhere (DisallowedHost is a 400)
    webhook = webhooks.find(uid)
    if webhook is None:
        return JsonResponse({"message": "No webhook at this URL."}, status=404)
    if not webhooks.secret_matches(webhook, request.META.get(SECRET_META)):
        return JsonResponse({"message": f"Missing or wrong {webhooks.SECRET_HEADER} header."}, status=401)
    try:
        entry = webhooks.entry_for(webhook, request.body)
        [result] = routing.put_events(webhook.bus.workspace, [entry], aws_sources=True)
    except AwsError as exc:
        return JsonResponse({"__type": exc.code, "message": exc.message}, status=400)
    if "EventId" not in result:
        return JsonResponse(
            {"__type": result.get("ErrorCode"), "message": result.get("ErrorMessage")}, status=400
        )
    return JsonResponse({"EventId": result["EventId"]})


@require_POST
def manage(request: HttpRequest, bus_name: str) -> HttpResponse:
    workspace = default_workspace()
    try:
        bus = events.get_bus(workspace, bus_name)
    except AwsError as exc:
        raise Http404(exc.message) from exc
    action = field(request, "action")
    if action == "configure":
        form = {"source": field(request, "source"), "detail_type": field(request, "detail_type")}
        try:
            webhooks.configure(bus, form["source"], form["detail_type"])
        except AwsError as exc:
            key = "webhook_detail_type" if "DetailType" in exc.message else "webhook_source"
            return bus_pages.bus_detail(request, bus.name, webhook_form=form, errors={key: exc.message})
    elif action == "rotate":
        webhooks.rotate(bus)
    elif action == "disable":
        webhooks.disable(bus)
    else:
        webhooks.enable(bus)
    return redirect(reverse("bus-detail", args=[bus.name]) + "#webhook")
