"""runtime.children: the states:startExecution integration in each pattern (request-response,
.sync, .sync:2, .waitForTaskToken), a failing child, stopping the parent, exactly-once starts
and the recovery sweep's re-sending of a lost start or end report."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.support.inprocess import Broker, machine, start

pytestmark = pytest.mark.django_db(transaction=True)

RESOURCE = "arn:aws:states:::states:startExecution"
THREE_PASSES = {
    "StartAt": "One",
    "States": {
        "One": {"Type": "Pass", "Result": 1, "ResultPath": "$.one", "Next": "Two"},
        "Two": {"Type": "Pass", "Result": 2, "ResultPath": "$.two", "Next": "Three"},
        "Three": {"Type": "Pass", "Result": 3, "ResultPath": "$.three", "End": True},
    },
}
FAILS = {"StartAt": "F", "States": {"F": {"Type": "Fail", "Error": "Child.Broke", "Cause": "on purpose"}}}
WAITS = {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 300, "End": True}}}


def parent_of(child_arn: str, suffix: str, **extra: Any) -> dict[str, Any]:
    return {
        "StartAt": "Child",
        "States": {
            "Child": {
                "Type": "Task",
                "Resource": RESOURCE + suffix,
                "Parameters": {
                    "StateMachineArn": child_arn,
                    "Input": {"order": 7, "AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$": "$$.Execution.Id"},
                    **extra,
                },
                "End": True,
            }
        },
    }


def history_types(execution: Any) -> list[str]:
    return list(execution.history.order_by("event_id").values_list("type", flat=True))


def run_parent(broker: Broker, child_definition: dict[str, Any], suffix: str, **extra: Any) -> Any:
    child_machine = machine(child_definition, name="child")
    parent = start(parent_of(child_machine.arn, suffix, **extra), name="parent")
    broker.drain()
    parent.refresh_from_db()
    return parent


def test_request_response_answers_start_executions_result_and_links_the_child(broker: Broker) -> None:
    from workbench.stepfunctions.models import Execution

    parent = run_parent(broker, WAITS, "")
    assert parent.status == "SUCCEEDED"
    output = json.loads(parent.output)
    child = Execution.objects.get(parent=parent)
    assert output["ExecutionArn"] == child.arn
    assert isinstance(output["StartDate"], int)
    assert output["SdkHttpMetadata"]["HttpStatusCode"] == 200
    assert child.status == "RUNNING" and child.parent_pattern == ""
    assert json.loads(child.input) == {"order": 7, "AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID": parent.arn}
    assert "TaskSubmitted" not in history_types(parent)


def test_sync_waits_for_the_child_and_answers_its_output_as_text(broker: Broker) -> None:
    from workbench.stepfunctions.models import Execution

    parent = run_parent(broker, THREE_PASSES, ".sync")
    child = Execution.objects.get(parent=parent)
    assert parent.status == "SUCCEEDED", parent.cause
    output = json.loads(parent.output)
    assert output["Status"] == "SUCCEEDED" and output["ExecutionArn"] == child.arn
    assert isinstance(output["Output"], str)
    assert json.loads(output["Output"])["three"] == 3
    assert isinstance(output["Input"], str) and output["OutputDetails"] == {"Included": True}
    types = history_types(parent)
    assert types[2:6] == ["TaskScheduled", "TaskStarted", "TaskSubmitted", "TaskSucceeded"]
    submitted = parent.history.get(type="TaskSubmitted").details
    assert json.loads(submitted["output"])["ExecutionArn"] == child.arn
    assert submitted["resource"] == "startExecution.sync" and submitted["resourceType"] == "states"


def test_sync_2_answers_the_childs_output_as_json(broker: Broker) -> None:
    parent = run_parent(broker, THREE_PASSES, ".sync:2")
    assert parent.status == "SUCCEEDED", parent.cause
    output = json.loads(parent.output)
    assert output["Output"] == {
        "order": 7,
        "AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID": parent.arn,
        "one": 1,
        "two": 2,
        "three": 3,
    }
    assert output["Input"]["order"] == 7


@pytest.mark.parametrize("suffix", [".sync", ".sync:2"])
def test_a_failed_child_fails_the_task_with_states_task_failed(broker: Broker, suffix: str) -> None:
    parent = run_parent(broker, FAILS, suffix)
    assert parent.status == "FAILED"
    assert parent.error == "States.TaskFailed"
    cause = json.loads(parent.cause)
    assert cause["Status"] == "FAILED" and cause["Error"] == "Child.Broke" and cause["Cause"] == "on purpose"
    assert "TaskFailed" in history_types(parent)


def test_wait_for_task_token_ends_when_the_childs_token_is_answered(broker: Broker) -> None:
    from workbench.runtime import executions
    from workbench.stepfunctions.models import Execution

    child_machine = machine(WAITS, name="child")
    definition = parent_of(child_machine.arn, ".waitForTaskToken")
    definition["States"]["Child"]["Parameters"]["Input"] = {"token.$": "$$.Task.Token"}
    parent = start(definition, name="parent")
    broker.drain()
    child = Execution.objects.get(parent=parent)
    parent.refresh_from_db()
    assert parent.status == "RUNNING" and child.status == "RUNNING"
    token = json.loads(child.input)["token"]
    executions.send_task_success(child.state_machine.workspace, token, '{"approved": true}')
    broker.drain()
    parent.refresh_from_db()
    assert parent.status == "SUCCEEDED" and json.loads(parent.output) == {"approved": True}
    types = history_types(parent)
    assert types.count("TaskSubmitted") == 1
    assert types.index("TaskSubmitted") < types.index("TaskSucceeded")


def test_stopping_the_parent_stops_the_child_it_waits_for(broker: Broker) -> None:
    from workbench.runtime import executions
    from workbench.stepfunctions.models import Execution

    parent = run_parent(broker, WAITS, ".sync:2")
    child = Execution.objects.get(parent=parent)
    assert parent.status == "RUNNING" and child.status == "RUNNING"
    executions.stop_execution(parent, error="Stop", cause="by hand")
    broker.drain()
    child.refresh_from_db()
    assert parent.status == "ABORTED" and child.status == "ABORTED"


def test_a_task_timeout_stops_the_child_too(broker: Broker) -> None:
    from workbench.runtime import queue
    from workbench.stepfunctions.models import Execution

    definition = parent_of(machine(WAITS, name="child").arn, ".sync")
    definition["States"]["Child"]["TimeoutSeconds"] = 1
    timed = start(definition, name="timed")
    timeout = broker.take(queue.FIRE_TIMER)  # the task's timeout fires once the child runs
    broker.drain()
    assert Execution.objects.get(parent=timed).status == "RUNNING"
    broker.sent.extend(timeout)
    broker.drain()
    timed.refresh_from_db()
    assert timed.status == "FAILED" and timed.error == "States.Timeout"
    assert Execution.objects.get(parent=timed).status == "ABORTED"


def test_a_request_response_child_outlives_its_stopped_parent(broker: Broker) -> None:
    """Request-response is fire and forget: AWS leaves that child running."""
    from workbench.runtime import executions
    from workbench.stepfunctions.models import Execution

    child_machine = machine(WAITS, name="child")
    definition = parent_of(child_machine.arn, "")
    definition["States"]["Child"]["Next"] = "Hold"
    del definition["States"]["Child"]["End"]
    definition["States"]["Hold"] = WAITS["States"]["W"]
    parent = start(definition, name="parent")
    broker.drain()
    parent.refresh_from_db()
    assert parent.status == "RUNNING"  # in its 300 s Wait, after the child started
    executions.stop_execution(parent, error=None, cause=None)
    broker.drain()
    assert Execution.objects.get(parent=parent).status == "RUNNING"


def test_an_unknown_state_machine_fails_the_task_with_the_sdks_exception(broker: Broker) -> None:
    parent = run_parent(broker, WAITS, ".sync")
    assert parent.status == "RUNNING"
    missing = "arn:aws:states:us-east-1:123456789012:stateMachine:nowhere"
    lost = start(parent_of(missing, ".sync"), name="lost")
    broker.drain()
    lost.refresh_from_db()
    assert lost.status == "FAILED"
    assert lost.error == "StepFunctions.StateMachineDoesNotExistException"
    assert "Service: AWSStepFunctions; Status Code: 400" in lost.cause


def test_a_child_name_already_taken_fails_with_execution_already_exists(broker: Broker) -> None:
    child_machine = machine(WAITS, name="child")
    first = start(parent_of(child_machine.arn, "", Name="fixed"), name="first")
    broker.drain()
    second = start(parent_of(child_machine.arn, "", Name="fixed"), name="second")
    broker.drain()
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.status == "SUCCEEDED"
    assert second.error == "StepFunctions.ExecutionAlreadyExistsException"


def test_a_redelivered_task_call_starts_the_child_once(broker: Broker) -> None:
    from workbench.runtime import queue
    from workbench.stepfunctions.models import Execution

    child_machine = machine(THREE_PASSES, name="child")
    parent = start(parent_of(child_machine.arn, ".sync:2"), name="parent")
    [call] = broker.take(queue.INVOKE_TASK)
    broker.deliver(call)
    broker.deliver(call)  # a duplicated delivery
    broker.drain()
    assert Execution.objects.filter(parent=parent).count() == 1
    parent.refresh_from_db()
    assert parent.status == "SUCCEEDED"
    assert history_types(parent).count("TaskSubmitted") == 1


def test_recovery_starts_a_lost_child_and_reports_a_lost_end(broker: Broker, own_sweeps: None) -> None:
    from workbench.runtime import queue, recovery
    from workbench.stepfunctions.models import Execution

    child_machine = machine(THREE_PASSES, name="child")
    parent = start(parent_of(child_machine.arn, ".sync:2"), name="parent")
    [call] = broker.take(queue.INVOKE_TASK)
    broker.deliver(call)
    assert broker.take(queue.START_NESTED_EXECUTION)  # the start message is lost
    child = Execution.objects.get(parent=parent)
    assert child.engine_state is None
    recovery.sweep()
    [restart] = broker.take(queue.START_NESTED_EXECUTION)
    broker.deliver(restart)
    child.refresh_from_db()
    assert child.status == "SUCCEEDED"
    assert broker.take(queue.REPORT_CHILD_END)  # the end report is lost
    recovery.sweep()
    broker.drain()
    parent.refresh_from_db()
    assert parent.status == "SUCCEEDED"
    assert json.loads(parent.output)["Output"]["three"] == 3


def test_a_child_ending_before_its_submission_is_reported_keeps_the_history_in_order(broker: Broker) -> None:
    """The child's end can reach the parent before the call's own report (another worker):
    the parent records TaskSubmitted, then TaskSucceeded."""
    from workbench.runtime import executions, queue
    from workbench.stepfunctions.models import Execution, PendingTask

    child_machine = machine(THREE_PASSES, name="child")
    parent = start(parent_of(child_machine.arn, ".sync"), name="parent")
    broker.take(queue.INVOKE_TASK)
    task = PendingTask.objects.get(execution=parent)
    # Make the call without its report: as a worker that committed and then died.
    from unittest import mock

    with mock.patch.object(executions, "_report_recorded"):
        executions.invoke_task(parent.id, task.task_id, task.attempt)
    broker.drain()
    parent.refresh_from_db()
    child = Execution.objects.get(parent=parent)
    assert child.status == "SUCCEEDED" and parent.status == "SUCCEEDED"
    types = history_types(parent)
    assert types.index("TaskSubmitted") < types.index("TaskSucceeded")


def test_recovery_stops_a_sync_child_whose_stop_message_was_lost(broker: Broker, own_sweeps: None) -> None:
    from workbench.runtime import executions, queue, recovery
    from workbench.stepfunctions.models import Execution

    parent = run_parent(broker, WAITS, ".sync")
    child = Execution.objects.get(parent=parent)
    executions.stop_execution(parent, error=None, cause=None)
    assert broker.take(queue.STOP_CHILDREN)  # lost
    recovery.sweep()
    broker.drain()
    child.refresh_from_db()
    assert child.status == "ABORTED"


def test_a_token_child_whose_task_was_answered_outlives_its_failed_parent(broker: Broker) -> None:
    """Only the children a task still waits for are stopped with the parent."""
    from workbench.runtime import executions
    from workbench.stepfunctions.models import Execution

    child_machine = machine(WAITS, name="child")
    definition = parent_of(child_machine.arn, ".waitForTaskToken")
    definition["States"]["Child"]["Parameters"]["Input"] = {"token.$": "$$.Task.Token"}
    definition["States"]["Child"]["Next"] = "Hold"
    del definition["States"]["Child"]["End"]
    definition["States"]["Hold"] = WAITS["States"]["W"]
    parent = start(definition, name="parent")
    broker.drain()
    child = Execution.objects.get(parent=parent)
    executions.send_task_success(child.state_machine.workspace, json.loads(child.input)["token"], "{}")
    broker.drain()
    parent.refresh_from_db()
    executions.stop_execution(parent, error=None, cause=None)
    broker.drain()
    child.refresh_from_db()
    assert parent.status == "ABORTED" and child.status == "RUNNING"


def test_a_running_child_of_the_same_name_and_input_answers_again(broker: Broker) -> None:
    """StartExecution's idempotency holds in request-response: the running child answers."""
    from workbench.stepfunctions.models import Execution

    child_machine = machine(WAITS, name="child")
    definition = parent_of(child_machine.arn, "", Name="fixed")
    definition["States"]["Child"]["Parameters"]["Input"] = {"same": True}
    first = start(definition, name="first")
    broker.drain()
    second = start(definition, name="second")
    broker.drain()
    first.refresh_from_db()
    second.refresh_from_db()
    assert second.status == "SUCCEEDED", second.cause
    assert json.loads(second.output)["ExecutionArn"] == json.loads(first.output)["ExecutionArn"]
    assert Execution.objects.filter(state_machine=child_machine).count() == 1


