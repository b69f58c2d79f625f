"""The scrubber's frames: applying the first n changes gives the fold of the first n events,
for every n, through a retry, a Parallel caught by its Catch and the run's end."""

from __future__ import annotations

from engine.states.progress import state_statuses, status_changes
from tests.engine.states.history.test_progress_snapshot import BOTH
from tests.engine.states.interpreter_harness import Harness
from tests.support.seed import lab2_definition


def _check_every_prefix(run: Harness) -> list[dict[str, str]]:
    events = [event.to_aws() for event in run.history]
    frames = status_changes(events)
    assert len(frames) == len(events)
    replayed: dict[str, str] = {}
    for n, frame in enumerate(frames, start=1):
        replayed.update(frame)
        assert replayed == state_statuses(events[:n]), f"after event {n}"
    return frames


def test_a_retry_then_success() -> None:
    run = Harness(lab2_definition())
    run.start({"orderId": "o-1"})
    run.succeed("ValidateOrder", {"orderId": "o-1"})
    run.fail("ProcessPayment", "States.TaskFailed", "flaky")
    frames = _check_every_prefix(run)
    assert {"ProcessPayment": "retrying"} in frames
    assert frames[0] == {}  # ExecutionStarted changes no state


def test_a_parallel_caught() -> None:
    run = Harness(BOTH)
    run.start({})
    run.fail("Left", "Boom")
    frames = _check_every_prefix(run)
    assert any(frame.get("Both") == "caught" for frame in frames)
