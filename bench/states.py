"""How fast the decider runs state machines in memory, beside moto's Step Functions interpreter.

Run: ``.venv/bin/python bench/states.py``. Prints a Markdown table: state transitions (states
entered) per second for each workload, for our decider and for moto 5's ASL interpreter
(``mock_aws(config={"stepfunctions": {"execute_state_machine": True}})``), and the ratio.
moto runs executions in a background thread; we poll DescribeExecution until it ends, so its
figure includes the boto3 round trips a user of moto pays.

Each figure is the median of several timed rounds, with the slowest and fastest round beside
it: on a shared machine one round can be far off, and the best alone flatters.
"""

from __future__ import annotations

import itertools
import json
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.states.interpreter import advance
from engine.states.model import Environment, ExecutionContext, ExecutionStartRequested

ROLE = "arn:aws:iam::123456789012:role/bench"


def pass_chain(length: int = 10) -> dict[str, Any]:
    states: dict[str, Any] = {f"S{i}": {"Type": "Pass", "Next": f"S{i + 1}"} for i in range(length - 1)}
    states[f"S{length - 1}"] = {"Type": "Pass", "End": True}
    return {"StartAt": "S0", "States": states}


def choice_loop(iterations: int = 100) -> dict[str, Any]:
    """A counter in a Pass state (States.MathAdd) and a Choice that loops until it reaches the limit."""
    return {
        "StartAt": "Init",
        "States": {
            "Init": {"Type": "Pass", "Result": 0, "ResultPath": "$.count", "Next": "Check"},
            "Check": {
                "Type": "Choice",
                "Choices": [{"Variable": "$.count", "NumericGreaterThanEquals": iterations, "Next": "Done"}],
                "Default": "Increment",
            },
            "Increment": {
                "Type": "Pass",
                "Parameters": {"count.$": "States.MathAdd($.count, 1)"},
                "Next": "Check",
            },
            "Done": {"Type": "Succeed"},
        },
    }


def map_of_items() -> dict[str, Any]:
    return {
        "StartAt": "Each",
        "States": {
            "Each": {
                "Type": "Map",
                "ItemsPath": "$.items",
                "ItemProcessor": {"StartAt": "Touch", "States": {"Touch": {"Type": "Pass", "End": True}}},
                "End": True,
            }
        },
    }


WORKLOADS: list[tuple[str, dict[str, Any], Any]] = [
    ("10-state Pass chain", pass_chain(), {"order": {"id": "o-1", "amount": 12.5}}),
    ("100-iteration Choice loop (States.MathAdd)", choice_loop(), {}),
    ("Map of 1,000 items (Pass inside)", map_of_items(), {"items": list(range(1000))}),
]


def run_decider(definition: dict[str, Any], value: Any) -> int:
    """One execution to completion; returns the number of states entered."""
    tokens = itertools.count()
    now = datetime(2024, 1, 1, tzinfo=UTC)
    env = Environment(now=now, new_token=lambda: f"t{next(tokens)}")
    context = ExecutionContext(
        "arn:aws:states:us-east-1:123456789012:execution:bench:e",
        "e",
        "arn:aws:states:us-east-1:123456789012:stateMachine:bench",
        "bench",
        now,
        ROLE,
    )
    decision = advance(definition, None, ExecutionStartRequested(value, context), env)
    assert decision.status == "SUCCEEDED", decision.status
    return sum(1 for event in decision.history if event.type.endswith("StateEntered"))


def rate(execute: Callable[..., int], minimum_seconds: float) -> tuple[float, int]:
    """Transitions per second over repeated executions lasting at least ``minimum_seconds``."""
    transitions = 0
    runs = 0
    started = time.perf_counter()
    while True:
        transitions += execute()
        runs += 1
        elapsed = time.perf_counter() - started
        if elapsed >= minimum_seconds:
            return transitions / elapsed, runs


OUR_ROUNDS = 7
OUR_ROUND_SECONDS = 1.0
MOTO_ROUNDS = 3
MOTO_ROUND_SECONDS = 2.0


def rounds(execute: Callable[..., int], count: int, seconds: float) -> list[float]:
    """Transitions per second of ``count`` timed rounds."""
    return [rate(execute, seconds)[0] for _ in range(count)]


def summary(rates: list[float]) -> str:
    """``median [slowest to fastest]`` of the rounds."""
    return f"{statistics.median(rates):,.0f} [{min(rates):,.0f} to {max(rates):,.0f}]"


def moto_runner() -> Callable[[dict[str, Any], Any], Callable[[], int]] | None:
    try:
        import boto3
        import moto.stepfunctions.parser.models  # noqa: F401  (needs antlr4-python3-runtime)
        from moto import mock_aws
    except ImportError as missing:
        print(f"moto's Step Functions interpreter is unavailable: {missing}", file=sys.stderr)
        return None
    mock = mock_aws(config={"stepfunctions": {"execute_state_machine": True}})
    mock.start()
    client = boto3.client(
        "stepfunctions", region_name="us-east-1", aws_access_key_id="test", aws_secret_access_key="test"
    )
    names = itertools.count()

    def prepare(definition: dict[str, Any], value: Any) -> Callable[[], int]:
        arn = client.create_state_machine(
            name=f"bench-{next(names)}", definition=json.dumps(definition), roleArn=ROLE
        )["stateMachineArn"]
        text = json.dumps(value)

        def execute() -> int:
            execution = client.start_execution(stateMachineArn=arn, name=f"e{next(names)}", input=text)[
                "executionArn"
            ]
            while (status := client.describe_execution(executionArn=execution)["status"]) == "RUNNING":
                time.sleep(0.0005)
            assert status == "SUCCEEDED", status
            paginator = client.get_paginator("get_execution_history")
            return sum(
                1
                for page in paginator.paginate(executionArn=execution)
                for event in page["events"]
                if event["type"].endswith("StateEntered")
            )

        return execute

    return prepare


def main() -> None:
    ours: list[list[float]] = []
    for _name, definition, value in WORKLOADS:
        run_decider(definition, value)  # warm the compile cache
        execute = lambda d=definition, v=value: run_decider(d, v)  # noqa: E731
        ours.append(rounds(execute, OUR_ROUNDS, OUR_ROUND_SECONDS))
    # moto afterwards: its background execution threads must not share the CPU with our timing.
    prepare_moto = moto_runner()
    theirs: list[list[float] | None] = []
    for _name, definition, value in WORKLOADS:
        if prepare_moto is None:
            theirs.append(None)
        else:
            theirs.append(rounds(prepare_moto(definition, value), MOTO_ROUNDS, MOTO_ROUND_SECONDS))
    print(
        f"Median [slowest to fastest] of {OUR_ROUNDS} rounds of {OUR_ROUND_SECONDS:g} s for the decider, "
        f"{MOTO_ROUNDS} rounds of {MOTO_ROUND_SECONDS:g} s for moto.\n"
    )
    print("| workload | decider transitions/s | moto transitions/s | ratio of medians |")
    print("|---|---:|---:|---:|")
    for (name, _definition, _value), our_rates, moto in zip(WORKLOADS, ours, theirs, strict=True):
        if moto is None:
            print(f"| {name} | {summary(our_rates)} | n/a | n/a |")
        else:
            ratio = statistics.median(our_rates) / statistics.median(moto)
            print(f"| {name} | {summary(our_rates)} | {summary(moto)} | {ratio:,.0f}x |")


if __name__ == "__main__":
    main()
