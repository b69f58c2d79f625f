"""Shaping stored executions for the AWS API and the browser, from one place."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from workbench.core.jsonio import epoch
from workbench.flows.models import Execution, HistoryEvent


def shape_event(event: dict[str, Any]) -> dict[str, Any]:
    """An AWS history event with its timestamp as ISO text, for JSON over a WebSocket."""
    shaped = dict(event)
    stamp = shaped.get("timestamp")
    if isinstance(stamp, datetime):
        shaped["timestamp"] = stamp.isoformat()
    return shaped


def history_row_to_aws(row: HistoryEvent, *, include_data: bool = True) -> dict[str, Any]:
    event: dict[str, Any] = {
        "timestamp": row.timestamp,
        "type": row.type,
        "id": row.event_id,
        "previousEventId": row.previous_event_id,
    }
    if row.details_key:
        details = dict(row.details or {})
        if not include_data:
            for key in ("input", "output"):
                if key in details:
                    details.pop(key)
                    details.pop(f"{key}Details", None)
        event[row.details_key] = details
    return event


def shape_history_row(row: HistoryEvent) -> dict[str, Any]:
    return shape_event(history_row_to_aws(row))


def list_item(execution: Execution) -> dict[str, Any]:
    shaped: dict[str, Any] = {
        "executionArn": execution.arn,
        "stateMachineArn": execution.state_machine.arn,
        "name": execution.name,
        "status": execution.status,
        "startDate": epoch(execution.start_date),
    }
    if execution.stop_date is not None:
        shaped["stopDate"] = epoch(execution.stop_date)
    return shaped


def describe_execution(execution: Execution) -> dict[str, Any]:
    """DescribeExecution's response: the list item plus input, output and error."""
    shaped = list_item(execution)
    shaped.update(
        {
            "input": execution.input,
            "inputDetails": {"included": True},
            "redriveCount": 0,
            "redriveStatus": "NOT_REDRIVABLE",
        }
    )
    if execution.status == Execution.SUCCEEDED:
        shaped["output"] = execution.output
        shaped["outputDetails"] = {"included": True}
    if execution.error is not None:
        shaped["error"] = execution.error
    if execution.cause is not None:
        shaped["cause"] = execution.cause
    return shaped
