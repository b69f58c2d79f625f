"""A delivery batch: each target (a plain machine ARN, a queue) looked up once; its Express
targets' runs made in the batch's transaction when their machine ends at once, else sent after
the batch commits, one message each, and every run made (Express runs at least once:
https://docs.aws.amazon.com/step-functions/latest/dg/choosing-workflow-type.html)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import OperationalError, connection
from django.test.utils import CaptureQueriesContext

from tests.support.events import ECHO_ARN, ROLE, entry
from tests.support.inprocess import Broker
from workbench.accounts.models import Workspace
from workbench.accounts.services import default_workspace
from workbench.events import services as events
from workbench.events.models import Delivery, DeliveryAttempt, EventBus
from workbench.functions.models import Invocation
from workbench.runtime import deliveries, executions, queue, routing
from workbench.sqs import services as sqs
from workbench.sqs.models import Message
from workbench.stepfunctions import services as stepfunctions
from workbench.stepfunctions import versions
from workbench.stepfunctions.models import StateMachine

pytestmark = pytest.mark.django_db(transaction=True)

CALLS_ECHO = json.dumps(
    {"StartAt": "Call", "States": {"Call": {"Type": "Task", "Resource": ECHO_ARN, "End": True}}}
)
"""An Express machine whose run leaves a trace: the echo function's invocation log. It ends at
once: the function answers before its call returns."""
RETRIES_ECHO = json.dumps(
    {
        "StartAt": "Call",
        "States": {
            "Call": {"Type": "Task", "Resource": ECHO_ARN, "Retry": [{"ErrorEquals": ["X"]}], "End": True}
        },
    }
)
"""The same call with a Retry: a failure would wait out a back-off, so its runs go to a worker."""


def _express(name: str = "fast", definition: str = RETRIES_ECHO) -> StateMachine:
    return stepfunctions.create_state_machine(
        default_workspace(), name=name, definition=definition, role_arn=ROLE, type=StateMachine.EXPRESS
    )


def _rule(targets: list[dict[str, Any]]) -> None:
    ws = default_workspace()
    events.put_rule(ws, name="orders", event_pattern=json.dumps({"source": ["shop"]}))
    assert events.put_targets(ws, "orders", None, targets) == []


def _put(count: int) -> list[int]:
    """PutEvents of ``count`` matching entries (ten a call); their pending deliveries' ids."""
    ws = default_workspace()
    for start in range(0, count, 10):
        routing.put_events(ws, [entry(n=n) for n in range(start, min(start + 10, count))])
    return list(Delivery.objects.order_by("id").values_list("id", flat=True))


def _statements(queries: CaptureQueriesContext, table: str) -> int:
    return sum(f'FROM "{table}"' in query["sql"] for query in queries.captured_queries)


def test_a_batch_looks_the_machine_up_once_and_sends_runs_that_may_wait_one_message_each(
    broker: Broker,
) -> None:
    """Runs that may wait go to the worker's threads side by side: in one message, a run that
    waits out a back-off would hold up every run after it."""
    fast = _express()
    _rule([{"Id": "x", "Arn": fast.arn}])
    ids = _put(10)
    broker.take()  # the deliveries' own message: delivered by hand below
    with CaptureQueriesContext(connection) as queries:
        deliveries.deliver_all(ids)
    assert _statements(queries, "stepfunctions_statemachine") == 1
    assert set(Delivery.objects.values_list("status", flat=True)) == {Delivery.DELIVERED}
    assert broker.names() == [queue.RUN_EXPRESS_EXECUTION] * 10
    arns = sorted(Delivery.objects.values_list("detail", flat=True))
    assert Invocation.objects.count() == 0  # nothing ran before its message was taken
    broker.drain()
    # Each run made its call, once, under the execution ARN the delivery recorded.
    assert sorted(Invocation.objects.values_list("caller", flat=True)) == sorted(
        f"{arn}#Call" for arn in arns
    )


def test_runs_that_end_at_once_are_made_in_the_batch_transaction(broker: Broker) -> None:
    fast = _express(definition=CALLS_ECHO)
    _rule([{"Id": "x", "Arn": fast.arn}])
    ids = _put(10)
    broker.take()
    with CaptureQueriesContext(connection) as queries:
        deliveries.deliver_all(ids)
    assert broker.sent == []  # no message: the runs were made here
    assert _statements(queries, "stepfunctions_statemachine") == 1
    assert set(Delivery.objects.values_list("status", flat=True)) == {Delivery.DELIVERED}
    arns = sorted(Delivery.objects.values_list("detail", flat=True))
    assert sorted(Invocation.objects.values_list("caller", flat=True)) == sorted(
        f"{arn}#Call" for arn in arns
    )
    deliveries.deliver_all(ids)  # delivered already: nothing runs twice
    assert Invocation.objects.count() == 10


