"""core/rows.py: one UPDATE for many rows, multi-row INSERTs, an INSERT that gives way to a row
already there, one plain DELETE for rows nothing refers to."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.support.inprocess import TWO_CALLS, Broker, broker, start
from workbench.core.rows import (
    delete_where,
    insert,
    insert_all,
    insert_many,
    insert_unless_present,
    new,
    update_fields,
    upsert,
)
from workbench.events.models import LogEvent
from workbench.stepfunctions.models import Execution, PendingTask, TaskInvocation

pytestmark = pytest.mark.django_db
__all__ = ["broker"]  # the fixture


def test_delete_where_removes_only_the_matching_rows(broker: Broker) -> None:
    first, second = start(TWO_CALLS, name="one"), start(TWO_CALLS, name="two")
    [task, other] = PendingTask.objects.filter(execution=first).order_by("task_id")
    assert delete_where(PendingTask, execution_id=first.id, task_id=task.task_id) == 1
    assert delete_where(PendingTask, execution_id=first.id, task_id=task.task_id) == 0
    assert list(PendingTask.objects.filter(execution=first)) == [other]
    assert delete_where(PendingTask, execution_id=first.id) == 1
    assert PendingTask.objects.filter(execution=second).count() == 2


def test_delete_where_refuses_a_model_other_rows_refer_to() -> None:
    with pytest.raises(ValueError, match="referred to by other rows"):
        delete_where(Execution, id=1)


def _claim(execution: Execution, status: str = TaskInvocation.CLAIMED) -> TaskInvocation:
    from django.utils import timezone

    return TaskInvocation(
        execution=execution, task_id="task-1", attempt=1, claimed_until=timezone.now(), status=status
    )


def test_insert_unless_present_inserts_once_and_says_so(broker: Broker) -> None:
    execution = start(TWO_CALLS, name="one")
    first = _claim(execution)
    assert insert_unless_present(first) and first.pk is not None and not first._state.adding
    stored = TaskInvocation.objects.get(pk=first.pk)
    # Every field as save() writes it, the model's defaults included.
    assert (stored.task_id, stored.attempt, stored.status, stored.state_name) == ("task-1", 1, "CLAIMED", "")
    assert stored.claimed_until == first.claimed_until and stored.output is None
    # The unique (execution, task, attempt) already holds a row: nothing changes, and it says so.
    second = _claim(execution, status=TaskInvocation.SUCCEEDED)
    assert not insert_unless_present(second) and second.pk is None
    assert list(TaskInvocation.objects.values_list("id", "status")) == [(first.pk, "CLAIMED")]


def test_upsert_inserts_then_replaces_only_the_named_fields(broker: Broker) -> None:
    from django.utils import timezone

    from workbench.stepfunctions.models import Timer

    execution = start(TWO_CALLS, name="one")
    soon, later = timezone.now(), timezone.now() + timedelta(minutes=5)
    upsert(
        Timer(execution=execution, timer_id="t1", fire_at=soon, armed=True),
        ["execution", "timer_id"],
        ["fire_at"],
    )
    [first] = Timer.objects.filter(execution=execution)
    assert (first.fire_at, first.armed) == (soon, True)
    # The same (execution, timer_id): fire_at is replaced, armed (not named) is kept.
    upsert(
        Timer(execution=execution, timer_id="t1", fire_at=later, armed=False),
        ["execution", "timer_id"],
        ["fire_at"],
    )
    [second] = Timer.objects.filter(execution=execution)
    assert (second.id, second.fire_at, second.armed) == (first.id, later, True)


def test_insert_stores_the_row_with_its_defaults_and_gives_it_its_key(broker: Broker) -> None:
    from workbench.accounts.services import default_workspace
    from workbench.functions.models import Function, Invocation

    function = Function.objects.create(workspace=default_workspace(), name="f", kind=Function.MOCK)
    logged = Invocation(function=function, caller="me", attempt=2, payload={"a": 1}, output=[1], cause="")
    insert(logged)
    assert logged.pk is not None and not logged._state.adding
    stored = Invocation.objects.get(pk=logged.pk)
    assert (stored.caller, stored.attempt, stored.payload, stored.output) == ("me", 2, {"a": 1}, [1])
    assert stored.created is not None and stored.created == logged.created  # auto_now_add, as save() sets it


ROWS = 400
"""More rows than one statement carries: six columns a row, 999 parameters a statement at most
(SQLite's limit in Django; the same where the backend names none), so 166 rows a statement."""


def _log_events(count: int) -> list[object]:
    from django.utils import timezone

    from workbench.accounts.services import default_workspace
    from workbench.events.models import LogEvent

    workspace, now = default_workspace(), timezone.now()
    return [
        LogEvent(
            workspace=workspace, log_group="g", event_id=f"e{n}", message=f"m{n}", timestamp=now, ingested=now
        )
        for n in range(count)
    ]


def test_insert_all_writes_every_row_in_few_statements_and_gives_each_its_key(
    django_assert_num_queries: Any,
) -> None:
    made = _log_events(ROWS)
    with django_assert_num_queries(3):
        assert insert_all(made) is made
    keys = [event.pk for event in made]
    assert None not in keys and len(set(keys)) == ROWS
    # Each object got the key of the row holding its own values, across statements.
    stored = dict(LogEvent.objects.values_list("id", "event_id"))
    assert [stored[key] for key in keys] == [f"e{n}" for n in range(ROWS)]
    assert not any(event._state.adding for event in made)


def test_insert_many_writes_adapted_values(django_assert_num_queries: Any) -> None:
    from django.db import connection

    fields = ("workspace", "log_group", "event_id", "message", "timestamp", "ingested")
    columns = [LogEvent._meta.get_field(name) for name in fields]
    values = [
        [field.get_db_prep_save(getattr(event, field.attname), connection) for field in columns]
        for event in _log_events(ROWS)
    ]
    with django_assert_num_queries(3):
        insert_many(LogEvent, fields, values)
    assert sorted(LogEvent.objects.values_list("event_id", "message")) == sorted(
        (f"e{n}", f"m{n}") for n in range(ROWS)
    )
    insert_many(LogEvent, fields, [])  # nothing to write: no statement, no error
    assert LogEvent.objects.count() == ROWS


def _plain(value: object) -> object:
    """psycopg's JSON wrapper compares by identity: its content, for comparing."""
    return getattr(value, "obj", value)


@pytest.mark.filterwarnings("ignore:DateTimeField ReceivedEvent.received received a naive datetime")
def test_every_value_is_adapted_as_save_would_adapt_it() -> None:
    """The cheap adapters (plain text, boolean, integer, key, aware date-time, a JSON object or
    array) give what ``get_db_prep_save`` gives, on this backend; any other value (a number in
    a text field, a boolean in an integer one, a naive date-time, a JSON string or number) and
    any other field go the full way."""
    from datetime import datetime

    from django.db import connection
    from django.utils import timezone

    from workbench.core.rows import _adapter
    from workbench.events.models import Delivery, EventBus, ReceivedEvent, Rule

    now = timezone.now()
    bus = EventBus(id=7, name="b", description="", created=now, updated=now, log_config={"Level": "OFF"})
    event = ReceivedEvent(bus=bus, event_id="e", body={"a": [1]}, matched_rules=["r"], received=now)
    delivery = Delivery(
        event_id=3,
        rule_name=12,
        target_arn="t",
        target_input={"Input": "{}"},
        input="",
        attempts=2,
        detail=None,
    )
    naive = ReceivedEvent(bus=bus, event_id="n", body=None, received=datetime(2026, 1, 2, 3, 4, 5))
    rule = Rule(bus=bus, name="r", created=now, fire_armed=True, next_fire_at=None)
    flag_as_number = Delivery(event_id="4", attempts=True, max_event_age=60)  # bool, text: the full way
    scalar_documents = ReceivedEvent(bus=bus, event_id="s", body="text", matched_rules=3, received=now)
    for obj in (bus, event, delivery, naive, rule, flag_as_number, scalar_documents):
        for field in type(obj)._meta.concrete_fields:
            if field.primary_key:
                continue
            for adding in (True, False):
                got = _adapter(field, adding=adding)(obj, connection)
                # An auto_now field's pre_save sets the time of the call it was made in: the
                # adapter's call set it on obj; compare with that value adapted.
                stamped = adding and (
                    getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)
                )
                expected = (
                    field.get_db_prep_save(field.pre_save(obj, True), connection)
                    if adding and not stamped
                    else field.get_db_prep_save(getattr(obj, field.attname), connection)
                )
                assert _plain(got) == _plain(expected), (type(obj), field.name)
    assert _adapter(Delivery._meta.get_field("rule_name"), adding=False)(delivery, connection) == "12"
    assert (
        _plain(_adapter(Delivery._meta.get_field("attempts"), adding=False)(flag_as_number, connection)) == 1
    )


