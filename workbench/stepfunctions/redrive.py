"""Whether an execution can be redriven, and why not: DescribeExecution's ``redriveStatus`` and
``redriveStatusReason``, and RedriveExecution's refusals, from one place; and which Map Run
children wait to be redriven (``PENDING_REDRIVE``).

AWS's conditions (https://docs.aws.amazon.com/step-functions/latest/apireference/API_RedriveExecution.html
and the DescribeExecution reference): a Standard execution that did not succeed, ended less than
14 days ago, with fewer than 24,999 history events (room for ``ExecutionRedriven`` and one more
event); a Distributed Map's child is redriven by its Map Run (``REDRIVABLE_BY_MAP_RUN``). The
reasons are AWS's ``redriveStatusReason`` texts, spelled as AWS records them for a Map Run's
children ("Execution is SUCCEEDED and cannot be redriven", LocalStack's AWS-recorded
ResultWriter snapshots); the one for an execution that ended before any state ran is ours.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from django.db.models import Q

from engine.states.handlers.redrive import MAX_REDRIVES, refusal
from workbench.stepfunctions.models import Execution

REDRIVABLE_PERIOD = timedelta(days=14)
HISTORY_ROOM = 24_999
"""AWS redrives an execution whose history has fewer events than this."""

RedriveStatus = Literal["REDRIVABLE", "NOT_REDRIVABLE", "REDRIVABLE_BY_MAP_RUN"]


@dataclass(frozen=True)
class Redrivability:
    status: RedriveStatus
    reason: str | None = None


def redrivability(execution: Execution, now: datetime) -> Redrivability:
    """The execution's redriveStatus at ``now`` (reads its decider state only once it has ended)."""
    if execution.status == Execution.RUNNING:
        return Redrivability("NOT_REDRIVABLE", "Execution is RUNNING and cannot be redriven")
    if execution.status == Execution.SUCCEEDED:
        return Redrivability("NOT_REDRIVABLE", "Execution is SUCCEEDED and cannot be redriven")
    if execution.map_run_id is not None:
        return Redrivability("REDRIVABLE_BY_MAP_RUN")
    if execution.stop_date is not None and now - execution.stop_date > REDRIVABLE_PERIOD:
        return Redrivability("NOT_REDRIVABLE", "Execution redrivable period exceeded")
    if execution.event_count >= HISTORY_ROOM:
        return Redrivability("NOT_REDRIVABLE", "Execution history event limit exceeded")
    reason = refusal(execution.engine_state)
    if reason is not None:
        return Redrivability("NOT_REDRIVABLE", reason)
    return Redrivability("REDRIVABLE")


def limit_reached(execution: Execution) -> bool:
    """AWS redrives one execution at most 1,000 times (ExecutionLimitExceeded after that)."""
    return execution.redrive_count >= MAX_REDRIVES


UNSUCCESSFUL = (Execution.FAILED, Execution.TIMED_OUT, Execution.ABORTED)


def pending_redrive() -> Q:
    """A Map Run child waiting to be redriven (AWS's PENDING_REDRIVE status): it ended
    unsuccessfully and its stop date was cleared when its redriven Map Run chose it again."""
    return Q(map_run__isnull=False, status__in=UNSUCCESSFUL, stop_date__isnull=True)


def is_pending_redrive(execution: Execution) -> bool:
    return (
        execution.map_run_id is not None and execution.status in UNSUCCESSFUL and execution.stop_date is None
    )
