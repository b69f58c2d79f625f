"""Discovery on a bus: one schema per (source, detail-type), a new version only when the
structure changes (eventbridge/latest/userguide/eb-schema.html, "Schema discovery"), and nothing
on the hot path but one query unless a discoverer is started."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.support.order_events import order_event
from tests.workbench.schemas.conftest import V1, V2
from workbench.accounts.models import Workspace
from workbench.events.models import EventBus
from workbench.schemas import discovery, services
from workbench.schemas.models import Discoverer, SchemaVersion

SCHEMA = "com.myapp.orders@OrderPlaced"


@pytest.fixture
def sent(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, list[Any]]]:
    calls: list[tuple[str, list[Any]]] = []
    monkeypatch.setattr(discovery.celery_app, "send_task", lambda name, args: calls.append((name, args)))
    return calls


def versions(workspace: Workspace) -> list[int]:
    schema = services.get_schema(workspace, "discovered-schemas", SCHEMA)
    return list(schema.versions.values_list("version", flat=True))


def test_observe_costs_at_most_one_query_per_bus_and_second(
    workspace: Workspace, bus: EventBus, sent: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    with CaptureQueriesContext(connection) as first, django_capture_on_commit_callbacks(execute=True):
        discovery.observe(bus, [V1])
    with CaptureQueriesContext(connection) as again, django_capture_on_commit_callbacks(execute=True):
        discovery.observe(bus, [V1])
    discovery.flush()
    assert (len(first), len(again), sent) == (1, 0, [])
    # A discoverer starting in this process is seen at once, not after STATE_TTL.
    found = services.create_discoverer(workspace, bus.arn, None, None, None)
    with django_capture_on_commit_callbacks(execute=True):
        discovery.observe(bus, [V1])
    services.set_discoverer_state(workspace, found.discoverer_id, Discoverer.STOPPED)
    with django_capture_on_commit_callbacks(execute=True):
        discovery.observe(bus, [V2])
    discovery.flush()
    assert sent == [(discovery.DISCOVER_TASK, [bus.pk, [V1]])]


def test_committed_events_leave_as_one_message_by_name(
    workspace: Workspace, bus: EventBus, sent: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    services.create_discoverer(workspace, bus.arn, None, None, None)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        discovery.observe(bus, [V1])
        discovery.observe(bus, [V2])
    discovery.flush()
    assert sent == []  # nothing is gathered before the commit (a rollback discards it)
    for callback in callbacks:
        callback()
    discovery.flush()
    assert sent == [(discovery.DISCOVER_TASK, [bus.pk, [V1, V2]])]


def test_large_gatherings_are_split(
    workspace: Workspace, bus: EventBus, sent: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    services.create_discoverer(workspace, bus.arn, None, None, None)
    with django_capture_on_commit_callbacks(execute=True):
        discovery.observe(bus, [V1] * (discovery.BATCH + 1))
    discovery.flush()
    assert [len(args[1]) for _, args in sent] == [discovery.BATCH, 1]


def test_events_routing_stores_are_observed(
    workspace: Workspace, bus: EventBus, sent: list[Any], django_capture_on_commit_callbacks: Any
) -> None:
    """Routing hands the events it stores to discovery itself, once they commit."""
    from workbench.runtime import routing

    services.create_discoverer(workspace, bus.arn, None, None, None)
    entry = {
        "Source": V1["source"],
        "DetailType": V1["detail-type"],
        "Detail": json.dumps(V1["detail"]),
        "EventBusName": bus.name,
    }
    with django_capture_on_commit_callbacks(execute=True):
        [result] = routing.put_events(workspace, [entry])
    discovery.flush()
    [(task, (bus_id, [event]))] = sent
    assert (task, bus_id, event["id"], event["detail"]) == (
        discovery.DISCOVER_TASK,
        bus.pk,
        result["EventId"],
        V1["detail"],
    )


def test_versions_only_when_the_structure_changes(workspace: Workspace, bus: EventBus) -> None:
    services.create_discoverer(workspace, bus.arn, None, None, None)
    assert discovery.discover(bus.pk, [V1]) == [SCHEMA]
    assert versions(workspace) == [1]
    same_shape = order_event(orderId="order-999", amount=1.5)
    assert discovery.discover(bus.pk, [same_shape, V1]) == []
    assert versions(workspace) == [1]
    assert discovery.discover(bus.pk, [V2]) == [SCHEMA]
    assert versions(workspace) == [1, 2]
    # Version 1 events (no currency) still fit version 2: no version 3.
    assert discovery.discover(bus.pk, [V1]) == []
    assert versions(workspace) == [1, 2]


def test_one_schema_per_source_and_detail_type(workspace: Workspace, bus: EventBus) -> None:
    services.create_discoverer(workspace, bus.arn, None, None, None)
    shipped = {**V1, "detail-type": "Order Shipped"}
    other_source = {**V1, "source": "com.myapp.billing"}
    discovery.discover(bus.pk, [V1, shipped, other_source])
    names = sorted(
        services.list_schemas(workspace, "discovered-schemas", None).values_list("name", flat=True)
    )
    assert names == [
        "com.myapp.billing@OrderPlaced",
        "com.myapp.orders@OrderPlaced",
        "com.myapp.orders@OrderShipped",
    ]


def test_a_stopped_discoverer_discovers_nothing(workspace: Workspace, bus: EventBus) -> None:
    found = services.create_discoverer(workspace, bus.arn, None, None, None)
    services.set_discoverer_state(workspace, found.discoverer_id, Discoverer.STOPPED)
    assert discovery.discover(bus.pk, [V1]) == []
    assert not SchemaVersion.objects.filter(schema__name=SCHEMA).exists()


def test_a_deleted_discovered_registry_is_made_again(workspace: Workspace, bus: EventBus) -> None:
    services.create_discoverer(workspace, bus.arn, None, None, None)
    services.delete_registry(workspace, "discovered-schemas")
    assert discovery.discover(bus.pk, [V1]) == [SCHEMA]
    assert versions(workspace) == [1]
