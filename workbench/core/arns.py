"""ARNs in AWS's format, built from a workspace's region and 12-digit account id."""

from __future__ import annotations

import functools
from dataclasses import dataclass


@dataclass(frozen=True)
class Arn:
    partition: str
    service: str
    region: str
    account: str
    resource: str

    @staticmethod
    def parse(text: str) -> Arn | None:
        """Split an ARN; None when ``text`` is not one."""
        return _parsed(text)

    def __str__(self) -> str:
        return f"arn:{self.partition}:{self.service}:{self.region}:{self.account}:{self.resource}"


@functools.lru_cache(maxsize=4096)
def _parsed(text: str) -> Arn | None:
    """Kept per text: an ``Arn`` is frozen, and building one sets its five fields the slow way
    (``object.__setattr__``); a delivery parses its target's ARN two or three times (issue 10's
    py-spy of served PutEvents, 2026-12-06)."""
    parts = text.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn":
        return None
    return Arn(parts[1], parts[2], parts[3], parts[4], parts[5])


def event_bus_arn(region: str, account: str, bus_name: str) -> str:
    return f"arn:aws:events:{region}:{account}:event-bus/{bus_name}"


def rule_arn(region: str, account: str, bus_name: str, rule_name: str) -> str:
    # AWS leaves the bus out of the ARN of a rule on the default bus.
    path = rule_name if bus_name == "default" else f"{bus_name}/{rule_name}"
    return f"arn:aws:events:{region}:{account}:rule/{path}"


def state_machine_arn(region: str, account: str, name: str) -> str:
    return f"arn:aws:states:{region}:{account}:stateMachine:{name}"


def activity_arn(region: str, account: str, name: str) -> str:
    return f"arn:aws:states:{region}:{account}:activity:{name}"


def execution_arn(region: str, account: str, machine_name: str, execution_name: str) -> str:
    return f"arn:aws:states:{region}:{account}:execution:{machine_name}:{execution_name}"


def express_execution_arn(region: str, account: str, machine_name: str, execution_name: str) -> str:
    return f"arn:aws:states:{region}:{account}:express:{machine_name}:{execution_name}"


def map_run_child_arn(child_machine_arn: str, name: str, *, express: bool = False) -> str:
    """A Distributed Map child's ARN from its machine's (``stateMachine:<machine>/<label>``):
    ``execution:<machine>/<label>:<name>`` (``express:`` for one run in memory)."""
    kind = ":express:" if express else ":execution:"
    return child_machine_arn.replace(":stateMachine:", kind, 1) + f":{name}"


def state_machine_name(machine_arn: str) -> str:
    """The name part of a state machine ARN (``<machine>/<label>`` for a Map Run's children)."""
    return machine_arn.rsplit(":", 1)[1]


def function_arn(region: str, account: str, name: str) -> str:
    return f"arn:aws:lambda:{region}:{account}:function:{name}"


def lambda_function_name(text: str) -> str | None:
    """The function name in a Lambda ARN (with or without a version/alias), or a bare name."""
    arn = Arn.parse(text)
    if arn is None:
        return text if text and ":" not in text and "/" not in text else None
    if arn.service != "lambda" or not arn.resource.startswith("function:"):
        return None
    return arn.resource.split(":")[1]
