"""Delivering a matched event to one rule target: render its input, then invoke it."""

from __future__ import annotations

import json
from typing import Any

from celery import shared_task
from django.utils import timezone

from engine.events.transform import render_target_input
from workbench.core.arns import Arn
from workbench.core.errors import AwsError
from workbench.events.models import Delivery, ReceivedEvent, Target
from workbench.functions import services as functions
from workbench.runtime import executions
from workbench.stepfunctions import services as stepfunctions


@shared_task(name="stepbridge.deliver_event")
def deliver_event(received_event_id: int, target_pk: int) -> None:
    received = ReceivedEvent.objects.filter(id=received_event_id).select_related("bus__workspace").first()
    target = Target.objects.filter(id=target_pk).select_related("rule__bus__workspace").first()
    if received is None or target is None:
        return
    rule = target.rule
    text = render_target_input(
        {
            key: value
            for key, value in (
                ("Input", target.input),
                ("InputPath", target.input_path),
                ("InputTransformer", target.input_transformer),
            )
            if value is not None
        },
        received.body,
        rule_arn=rule.arn,
        rule_name=rule.name,
        ingestion_time=received.received,
    )
    status, detail = _invoke(received, target, text)
    Delivery.objects.create(
        event=received,
        rule_name=rule.name,
        target_id=target.target_id,
        target_arn=target.arn,
        input=text,
        status=status,
        detail=detail,
    )


def _invoke(received: ReceivedEvent, target: Target, text: str) -> tuple[str, str]:
    workspace = received.bus.workspace
    arn = Arn.parse(target.arn)
    try:
        if arn is not None and arn.service == "states" and arn.resource.startswith("stateMachine:"):
            machine = stepfunctions.get_machine(workspace, target.arn)
            execution = executions.start_execution(machine, input_text=text)
            return "delivered", execution.arn
        if arn is not None and arn.service == "lambda":
            function = functions.resolve(workspace, target.arn)
            outcome = functions.invoke(
                function,
                _as_payload(text),
                caller=f"{target.rule.arn}#{target.target_id}",
                attempt=1,
            )
            if outcome.error:
                return "failed", f"{outcome.error}: {outcome.cause}"
            return "delivered", function.name
    except AwsError as exc:
        return "failed", f"{exc.code}: {exc.message}"
    return "failed", f"{timezone.now().isoformat()}: target type of {target.arn} is not supported yet"


def _as_payload(text: str) -> Any:
    """What a function receives: the JSON value, or the text itself for a plain-text template."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def recover() -> None:
    """Placeholder until the routing branch's durable deliveries land: nothing is pending here."""
