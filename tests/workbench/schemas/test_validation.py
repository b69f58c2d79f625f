"""A bus validating PutEvents entries against a schema version (beyond AWS): each answer names
the field and the JSON Schema rule broken."""

from __future__ import annotations

import copy
import json
import re
from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.support.pages import alert_error
from tests.workbench.schemas.conftest import V1, V2
from workbench.accounts.models import Workspace
from workbench.events import services as bus_services
from workbench.events.models import EventBus, ReceivedEvent
from workbench.runtime import routing
from workbench.schemas import services
from workbench.schemas.validation import check_entries, check_put_entries

AMOUNT_AS_TEXT = {**V1, "detail": {**V1["detail"], "amount": "299.99"}}
"""The course's order with its amount a string: the schema says number."""


def make_schema(workspace: Workspace) -> None:
    services.create_registry(workspace, "shop", None, None)
    content = services.discovered_schema([json.dumps(V1)], "OpenApi3")
    services.create_schema(workspace, "shop", "OrderPlaced", "OpenApi3", content, None, None)


def bind(workspace: Workspace, mode: str, version: str | None = None) -> None:
    """The ``orders`` bus validates with OrderPlaced (the latest version unless one is named)."""
    schema = services.get_schema(workspace, "shop", "OrderPlaced")
    services.set_bus_validation(workspace, "orders", schema, version, mode)


def _entry(event: dict[str, Any]) -> dict[str, str]:
    return {
        "EventBusName": "orders",
        "Source": event["source"],
        "DetailType": event["detail-type"],
        "Detail": json.dumps(event["detail"]),
    }


def test_no_binding_checks_nothing(bus: EventBus) -> None:
    assert check_entries(bus, [V1, {"anything": 1}]) == [None, None]


def test_a_bus_found_unbound_is_not_asked_again_until_a_binding_moves_its_version(
    workspace: Workspace, bus: EventBus
) -> None:
    make_schema(workspace)
    wrong = {**AMOUNT_AS_TEXT}
    with CaptureQueriesContext(connection) as first:
        assert check_put_entries([(bus, wrong)]) == [None]
    with CaptureQueriesContext(connection) as again:
        assert check_put_entries([(bus, wrong)]) == [None]
    assert (len(first), len(again)) == (1, 0)
    bind(workspace, "reject")
    bus.refresh_from_db()  # as PutEvents reads it for each call
    [problem] = check_put_entries([(bus, wrong)])
    assert problem is not None and problem.rejects
    services.clear_bus_validation(workspace, "orders")
    assert check_put_entries([(bus, wrong)]) == [None]  # asked: a binding known is always read


def test_reject_mode_names_field_and_rule(workspace: Workspace, bus: EventBus) -> None:
    make_schema(workspace)
    bind(workspace, "reject")
    wrong = AMOUNT_AS_TEXT
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
    bind(workspace, "flag", "1")
    missing = copy.deepcopy(V1)
    del missing["detail"]["orderId"]
    [problem] = check_entries(bus, [missing])
    assert problem is not None and not problem.rejects
    assert (problem.field, problem.rule) == ("detail.orderId", "required")


def test_pinned_version_against_latest(workspace: Workspace, bus: EventBus) -> None:
    make_schema(workspace)
    strict = json.loads(services.discovered_schema([json.dumps(V2)], "OpenApi3"))
    services.update_schema(workspace, "shop", "OrderPlaced", None, json.dumps(strict), None)
    bind(workspace, "reject", "1")
    assert check_entries(bus, [V1]) == [None]
    bind(workspace, "reject")  # the latest: currency, tax required
    [problem] = check_entries(bus, [V1])
    assert problem is not None and (problem.field, problem.rule) == ("detail.currency", "required")


def test_put_events_error_is_the_result_for_rejected_entries_only(
    workspace: Workspace, bus: EventBus
) -> None:
    make_schema(workspace)
    wrong = copy.deepcopy(V1)
    wrong["detail"]["orderId"] = 123
    assert check_put_entries([(bus, wrong)]) == [None]  # no binding yet
    bind(workspace, "flag")
    bus.refresh_from_db()  # as PutEvents reads it for each call
    [flagged] = check_put_entries([(bus, wrong)])
    assert flagged is not None and not flagged.rejects
    assert flagged.flags() == [
        {"field": "detail.orderId", "rule": "type", "message": "123 is not of type 'string'"}
    ]
    bind(workspace, "reject")
    good, bad = check_put_entries([(bus, V1), (bus, wrong)])
    assert good is None and bad is not None
    assert bad.put_events_error() == {
        "ErrorCode": "InvalidArgument",
        "ErrorMessage": "Event does not match schema OrderPlaced version 1: "
        "detail.orderId: 123 is not of type 'string' (rule: type)",
    }


