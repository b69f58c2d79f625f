"""Shared set-up for the in-process event tests: a rule with targets, a state machine to
target, and a recorder standing in for the broker (in-process tests run no worker)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from workbench.accounts.models import Workspace
from workbench.events import services as events
from workbench.runtime import queue
from workbench.stepfunctions import services as stepfunctions
from workbench.stepfunctions.models import StateMachine

PATTERN = {"source": ["shop"]}
PASS_MACHINE = json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Pass", "End": True}}})
ROLE = "arn:aws:iam::123456789012:role/events"
ECHO_ARN = "arn:aws:lambda:us-east-1:123456789012:function:echo"


def entry(**detail: Any) -> dict[str, str]:
    """A PutEvents entry the rule of ``rule_with_targets`` matches."""
    return {"Source": "shop", "DetailType": "order", "Detail": json.dumps(detail)}


def record_enqueued(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The delivery ids handed to the broker from now on, in order."""
    sent: list[int] = []

    def enqueue(name: str, *args: Any, eta: Any = None, nearby: Any = None) -> None:
        assert name == queue.DELIVER_EVENTS
        [batch] = args
        sent.extend(batch)

    monkeypatch.setattr(queue, "enqueue", enqueue)
    return sent


def machine(ws: Workspace, name: str = "on-order") -> StateMachine:
    return stepfunctions.create_state_machine(ws, name=name, definition=PASS_MACHINE, role_arn=ROLE)


def rule_with_targets(ws: Workspace, targets: list[dict[str, Any]], name: str = "orders") -> None:
    events.put_rule(ws, name=name, event_pattern=json.dumps(PATTERN))
    assert events.put_targets(ws, name, None, targets) == []
