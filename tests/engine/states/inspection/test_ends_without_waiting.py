"""Whether a run of a machine ends without waiting (a shell may then run it at once, inside the
transaction that started it): Wait states and Retry back-offs are timers ("Wait", "Handling
errors in Step Functions workflows"); a Distributed Map's iterations are child executions; a
Task waits unless its resource is answered before its call returns."""

from __future__ import annotations

from typing import Any

import pytest

from engine.states.inspection import ends_without_waiting

QUICK = "arn:aws:lambda:us-east-1:123456789012:function:echo"


def answered_at_once(resource: str) -> bool:
    return resource == QUICK


def machine(**states: dict[str, Any]) -> dict[str, Any]:
    return {"StartAt": next(iter(states)), "States": states}


def task(resource: str = QUICK, **fields: Any) -> dict[str, Any]:
    return {"Type": "Task", "Resource": resource, "End": True, **fields}


def test_pass_choice_succeed_fail_and_quick_tasks_end_without_waiting() -> None:
    definition = machine(
        C={
            "Type": "Choice",
            "Choices": [{"Variable": "$.x", "IsPresent": True, "Next": "T"}],
            "Default": "F",
        },
        T=task(Catch=[{"ErrorEquals": ["States.ALL"], "Next": "F"}], TimeoutSeconds=5, End=False, Next="P"),
        P={"Type": "Pass", "Next": "S"},
        S={"Type": "Succeed"},
        F={"Type": "Fail"},
    )
    assert ends_without_waiting(definition, answered_at_once)


@pytest.mark.parametrize(
    "state",
    [
        {"Type": "Wait", "Seconds": 0, "End": True},
        task(Retry=[{"ErrorEquals": ["States.ALL"]}]),
        task("arn:aws:states:::lambda:invoke.waitForTaskToken"),
        task("arn:aws:states:::http:invoke"),
        {"Type": "Parallel", "Branches": [machine(A=task())], "Retry": [{"ErrorEquals": ["X"]}], "End": True},
    ],
    ids=["wait", "retry", "token", "elsewhere", "parallel-retry"],
)
def test_a_state_that_may_wait_makes_the_machine_wait(state: dict[str, Any]) -> None:
    assert not ends_without_waiting(machine(First={"Type": "Pass", "Next": "W"}, W=state), answered_at_once)


def test_nested_states_are_read() -> None:
    quick_branch = machine(A=task())
    waiting_branch = machine(A={"Type": "Wait", "Seconds": 1, "End": True})
    parallel = {"Type": "Parallel", "Branches": [quick_branch, quick_branch], "End": True}
    assert ends_without_waiting(machine(P=parallel), answered_at_once)
    parallel["Branches"] = [quick_branch, waiting_branch]
    assert not ends_without_waiting(machine(P=parallel), answered_at_once)
    inline = {"Type": "Map", "ItemProcessor": quick_branch, "End": True}
    assert ends_without_waiting(machine(M=inline), answered_at_once)
    assert not ends_without_waiting(machine(M={**inline, "ItemProcessor": waiting_branch}), answered_at_once)
    assert ends_without_waiting(
        machine(M={"Type": "Map", "Iterator": quick_branch, "End": True}), answered_at_once
    )


def test_a_distributed_map_waits_for_its_children() -> None:
    processor = {**machine(A={"Type": "Pass", "End": True}), "ProcessorConfig": {"Mode": "DISTRIBUTED"}}
    assert not ends_without_waiting(
        machine(M={"Type": "Map", "ItemProcessor": processor, "End": True}), answered_at_once
    )


def test_a_malformed_definition_is_not_called_quick() -> None:
    assert not ends_without_waiting({"StartAt": "A"}, answered_at_once)
    assert not ends_without_waiting({"StartAt": "A", "States": {"A": "Pass"}}, answered_at_once)
