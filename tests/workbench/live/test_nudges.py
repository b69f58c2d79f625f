"""live.nudges: the first nudge to a group goes at once; those within its window are merged
into one sent when the window ends; groups are independent; a merged nudge whose loop died
does not silence its group."""

from __future__ import annotations

from collections.abc import Callable

from workbench.live import nudges
from workbench.live.nudges import WINDOW, Nudges


class Rig:
    """A hand-moved clock, what was delivered, and the delayed calls not yet run."""

    def __init__(self) -> None:
        self.now = 100.0
        self.sent: list[tuple[float, str, list[str]]] = []
        self.timers: list[tuple[float, Callable[[], None]]] = []
        self.nudges = Nudges(self.deliver, self.later, clock=lambda: self.now)

    def deliver(self, group: str, kinds: list[str]) -> None:
        self.sent.append((self.now, group, kinds))

    def later(self, delay: float, call: Callable[[], None]) -> None:
        self.timers.append((self.now + delay, call))

    def advance(self, seconds: float) -> None:
        self.now += seconds
        due = [timer for timer in self.timers if timer[0] <= self.now]
        self.timers = [timer for timer in self.timers if timer[0] > self.now]
        for _, call in sorted(due, key=lambda timer: timer[0]):
            call()


def test_the_first_goes_at_once_and_the_rest_of_its_window_in_one_at_its_end() -> None:
    rig = Rig()
    rig.nudges.add("bus.1", ["events"])
    assert rig.sent == [(100.0, "bus.1", ["events"])]
    rig.advance(0.01)
    rig.nudges.add("bus.1", ["events"])
    rig.advance(0.01)
    rig.nudges.add("bus.1", ["deliveries"])
    rig.nudges.add("bus.1", ["events"])
    assert len(rig.sent) == 1 and len(rig.timers) == 1  # one flush for the three
    rig.advance(WINDOW)
    assert rig.sent[1][1:] == ("bus.1", ["deliveries", "events"])
    assert rig.sent[1][0] - rig.sent[0][0] >= WINDOW
    rig.advance(1.0)
    assert len(rig.sent) == 2  # nothing more was waiting


def test_after_a_quiet_window_a_nudge_goes_at_once_again() -> None:
    rig = Rig()
    rig.nudges.add("workspace.1", ["executions"])
    rig.advance(WINDOW + 0.001)
    rig.nudges.add("workspace.1", ["executions"])
    assert [kinds for _, _, kinds in rig.sent] == [["executions"], ["executions"]]
    assert rig.timers == []


def test_groups_are_merged_apart() -> None:
    rig = Rig()
    rig.nudges.add("bus.1", ["events"])
    rig.nudges.add("bus.2", ["events"])
    rig.nudges.add("bus.1", ["deliveries"])
    assert [group for _, group, _ in rig.sent] == ["bus.1", "bus.2"]
    rig.advance(WINDOW)
    assert rig.sent[-1][1:] == ("bus.1", ["deliveries"])


def test_a_merged_nudge_whose_loop_never_ran_it_is_sent_with_the_next() -> None:
    rig = Rig()
    rig.nudges.add("bus.1", ["events"])
    rig.nudges.add("bus.1", ["deliveries"])
    rig.timers.clear()  # the loop that was to flush it closed
    rig.now += nudges.STALE + WINDOW
    rig.nudges.add("bus.1", ["executions"])
    assert rig.sent[-1][1:] == ("bus.1", ["deliveries", "executions"])
    rig.advance(WINDOW)
    rig.nudges.add("bus.1", ["events"])
    assert rig.sent[-1][1:] == ("bus.1", ["events"])  # the group is not stuck


def test_quiet_groups_are_forgotten_once_many_were_nudged() -> None:
    rig = Rig()
    for n in range(nudges.KEPT + 1):
        rig.nudges.add(f"bus.{n}", ["events"])
        rig.now += WINDOW / 10
    assert len(rig.nudges._last_sent) <= nudges.KEPT
    assert len(rig.sent) == nudges.KEPT + 1
