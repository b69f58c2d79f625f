"""A bus validating PutEvents entries against a schema version (beyond AWS): each answer names
the field and the JSON Schema rule broken."""

from __future__ import annotations

import copy
import json

from tests.workbench.schemas.conftest import V1, V2
from workbench.accounts.models import Workspace
from workbench.events.models import EventBus, ReceivedEvent
from workbench.runtime import routing
from workbench.schemas import services
from workbench.schemas.validation import check_entries, entry_error


def make_schema(workspace: Workspace) -> None:
    services.create_registry(workspace, "shop", None, None)
    content = services.discovered_schema([json.dumps(V1)], "OpenApi3")
    services.create_schema(workspace, "shop", "OrderPlaced", "OpenApi3", content, None, None)


def test_no_binding_checks_nothing(bus: EventBus) -> None:
    assert check_entries(bus, [V1, {"anything": 1}]) == [None, None]


def test_reject_mode_names_field_and_rule(workspace: Workspace, bus: EventBus) -> None:
    make_schema(workspace)
    schema = services.get_schema(workspace, "shop", "OrderPlaced")
    services.set_bus_validation(workspace, "orders", schema, None, "reject")
    wrong = copy.deepcopy(V1)
    wrong["detail"]["amount"] = "299.99"
    good, bad = check_entries(bus, [V1, wrong])
    assert good is None
    assert bad is not None and bad.rejects
    assert (bad.field, bad.rule, bad.error_code) == ("detail.amount", "type", "InvalidArgument")
    assert bad.message == (
        "Event does not match schema OrderPlaced version 1: "
        "detail.amount: '299.99' is not of type 'number' (rule: type)"
    )


def test_flag_mode_accepts_but_reports(workspace: Workspace, bus: EventBus) -> None:
    make_schema(workspace)
    schema = services.get_schema(workspace, "shop", "OrderPlaced")
    services.set_bus_validation(workspace, "orders", schema, "1", "flag")
    missing = copy.deepcopy(V1)
    del missing["detail"]["orderId"]
    [problem] = check_entries(bus, [missing])
    assert problem is not None and not problem.rejects
    assert (problem.field, problem.rule) == ("detail.orderId", "required")


def test_pinned_version_against_latest(workspace: Workspace, bus: EventBus) -> None:
    make_schema(workspace)
    strict = json.loads(services.discovered_schema([json.dumps(V2)], "OpenApi3"))
    services.update_schema(workspace, "shop", "OrderPlaced", None, json.dumps(strict), None)
    schema = services.get_schema(workspace, "shop", "OrderPlaced")
    services.set_bus_validation(workspace, "orders", schema, "1", "reject")
    assert check_entries(bus, [V1]) == [None]
    services.set_bus_validation(workspace, "orders", schema, None, "reject")  # latest: currency, tax required
    [problem] = check_entries(bus, [V1])
    assert problem is not None and (problem.field, problem.rule) == ("detail.currency", "required")


def test_entry_error_is_the_putevents_result_for_rejected_entries(
    workspace: Workspace, bus: EventBus
) -> None:
    make_schema(workspace)
    schema = services.get_schema(workspace, "shop", "OrderPlaced")
    wrong = copy.deepcopy(V1)
    wrong["detail"]["orderId"] = 123
    assert entry_error(bus, wrong) is None  # no binding yet
    services.set_bus_validation(workspace, "orders", schema, None, "flag")
    assert entry_error(bus, wrong) is None  # flagged, not rejected
    services.set_bus_validation(workspace, "orders", schema, None, "reject")
    assert entry_error(bus, V1) is None
    assert entry_error(bus, wrong) == {
        "ErrorCode": "InvalidArgument",
        "ErrorMessage": "Event does not match schema OrderPlaced version 1: "
        "detail.orderId: 123 is not of type 'string' (rule: type)",
    }


def test_put_events_rejects_only_the_entries_that_break_the_bound_schema(
    workspace: Workspace, bus: EventBus
) -> None:
    """PutEvents answers the broken entry with the field and rule, and stores the good one."""
    make_schema(workspace)
    schema = services.get_schema(workspace, "shop", "OrderPlaced")
    services.set_bus_validation(workspace, "orders", schema, None, "reject")
    wrong = copy.deepcopy(V1)
    wrong["detail"]["amount"] = "299.99"
    entries = [
        {
            "EventBusName": "orders",
            "Source": event["source"],
            "DetailType": event["detail-type"],
            "Detail": json.dumps(event["detail"]),
        }
        for event in (V1, wrong)
    ]
    good, bad = routing.put_events(workspace, entries)
    assert "EventId" in good
    assert bad == {
        "ErrorCode": "InvalidArgument",
        "ErrorMessage": "Event does not match schema OrderPlaced version 1: "
        "detail.amount: '299.99' is not of type 'number' (rule: type)",
    }
    assert list(ReceivedEvent.objects.filter(bus=bus).values_list("event_id", flat=True)) == [good["EventId"]]
