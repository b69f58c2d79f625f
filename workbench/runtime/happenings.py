"""Happenings as JSON, so they can travel through the Celery broker."""

from __future__ import annotations

from typing import Any

from engine.states.model import (
    Happening,
    StopRequested,
    TaskFailed,
    TaskHeartbeat,
    TaskSucceeded,
    TimerFired,
)


def encode(happening: Happening) -> dict[str, Any]:
    if isinstance(happening, TaskSucceeded):
        return {"kind": "task_succeeded", "task_id": happening.task_id, "output": happening.output}
    if isinstance(happening, TaskFailed):
        return {
            "kind": "task_failed",
            "task_id": happening.task_id,
            "error": happening.error,
            "cause": happening.cause,
        }
    if isinstance(happening, TaskHeartbeat):
        return {"kind": "task_heartbeat", "task_id": happening.task_id}
    if isinstance(happening, TimerFired):
        return {"kind": "timer_fired", "timer_id": happening.timer_id}
    if isinstance(happening, StopRequested):
        return {"kind": "stop", "error": happening.error, "cause": happening.cause}
    raise TypeError(f"{type(happening).__name__} does not travel through the broker")


def decode(data: dict[str, Any]) -> Happening:
    kind = data["kind"]
    if kind == "task_succeeded":
        return TaskSucceeded(task_id=data["task_id"], output=data["output"])
    if kind == "task_failed":
        return TaskFailed(task_id=data["task_id"], error=data["error"], cause=data["cause"])
    if kind == "task_heartbeat":
        return TaskHeartbeat(task_id=data["task_id"])
    if kind == "timer_fired":
        return TimerFired(timer_id=data["timer_id"])
    if kind == "stop":
        return StopRequested(error=data["error"], cause=data["cause"])
    raise ValueError(f"unknown happening kind {kind!r}")
