"""runtime.deliveries: queues (FIFO with MessageGroupId), topics, log groups and other buses as
targets ("Amazon EventBridge targets", EventBridge User Guide; PutTargets' SqsParameters)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from tests.support.events import PATTERN, entry, record_enqueued, rule_with_targets
from workbench.accounts.models import Workspace
from workbench.accounts.services import default_workspace
from workbench.events import bus_policies, log_groups
from workbench.events import services as events
from workbench.events.models import Delivery, ReceivedEvent
from workbench.runtime import deliveries, routing
from workbench.sns import services as sns
from workbench.sqs import services as sqs
from workbench.sqs.models import Message


def _put_and_deliver(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch, capture: Any, **detail: Any
) -> list[int]:
    """PutEvents one matching entry, then run every delivery it (and what it led to) enqueued."""
    sent = record_enqueued(monkeypatch)
    with capture(execute=True):
        routing.put_events(ws, [entry(**detail)])
    done = 0
    while done < len(sent):
        with capture(execute=True):
            deliveries.deliver_events([sent[done]])
        done += 1
    return sent


@pytest.mark.django_db
def test_a_fifo_queue_gets_the_rendered_event_in_its_message_group(
    monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    ws = default_workspace()
    fifo = sqs.create_queue(ws, "orders.fifo", {"FifoQueue": "true", "ContentBasedDeduplication": "true"})
    plain = sqs.create_queue(ws, "plain")
    rule_with_targets(
        ws,
        [
            {
                "Id": "f",
                "Arn": sqs.queue_arn(fifo),
                "InputPath": "$.detail",
                "SqsParameters": {"MessageGroupId": "g1"},
            },
            {"Id": "p", "Arn": sqs.queue_arn(plain)},
        ],
    )
    _put_and_deliver(ws, monkeypatch, django_capture_on_commit_callbacks, n=1)
    [message] = Message.objects.filter(queue=fifo)
    assert (message.body, message.group_id) == ('{"n":1}', "g1")
    [other] = Message.objects.filter(queue=plain)
    assert json.loads(other.body)["detail"] == {"n": 1}
    assert set(Delivery.objects.values_list("status", flat=True)) == {"delivered"}


@pytest.mark.django_db
def test_a_fifo_queue_without_content_based_deduplication_fails_the_delivery(
    monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    ws = default_workspace()
    fifo = sqs.create_queue(ws, "strict.fifo", {"FifoQueue": "true"})
    rule_with_targets(ws, [{"Id": "f", "Arn": sqs.queue_arn(fifo), "SqsParameters": {"MessageGroupId": "g"}}])
    _put_and_deliver(ws, monkeypatch, django_capture_on_commit_callbacks, n=1)
    delivery = Delivery.objects.get()
    assert delivery.status == "failed" and "ContentBasedDeduplication" in delivery.detail
    assert not Message.objects.exists()


@pytest.mark.django_db
def test_a_topic_target_publishes_to_its_subscribers(
    monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    ws = default_workspace()
    inbox = sqs.create_queue(ws, "inbox")
    topic = sns.create_topic(ws, "orders")
    sns.subscribe(topic, "sqs", sqs.queue_arn(inbox), {"RawMessageDelivery": "true"})
    rule_with_targets(ws, [{"Id": "t", "Arn": sns.topic_arn(topic), "InputPath": "$.detail"}])
    _put_and_deliver(ws, monkeypatch, django_capture_on_commit_callbacks, n=7)
    assert Message.objects.get(queue=inbox).body == '{"n":7}'
    assert Delivery.objects.get().status == "delivered"


@pytest.mark.django_db
def test_a_log_group_target_keeps_the_events_newest_first(
    monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    ws = default_workspace()
    arn = f"arn:aws:logs:{ws.region}:{ws.account_id}:log-group:/aws/events/orders:*"
    rule_with_targets(ws, [{"Id": "log", "Arn": arn}])
    _put_and_deliver(ws, monkeypatch, django_capture_on_commit_callbacks, n=1)
    _put_and_deliver(ws, monkeypatch, django_capture_on_commit_callbacks, n=2)
    logged = list(log_groups.events_of(ws, "/aws/events/orders"))
    assert [json.loads(e.message)["detail"] for e in logged] == [{"n": 2}, {"n": 1}]
    assert log_groups.log_groups(ws)[0]["name"] == "/aws/events/orders"


@pytest.mark.django_db
def test_a_bus_target_puts_the_event_unchanged_on_the_other_bus_once(
    monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any, client: Client
) -> None:
    ws = default_workspace()
    central = events.create_bus(ws, "central")
    log_arn = f"arn:aws:logs:{ws.region}:{ws.account_id}:log-group:central"
    events.put_rule(ws, name="all", bus_name="central", event_pattern=json.dumps(PATTERN))
    events.put_targets(
        ws, "all", "central", [{"Id": "log", "Arn": log_arn}, {"Id": "back", "Arn": ws_bus_arn(ws)}]
    )
    rule_with_targets(ws, [{"Id": "bus", "Arn": central.arn, "InputPath": "$.detail"}])
    sent = _put_and_deliver(ws, monkeypatch, django_capture_on_commit_callbacks, n=3)
    original = ReceivedEvent.objects.get(bus__name="default")
    forwarded = ReceivedEvent.objects.get(bus=central)
    assert forwarded.body == original.body and forwarded.event_id == original.event_id
    assert forwarded.matched_rules == ["all"]
    # The event reached central's log group; central's rule does not send it on to a third bus.
    assert [e.event_id for e in log_groups.events_of(ws, "central")] == [original.event_id]
    assert len(sent) == 2 and Delivery.objects.filter(target_id="back").count() == 0
    deliveries.deliver_events([sent[0]])  # a second run changes nothing
    assert ReceivedEvent.objects.filter(bus=central).count() == 1
    page = client.get(f"/buses/default/events/{original.id}/").content.decode()
    assert f'href="/buses/central/events/{forwarded.id}/" class="forwarded-event"' in page
    # And back: the copy's page names the bus whose rule put it there.
    copy_page = client.get(f"/buses/central/events/{forwarded.id}/").content.decode()
    back = f'the rule orders of the bus <a href="/buses/default/events/{original.id}/">default</a>'
    assert back in copy_page
    assert "Put here by" not in page
    assert '<a class="target-page" href="/log-groups/?group=central">log group central</a>' in copy_page


def ws_bus_arn(ws: Workspace) -> str:
    return events.get_bus(ws, "default").arn


@pytest.mark.django_db
def test_a_bus_of_another_workspace_takes_the_event_only_when_its_policy_allows(
    monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    settings.STEPBRIDGE_RETRY_BASE_SECONDS = 0
    ws = default_workspace()
    other = Workspace.objects.create(name="other", account_id="210987654321", access_key_id="other")
    inbound = events.create_bus(other, "inbound")
    rule_with_targets(ws, [{"Id": "bus", "Arn": inbound.arn, "RetryPolicy": {"MaximumRetryAttempts": 0}}])
    _put_and_deliver(ws, monkeypatch, django_capture_on_commit_callbacks, n=1)
    refused = Delivery.objects.get()
    assert refused.status == "failed" and refused.detail.startswith("AccessDeniedException: User: ")
    assert not ReceivedEvent.objects.filter(bus=inbound).exists()

    bus_policies.put_permission(
        inbound, {"Action": "events:PutEvents", "Principal": ws.account_id, "StatementId": "s"}
    )
    _put_and_deliver(ws, monkeypatch, django_capture_on_commit_callbacks, n=2)
    [arrived] = ReceivedEvent.objects.filter(bus=inbound)
    assert arrived.body["account"] == ws.account_id and arrived.body["detail"] == {"n": 2}