def test_a_delivery_alone_runs_its_express_target_too(broker: Broker) -> None:
    _rule([{"Id": "x", "Arn": _express(definition=CALLS_ECHO).arn}])
    ids = _put(1)
    broker.take()
    deliveries.deliver_all(ids)
    assert broker.sent == []
    [detail] = Delivery.objects.values_list("detail", flat=True)
    assert list(Invocation.objects.values_list("caller", flat=True)) == [f"{detail}#Call"]


def test_a_batch_that_fails_keeps_neither_its_runs_writes_nor_its_record(
    broker: Broker, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The runs' calls and the deliveries' record commit together or not at all: a batch whose
    transaction fails after its runs leaves the deliveries pending and no call logged, and the
    deliveries made again later run once."""
    _rule([{"Id": "x", "Arn": _express(definition=CALLS_ECHO).arn}])
    ids = _put(3)
    broker.take()
    update_fields = deliveries.rows.update_fields

    def lost(*args: Any, **kwargs: Any) -> None:
        raise OperationalError("the connection was lost")

    monkeypatch.setattr(deliveries.rows, "update_fields", lost)
    with pytest.raises(OperationalError):
        deliveries.deliver_all(ids)
    assert set(Delivery.objects.values_list("status", flat=True)) == {Delivery.PENDING}
    assert Invocation.objects.count() == 0
    monkeypatch.setattr(deliveries.rows, "update_fields", update_fields)
    deliveries.deliver_all(ids)
    assert Invocation.objects.count() == 3
    assert set(Delivery.objects.values_list("status", flat=True)) == {Delivery.DELIVERED}


def test_a_run_made_here_that_breaks_is_logged_and_its_delivery_made(
    broker: Broker, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """As a worker's run: a run that raises does not fail the delivery (its target was
    started; AWS counts the delivery made once StartExecution accepted it)."""
    _rule([{"Id": "x", "Arn": _express(definition=CALLS_ECHO).arn}])
    ids = _put(2)
    broker.take()

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("the run broke")

    monkeypatch.setattr(executions.express, "run", broken)
    deliveries.deliver_all(ids)
    assert set(Delivery.objects.values_list("status", flat=True)) == {Delivery.DELIVERED}
    assert caplog.text.count("failed to run") == 2


def test_a_delivery_alone_sends_its_run_only_once_it_committed(
    broker: Broker, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A run that may wait goes to a worker after its delivery's commit: a transaction that
    fails sends none, and the delivery, made again, sends one."""
    _rule([{"Id": "x", "Arn": _express().arn}])
    ids = _put(1)
    broker.take()
    save = Delivery.save

    def lost(self: Delivery, *args: Any, **kwargs: Any) -> None:
        raise OperationalError("the connection was lost")

    monkeypatch.setattr(Delivery, "save", lost)
    with pytest.raises(OperationalError):
        deliveries.deliver_all(ids)
    assert broker.sent == []
    assert Delivery.objects.get().status == Delivery.PENDING
    monkeypatch.setattr(Delivery, "save", save)
    deliveries.deliver_all(ids)
    assert broker.names() == [queue.RUN_EXPRESS_EXECUTION]


def test_one_run_is_sent_as_before(broker: Broker) -> None:
    _rule([{"Id": "x", "Arn": _express().arn}])
    ids = _put(1) + _put(1)[-1:]
    broker.take()
    deliveries.deliver_all(ids[:1])  # one delivery: its own transaction
    assert broker.names() == [queue.RUN_EXPRESS_EXECUTION]


def test_runs_held_in_a_block_left_by_an_exception_are_not_sent(broker: Broker) -> None:
    """The work that started them (a delivery batch's transaction) did not happen: its
    deliveries are tried again, and start their runs then."""
    fast = _express()
    with pytest.raises(RuntimeError), queue.express_runs_held():
        executions.start_execution(fast, input_text="{}")
        executions.start_execution(fast, input_text="{}")
        raise RuntimeError("the batch failed")
    assert broker.sent == []
    with queue.express_runs_held():
        executions.start_execution(fast, input_text="{}")
        executions.start_execution(fast, input_text="{}")
        assert broker.sent == []  # held until the block ends
    assert broker.names() == [queue.RUN_EXPRESS_EXECUTION] * 2


