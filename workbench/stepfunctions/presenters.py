"""Shaping stored executions for the AWS API and the browser, from one place."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import Count

from workbench.core.jsonio import epoch
from workbench.stepfunctions.models import Execution, HistoryEvent, MapRun


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
        "stateMachineArn": execution.state_machine_arn,
        "name": execution.name,
        "status": execution.status,
        "startDate": epoch(execution.start_date),
    }
    if execution.stop_date is not None:
        shaped["stopDate"] = epoch(execution.stop_date)
    if execution.map_run_id is not None:
        shaped["mapRunArn"] = execution.map_run.arn
    # Started through a version or an alias: both named (ListExecutions and DescribeExecution
    # alike, as LocalStack's AWS snapshot test_base_lifecycle_create_invoke_describe_list shows).
    if execution.version_number is not None:
        shaped["stateMachineVersionArn"] = execution.version_arn
    if execution.alias_name is not None:
        shaped["stateMachineAliasArn"] = execution.alias_arn
    return shaped


def describe_map_run(map_run: MapRun) -> dict[str, Any]:
    """DescribeMapRun: the run's settings and its children counted by status.

    Items and executions count alike here: one child per item (or per batch)."""
    counts = _child_counts(map_run)
    counts["resultsWritten"] = counts["succeeded"] + counts["failed"]
    shaped: dict[str, Any] = {
        "mapRunArn": map_run.arn,
        "executionArn": map_run.execution.arn,
        "status": map_run.status,
        "startDate": epoch(map_run.start_date),
        "maxConcurrency": map_run.max_concurrency,
        "toleratedFailurePercentage": map_run.tolerated_failure_percentage,
        "toleratedFailureCount": map_run.tolerated_failure_count,
        "itemCounts": counts,
        "executionCounts": dict(counts),
        "redriveCount": 0,
    }
    if map_run.stop_date is not None:
        shaped["stopDate"] = epoch(map_run.stop_date)
    return shaped


def _child_counts(map_run: MapRun) -> dict[str, int]:
    by_status = dict(
        map_run.children.values_list("status").annotate(n=Count("id")).values_list("status", "n")
    )
    started = sum(by_status.values())
    return {
        "pending": max(0, map_run.item_count - started),
        "running": by_status.get(Execution.RUNNING, 0),
        "succeeded": by_status.get(Execution.SUCCEEDED, 0),
        "failed": by_status.get(Execution.FAILED, 0),
        "timedOut": by_status.get(Execution.TIMED_OUT, 0),
        "aborted": by_status.get(Execution.ABORTED, 0),
        "total": map_run.item_count,
        "failuresNotRedrivable": 0,
        "pendingRedrive": 0,
    }


def map_run_list_item(map_run: MapRun) -> dict[str, Any]:
    shaped: dict[str, Any] = {
        "executionArn": map_run.execution.arn,
        "mapRunArn": map_run.arn,
        "stateMachineArn": map_run.state_machine_arn,
        "startDate": epoch(map_run.start_date),
    }
    if map_run.stop_date is not None:
        shaped["stopDate"] = epoch(map_run.stop_date)
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
