"""Step Functions' Map Run operations (Distributed Map): DescribeMapRun, ListMapRuns, UpdateMapRun."""

from __future__ import annotations

from typing import Any

from workbench.accounts.models import Workspace
from workbench.awsapi.protocol import required
from workbench.awsapi.stepfunctions import paged, sfn
from workbench.core.errors import invalid, value_at_least, value_between
from workbench.runtime import executions
from workbench.stepfunctions import presenters
from workbench.stepfunctions import services as stepfunctions


@sfn.operation("DescribeMapRun")
def describe_map_run(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    return presenters.describe_map_run(stepfunctions.get_map_run(ws, required(params, "mapRunArn")))


@sfn.operation("ListMapRuns")
def list_map_runs(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    execution = stepfunctions.get_execution(ws, required(params, "executionArn"))
    runs = execution.map_runs.select_related("execution__state_machine__workspace").order_by(
        "-start_date", "-id"
    )
    return paged("mapRuns", runs, params, presenters.map_run_list_item)


@sfn.operation("UpdateMapRun")
def update_map_run(ws: Workspace, params: dict[str, Any]) -> dict[str, Any]:
    map_run = stepfunctions.get_map_run(ws, required(params, "mapRunArn"))
    executions.update_map_run(
        map_run,
        max_concurrency=_bounded(params, "maxConcurrency", 0, None),
        tolerated_failure_count=_bounded(params, "toleratedFailureCount", 0, None),
        tolerated_failure_percentage=_bounded(params, "toleratedFailurePercentage", 0, 100),
    )
    return {}


def _bounded(params: dict[str, Any], name: str, low: float, high: float | None) -> Any:
    """A numeric member within AWS's documented range, else ValidationException naming it."""
    value = params.get(name)
    if value is None:
        return None
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or value < low
        or (high is not None and value > high)
    ):
        raise invalid(name, value_at_least(low) if high is None else value_between(low, high), value)
    return value
