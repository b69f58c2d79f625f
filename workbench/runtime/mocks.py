"""Answering a Task state from the execution's MockConfig test case instead of its resource.

An execution started on ``<stateMachineArn>#<TestCase>`` keeps its test case
(``Execution.mock_case``, chosen and checked by ``workbench.stepfunctions.mocks``). Each Task
state the test case names is answered by its mocked response for that invocation, whatever the
resource (functions, queues, ``aws-sdk:*``, ``.sync`` and ``.waitForTaskToken`` ones: the mock
answers at once, as Step Functions Local does; sfn-local-test-sm-exec page). Invocations are
counted per state across the execution, from 0, as Step Functions Local counts them: a retry is
the next invocation, and so is the state entered again (a loop, another Map iteration). An
invocation the mocked response does not cover fails the state with States.Runtime, as Step
Functions Local does ("If you do not specify a mocked response, the state machine execution
will fail", sfn-local-mock-cfg-file page). Task states the test case does not name call their
resource for real.
"""

from __future__ import annotations

import re
from typing import Any

from workbench.runtime.integrations import TaskResult
from workbench.stepfunctions.models import TaskInvocation

_ATTEMPTS = re.compile(r"^(\d+)(?:-(\d+))?$")


def mocked_state(mock_case: Any, state_name: str) -> dict[str, Any] | None:
    """The mocked response of ``state_name`` in the execution's test case, None when unmocked."""
    if not isinstance(mock_case, dict):
        return None
    mocked = mock_case.get("states", {}).get(state_name)
    return mocked if isinstance(mocked, dict) else None


def invocation_index(invocation: TaskInvocation) -> int:
    """How many calls of the same state this execution made before this one (0 for the first)."""
    return TaskInvocation.objects.filter(
        execution_id=invocation.execution_id, state_name=invocation.state_name, id__lt=invocation.id
    ).count()


def answer(mock_case: Any, state_name: str, invocation: int) -> TaskResult:
    """The mocked outcome of invocation ``invocation`` (from 0) of a state the test case mocks."""
    mocked = mocked_state(mock_case, state_name)
    assert mocked is not None, state_name
    for key, given in mocked["answers"].items():
        match = _ATTEMPTS.match(key)
        if match is None:
            continue
        first, last = int(match[1]), int(match[2] or match[1])
        if first <= invocation <= last:
            if "Throw" in given:
                thrown = given["Throw"]
                return TaskResult(
                    True, error=str(thrown.get("Error", "")), cause=str(thrown.get("Cause", ""))
                )
            return TaskResult(True, output=given.get("Return"))
    return TaskResult(
        True,
        error="States.Runtime",
        cause=f"The mocked response '{mocked['response']}' of test case '{mock_case.get('testCase')}' has "
        f"no answer for invocation {invocation} of state '{state_name}'",
    )