def test_a_version_target_is_resolved_for_each_delivery(
    broker: Broker, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only a plain machine ARN is looked up once a batch: a version or alias ARN is resolved
    for every execution (an alias picks its version by weight each time)."""
    fast = _express()
    version = versions.publish_version(fast)
    _rule([{"Id": "plain", "Arn": fast.arn}, {"Id": "v1", "Arn": f"{fast.arn}:{version.number}"}])
    ids = _put(5)
    broker.take()
    resolved: list[str] = []
    start_target = versions.start_target

    def counted(workspace: Any, arn: str) -> Any:
        resolved.append(arn)
        return start_target(workspace, arn)

    monkeypatch.setattr(versions, "start_target", counted)
    deliveries.deliver_all(ids)
    assert sorted(resolved) == [fast.arn] + [f"{fast.arn}:{version.number}"] * 5
    assert set(Delivery.objects.values_list("status", flat=True)) == {Delivery.DELIVERED}


def test_a_run_that_fails_does_not_keep_the_others_from_running(
    broker: Broker, monkeypatch: pytest.MonkeyPatch
) -> None:
    fast = _express()
    run = executions._run_express
    names: list[str] = []

    def first_fails(machine: Any, name: str, *args: Any) -> None:
        names.append(name)
        if name == "one":
            raise RuntimeError("the run broke")
        run(machine, name, *args)

    monkeypatch.setattr(executions, "_run_express", first_fails)
    arn = "arn:aws:states:us-east-1:123456789012:express:fast:{}"
    executions.run_express_all(
        [[fast.id, name, arn.format(name), "{}", None, None] for name in ("one", "two")]
        + [[fast.id + 1000, "gone", arn.format("gone"), "{}", None, None]]  # a machine deleted since
    )
    assert names == ["one", "two"]
    assert list(Invocation.objects.values_list("caller", flat=True)) == [f"{arn.format('two')}#Call"]


def test_a_batch_to_one_queue_looks_it_up_once_and_sends_every_event(broker: Broker) -> None:
    inbox = sqs.create_queue(default_workspace(), "inbox")
    _rule([{"Id": "q", "Arn": sqs.queue_arn(inbox), "InputPath": "$.detail"}])
    ids = _put(10)
    broker.take()
    with CaptureQueriesContext(connection) as queries:
        deliveries.deliver_all(ids)
    assert _statements(queries, inbox._meta.db_table) == 1
    assert set(Delivery.objects.values_list("status", flat=True)) == {Delivery.DELIVERED}
    bodies = sorted(
        json.loads(body)["n"] for body in Message.objects.filter(queue=inbox).values_list("body", flat=True)
    )
    assert bodies == list(range(10))


def test_a_batch_reads_each_bus_with_its_workspace_once(broker: Broker) -> None:
    """A batch's events on two buses: each bus read once, with its workspace and clock, and
    every delivery goes to its own bus's rule (the queue it names)."""
    ws = default_workspace()
    inboxes = {name: sqs.create_queue(ws, name) for name in ("default-inbox", "orders-inbox")}
    events.create_bus(ws, name="orders")
    for bus, inbox in (("default", inboxes["default-inbox"]), ("orders", inboxes["orders-inbox"])):
        events.put_rule(ws, name=f"to-{bus}", bus_name=bus, event_pattern=json.dumps({"source": ["shop"]}))
        target = {"Id": "q", "Arn": sqs.queue_arn(inbox), "InputPath": "$.detail"}
        assert events.put_targets(ws, f"to-{bus}", bus, [target]) == []
    routing.put_events(ws, [entry(n=n) for n in range(5)])
    routing.put_events(ws, [{**entry(n=n), "EventBusName": "orders"} for n in range(5, 10)])
    ids = list(Delivery.objects.order_by("id").values_list("id", flat=True))
    broker.take()
    with CaptureQueriesContext(connection) as queries:
        deliveries.deliver_all(ids)
    bus_table = EventBus._meta.db_table
    reads = [query["sql"] for query in queries.captured_queries if f'"{bus_table}"' in query["sql"]]
    assert len(reads) == 2, reads  # one a bus, not one a delivery
    assert all(f'FROM "{bus_table}"' in sql for sql in reads), "the bus is not joined to each delivery"
    assert _statements(queries, Workspace._meta.db_table) == 0, "the workspace comes with its bus"
    received = {
        name: sorted(
            json.loads(body)["n"]
            for body in Message.objects.filter(queue=inbox).values_list("body", flat=True)
        )
        for name, inbox in inboxes.items()
    }
    assert received == {"default-inbox": [0, 1, 2, 3, 4], "orders-inbox": [5, 6, 7, 8, 9]}


PASSES_ON = json.dumps(
    {"StartAt": "P", "States": {"P": {"Type": "Pass", "Parameters": {"n.$": "$.detail.n"}, "End": True}}}
)
"""An Express machine whose runs touch nothing outside themselves: no Task at all."""


def _runs_seen(monkeypatch: pytest.MonkeyPatch, meanwhile: Any = None) -> list[tuple[int, bool]]:
    """Each Express run from now on: its event's ``n``, and whether a transaction was open.
    ``meanwhile(n)`` is called before each run."""
    seen: list[tuple[int, bool]] = []
    run = executions.express.run

    def watched(workspace: Any, definition: Any, payload: Any, context: Any, **options: Any) -> Any:
        seen.append((payload["detail"]["n"], connection.in_atomic_block))
        if meanwhile is not None:
            meanwhile(payload["detail"]["n"])
        return run(workspace, definition, payload, context, **options)

    monkeypatch.setattr(executions.express, "run", watched)
    return seen


def _delivered_watching(
    definition: str, count: int, broker: Broker, monkeypatch: pytest.MonkeyPatch
) -> list[tuple[int, bool]]:
    """``count`` events delivered in one batch to an Express machine of ``definition``; its runs
    as ``_runs_seen`` saw them."""
    _rule([{"Id": "x", "Arn": _express(definition=definition).arn}])
    ids = _put(count)
    broker.take()
    seen = _runs_seen(monkeypatch)
    deliveries.deliver_all(ids)
    return seen


def test_runs_that_touch_nothing_are_made_before_the_batch_transaction(
    broker: Broker, monkeypatch: pytest.MonkeyPatch
) -> None:
    """On SQLite the write turn is the whole database's (deliveries._Ahead): a run with no Task
    writes nothing, so it is made before the turn and only its outcome recorded in it."""
    seen = _delivered_watching(PASSES_ON, 10, broker, monkeypatch)
    assert sorted(seen) == [(n, False) for n in range(10)]
    assert broker.sent == []
    assert set(Delivery.objects.values_list("status", "attempts")) == {(Delivery.DELIVERED, 1)}
    assert all(":express:fast:" in detail for detail in Delivery.objects.values_list("detail", flat=True))
    # Recorded: the moment of each try (a successful try has no row of its own).
    assert not Delivery.objects.filter(attempted=None).exists()
    assert DeliveryAttempt.objects.count() == 0


def test_runs_with_a_task_are_made_in_the_batch_transaction(
    broker: Broker, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A Task's call may write (a function may send a message): it commits with its delivery."""
    seen = _delivered_watching(CALLS_ECHO, 3, broker, monkeypatch)
    assert sorted(seen) == [(n, True) for n in range(3)]
    assert Invocation.objects.count() == 3


def test_a_run_made_ahead_of_a_row_changed_meanwhile_is_not_recorded(
    broker: Broker, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another batch (the recovery sweep, a retry) reached a row between the run made ahead and
    the batch's lock: a delivery made meanwhile is not made again, and one attempted meanwhile
    is attempted again in the transaction, from its row; the run made ahead is forgotten."""
    _rule([{"Id": "x", "Arn": _express(definition=PASSES_ON).arn}])
    first, second, third = _put(3)
    broker.take()
    done = {first: (Delivery.DELIVERED, 1), second: (Delivery.PENDING, 2)}

    def meanwhile(n: int) -> None:
        changed = [first, second, third][n]
        if changed in done and not connection.in_atomic_block:
            status, attempts = done[changed]
            Delivery.objects.filter(id=changed).update(status=status, attempts=attempts)

    seen = _runs_seen(monkeypatch, meanwhile)
    deliveries.deliver_all([first, second, third])
    assert sorted(seen) == [(0, False), (1, False), (1, True), (2, False)]
    assert dict(Delivery.objects.values_list("id", "attempts")) == {first: 1, second: 3, third: 1}
    assert set(Delivery.objects.values_list("status", flat=True)) == {Delivery.DELIVERED}
    # The batch recorded the tries of the second and third (the first was ended meanwhile).
    assert sorted(Delivery.objects.exclude(attempted=None).values_list("id", flat=True)) == [second, third]
