"""ASL definition validation: Next targets, terminal states and reachability.

Expected texts are AWS's own, from the reports named in ``support``.
"""

from __future__ import annotations

import pytest

from engine.states.definition import (
    InvalidDefinitionError,
    parse_definition,
)
from tests.engine.states.definition.support import (
    LAMBDA,
    PASS_END,
    errors,
    found,
    machine,
)

# --- transitions ----------------------------------------------------------------------------------


def test_missing_target_and_unreachable_state_in_aws_format() -> None:
    # localstack/localstack#12487 reproduces AWS's exact InvalidDefinition message for this machine.
    text = machine({"pass1": {"Type": "Pass", "Next": "pass3"}, "pass2": PASS_END}, "pass1")
    with pytest.raises(InvalidDefinitionError) as raised:
        parse_definition(text)
    assert raised.value.message == (
        "Invalid State Machine Definition: 'MISSING_TRANSITION_TARGET: Missing 'Next' target: pass3 at "
        '/States/pass1/Next, MISSING_TRANSITION_TARGET: State "pass2" is not reachable. at /States/pass2\''
    )
    assert str(raised.value) == raised.value.message
    assert [d.code for d in raised.value.diagnostics] == ["MISSING_TRANSITION_TARGET"] * 2


def test_dangling_targets_say_next_whatever_the_field() -> None:
    # floci-io/floci#2786: the literal word Next for Choices[].Next, Default and Catch[].Next alike.
    states = {
        "C": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.a", "IsNull": True, "Next": "Nope1"}],
            "Default": "T",
        },
        "T": {
            "Type": "Task",
            "Resource": LAMBDA,
            "Catch": [{"ErrorEquals": ["States.ALL"], "Next": "Nope2"}],
            "End": True,
        },
        "D": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.a", "IsNull": True, "Next": "T"}],
            "Default": "Nope3",
        },
    }
    result = errors(machine(states, "C"))
    assert (
        "MISSING_TRANSITION_TARGET",
        "Missing 'Next' target: Nope1",
        "/States/C/Choices[0]/Next",
    ) in result
    assert ("MISSING_TRANSITION_TARGET", "Missing 'Next' target: Nope2", "/States/T/Catch[0]/Next") in result
    assert ("MISSING_TRANSITION_TARGET", "Missing 'Next' target: Nope3", "/States/D/Default") in result
    assert ("MISSING_TRANSITION_TARGET", 'State "D" is not reachable.', "/States/D") in result


def test_no_terminal_state_suppresses_reachability() -> None:
    # floci-io/floci#2786: a loop gives MISSING_END_STATE with no location, and nothing else.
    loop = {"A": {"Type": "Pass", "Next": "B"}, "B": {"Type": "Pass", "Next": "A"}}
    assert found(machine(loop)) == [("ERROR", "MISSING_END_STATE", "Workflow has no terminal state", "")]
    assert found(machine({**loop, "X": {"Type": "Pass", "Next": "A"}})) == [
        ("ERROR", "MISSING_END_STATE", "Workflow has no terminal state", "")
    ]
    with_terminal = errors(machine({**loop, "C": PASS_END}))
    assert with_terminal == [("MISSING_TRANSITION_TARGET", 'State "C" is not reachable.', "/States/C")]


def test_dangling_target_then_missing_end_state() -> None:
    # floci-io/floci#2786: both diagnostics, in this order.
    assert errors(machine({"A": {"Type": "Pass", "Next": "NOPE"}})) == [
        ("MISSING_TRANSITION_TARGET", "Missing 'Next' target: NOPE", "/States/A/Next"),
        ("MISSING_END_STATE", "Workflow has no terminal state", ""),
    ]


def test_branch_is_its_own_scope() -> None:
    branch = {"StartAt": "In", "States": {"In": {"Type": "Pass", "Next": "Out"}}}
    text = machine({"P": {"Type": "Parallel", "Branches": [branch], "Next": "Out"}, "Out": PASS_END})
    assert errors(text) == [
        ("MISSING_TRANSITION_TARGET", "Missing 'Next' target: Out", "/States/P/Branches[0]/States/In/Next"),
        ("MISSING_END_STATE", "Workflow has no terminal state", ""),
    ]


def test_reachability_through_catch_and_choices() -> None:
    states = {
        "T": {
            "Type": "Task",
            "Resource": LAMBDA,
            "Catch": [{"ErrorEquals": ["X"], "Next": "C"}],
            "End": True,
        },
        "C": {
            "Type": "Choice",
            "Choices": [{"Variable": "$.a", "IsNull": True, "Next": "S"}],
            "Default": "F",
        },
        "S": {"Type": "Succeed"},
        "F": {"Type": "Fail"},
    }
    assert errors(machine(states, "T")) == []
