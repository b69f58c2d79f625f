"""The bus list page, through Django's test client: every bus with its rules and targets."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client
from django.utils import timezone

from workbench.accounts.services import default_workspace
from workbench.core.errors import ValidationError
from workbench.events import archives, services
from workbench.events.models import Archive, ReceivedEvent, Rule

pytestmark = pytest.mark.django_db


def test_bus_page_lists_rules_and_targets(client: Client) -> None:
    ws = default_workspace()
    services.create_bus(ws, "orders-bus")
    services.put_rule(
        ws,
        name="high-value-orders",
        bus_name="orders-bus",
        event_pattern=json.dumps({"source": ["com.myapp.orders"]}),
    )
    services.put_targets(
        ws,
        "high-value-orders",
        "orders-bus",
        [{"Id": "1", "Arn": "arn:aws:lambda:us-east-1:123456789012:function:echo"}],
    )
    page = client.get("/buses/").content.decode()
    assert 'data-bus="orders-bus"' in page and 'data-rule="high-value-orders"' in page
    assert "function:echo" in page


def test_a_scheduled_rule_shows_its_schedule_and_no_sandbox(client: Client) -> None:
    """A scheduled rule matches its own firings, not a pattern: the bus page shows its
    ScheduleExpression as a schedule and offers no pattern sandbox for it."""
    ws = default_workspace()
    services.put_rule(ws, name="nightly", schedule_expression="rate(1 day)")
    services.put_rule(ws, name="orders", event_pattern=json.dumps({"source": ["shop"]}))
    page = client.get("/buses/default/").content.decode()
    rows = dict(re.findall(r'<tr data-rule="([^"]+)">(.*?)</tr>', page, re.S))
    assert "schedule <code>rate(1 day)</code>" in rows["nightly"] and "sandbox-link" not in rows["nightly"]
    assert "sandbox-link" in rows["orders"] and "schedule <code>" not in rows["orders"]


def test_an_archives_rule_is_shown_as_managed_with_nothing_to_edit(client: Client) -> None:
    """ListRules shows an archive's ``Events-Archive-<name>`` rule (events.managed_rules); the
    pages show it too, as the archive's, without the edits AWS refuses on it."""
    ws = default_workspace()
    archives.create_archive(ws, name="orders", source_arn=services.ensure_default_bus(ws).arn)
    services.put_rule(ws, name="mine", event_pattern=json.dumps({"source": ["shop"]}))
    page = client.get("/buses/default/").content.decode()
    rows = dict(re.findall(r'<tr data-rule="([^"]+)">(.*?)</tr>', page, re.S))
    assert (
        "managed for the archive" in rows["Events-Archive-orders"]
        and "Delete" not in rows["Events-Archive-orders"]
    )
    assert "managed for the archive" not in rows["mine"] and "Delete" in rows["mine"]
    rule_page = client.get("/buses/default/rules/Events-Archive-orders/").content.decode()
    assert 'id="managed-rule"' in rule_page and 'href="/archives/#archive-orders"' in rule_page
    assert 'id="edit-rule"' not in rule_page and 'id="add-target"' not in rule_page
    assert 'id="edit-rule"' in client.get("/buses/default/rules/mine/").content.decode()


def test_a_scheduler_firing_says_so_instead_of_matching_no_rule(client: Client) -> None:
    """A Scheduler firing is kept on the default bus to trace its delivery (AWS puts none
    there): its rows name the schedule, not "none" for matched rules (a new user's
    walkthrough read them as events nothing matched, though delivered)."""
    ws = default_workspace()
    arn = f"arn:aws:scheduler:{ws.region}:{ws.account_id}:schedule/default/nightly"
    body = {"source": "aws.scheduler", "detail-type": "Scheduled Event", "resources": [arn], "detail": {}}
    fired = ReceivedEvent.objects.create(
        bus=services.ensure_default_bus(ws), event_id="f1", body=body, received=timezone.now()
    )
    assert fired.fired_by_schedule == "default/nightly"
    for url in ("/buses/default/", "/events/", f"/buses/default/events/{fired.id}/"):
        page = client.get(url).content.decode()
        assert 'firing of schedule <a href="/scheduler/default/nightly/">default/nightly</a>' in page, url


def test_the_bus_page_shows_each_targets_retries_and_dead_letter_queue(client: Client) -> None:
    ws = default_workspace()
    services.put_rule(ws, name="orders", event_pattern=json.dumps({"source": ["shop"]}))
    dlq = "arn:aws:sqs:us-east-1:123456789012:dlq"
    target = {
        "Id": "q",
        "Arn": "arn:aws:sqs:us-east-1:123456789012:work",
        "RetryPolicy": {"MaximumRetryAttempts": 4, "MaximumEventAgeInSeconds": 600},
        "DeadLetterConfig": {"Arn": dlq},
    }
    assert services.put_targets(ws, "orders", None, [target]) == []
    page = client.get("/buses/default/").content.decode()
    rows = dict(re.findall(r'<tr data-rule="([^"]+)">(.*?)</tr>', page, re.S))
    assert f"retries: 4 within 600 s · dead letters: {dlq}" in rows["orders"]


