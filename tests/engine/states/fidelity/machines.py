"""State machines the fidelity tests share, shaped like the AWS-recorded templates they follow
(localstack/localstack, tests/aws/services/stepfunctions/templates/scenarios/statemachines/)."""

from __future__ import annotations

from typing import Any

from tests.engine.states.interpreter_harness import valid_machine

PASS_PROCESSOR = {"StartAt": "HandleItem", "States": {"HandleItem": {"Type": "Pass", "End": True}}}
INLINE = {"ProcessorConfig": {"Mode": "INLINE"}, **PASS_PROCESSOR}
DISTRIBUTED = {"ProcessorConfig": {"Mode": "DISTRIBUTED", "ExecutionType": "STANDARD"}, **PASS_PROCESSOR}


def items_variable_machine(value: Any) -> dict[str, Any]:
    """map_state_items_variable.json5: a Pass assigns ItemsVar, a JSONata Map iterates it."""
    return valid_machine(
        {
            "Start": {"Type": "Pass", "Assign": {"ItemsVar": value}, "Next": "MapIterateState"},
            "MapIterateState": {
                "Type": "Map",
                "MaxConcurrency": 1,
                "Items": "{% $ItemsVar %}",
                "ItemProcessor": INLINE,
                "End": True,
            },
        },
        "JSONata",
    )


def map_input_machine() -> dict[str, Any]:
    """map_state_items.json5: a JSONata Map without Items iterates its input ($states.input.items)."""
    return valid_machine(
        {
            "Start": {"Type": "Pass", "Output": "{% $states.input.items %}", "Next": "MapIterateState"},
            "MapIterateState": {"Type": "Map", "MaxConcurrency": 1, "ItemProcessor": INLINE, "End": True},
        },
        "JSONata",
    )
