"""Delivering an accepted event to one matched target, once.

EventBridge delivers each matched event to each target at least once ("Event retry policy",
EventBridge User Guide); a Step Functions target is started with StartExecution, whose name
makes it idempotent: the same name and input for a running execution return that execution
(StartExecution, AWS Step Functions API Reference). Here a delivery is the pending row that
``runtime.routing`` wrote with the event; the task takes it under a row lock, renders the
input, invokes the target and records the outcome in the same transaction, so running it
twice (a redelivered message, ``recover``) changes nothing, and a state-machine target is
started under a name derived from the (event, target) key.
"""

from __future__ import annotations

import hashlib
import json
from datetime import timedelta
from typing import Any

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from engine.events.transform import TargetInputError, render_target_input
from workbench.accounts.models import Workspace
from workbench.core.arns import Arn, execution_arn
from workbench.core.errors import AwsError
from workbench.events.models import Delivery
from workbench.functions import services as functions
from workbench.runtime import executions
from workbench.runtime.queue import DELIVER_EVENT
from workbench.runtime.routing import enqueue_deliveries
from workbench.stepfunctions import services as stepfunctions
from workbench.stepfunctions.errors import ExecutionAlreadyExists
from workbench.stepfunctions.models import StateMachine

RECOVERY_MIN_AGE = timedelta(seconds=5)
"""A delivery younger than this is still on its way from the commit that wrote it."""



@shared_task(name=DELIVER_EVENT)
def deliver_event(delivery_id: int) -> None:
    deliver(delivery_id)


def deliver(delivery_id: int) -> None:
    """Deliver one pending delivery; one that is gone or no longer pending is left alone."""
    with transaction.atomic():
        delivery = (
            Delivery.objects.select_for_update()
            .select_related("event__bus__workspace")
            .filter(id=delivery_id, status=Delivery.PENDING)
            .first()
        )
        if delivery is None:
            return
        delivery.attempts += 1
        try:
            delivery.input = render_target_input(
                delivery.target_input,
                delivery.event.body,
                rule_arn=delivery.rule_arn,
                rule_name=delivery.rule_name,
                ingestion_time=delivery.event.received,
            )
        except TargetInputError as exc:
            delivery.status, delivery.detail = Delivery.FAILED, f"{exc.code}: {exc.message}"
        else:
            delivery.status, delivery.detail = _invoke(delivery, delivery.event.bus.workspace)
        delivery.save(update_fields=["attempts", "input", "status", "detail", "updated"])


def execution_name(delivery: Delivery) -> str:
    """The execution name a state-machine target gets: the event id and a digest of the target
    (rule and target id), 53 characters of StartExecution's allowed 80."""
    target_key = f"{delivery.rule_arn}\n{delivery.target_id}".encode()
    return f"{delivery.event.event_id}_{hashlib.sha256(target_key).hexdigest()[:16]}"


def _invoke(delivery: Delivery, workspace: Workspace) -> tuple[str, str]:
    """(status, detail): the execution ARN or function name delivered to, or why it failed."""
    arn = Arn.parse(delivery.target_arn)
    try:
        if arn is not None and arn.service == "states" and arn.resource.startswith("stateMachine:"):
            machine = stepfunctions.get_machine(workspace, delivery.target_arn)
            return Delivery.DELIVERED, _start_machine(delivery, machine)
        if arn is not None and arn.service == "lambda":
            function = functions.resolve(workspace, delivery.target_arn)
            outcome = functions.invoke(
                function,
                _as_payload(delivery.input),
                caller=f"{delivery.rule_arn}#{delivery.target_id}",
                attempt=delivery.attempts,
            )
            if outcome.error:
                return Delivery.FAILED, f"{outcome.error}: {outcome.cause}"
            return Delivery.DELIVERED, function.name
    except AwsError as exc:
        return Delivery.FAILED, f"{exc.code}: {exc.message}"
    return Delivery.FAILED, f"target type of {delivery.target_arn} is not supported yet"


def _start_machine(delivery: Delivery, machine: StateMachine) -> str:
    """Start the target under the delivery's own name; the ARN of the execution it names.

    A second run for the same delivery meets the execution the first one started: AWS answers
    a running one with itself, and a finished one with ExecutionAlreadyExists, which here
    means this delivery was already made.
    """
    name = execution_name(delivery)
    try:
        return executions.start_execution(machine, name=name, input_text=delivery.input).arn
    except AwsError as exc:
        if exc.code != ExecutionAlreadyExists.code:
            raise
        ws = machine.workspace
        return execution_arn(ws.region, ws.account_id, machine.name, name)


def _as_payload(text: str) -> Any:
    """What a function receives: the JSON value, or the text itself for a plain-text template."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def recover(min_age: timedelta = RECOVERY_MIN_AGE) -> None:
    """Re-enqueue every delivery still pending that is at least ``min_age`` old.

    Safe at any time and from any process: a delivery that is no longer pending when its
    task runs is left alone.
    """
    cutoff = timezone.now() - min_age
    pending = Delivery.objects.filter(status=Delivery.PENDING, created__lte=cutoff).order_by("id")
    enqueue_deliveries(pending.values_list("id", flat=True).iterator())