def test_changing_an_archives_rule_from_the_browser_is_refused_on_its_page(client: Client) -> None:
    """The pages offer no edit of a managed rule, but a stale tab or a script may post one: the
    rule page answers with AWS's refusal (ManagedRuleException's words), never a server error,
    and says when its archive was disabled; the sandbox does not offer the rule."""
    ws = default_workspace()
    archives.create_archive(ws, name="orders", source_arn=services.ensure_default_bus(ws).arn)
    base = "/buses/default/rules/Events-Archive-orders/"
    for url, form in (
        (base + "state", {"state": "DISABLED"}),
        (base + "delete", {}),
        (base + "targets/remove", {"target_id": "Events-Archive-orders"}),
    ):
        refused = client.post(url, form)
        assert refused.status_code == 400, url
        assert "Events-Archive-orders is a managed rule." in refused.content.decode(), url
    assert Rule.objects.get(name="Events-Archive-orders").state == "ENABLED"
    services.remove_targets(ws, "Events-Archive-orders", None, ["Events-Archive-orders"], force=True)
    page = client.get(base).content.decode()
    assert 'id="managed-archive-disabled"' in page and "forcefully deleted" in page
    sandbox = client.get("/patterns/sandbox/?bus=default").content.decode()
    assert "Events-Archive-orders" not in sandbox


def test_deleting_a_bus_from_its_page_takes_its_rules_and_archives(client: Client) -> None:
    """EventBridge's console deletes a bus with its rules ("Deleting an event bus", User Guide),
    where DeleteEventBus would refuse it; the page's Delete does the same."""
    ws = default_workspace()
    bus = services.create_bus(ws, "orders")
    services.put_rule(ws, name="big", bus_name="orders", event_pattern=json.dumps({"source": ["shop"]}))
    archives.create_archive(ws, name="orders-all", source_arn=bus.arn)
    with pytest.raises(ValidationError):
        services.delete_bus(ws, "orders")
    assert Rule.objects.filter(bus=bus).count() == 2
    deleted = client.post("/buses/orders/delete")
    assert deleted.status_code == 302
    assert not Rule.objects.filter(name__in=["big", "Events-Archive-orders-all"]).exists()
    assert not Archive.objects.filter(name="orders-all").exists()
    assert "Event bus orders deleted." in client.get(deleted["Location"]).content.decode()


def test_a_bus_named_sandbox_has_its_own_page_and_the_sandbox_lives_apart(client: Client) -> None:
    """Bus names take letters, digits and . - _ /, so "sandbox" is one: the pattern sandbox sits
    outside /buses/ (/patterns/sandbox/, its route names unchanged) and /buses/sandbox/ is the bus's."""
    from django.urls import reverse

    ws = default_workspace()
    services.create_bus(ws, "sandbox")
    services.put_rule(ws, name="r", bus_name="sandbox", event_pattern=json.dumps({"source": ["shop"]}))
    page = client.get("/buses/sandbox/")
    assert page.status_code == 200
    body = page.content.decode()
    assert "<h1>Bus sandbox</h1>" in body and 'data-rule="r"' in body
    assert reverse("bus-sandbox") == "/patterns/sandbox/"
    assert reverse("bus-sandbox-evaluate") == "/patterns/sandbox/evaluate"
    assert reverse("bus-sandbox-preview") == "/patterns/sandbox/preview"
    assert 'href="/patterns/sandbox/?bus=sandbox&amp;rule=r"' in body
    sandbox = client.get("/patterns/sandbox/?bus=sandbox&rule=r")
    assert (
        sandbox.status_code == 200
        and 'data-evaluate-url="/patterns/sandbox/evaluate"' in sandbox.content.decode()
    )
    assert client.get("/buses/").content.decode().count('href="/patterns/sandbox/') >= 3  # page, bus, rule


def test_a_bus_dead_letter_queue_is_shown_linked_with_when_it_is_used(client: Client) -> None:
    """DeadLetterConfig on /buses/ and the bus page: the queue linked to its page (or the ARN,
    when this workspace has no such queue), and what the workbench does with it."""
    from workbench.sqs import services as sqs

    ws = default_workspace()
    sqs.create_queue(ws, "orders-dlq")
    arn = f"arn:aws:sqs:{ws.region}:{ws.account_id}:orders-dlq"
    services.create_bus(ws, "orders", dead_letter_arn=arn)
    services.create_bus(ws, "elsewhere", dead_letter_arn="arn:aws:sqs:us-east-1:999999999999:gone")
    services.create_bus(ws, "plain")
    listed = client.get("/buses/").content.decode()
    cards = dict(re.findall(r'<section class="card" data-bus="([^"]+)">(.*?)</section>', listed, re.S))
    assert '<a href="/queues/orders-dlq/">orders-dlq</a>' in cards["orders"] and arn in cards["orders"]
    assert "sends nothing here" in cards["orders"]
    assert (
        "999999999999:gone" in cards["elsewhere"] and "no such queue in this workspace" in cards["elsewhere"]
    )
    assert "/queues/" not in cards["elsewhere"] and "Dead-letter queue" not in cards["plain"]
    page = client.get("/buses/orders/").content.decode()
    shown = re.search(r'<dd id="bus-dead-letter">(.*?)</dd>', page, re.S)
    assert shown and '<a href="/queues/orders-dlq/">orders-dlq</a>' in shown.group(1)
    assert "customer managed KMS key" in shown.group(1) and "own" in shown.group(1)
    plain = re.search(
        r'<dd id="bus-dead-letter">(.*?)</dd>', client.get("/buses/plain/").content.decode(), re.S
    )
    assert plain and plain.group(1).startswith("none")