def test_one_validation_lookup_per_bus_per_call(
    workspace: Workspace, bus: EventBus, django_assert_max_num_queries: Any
) -> None:
    """Four entries for two buses: each bus's validation is read once, whatever the count."""
    make_schema(workspace)
    other = bus_services.create_bus(workspace, "other")
    bind(workspace, "flag")
    wrong = copy.deepcopy(V1)
    del wrong["detail"]["amount"]
    with django_assert_max_num_queries(2 + 4) as captured:  # 2 binding lookups + the version's reads
        answers = check_put_entries([(bus, wrong), (other, wrong), (bus, V1), (bus, wrong)])
    bindings = [query for query in captured.captured_queries if "busvalidation" in query["sql"]]
    assert len(bindings) == 2
    assert [answer is not None for answer in answers] == [True, False, False, True]


def test_put_events_rejects_only_the_entries_that_break_the_bound_schema(
    workspace: Workspace, bus: EventBus
) -> None:
    """PutEvents answers the broken entry with the field and rule, and stores the good one."""
    make_schema(workspace)
    bind(workspace, "reject")
    wrong = AMOUNT_AS_TEXT
    good, bad = routing.put_events(workspace, [_entry(V1), _entry(wrong)])
    assert "EventId" in good
    assert bad == {
        "ErrorCode": "InvalidArgument",
        "ErrorMessage": "Event does not match schema OrderPlaced version 1: "
        "detail.amount: '299.99' is not of type 'number' (rule: type)",
    }
    assert list(ReceivedEvent.objects.filter(bus=bus).values_list("event_id", flat=True)) == [good["EventId"]]


def test_flag_mode_stores_the_problem_and_shows_it_on_the_journey_and_bus_pages(
    workspace: Workspace, bus: EventBus, client: Client
) -> None:
    """Flag mode accepts the entry, stores what broke on the event, and both pages say so."""
    make_schema(workspace)
    bind(workspace, "flag")
    wrong = AMOUNT_AS_TEXT
    flagged_result, good_result = routing.put_events(workspace, [_entry(wrong), _entry(V1)])
    flagged = ReceivedEvent.objects.get(event_id=flagged_result["EventId"])
    good = ReceivedEvent.objects.get(event_id=good_result["EventId"])
    assert flagged.schema_problems == [
        {"field": "detail.amount", "rule": "type", "message": "'299.99' is not of type 'number'"}
    ]
    assert good.schema_problems == []

    journey = client.get(f"/buses/orders/events/{flagged.id}/").content.decode()
    problems = re.search(r'<dd id="schema-problems">(.*?)</dd>', journey, re.S)
    assert problems is not None
    assert "schema: detail.amount type" in problems.group(1)
    assert "&#x27;299.99&#x27; is not of type &#x27;number&#x27;" in problems.group(1)
    assert 'id="schema-problems"' not in client.get(f"/buses/orders/events/{good.id}/").content.decode()

    page = client.get("/buses/orders/").content.decode()
    rows = dict(re.findall(r'<tr data-event-id="([^"]+)">(.*?)</tr>', page, re.S))
    badge = re.search(r'<a class="badge schema-flag" href="([^"]+)"[^>]*>([^<]*)</a>', rows[flagged.event_id])
    assert badge is not None
    assert badge.groups() == (
        f"/buses/orders/events/{flagged.id}/#schema-problems",
        "schema: detail.amount type",
    )
    assert "schema-flag" not in rows[good.event_id]


def test_send_events_form_shows_a_schema_refusal_beside_the_detail(
    workspace: Workspace, bus: EventBus, client: Client
) -> None:
    make_schema(workspace)
    bind(workspace, "reject")
    detail = json.dumps(AMOUNT_AS_TEXT["detail"])
    response = client.post(
        "/buses/orders/send", {"source": V1["source"], "detail_type": V1["detail-type"], "detail": detail}
    )
    page = response.content.decode()
    assert response.status_code == 400
    said = alert_error(page, "error-detail")
    assert "detail.amount: &#x27;299.99&#x27; is not of type &#x27;number&#x27; (rule: type)" in said
    assert "&quot;amount&quot;: &quot;299.99&quot;" in page  # what was typed is kept
    assert not ReceivedEvent.objects.filter(bus=bus).exists()
