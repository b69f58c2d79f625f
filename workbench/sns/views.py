"""Browser pages for topics: the list with a create form, and a topic's page with its
subscriptions, a subscribe form, a publish form, recent deliveries and delete. They call
sns.services only, so they live in the app; a refused form shows SNS's error beside the field,
keeping what was typed."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from workbench.accounts.services import default_workspace
from workbench.core.errors import AwsError
from workbench.sns import services
from workbench.sns.models import Delivery, Topic

RECENT_DELIVERIES = 20


def topic_list(request: HttpRequest) -> HttpResponse:
    workspace = default_workspace()
    form = {"name": ""}
    error = None
    if request.method == "POST":
        form = {"name": request.POST.get("name", "").strip()}
        try:
            topic = services.create_topic(workspace, form["name"])
            return redirect("topic-detail", name=topic.name)
        except AwsError as exc:
            error = exc
    rows = [
        {"topic": topic, "arn": services.topic_arn(topic), "subscriptions": topic.subscriptions.count()}
        for topic in services.list_topics(workspace)
    ]
    return render(request, "sns/topic_list.html", {"rows": rows, "form": form, "error": error})


def topic_detail(request: HttpRequest, name: str) -> HttpResponse:
    workspace = default_workspace()
    topic = Topic.objects.filter(workspace=workspace, name=name).select_related("workspace").first()
    if topic is None:
        return render(request, "sns/topic_missing.html", {"name": name}, status=404)
    arn = services.topic_arn(topic)
    forms = {
        "subscribe": {"protocol": "sqs", "endpoint": "", "raw": ""},
        "publish": {"subject": "", "message": ""},
    }
    errors: dict[str, AwsError] = {}
    if request.method == "POST":
        action = request.POST.get("action", "")
        try:
            if action == "subscribe":
                form = forms["subscribe"] = {key: request.POST.get(key, "") for key in forms["subscribe"]}
                attributes = {"RawMessageDelivery": "true"} if form["raw"] else {}
                services.subscribe(topic, form["protocol"], form["endpoint"].strip(), attributes)
            elif action == "unsubscribe":
                services.unsubscribe(workspace, request.POST.get("subscription", ""))
            elif action == "publish":
                form = forms["publish"] = {key: request.POST.get(key, "") for key in forms["publish"]}
                services.publish(topic, form["message"], subject=form["subject"] or None)
            elif action == "delete":
                services.delete_topic(workspace, arn)
                return redirect("topic-list")
            return redirect("topic-detail", name=topic.name)
        except AwsError as exc:
            field = "subject" if "Subject" in exc.message else "message"
            errors = {"endpoint" if action == "subscribe" else field: exc}
    subscriptions = [
        {"subscription": s, "arn": services.subscription_arn(s)} for s in services.subscriptions_of(topic)
    ]
    deliveries = Delivery.objects.filter(subscription__topic=topic).select_related("subscription")[
        :RECENT_DELIVERIES
    ]
    context = {
        "topic": topic,
        "arn": arn,
        "subscriptions": subscriptions,
        "deliveries": deliveries,
        "forms": forms,
        "errors": errors,
    }
    return render(request, "sns/topic_detail.html", context)
