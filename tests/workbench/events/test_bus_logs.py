"""Event bus logs: LogConfig through CreateEventBus/UpdateEventBus/DescribeEventBus, and the
records written to the bus's log group as each step happens, by the level set then ("Configuring logs
for Amazon EventBridge event buses"; "Amazon EventBridge event bus log schema")."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tests.support.events import PATTERN, entry, record_enqueued
from tests.workbench.awsapi.calls import call
from workbench.accounts.services import default_workspace
from workbench.core.arns import function_arn
from workbench.events import bus_logs, log_groups
from workbench.events import services as events
from workbench.events.models import Delivery
from workbench.functions import services as functions
from workbench.runtime import deliveries, routing
from workbench.sqs import services as sqs


@pytest.mark.django_db
def test_log_config_through_the_api_and_its_refusals(client: Client) -> None:
    config = {"IncludeDetail": "FULL", "Level": "TRACE"}
    status, created = call(client, "AWSEvents.CreateEventBus", {"Name": "logged", "LogConfig": config})
    assert status == 200 and created["LogConfig"] == config
    status, error = call(
        client, "AWSEvents.UpdateEventBus", {"Name": "logged", "LogConfig": {"Level": "LOUD"}}
    )
    assert (status, error["__type"]) == (400, "ValidationException")
    assert "Member must satisfy enum value set: [OFF, ERROR, INFO, TRACE]" in error["message"]
    call(client, "AWSEvents.UpdateEventBus", {"Name": "logged", "LogConfig": {"Level": "ERROR"}})
    _, described = call(client, "AWSEvents.DescribeEventBus", {"Name": "logged"})
    assert described["LogConfig"] == {"IncludeDetail": "NONE", "Level": "ERROR"}


def _put_and_deliver(monkeypatch: pytest.MonkeyPatch, capture: Any, n: int) -> str:
    """Put one matching event on the bus, deliver it (its first attempt fails, the second ten
    minutes later succeeds); its event id."""
    sent = record_enqueued(monkeypatch)
    with capture(execute=True):
        [result] = routing.put_events(default_workspace(), [{**entry(n=n), "EventBusName": "logged"}])
    now = timezone.now()
    deliveries.deliver(sent[-1], now=now)
    deliveries.deliver(sent[-1], now=now + timezone.timedelta(minutes=10))
    return str(result["EventId"])


@pytest.mark.django_db
def test_records_are_written_to_the_bus_log_group_at_the_level_of_each_step(
    monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    # Fields per message type: "Amazon EventBridge event bus log schema" (EventBridge User
    # Guide); the log group name is the one EventBridge's console gives a bus's logs.
    settings.STEPBRIDGE_RETRY_BASE_SECONDS = 0
    ws = default_workspace()
    bus = events.create_bus(ws, "logged", log_config={"Level": "TRACE", "IncludeDetail": "FULL"})
    fn = function_arn(ws.region, ws.account_id, "flaky")
    functions.save_mock(ws, "flaky", [{"error": "Boom", "cause": "once"}, {"output": 1}])
    events.put_rule(ws, name="orders", bus_name="logged", event_pattern=json.dumps(PATTERN))
    events.put_targets(ws, "orders", "logged", [{"Id": "fn", "Arn": fn}])
    traced = _put_and_deliver(monkeypatch, django_capture_on_commit_callbacks, 1)
    with django_capture_on_commit_callbacks(execute=True):
        routing.put_events(
            ws, [{"Source": "other", "DetailType": "x", "Detail": "{}", "EventBusName": "logged"}]
        )
    trace = bus_logs.records(bus, traced)
    assert [r["message_type"] for r in trace] == [
        "EVENT_RECEIPT",
        "EVENT_INGEST_SUCCESS",
        "RULE_MATCH",
        "INVOCATION_ATTEMPT_START",
        "INVOCATION_ATTEMPT_RETRYABLE_FAILURE",
        "INVOCATION_ATTEMPT_START",
        "INVOCATION_ATTEMPT_SUCCESS",
        "INVOCATION_SUCCESS",
    ]
    assert json.loads(trace[0]["details"]["event_detail"]) == {"n": 1}
    [delivery] = Delivery.objects.filter(event__event_id=traced)
    assert trace[2]["details"] == {
        "rule_arn": delivery.rule_arn,
        "target_arns": [fn],
        "invocation_ids": [str(delivery.id)],
    }
    assert trace[4]["error"] == {"error_message": "Boom: once", "aws_service": "lambda"}
    assert trace[5]["details"]["attempt_type"] == "RETRY" and trace[5]["details"]["attempt_count"] == 2
    assert json.loads(trace[7]["details"]["target_input"])["detail"] == {"n": 1}
    assert {r["resource_arn"] for r in trace} == {bus.arn}
    assert {r["invocation_id"] for r in trace[3:]} == {str(delivery.id)}
    assert [r["message_type"] for r in bus_logs.records(bus)][-3:] == [
        "EVENT_RECEIPT",
        "EVENT_INGEST_SUCCESS",
        "NO_STANDARD_RULES_MATCHED",
    ]
    group = "/aws/vendedlogs/events/event-bus/logged"
    assert {g["name"]: g["count"] for g in log_groups.log_groups(ws)} == {group: 11}
    assert json.loads(log_groups.events_of(ws, group).last().message)["message_type"] == "EVENT_RECEIPT"

    # A level applies to the steps made while it is set; records written before stay.
    events.update_bus(ws, "logged", None, None, {"Level": "ERROR", "IncludeDetail": "NONE"})
    failed_once = _put_and_deliver(monkeypatch, django_capture_on_commit_callbacks, 2)
    errors = bus_logs.records(bus, failed_once)
    assert [r["message_type"] for r in errors] == ["INVOCATION_ATTEMPT_RETRYABLE_FAILURE"]
    assert "target_input" not in errors[0]["details"]
    events.update_bus(ws, "logged", None, None, {"Level": "INFO"})
    informed = _put_and_deliver(monkeypatch, django_capture_on_commit_callbacks, 3)
    info = bus_logs.records(bus, informed)
    assert [r["message_type"] for r in info] == [
        "EVENT_INGEST_SUCCESS",
        "RULE_MATCH",
        "INVOCATION_ATTEMPT_RETRYABLE_FAILURE",
        "INVOCATION_SUCCESS",
    ]
    assert "event_detail" not in info[0]["details"]
    events.update_bus(ws, "logged", None, None, {"Level": "OFF"})
    assert bus_logs.records(bus, _put_and_deliver(monkeypatch, django_capture_on_commit_callbacks, 4)) == []
    assert len(bus_logs.records(bus, traced)) == 8


@pytest.mark.django_db
def test_a_delivery_that_ends_failed_logs_its_dead_letter_queue(
    monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    ws = default_workspace()
    bus = events.create_bus(ws, "logged", log_config={"Level": "ERROR", "IncludeDetail": "NONE"})
    dlq = sqs.queue_arn(sqs.create_queue(ws, "dead"))
    functions.save_mock(ws, "broken", [{"error": "Boom", "cause": "always"}])
    events.put_rule(ws, name="orders", bus_name="logged", event_pattern=json.dumps(PATTERN))
    fn = function_arn(ws.region, ws.account_id, "broken")
    target = {"Id": "fn", "Arn": fn, "RetryPolicy": {"MaximumRetryAttempts": 0}}
    events.put_targets(ws, "orders", "logged", [{**target, "DeadLetterConfig": {"Arn": dlq}}])
    sent = record_enqueued(monkeypatch)
    with django_capture_on_commit_callbacks(execute=True):
        [result] = routing.put_events(ws, [{**entry(n=1), "EventBusName": "logged"}])
    deliveries.deliver(sent[-1], now=timezone.now())
    logged = bus_logs.records(bus, result["EventId"])
    assert [r["message_type"] for r in logged] == [
        "INVOCATION_ATTEMPT_PERMANENT_FAILURE",
        "INVOCATION_FAILURE",
        "INVOCATION_DLQ",
    ]
    assert logged[1]["details"]["final_invocation_status"] == "FAILURE"
    assert logged[2]["details"]["dead_letter_arn"] == dlq


@pytest.mark.django_db
def test_the_bus_page_sets_logging_and_filters_records_by_event(client: Client) -> None:
    ws = default_workspace()
    events.create_bus(ws, "logged")
    response = client.post("/buses/logged/logging", {"level": "INFO", "include_detail": "NONE"})
    assert response.status_code == 302
    [first] = routing.put_events(ws, [{**entry(n=1), "EventBusName": "logged"}])
    routing.put_events(ws, [{**entry(n=2), "EventBusName": "logged"}])
    page = client.get("/buses/logged/", {"log_event": first["EventId"]}).content.decode()
    assert 'data-message-type="EVENT_RECEIPT"' not in page  # a TRACE step, not written at INFO
    assert page.count('data-message-type="EVENT_INGEST_SUCCESS"') == 1
    assert "/aws/vendedlogs/events/event-bus/logged" in page
    refused = client.post("/buses/logged/logging", {"level": "LOUD"})
    assert refused.status_code == 400 and 'id="error-log_level"' in refused.content.decode()