def test_a_deferred_field_is_loaded_to_be_written(broker: Broker) -> None:
    from django.db import connection

    from workbench.core.rows import _adapter

    start(TWO_CALLS)
    loaded = Execution.objects.only("id").get()
    field = Execution._meta.get_field("name")
    assert _adapter(field, adding=False)(loaded, connection) == Execution.objects.get().name


def _fields(instance: Any) -> dict[str, Any]:
    """An instance's field values and cached related instances, its ``_state`` aside."""
    values = {key: value for key, value in instance.__dict__.items() if key != "_state"}
    values["_state"] = (instance._state.adding, instance._state.db, dict(instance._state.fields_cache))
    return values


def test_new_builds_the_instance_the_model_builds() -> None:
    """rows.new against ``Model(**values)``: defaults (callable ones anew for each instance), a
    related instance by field name (its key set, itself cached), a key by attribute name."""
    from django.utils import timezone

    from workbench.events.models import Delivery, DeliveryAttempt, EventBus, ReceivedEvent

    bus = EventBus(pk=7, name="orders")
    moment = timezone.now()
    event_values = {"bus": bus, "event_id": "e-1", "body": {"detail": {}}, "received": moment}
    event = new(ReceivedEvent, **event_values)
    assert _fields(event) == _fields(ReceivedEvent(**event_values))
    assert event.bus is bus and event.bus_id == 7 and event._state.adding
    event.pk = 3
    delivery_values = {"event": event, "rule_name": "r", "target_id": "t", "target_arn": "arn:x"}
    delivery = new(Delivery, **delivery_values)
    assert _fields(delivery) == _fields(Delivery(**delivery_values))
    assert delivery.target_input == {} and delivery.target_input is not new(Delivery).target_input
    assert (delivery.status, delivery.attempts, delivery.detail) == (Delivery.PENDING, 0, "")
    by_key = {"delivery_id": 5, "number": 1, "at": moment, "outcome": "SUCCEEDED"}
    assert _fields(new(DeliveryAttempt, **by_key)) == _fields(DeliveryAttempt(**by_key))
    with pytest.raises(TypeError, match="no field"):
        new(Delivery, colour="blue")


