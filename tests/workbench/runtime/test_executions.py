"""runtime.executions: Standard or Express chosen once for every caller (API, browser, rule
targets), and StartExecution's idempotency for a running execution's name and input."""

from __future__ import annotations

import json
import threading

import pytest

from tests.support.inprocess import Broker, machine

pytestmark = pytest.mark.django_db(transaction=True)

PASS = json.dumps({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}})


def test_a_rule_target_that_is_an_express_machine_runs_as_express(
    broker: Broker, monkeypatch: pytest.MonkeyPatch
) -> None:
    """EventBridge starts an Express target as an Express execution: no stored execution, no
    history (AWS keeps none for Express), an ARN of the express: kind. A machine that ends at
    once runs in its delivery's transaction, without a worker's message."""
    from workbench.accounts.services import default_workspace
    from workbench.events import services as events
    from workbench.events.models import Delivery
    from workbench.runtime import express, queue, routing
    from workbench.stepfunctions.models import Execution

    ran: list[str] = []
    run = express.run

    def recorded(
        workspace: object, definition: object, payload: object, context: object, **kw: object
    ) -> object:
        ran.append(context.execution_arn)  # type: ignore[attr-defined]
        return run(workspace, definition, payload, context, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(express, "run", recorded)
    target = machine(PASS, name="fast", type="EXPRESS")
    workspace = default_workspace()
    events.put_rule(workspace, name="all", event_pattern=json.dumps({"source": ["shop"]}))
    events.put_targets(workspace, "all", None, [{"Id": "t", "Arn": target.arn}])
    routing.put_events(workspace, [{"Source": "shop", "DetailType": "order", "Detail": "{}"}])
    broker.drain()
    assert not Execution.objects.filter(state_machine=target).exists()
    delivery = Delivery.objects.get()
    assert delivery.status == "delivered"
    assert ":express:fast:" in delivery.detail
    assert ran == [delivery.detail]
    assert queue.RUN_EXPRESS_EXECUTION not in [name for name, _, _ in broker.delivered]


def test_standard_start_is_stored_with_its_first_step(broker: Broker) -> None:
    from workbench.runtime import executions

    started = executions.start_execution(machine(PASS, name="slow"), name="one", input_text='{"a": 1}')
    assert started.execution is not None and started.arn == started.execution.arn
    assert started.execution.status == "SUCCEEDED"  # a Pass runs to its end in the first step
    assert started.execution.history.order_by("event_id").first().type == "ExecutionStarted"


def test_starting_a_running_execution_again_with_the_same_input_returns_it(broker: Broker) -> None:
    """AWS: "If StartExecution is called with the same name and input as a running execution,
    the call succeeds and returns the same response"; otherwise ExecutionAlreadyExists."""
    from workbench.core.errors import AwsError
    from workbench.runtime import executions

    waits = json.dumps({"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 300, "End": True}}})
    target = machine(waits, name="waits")
    first = executions.start_execution(target, name="same", input_text='{"n": 1}')
    again = executions.start_execution(target, name="same", input_text='{"n": 1}')
    assert again.arn == first.arn and again.start_date == first.start_date
    with pytest.raises(AwsError) as refused:
        executions.start_execution(target, name="same", input_text='{"n": 2}')
    assert refused.value.code == "ExecutionAlreadyExists"


def test_concurrent_starts_with_one_name_answer_one_execution(broker: Broker) -> None:
    from django.db import connection

    from workbench.runtime import executions
    from workbench.stepfunctions.models import Execution

    waits = json.dumps({"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 300, "End": True}}})
    target = machine(waits, name="race")
    barrier = threading.Barrier(6)
    answers: list[str] = []
    failures: list[BaseException] = []

    def start() -> None:
        try:
            barrier.wait()
            answers.append(executions.start_execution(target, name="once", input_text="{}").arn)
        except BaseException as exc:
            failures.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=start) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert len(answers) == 6 and len(set(answers)) == 1
    assert Execution.objects.filter(state_machine=target).count() == 1


def test_an_express_start_keeps_nothing_and_runs_in_a_worker(broker: Broker) -> None:
    from workbench.runtime import executions, queue
    from workbench.stepfunctions.models import Execution

    target = machine(PASS, name="quick", type="EXPRESS")
    started = executions.start_execution(target, name="x")
    assert started.execution is None and ":express:quick:x:" in started.arn
    assert broker.names() == [queue.RUN_EXPRESS_EXECUTION]
    broker.drain()
    assert not Execution.objects.exists()
