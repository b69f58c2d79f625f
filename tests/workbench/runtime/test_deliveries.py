"""runtime.deliveries: a pending delivery is delivered once, however often its task runs.

A state-machine target is started with a name derived from the (event, target) key, so a
second run meets the execution the first one started: StartExecution with the name of a
running execution and the same input returns that execution (StartExecution, AWS Step
Functions API Reference, "idempotent" paragraph).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.support.events import ECHO_ARN, entry, machine, record_enqueued, rule_with_targets
from workbench.accounts.models import Workspace
from workbench.accounts.services import default_workspace
from workbench.events.models import Delivery, DeliveryAttempt
from workbench.functions.models import Invocation
from workbench.runtime import deliveries, executions, routing
from workbench.stepfunctions.models import Execution, StateMachine


def _accept(ws: Workspace, monkeypatch: pytest.MonkeyPatch, capture: Any, **detail: Any) -> list[int]:
    """PutEvents one matching entry; the delivery ids it enqueued."""
    sent = record_enqueued(monkeypatch)
    with capture(execute=True):
        routing.put_events(ws, [entry(**detail)])
    return list(sent)


@pytest.fixture
def target_machine(db: Any) -> StateMachine:
    ws = default_workspace()
    target = machine(ws)
    rule_with_targets(ws, [{"Id": "sm", "Arn": target.arn, "InputPath": "$.detail"}])
    return target


@pytest.mark.django_db
def test_a_delivery_run_twice_starts_one_execution(
    target_machine: StateMachine, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    [delivery_id] = _accept(default_workspace(), monkeypatch, django_capture_on_commit_callbacks, n=1)
    deliveries.deliver_events([delivery_id])
    first = Delivery.objects.get(id=delivery_id)
    deliveries.deliver_events([delivery_id])
    again = Delivery.objects.get(id=delivery_id)
    execution = Execution.objects.get()
    assert execution.state_machine == target_machine and execution.input == '{"n":1}'
    assert (first.status, first.attempts, first.detail) == ("delivered", 1, execution.arn)
    assert (again.status, again.attempts, again.updated) == ("delivered", 1, first.updated)
    assert execution.name == deliveries.execution_name(first)


@pytest.mark.django_db
def test_a_second_run_after_a_lost_outcome_finds_the_execution_already_there(
    target_machine: StateMachine, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    """As if a first run started the execution and died before its outcome was recorded."""
    [delivery_id] = _accept(default_workspace(), monkeypatch, django_capture_on_commit_callbacks, n=2)
    delivery = Delivery.objects.select_related("event").get(id=delivery_id)
    started = executions.start_execution(
        target_machine, name=deliveries.execution_name(delivery), input_text='{"n":2}'
    )
    deliveries.deliver(delivery_id)
    delivery.refresh_from_db()
    assert Execution.objects.count() == 1
    assert (delivery.status, delivery.detail) == ("delivered", started.arn)


@pytest.mark.django_db
def test_names_differ_per_target_and_per_event(
    monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    ws = default_workspace()
    target = machine(ws)
    rule_with_targets(ws, [{"Id": "a", "Arn": target.arn}, {"Id": "b", "Arn": target.arn}])
    ids = _accept(ws, monkeypatch, django_capture_on_commit_callbacks, n=1)
    ids += _accept(ws, monkeypatch, django_capture_on_commit_callbacks, n=2)
    for delivery_id in ids:
        deliveries.deliver(delivery_id)
    names = set(Execution.objects.values_list("name", flat=True))
    assert len(ids) == 4 and len(names) == 4
    assert all(len(name) <= 80 for name in names)  # StartExecution's name limit


@pytest.mark.django_db
def test_a_function_target_is_called_once_with_the_rendered_input(
    monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    ws = default_workspace()
    rule_with_targets(ws, [{"Id": "fn", "Arn": ECHO_ARN, "InputPath": "$.detail"}])
    [delivery_id] = _accept(ws, monkeypatch, django_capture_on_commit_callbacks, n=3)
    deliveries.deliver(delivery_id)
    deliveries.deliver(delivery_id)
    [call] = Invocation.objects.all()
    assert call.payload == {"n": 3} and call.caller.endswith("/orders#fn")
    assert Delivery.objects.get().status == "delivered"


@pytest.mark.django_db
def test_a_missing_machine_is_a_failed_delivery_with_awss_error(
    monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    ws = default_workspace()
    gone = f"arn:aws:states:{ws.region}:{ws.account_id}:stateMachine:gone"
    rule_with_targets(ws, [{"Id": "sm", "Arn": gone}])
    [delivery_id] = _accept(ws, monkeypatch, django_capture_on_commit_callbacks, n=4)
    deliveries.deliver(delivery_id)
    delivery = Delivery.objects.get()
    assert delivery.status == "failed" and delivery.detail.startswith("StateMachineDoesNotExist: ")
    assert Execution.objects.count() == 0


@pytest.mark.django_db
def test_recover_requeues_the_pending_deliveries_old_enough_and_nothing_else(
    target_machine: StateMachine, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    ws = default_workspace()
    done, old, young = (
        _accept(ws, monkeypatch, django_capture_on_commit_callbacks, n=n)[0] for n in range(3)
    )
    deliveries.deliver(done)
    Delivery.objects.filter(id__in=[done, old]).update(created=timezone.now() - timedelta(minutes=1))
    sent = record_enqueued(monkeypatch)
    deliveries.recover()
    assert sent == [old]
    sent.clear()
    deliveries.recover(min_age=timedelta(0))
    assert sorted(sent) == sorted([old, young])


@pytest.mark.django_db
def test_one_put_events_call_is_one_message_and_its_deliveries_one_transaction(
    target_machine: StateMachine,
    monkeypatch: pytest.MonkeyPatch,
    django_capture_on_commit_callbacks: Any,
) -> None:
    ws = default_workspace()
    rule_with_targets(
        ws, [{"Id": "fn", "Arn": ECHO_ARN}, {"Id": "gone", "Arn": f"{target_machine.arn}-gone"}], "more"
    )
    messages: list[list[int]] = []
    monkeypatch.setattr(
        routing.queue, "enqueue", lambda name, batch, eta=None, nearby=None: messages.append(batch)
    )
    with django_capture_on_commit_callbacks(execute=True):
        routing.put_events(ws, [entry(n=n) for n in range(5)])
    [batch] = messages  # 5 events x 3 targets, handed over together
    assert len(batch) == 15
    alone: list[int] = []
    monkeypatch.setattr(deliveries, "deliver", lambda delivery_id, now=None: alone.append(delivery_id))
    with CaptureQueriesContext(connection) as queries:
        deliveries.deliver_all(batch)
    assert alone == [], "no delivery of the batch went alone"
    # An executemany is logged as "N times: <statement>"; on PostgreSQL, writes held together
    # are one query of several statements (core.together).
    sql = [q["sql"].split(" times: ", 1)[-1] for q in queries.captured_queries]
    # One update of the 15 deliveries and one insert of the 5 failed attempts (a successful
    # one is its delivery's row: DeliveryAttempt).
    assert sum(s.count('UPDATE "events_delivery" ') for s in sql) == 1, sql
    assert sum(s.count('INSERT INTO "events_deliveryattempt" ') for s in sql) == 1, sql
    outcomes = sorted(Delivery.objects.values_list("target_id", "status", "attempts"))
    assert outcomes == sorted(
        [("sm", "delivered", 1)] * 5 + [("fn", "delivered", 1)] * 5 + [("gone", "failed", 1)] * 5
    )
    assert Execution.objects.count() == 5 and Invocation.objects.count() == 5
    # Each attempt is recorded; a second run of the message changes nothing.
    assert DeliveryAttempt.objects.count() == 5
    assert not Delivery.objects.filter(attempted=None).exists()
    deliveries.deliver_all(batch)
    assert DeliveryAttempt.objects.count() == 5 and Invocation.objects.count() == 5


@pytest.mark.django_db
def test_a_target_that_breaks_the_batch_leaves_the_others_delivered_one_by_one(
    target_machine: StateMachine, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    ws = default_workspace()
    ids = [_accept(ws, monkeypatch, django_capture_on_commit_callbacks, n=n)[0] for n in range(3)]
    real = deliveries._start_machine

    def start(delivery: Delivery, target: Any) -> str:
        if delivery.id == ids[1]:
            raise RuntimeError("a bug in one target")
        return real(delivery, target)

    monkeypatch.setattr(deliveries, "_start_machine", start)
    deliveries.deliver_all(ids)
    statuses = dict(Delivery.objects.values_list("id", "status"))
    assert statuses == {ids[0]: "delivered", ids[1]: "pending", ids[2]: "delivered"}
    assert Execution.objects.count() == 2


@pytest.mark.django_db
def test_a_sweeper_resends_each_pending_delivery_once_per_window_as_the_backlog_shifts(
    target_machine: StateMachine, monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    """The sweep's batches of a growing backlog differ from sweep to sweep; each delivery in
    them is still sent once per window (workbench.runtime.queue.RecentSends)."""
    from workbench.runtime import queue

    ws = default_workspace()
    first = [_accept(ws, monkeypatch, django_capture_on_commit_callbacks, n=n)[0] for n in range(3)]
    Delivery.objects.update(created=timezone.now() - timedelta(minutes=1))
    sent = record_enqueued(monkeypatch)
    recent = queue.RecentSends(window=60)
    with queue.sent_once_per(recent):
        deliveries.recover()
    assert sorted(sent) == sorted(first)
    later = _accept(ws, monkeypatch, django_capture_on_commit_callbacks, n=9)[0]
    Delivery.objects.update(created=timezone.now() - timedelta(minutes=1))
    sent = record_enqueued(monkeypatch)
    with queue.sent_once_per(recent):
        deliveries.recover()
    assert sent == [later], "only the delivery not sent within the window"