def run_express_parent(broker: Broker, child_definition: dict[str, Any], suffix: str) -> Any:
    child_machine = machine(child_definition, name="child", type="EXPRESS")
    parent = start(parent_of(child_machine.arn, suffix), name="parent")
    broker.drain()
    parent.refresh_from_db()
    return parent


def test_sync_waits_for_an_express_child_and_answers_its_description_as_text(broker: Broker) -> None:
    from workbench.runtime.models import ExpressChild

    parent = run_express_parent(broker, THREE_PASSES, ".sync")
    assert parent.status == "SUCCEEDED", parent.cause
    output = json.loads(parent.output)
    assert output["Status"] == "SUCCEEDED"
    assert ":express:child:" in output["ExecutionArn"] and output["StateMachineArn"].endswith(":child")
    assert isinstance(output["Output"], str) and json.loads(output["Output"])["three"] == 3
    assert isinstance(output["Input"], str) and json.loads(output["Input"])["order"] == 7
    assert output["InputDetails"] == output["OutputDetails"] == {"Included": True}
    assert isinstance(output["StartDate"], int) and output["StopDate"] >= output["StartDate"]
    assert "RedriveStatus" not in output and "Error" not in output
    types = history_types(parent)
    assert types[2:6] == ["TaskScheduled", "TaskStarted", "TaskSubmitted", "TaskSucceeded"]
    submitted = json.loads(parent.history.get(type="TaskSubmitted").details["output"])
    assert submitted["ExecutionArn"] == output["ExecutionArn"]
    assert not ExpressChild.objects.exists()  # reported: nothing more is owed


