"""TestState's ``context`` member: the context object (``$$``) the caller supplies.

AWS takes it in place of the one it would build (LocalStack's AWS snapshots,
test_state_context_object.snapshot.json: with ``context: {}`` the state sees ``$$`` as ``{}``,
with ``{"Execution": {}, "State": {}, "StateMachine": {}}`` exactly those empty objects) and
refuses what a real context object cannot hold, as ValidationException:

    Invalid Context object provided: Field 'Pokedex' is not allowed
    Invalid Context object provided: 'Map' field is not supported when mocking a Context object
    Invalid Context object provided: Execution.Id must be a string
    Invalid Context object provided: Context object contains 'Task' when state is not a Task
        state with a '.sync' or '.waitForTaskToken' service integration pattern

(all four recorded there). The members allowed are the documented context object's ("Context
object", input-output-contextobject page); type rules beyond ``Execution.Id`` follow its example.
"""

from __future__ import annotations

from collections.abc import Mapping

from engine.states.model import JSON

__all__ = ["InvalidContextError", "check_context"]

_PREFIX = "Invalid Context object provided: "
_TEXT, _WHOLE, _ANY = "a string", "an integer", "any"
_FIELDS: Mapping[str, Mapping[str, str]] = {
    "Execution": {
        "Id": _TEXT,
        "Input": _ANY,
        "Name": _TEXT,
        "RoleArn": _TEXT,
        "StartTime": _TEXT,
        "RedriveCount": _WHOLE,
        "RedriveTime": _TEXT,
    },
    "State": {"EnteredTime": _TEXT, "Name": _TEXT, "RetryCount": _WHOLE},
    "StateMachine": {"Id": _TEXT, "Name": _TEXT},
    "Task": {"Token": _TEXT},
}


class InvalidContextError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def check_context(context: Mapping[str, JSON], *, takes_token: bool) -> None:
    """Refuse a context object AWS would refuse; ``takes_token`` says the state under test is a
    Task with ``.sync`` or ``.waitForTaskToken``, the only states whose context has ``Task``."""
    for key, value in context.items():
        if key == "Map":
            raise _invalid("'Map' field is not supported when mocking a Context object")
        fields = _FIELDS.get(key)
        if fields is None:
            raise _invalid(f"Field '{key}' is not allowed")
        if key == "Task" and not takes_token:
            raise _invalid(
                "Context object contains 'Task' when state is not a Task state with a '.sync' or "
                "'.waitForTaskToken' service integration pattern"
            )
        if not isinstance(value, dict):
            raise _invalid(f"{key} must be an object")
        for name, member in value.items():
            wanted = fields.get(name)
            if wanted is None:
                raise _invalid(f"Field '{name}' is not allowed")
            if wanted == _TEXT and not isinstance(member, str):
                raise _invalid(f"{key}.{name} must be {wanted}")
            if wanted == _WHOLE and (isinstance(member, bool) or not isinstance(member, int) or member < 0):
                raise _invalid(f"{key}.{name} must be {wanted}")


def _invalid(detail: str) -> InvalidContextError:
    return InvalidContextError(_PREFIX + detail)
