"""Carrying out the engine's commands once their decision has committed."""

from __future__ import annotations

from collections.abc import Iterable

from engine.states.model import Command, InvokeTask, StartTimer
from workbench.runtime import map_runs


def carry_out(execution_id: int, commands: Iterable[Command]) -> None:
    """Enqueue the work the commands ask for; the durable records were written already."""
    from workbench.runtime import tasks

    for command in commands:
        if isinstance(command, InvokeTask):
            tasks.invoke_task.delay(execution_id, command.task_id)
        elif isinstance(command, StartTimer):
            tasks.fire_timer.apply_async((execution_id, command.timer_id), eta=command.fire_at)
        elif isinstance(command, map_runs.MAP_RUN_COMMANDS):
            map_runs.carry_out(command)
