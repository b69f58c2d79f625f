"""runtime.routing: PutEvents checks every entry, then stores each accepted event with one
pending delivery per matched target in one transaction, and enqueues only after the commit.

AWS: PutEvents answers per entry (EventId or ErrorCode/ErrorMessage) and refuses the whole
call for call-level faults (PutEvents, EventBridge API Reference); an acknowledged event is
delivered at least once ("Event retry policy", EventBridge User Guide).
"""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
from django.db import connection

from tests.support.events import ECHO_ARN, entry, machine, record_enqueued, rule_with_targets
from workbench.accounts.models import Workspace
from workbench.accounts.services import default_workspace
from workbench.core.errors import ValidationError
from workbench.events.models import Delivery, ReceivedEvent
from workbench.runtime import integrations, routing
from workbench.runtime.combining import Combiner


@pytest.fixture
def echo_rule(db: Any, monkeypatch: pytest.MonkeyPatch) -> tuple[Workspace, list[int]]:
    """The default workspace, with a rule whose one target is the echo function; the ids enqueued."""
    ws = default_workspace()
    rule_with_targets(ws, [{"Id": "fn", "Arn": ECHO_ARN}])
    return ws, record_enqueued(monkeypatch)


@pytest.mark.django_db
def test_accepted_event_and_its_pending_deliveries_are_stored_before_anything_is_enqueued(
    monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    ws = default_workspace()
    target_machine = machine(ws)
    rule_with_targets(
        ws, [{"Id": "fn", "Arn": ECHO_ARN, "InputPath": "$.detail"}, {"Id": "sm", "Arn": target_machine.arn}]
    )
    sent = record_enqueued(monkeypatch)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        results = routing.put_events(ws, [entry(n=1)])
        stored = list(Delivery.objects.order_by("target_id").values("target_id", "status", "attempts"))
        assert sent == []  # nothing leaves before the commit
    assert stored == [
        {"target_id": "fn", "status": "pending", "attempts": 0},
        {"target_id": "sm", "status": "pending", "attempts": 0},
    ]
    event = ReceivedEvent.objects.get()
    assert results == [{"EventId": event.event_id}]
    assert event.matched_rules == ["orders"]
    assert len(callbacks) == 1
    assert sorted(sent) == sorted(Delivery.objects.filter(event=event).values_list("id", flat=True))
    fn = Delivery.objects.get(target_id="fn")
    assert fn.target_input == {"InputPath": "$.detail"} and fn.target_arn == ECHO_ARN
    assert fn.rule_arn == event.bus.rules.get().arn


@pytest.mark.django_db(transaction=True)
def test_a_failure_while_storing_stores_no_event_and_no_delivery(
    echo_rule: tuple[Workspace, list[int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    ws, sent = echo_rule

    insert_all = routing.rows.insert_all

    def broken(objects: Any, **options: Any) -> Any:  # the events are written, then the deliveries fail
        if objects and isinstance(objects[0], Delivery):
            raise RuntimeError("disk full")
        return insert_all(objects, **options)

    monkeypatch.setattr(routing.rows, "insert_all", broken)
    with pytest.raises(RuntimeError):
        routing.put_events(ws, [entry(n=1), entry(n=2)])
    assert ReceivedEvent.objects.count() == 0 and Delivery.objects.count() == 0
    assert sent == []


@pytest.mark.django_db
def test_entry_errors_keep_their_place_and_the_good_entries_are_stored(
    echo_rule: tuple[Workspace, list[int]], django_capture_on_commit_callbacks: Any
) -> None:
    ws, sent = echo_rule
    missing_source = {"DetailType": "order", "Detail": "{}"}
    unknown_bus = dict(entry(n=3), EventBusName="nowhere")
    with django_capture_on_commit_callbacks(execute=True):
        results = routing.put_events(ws, [entry(n=1), missing_source, unknown_bus, entry(n=4)])
    assert [sorted(result) for result in results] == [
        ["EventId"],
        ["ErrorCode", "ErrorMessage"],
        ["ErrorCode", "ErrorMessage"],
        ["EventId"],
    ]
    assert results[2]["ErrorCode"] == "ResourceNotFoundException"
    stored = ReceivedEvent.objects.order_by("id")
    assert [event.event_id for event in stored] == [results[0]["EventId"], results[3]["EventId"]]
    assert [event.body["detail"] for event in stored] == [{"n": 1}, {"n": 4}]
    assert len(sent) == 2 and Delivery.objects.filter(status="pending").count() == 2


@pytest.mark.django_db
def test_a_call_level_fault_stores_nothing(echo_rule: tuple[Workspace, list[int]]) -> None:
    ws, sent = echo_rule
    # PutEvents takes 1 to 10 entries (the Entries member of the events service model).
    with pytest.raises(ValidationError):
        routing.put_events(ws, [entry(n=n) for n in range(11)])
    assert ReceivedEvent.objects.count() == 0 and sent == []


@pytest.mark.django_db
def test_an_event_no_rule_matches_is_stored_without_deliveries(
    echo_rule: tuple[Workspace, list[int]], django_capture_on_commit_callbacks: Any
) -> None:
    ws, sent = echo_rule
    with django_capture_on_commit_callbacks(execute=True):
        routing.put_events(ws, [{"Source": "elsewhere", "DetailType": "x", "Detail": "{}"}])
    assert ReceivedEvent.objects.get().matched_rules == []
    assert Delivery.objects.count() == 0 and sent == []


@pytest.mark.django_db
def test_the_put_events_integration_routes_through_the_same_owner(
    echo_rule: tuple[Workspace, list[int]], django_capture_on_commit_callbacks: Any
) -> None:
    ws, sent = echo_rule
    with django_capture_on_commit_callbacks(execute=True):
        result = integrations.perform(
            ws,
            resource=integrations.EVENTS_PUT_EVENTS,
            payload={"Entries": [{"Source": "shop", "DetailType": "order", "Detail": {"n": 7}}]},
            caller="test",
            attempt=1,
            wait_for_token=False,
        )
    assert result.error is None
    delivery = Delivery.objects.get()
    assert result.output["Entries"] == [{"EventId": delivery.event.event_id}]
    assert delivery.event.body["detail"] == {"n": 7} and sent == [delivery.id]


class _HeldTurns:
    """Routing's storing of a turn of PutEvents calls (``_accept_all``), recording how many
    calls each turn held; the first turn waits for ``release``; with ``fail_combined``, a turn
    of more than one call fails before storing anything."""

    def __init__(self, fail_combined: bool = False) -> None:
        self.sizes: list[int] = []
        self.entered = threading.Event()
        self.release = threading.Event()
        self.fail_combined = fail_combined

    def __call__(self, calls: list[Any]) -> None:
        self.sizes.append(len(calls))
        if len(self.sizes) == 1:
            self.entered.set()
            assert self.release.wait(10)
        if self.fail_combined and len(calls) > 1:
            raise RuntimeError("the combined turn failed")
        routing._accept_all(calls)


def _put_in_threads(ws: Workspace, numbers: list[int], results: dict[int, Any]) -> list[threading.Thread]:
    def put(n: int) -> None:
        try:
            results[n] = routing.put_events(ws, [entry(n=n)])
        finally:
            connection.close()

    threads = [threading.Thread(target=put, args=(n,)) for n in numbers]
    for thread in threads:
        thread.start()
    return threads


def _calls_of_three(ws: Workspace, turns: _HeldTurns, monkeypatch: pytest.MonkeyPatch) -> dict[int, Any]:
    """Call 1 holds the first turn while calls 2 and 3 arrive; all three answered."""
    combiner: Combiner[Any] = Combiner(turns, most=routing.ACCEPTED_TOGETHER)
    monkeypatch.setattr(routing, "_ACCEPTING", combiner)
    results: dict[int, Any] = {}
    threads = _put_in_threads(ws, [1], results)
    assert turns.entered.wait(10)
    threads += _put_in_threads(ws, [2, 3], results)
    deadline = time.monotonic() + 10
    while combiner.waiting() < 2:
        assert time.monotonic() < deadline
        time.sleep(0.005)
    turns.release.set()
    for thread in threads:
        thread.join(10)
    return results


@pytest.mark.django_db(transaction=True)
def test_calls_made_while_a_turn_stores_are_stored_together_in_the_next_one(
    echo_rule: tuple[Workspace, list[int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    ws, sent = echo_rule
    turns = _HeldTurns()
    results = _calls_of_three(ws, turns, monkeypatch)
    assert turns.sizes == [1, 2]
    stored = {event.body["detail"]["n"]: event for event in ReceivedEvent.objects.all()}
    assert sorted(stored) == [1, 2, 3]
    assert {n: result for n, result in results.items()} == {
        n: [{"EventId": stored[n].event_id}] for n in (1, 2, 3)
    }
    # Every call's delivery is enqueued after its turn's commit.
    assert sorted(sent) == sorted(Delivery.objects.values_list("id", flat=True)) and len(sent) == 3


@pytest.mark.django_db(transaction=True)
def test_a_failed_turn_of_several_calls_stores_each_call_alone(
    echo_rule: tuple[Workspace, list[int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    ws, sent = echo_rule
    turns = _HeldTurns(fail_combined=True)
    results = _calls_of_three(ws, turns, monkeypatch)
    assert turns.sizes == [1, 2]  # calls 2 and 3 then went alone, not through a turn
    stored = {event.body["detail"]["n"]: event.event_id for event in ReceivedEvent.objects.all()}
    assert {n: result for n, result in results.items()} == {n: [{"EventId": stored[n]}] for n in (1, 2, 3)}
    assert ReceivedEvent.objects.count() == 3 and len(sent) == 3


@pytest.mark.django_db
def test_a_call_inside_a_callers_transaction_is_stored_in_it_not_in_a_turn(
    echo_rule: tuple[Workspace, list[int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    ws, _ = echo_rule
    turns = _HeldTurns()
    monkeypatch.setattr(routing, "_ACCEPTING", Combiner(turns, most=routing.ACCEPTED_TOGETHER))
    routing.put_events(ws, [entry(n=1)])  # the test's own transaction is open
    assert turns.sizes == [] and ReceivedEvent.objects.count() == 1