def test_new_written_reads_back_as_the_model_built_one(broker: Broker) -> None:
    """What rows.new builds is written as what Model(**values) builds (insert_all, both databases)."""
    from django.utils import timezone

    from workbench.accounts.services import default_workspace
    from workbench.events import services as events
    from workbench.events.models import ReceivedEvent

    bus = events.create_bus(default_workspace(), name="orders")
    values = {"bus": bus, "event_id": "e-1", "body": {"n": 1}, "received": timezone.now()}
    built, made = insert_all([new(ReceivedEvent, **values), ReceivedEvent(**{**values, "event_id": "e-2"})])
    columns = ["bus_id", "body", "matched_rules", "schema_problems", "received"]
    assert ReceivedEvent.objects.filter(pk=built.pk).values(*columns).get() == (
        ReceivedEvent.objects.filter(pk=made.pk).values(*columns).get()
    )


@pytest.mark.parametrize(
    "body",
    [
        {"detail": {"n": 1}, "id": "5f3e-8b2e", "resources": []},
        {"text": "é ü 漢字 \\ \" '", "emoji": "😀"},
        {"small": 1e-7, "tiny": 2.5e-5, "exact": 0.1, "half": -1.5},
        {"null": None, "nested": [None, {"x": None}], "flag": True},
        {"wide": 2**70, "narrow": -(2**63)},
        [1, "two", {"three": [3.5]}],
    ],
)
def test_json_documents_read_back_as_the_orm_writes_them(broker: Broker, body: Any) -> None:
    """A document ``insert_all`` writes (on PostgreSQL as orjson's text, ``_jsonb_text``, or
    json's where orjson refuses or may write NaN as null) reads back as the one Django's own
    INSERT wrote: non-ASCII text, floats of every spelling, nulls, integers beyond 64 bits."""
    from django.utils import timezone

    from workbench.accounts.services import default_workspace
    from workbench.events import services as events
    from workbench.events.models import ReceivedEvent

    bus = events.create_bus(default_workspace(), name="documents")
    values = {"bus": bus, "body": body, "matched_rules": [body], "received": timezone.now()}
    [built] = insert_all([new(ReceivedEvent, event_id="ours", **values)])
    made = ReceivedEvent.objects.create(event_id="django", **values)
    ours = ReceivedEvent.objects.values("body", "matched_rules").get(pk=built.pk)
    theirs = ReceivedEvent.objects.values("body", "matched_rules").get(pk=made.pk)
    assert ours == theirs == {"body": body, "matched_rules": [body]}


