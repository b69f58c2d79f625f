"""runtime.combining: calls that arrive while a turn runs are done together by one later turn,
on one of the waiting threads; a call alone is done at once on its own thread; a combined turn
that fails sends every call in it alone. (Routing's use of it: test_routing.py.)"""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from workbench.runtime.combining import Combiner


class Recorder:
    """``do`` for a Combiner: records each turn's work and thread; the first turn can be held."""

    def __init__(self, hold_first: bool = False, fail_when: Any = None) -> None:
        self.turns: list[tuple[list[str], str]] = []
        self.entered = threading.Event()
        self.release = threading.Event()
        if not hold_first:
            self.release.set()
        self.fail_when = fail_when

    def __call__(self, works: list[str]) -> None:
        self.turns.append((list(works), threading.current_thread().name))
        self.entered.set()
        self.release.wait(5)
        if self.fail_when is not None and self.fail_when(works):
            raise RuntimeError("the turn failed")


def _submit_in_threads(
    combiner: Combiner[str], works: list[str]
) -> tuple[dict[str, Any], list[threading.Thread]]:
    results: dict[str, Any] = {}

    def submit(work: str) -> None:
        try:
            results[work] = combiner.submit(work)
        except Exception as exc:
            results[work] = exc

    threads = [threading.Thread(target=submit, args=(work,), name=f"caller-{work}") for work in works]
    for thread in threads:
        thread.start()
    return results, threads


def _wait_for(condition: Any) -> None:
    deadline = time.monotonic() + 5
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.001)


def test_a_call_alone_is_done_at_once_on_its_own_thread() -> None:
    recorder = Recorder()
    combiner = Combiner(recorder, most=8)
    assert combiner.submit("a") is True
    assert recorder.turns == [(["a"], threading.current_thread().name)]


def test_calls_arriving_during_a_turn_are_done_together_by_one_waiting_thread() -> None:
    recorder = Recorder(hold_first=True)
    combiner = Combiner(recorder, most=8)
    first, first_threads = _submit_in_threads(combiner, ["a"])
    assert recorder.entered.wait(5)
    later, later_threads = _submit_in_threads(combiner, ["b", "c", "d"])
    _wait_for(lambda: combiner.waiting() == 3)
    recorder.release.set()
    for thread in first_threads + later_threads:
        thread.join(5)
    assert first == {"a": True} and later == {"b": True, "c": True, "d": True}
    assert [works for works, _ in recorder.turns] == [["a"], ["b", "c", "d"]]
    assert recorder.turns[0][1] == "caller-a"
    assert recorder.turns[1][1] in {"caller-b", "caller-c", "caller-d"}  # a waiting thread leads it
    assert combiner.waiting() == 0


def test_a_turn_takes_at_most_its_limit_and_the_rest_follow_in_order() -> None:
    recorder = Recorder(hold_first=True)
    combiner = Combiner(recorder, most=2)
    _, first_threads = _submit_in_threads(combiner, ["a"])
    assert recorder.entered.wait(5)
    threads: list[threading.Thread] = []
    for queued, work in enumerate(["b", "c", "d"], start=1):  # one at a time: their order is known
        _, started = _submit_in_threads(combiner, [work])
        threads += started
        _wait_for(lambda queued=queued: combiner.waiting() == queued)
    recorder.release.set()
    for thread in first_threads + threads:
        thread.join(5)
    assert [works for works, _ in recorder.turns] == [["a"], ["b", "c"], ["d"]]


def test_a_combined_turn_that_fails_sends_every_call_alone_and_the_next_turn_still_runs() -> None:
    recorder = Recorder(hold_first=True, fail_when=lambda works: len(works) > 1)
    combiner = Combiner(recorder, most=8)
    _, first_threads = _submit_in_threads(combiner, ["a"])
    assert recorder.entered.wait(5)
    later, later_threads = _submit_in_threads(combiner, ["b", "c"])
    _wait_for(lambda: combiner.waiting() == 2)
    recorder.release.set()
    for thread in first_threads + later_threads:
        thread.join(5)
    assert later == {"b": False, "c": False}  # neither was done: each goes alone
    assert combiner.submit("e") is True
    assert recorder.turns[-1][0] == ["e"]


def test_a_call_alone_that_fails_raises_on_its_thread_and_leaves_the_combiner_free() -> None:
    recorder = Recorder(fail_when=lambda works: works == ["a"])
    combiner = Combiner(recorder, most=8)
    with pytest.raises(RuntimeError, match="the turn failed"):
        combiner.submit("a")
    assert combiner.submit("b") is True
    assert [works for works, _ in recorder.turns] == [["a"], ["b"]]


def test_a_call_made_from_inside_a_turn_is_sent_alone_not_waited_for() -> None:
    inner: list[bool] = []

    def do(works: list[str]) -> None:
        if works == ["outer"]:
            inner.append(combiner.submit("inner"))  # a turn's own work putting events again

    combiner: Combiner[str] = Combiner(do, most=8)
    assert combiner.submit("outer") is True
    assert inner == [False]  # told to go alone, at once
    assert combiner.submit("after") is True and combiner.waiting() == 0