def test_sync_2_answers_an_express_childs_output_as_json(broker: Broker) -> None:
    parent = run_express_parent(broker, THREE_PASSES, ".sync:2")
    assert parent.status == "SUCCEEDED", parent.cause
    output = json.loads(parent.output)
    assert output["Output"]["three"] == 3 and output["Output"]["order"] == 7
    assert output["Input"]["order"] == 7


@pytest.mark.parametrize("suffix", [".sync", ".sync:2"])
def test_a_failed_express_child_fails_the_task_with_states_task_failed(broker: Broker, suffix: str) -> None:
    parent = run_express_parent(broker, FAILS, suffix)
    assert parent.status == "FAILED"
    assert parent.error == "States.TaskFailed"
    cause = json.loads(parent.cause)
    assert cause["Status"] == "FAILED" and cause["Error"] == "Child.Broke" and cause["Cause"] == "on purpose"
    assert "Output" not in cause
    assert "TaskFailed" in history_types(parent)


def test_a_lost_express_run_is_run_again_by_the_sweep_and_reported_once(
    broker: Broker, own_sweeps: None
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from workbench.runtime import queue, recovery
    from workbench.runtime.models import ExpressChild

    child_machine = machine(THREE_PASSES, name="child", type="EXPRESS")
    parent = start(parent_of(child_machine.arn, ".sync:2"), name="parent")
    [call] = broker.take(queue.INVOKE_TASK)
    broker.deliver(call)
    [lost] = broker.take(queue.RUN_EXPRESS_CHILD)  # never delivered
    parent.refresh_from_db()
    assert parent.status == "RUNNING"
    # A worker took the run and died: its lease is held until it runs out.
    ExpressChild.objects.update(lease_until=timezone.now() + timedelta(minutes=1))
    broker.deliver(lost)  # a redelivery while the lease runs does nothing
    recovery.sweep()
    assert not broker.take(queue.RUN_EXPRESS_CHILD)
    ExpressChild.objects.update(lease_until=timezone.now() - timedelta(seconds=1))
    recovery.sweep()
    [again] = broker.take(queue.RUN_EXPRESS_CHILD)
    broker.deliver(again)
    broker.deliver(again)  # a duplicated delivery: the row is gone, nothing is reported twice
    broker.drain()
    parent.refresh_from_db()
    assert parent.status == "SUCCEEDED", parent.cause
    assert json.loads(parent.output)["Output"]["three"] == 3
    types = history_types(parent)
    assert types.count("TaskSucceeded") == 1 and types.count("TaskSubmitted") == 1


def test_a_never_taken_express_run_is_sent_again_by_the_sweep(broker: Broker, own_sweeps: None) -> None:
    from workbench.runtime import queue, recovery

    child_machine = machine(THREE_PASSES, name="child", type="EXPRESS")
    parent = start(parent_of(child_machine.arn, ".sync"), name="parent")
    broker.deliver(broker.take(queue.INVOKE_TASK)[0])
    assert broker.take(queue.RUN_EXPRESS_CHILD)  # lost
    recovery.sweep()
    broker.drain()
    parent.refresh_from_db()
    assert parent.status == "SUCCEEDED", parent.cause


def test_an_express_childs_result_is_ignored_once_its_parent_stopped(broker: Broker) -> None:
    from workbench.runtime import executions, queue
    from workbench.runtime.models import ExpressChild

    child_machine = machine(THREE_PASSES, name="child", type="EXPRESS")
    parent = start(parent_of(child_machine.arn, ".sync"), name="parent")
    broker.deliver(broker.take(queue.INVOKE_TASK)[0])
    run = broker.take(queue.RUN_EXPRESS_CHILD)
    executions.stop_execution(parent, error="Stop", cause="by hand")
    broker.drain()
    assert not ExpressChild.objects.exists()
    broker.sent.extend(run)  # the child's run arrives after the stop
    broker.drain()
    parent.refresh_from_db()
    assert parent.status == "ABORTED"
    assert "TaskSucceeded" not in history_types(parent)


def test_an_express_child_stopped_mid_run_reports_nothing(broker: Broker) -> None:
    """The parent stops while the child runs (its row is forgotten then): the report is dropped."""
    from unittest import mock

    from workbench.runtime import executions, express, queue

    child_machine = machine(THREE_PASSES, name="child", type="EXPRESS")
    parent = start(parent_of(child_machine.arn, ".sync:2"), name="parent")
    broker.deliver(broker.take(queue.INVOKE_TASK)[0])
    [run] = broker.take(queue.RUN_EXPRESS_CHILD)
    real_run = express.run

    def stopped_meanwhile(*args: Any, **kwargs: Any) -> Any:
        executions.stop_execution(parent, error=None, cause=None)
        broker.drain()
        return real_run(*args, **kwargs)

    with mock.patch.object(express, "run", stopped_meanwhile):
        broker.deliver(run)
    parent.refresh_from_db()
    assert parent.status == "ABORTED"
    assert "TaskSucceeded" not in history_types(parent)
