"""Step Functions' execution status change events on the workspace's default event bus.

AWS sends "Step Functions Execution Status Change" (source ``aws.states``) to the account's
default bus when a Standard execution starts RUNNING and when it ends SUCCEEDED, FAILED,
TIMED_OUT or ABORTED; Express workflows send none ("Only standard workflows emit events to
EventBridge", https://docs.aws.amazon.com/step-functions/latest/dg/eventbridge-integration.html,
event examples in https://docs.aws.amazon.com/step-functions/latest/dg/cw-events.html). The
detail carries the execution's ARN, its machine's, name, status, start and stop dates in epoch
milliseconds, input and output as strings with ``inputDetails``/``outputDetails``, error and
cause, and the version and alias it ran through; input is left out when input and output
together exceed 248 KB, output when it alone does.

The stepper calls ``execution_status_changed`` inside the transaction that records the status,
and routing stores the event with its deliveries there: the event exists exactly when the
change does.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from engine.events.event_time import format_event_time
from workbench.core.ids import random_id
from workbench.runtime import routing
from workbench.stepfunctions.models import Execution

SOURCE = "aws.states"
DETAIL_TYPE = "Step Functions Execution Status Change"
MAX_DATA_BYTES = 248 * 1024
"""The escaped input and output an event may carry together (cw-events page, "EventBridge payloads")."""


def execution_status_changed(execution: Execution, moment: datetime) -> None:
    """Put the execution's current status on its workspace's default bus (a Standard, top-level
    execution; a Map Run's children stay out, as their parent is the workflow AWS reports)."""
    if execution.map_run_id is not None:
        return
    workspace = execution.state_machine.workspace
    if workspace.default_bus_rules == 0:
        return  # nothing could match: not even the event is built
    event = {
        "version": "0",
        "id": random_id(),
        "detail-type": DETAIL_TYPE,
        "source": SOURCE,
        "account": workspace.account_id,
        "time": format_event_time(moment),
        "region": workspace.region,
        "resources": [execution.arn],
        "detail": detail(execution),
    }
    routing.accept_service_event(workspace, event)


def _millis(moment: datetime | None) -> int | None:
    return None if moment is None else int(moment.timestamp() * 1000)


def detail(execution: Execution) -> dict[str, Any]:
    """The event's ``detail``, as AWS's examples show it (absent values are null)."""
    output = execution.output if execution.status == Execution.SUCCEEDED else None
    output_size = len((output or "").encode())
    input_included = len(execution.input.encode()) + output_size <= MAX_DATA_BYTES
    output_included = output_size <= MAX_DATA_BYTES
    return {
        "executionArn": execution.arn,
        "stateMachineArn": execution.state_machine.arn,
        "name": execution.name,
        "status": execution.status,
        "startDate": _millis(execution.start_date),
        "stopDate": _millis(execution.stop_date),
        "input": execution.input if input_included else None,
        "output": output if output is not None and output_included else None,
        "inputDetails": {"included": input_included},
        "outputDetails": None if output is None else {"included": output_included},
        "error": execution.error,
        "cause": execution.cause,
        "stateMachineVersionArn": execution.version_arn,
        "stateMachineAliasArn": execution.alias_arn,
    }
