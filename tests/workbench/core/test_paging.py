"""Keyset paging (workbench.core.paging): stable under concurrent inserts, one index range per page."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test import Client

from tests.support.inprocess import machine as new_machine
from tests.workbench.awsapi.calls import call
from workbench.core import paging
from workbench.core.errors import AwsError
from workbench.core.paging import page
from workbench.stepfunctions.models import Execution, StateMachine

pytestmark = pytest.mark.django_db

BASE = datetime(2026, 1, 1, tzinfo=UTC)
DEFINITION = json.dumps({"StartAt": "A", "States": {"A": {"Type": "Pass", "End": True}}})


def _start(machine: StateMachine, name: str, minute: int) -> Execution:
    return Execution.objects.create(
        state_machine=machine,
        name=name,
        definition=DEFINITION,
        input="{}",
        start_date=BASE + timedelta(minutes=minute),
    )


def test_listing_while_executions_start_repeats_and_skips_nothing(client: Client) -> None:
    machine = new_machine(DEFINITION)
    # Three executions share each start time: the id decides among them.
    existing = {_start(machine, f"old-{n}", n // 3).name for n in range(45)}
    seen: list[str] = []
    token = None
    for round_ in range(20):
        params = {"stateMachineArn": machine.arn, "maxResults": 7, **({"nextToken": token} if token else {})}
        status, body = call(client, "AWSStepFunctions.ListExecutions", params)
        assert status == 200, body
        seen += [item["name"] for item in body["executions"]]
        # Between pages, executions start: newer ones (which sort first, where an offset would
        # shift every later page) and ones at the very start time of the page's last row.
        _start(machine, f"new-{round_}", 1000 + round_)
        _start(machine, f"tie-{round_}", 5)
        token = body.get("nextToken")
        if token is None:
            break
    assert len(seen) == len(set(seen)), "a row was listed twice"
    assert existing <= set(seen), f"rows that existed at the start were skipped: {existing - set(seen)}"


def test_pages_follow_the_order_and_end_without_a_token() -> None:
    machine = new_machine(DEFINITION)
    for n in range(5):
        _start(machine, f"e{n}", n % 2)
    ordered = Execution.objects.filter(state_machine=machine).order_by("-start_date", "-id")
    first, token = page(ordered, None, 2)
    second, token2 = page(ordered, token, 2)
    third, token3 = page(ordered, token2, 2)
    assert [e.id for e in first + second + third] == [e.id for e in ordered]
    assert token3 is None and len(third) == 1


def test_sequences_page_by_their_key() -> None:
    names = ["a", "b", "c", "d", "e"]
    first, token = page(names, None, 2)
    assert first == ["a", "b"]
    rest, end = page(["a", "aa", *names[1:]], token, 10)  # "aa" sorts before "b": not a skipped row
    assert (rest, end) == (["c", "d", "e"], None)


@pytest.mark.parametrize("token", ["%%%", "bm90IGpzb24", "WyJ4Il0="])
def test_a_foreign_or_broken_token_is_invalid(token: str) -> None:
    machine = new_machine(DEFINITION)
    _start(machine, "e", 0)
    with pytest.raises(AwsError) as error:
        page(Execution.objects.filter(state_machine=machine).order_by("-start_date", "-id"), token, 2)
    assert error.value.code == "InvalidToken"


def test_a_page_of_executions_is_one_index_range() -> None:
    machine = new_machine(DEFINITION)
    for n in range(30):
        _start(machine, f"e{n}", n)
    ordered = machine.executions.filter(map_run__isnull=True).order_by("-start_date", "-id")
    _, token = page(ordered, None, 5)
    after = paging._after(Execution, paging._ordering(ordered), paging._decode(token or ""))
    sql, params = ordered.filter(after)[:6].query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # 30 rows fit one page: tell the planner that scanning the table is not an option.
            cursor.execute("SET LOCAL enable_seqscan = off")
            cursor.execute(f"EXPLAIN {sql}", params)
        else:
            cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        plan = " ".join(str(row[-1]) for row in cursor.fetchall())
    assert "execution_list_order" in plan, plan
    assert "TEMP B-TREE" not in plan and "Sort" not in plan, plan  # no sort of the whole list