def test_update_fields_writes_many_rows_with_nulls_json_and_moments(broker: Broker) -> None:
    """Several rows in one call (on PostgreSQL one ``UPDATE ... FROM (VALUES ...)``): each row
    gets its own values, NULLs beside values in the same column, and the rows not named keep
    theirs."""
    from django.db import transaction
    from django.utils import timezone

    from workbench.accounts.services import default_workspace
    from workbench.core import together
    from workbench.events import services as events
    from workbench.events.models import Delivery, ReceivedEvent

    bus = events.create_bus(default_workspace(), name="orders")
    moment = timezone.now()
    event = insert_all([new(ReceivedEvent, bus=bus, event_id="e", body={}, received=moment)])[0]
    made = insert_all(
        [new(Delivery, event=event, rule_name="r", target_id=str(n), target_arn="a") for n in range(4)]
    )
    first, second, third, untouched = made
    # next_attempt_at is NULL in every row (a cast gives it its type), dead_letter in some.
    first.status, first.dead_letter = Delivery.PENDING, None
    second.status, second.dead_letter = Delivery.FAILED, {"ERROR_CODE": "x"}
    third.status = Delivery.DELIVERED
    fields = ["attempts", "status", "detail", "next_attempt_at", "dead_letter"]
    # Written at once, then held and sent together (PostgreSQL), each time with new values.
    for attempts, block in ((1, transaction.atomic), (2, together.atomic)):
        first.attempts = second.attempts = third.attempts = attempts
        third.detail = f"it's done, {attempts}"
        with block():
            update_fields(Delivery, [first, second, third], fields)
        stored = {row.pop("id"): row for row in Delivery.objects.values("id", *fields)}
        assert stored[first.pk] == {
            "attempts": attempts,
            "status": "pending",
            "detail": "",
            "next_attempt_at": None,
            "dead_letter": None,
        }
        assert (stored[second.pk]["dead_letter"], stored[second.pk]["next_attempt_at"]) == (
            {"ERROR_CODE": "x"},
            None,
        )
        assert (stored[third.pk]["status"], stored[third.pk]["detail"]) == ("delivered", third.detail)
        assert (stored[untouched.pk]["attempts"], stored[untouched.pk]["status"]) == (0, "pending")
