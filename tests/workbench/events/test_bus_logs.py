"""Event bus logs: LogConfig through CreateEventBus/UpdateEventBus/DescribeEventBus, and the
records read from the event, its deliveries and their attempts, by level ("Configuring logs
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
from workbench.events import bus_logs
from workbench.events import services as events
from workbench.functions import services as functions
from workbench.runtime import deliveries, routing


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


@pytest.mark.django_db
def test_records_follow_each_step_and_the_level_chooses_which(
    monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any, settings: Any
) -> None:
    settings.STEPBRIDGE_RETRY_BASE_SECONDS = 0
    ws = default_workspace()
    bus = events.create_bus(ws, "logged", log_config={"Level": "TRACE", "IncludeDetail": "FULL"})
    functions.save_mock(ws, "flaky", [{"error": "Boom", "cause": "once"}, {"output": 1}])
    events.put_rule(ws, name="orders", bus_name="logged", event_pattern=json.dumps(PATTERN))
    events.put_targets(
        ws, "orders", "logged", [{"Id": "fn", "Arn": function_arn(ws.region, ws.account_id, "flaky")}]
    )
    sent = record_enqueued(monkeypatch)
    with django_capture_on_commit_callbacks(execute=True):
        [result] = routing.put_events(ws, [{**entry(n=1), "EventBusName": "logged"}])
        routing.put_events(
            ws, [{"Source": "other", "DetailType": "x", "Detail": "{}", "EventBusName": "logged"}]
        )
    now = timezone.now()
    deliveries.deliver(sent[0], now=now)
    deliveries.deliver(sent[0], now=now + timezone.timedelta(minutes=10))
    trace = bus_logs.records(bus, result["EventId"])
    assert [r["message_type"] for r in trace] == [
        "EVENT_RECEIPT",
        "RULE_MATCH",
        "INVOCATION_ATTEMPT_START",
        "INVOCATION_ATTEMPT_RETRYABLE_FAILURE",
        "INVOCATION_ATTEMPT_START",
        "INVOCATION_ATTEMPT_SUCCESS",
        "INVOCATION_SUCCESS",
    ]
    assert trace[0]["details"]["event_detail"]["detail"] == {"n": 1}
    assert trace[3]["error"] == {"error_message": "Boom: once"}
    assert {r["resource_arn"] for r in trace} == {bus.arn}
    assert [r["message_type"] for r in bus_logs.records(bus)][:2] == [
        "EVENT_RECEIPT",
        "NO_STANDARD_RULES_MATCHED",
    ]

    events.update_bus(ws, "logged", None, None, {"Level": "ERROR", "IncludeDetail": "NONE"})
    bus.refresh_from_db()
    errors = bus_logs.records(bus, result["EventId"])
    assert [r["message_type"] for r in errors] == ["INVOCATION_ATTEMPT_RETRYABLE_FAILURE"]
    events.update_bus(ws, "logged", None, None, {"Level": "INFO"})
    bus.refresh_from_db()
    info = bus_logs.records(bus, result["EventId"])
    assert "event_detail" not in info[0]["details"]
    assert [r["message_type"] for r in info] == [
        "EVENT_RECEIPT",
        "RULE_MATCH",
        "INVOCATION_ATTEMPT_RETRYABLE_FAILURE",
        "INVOCATION_SUCCESS",
    ]
    events.update_bus(ws, "logged", None, None, {"Level": "OFF"})
    bus.refresh_from_db()
    assert bus_logs.records(bus) == []


@pytest.mark.django_db
def test_the_bus_page_sets_logging_and_filters_records_by_event(client: Client) -> None:
    ws = default_workspace()
    events.create_bus(ws, "logged")
    response = client.post("/buses/logged/logging", {"level": "INFO", "include_detail": "NONE"})
    assert response.status_code == 302
    [first] = routing.put_events(ws, [{**entry(n=1), "EventBusName": "logged"}])
    routing.put_events(ws, [{**entry(n=2), "EventBusName": "logged"}])
    page = client.get("/buses/logged/", {"log_event": first["EventId"]}).content.decode()
    assert 'data-message-type="EVENT_RECEIPT"' in page
    assert page.count('data-message-type="EVENT_RECEIPT"') == 1
    refused = client.post("/buses/logged/logging", {"level": "LOUD"})
    assert refused.status_code == 400 and 'id="error-log_level"' in refused.content.decode()
