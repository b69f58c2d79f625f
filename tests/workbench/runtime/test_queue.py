"""Tasks named to be sent elsewhere go there (runtime.queue.send_elsewhere: embedded mode's
delivery process takes the deliveries); a sender that cannot take one leaves it to the broker."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from unittest import mock

from workbench.runtime import queue


def test_an_enqueued_task_named_for_elsewhere_goes_there_with_all_it_was_given() -> None:
    sent: list[tuple[Any, ...]] = []
    queue.send_elsewhere([queue.DELIVER_EVENTS], lambda *call: sent.append(call) or True)
    try:
        with mock.patch.object(queue.app, "send_task") as broker:
            eta = datetime(2026, 12, 6, tzinfo=UTC)
            queue.deliver_events([1, 2], eta=eta)
            queue.deliver_apart([3])
            queue.invoke_task(7, "t", 1)  # not named: the broker as before
        assert sent == [
            (queue.DELIVER_EVENTS, ([1, 2],), eta, None, True),
            (queue.DELIVER_EVENTS, ([3],), None, "soon", False),
        ]
        assert [call.args[0] for call in broker.call_args_list] == [queue.INVOKE_TASK]
    finally:
        queue.send_elsewhere([queue.DELIVER_EVENTS], None)


def test_a_task_the_other_process_cannot_take_goes_the_usual_way() -> None:
    queue.send_elsewhere([queue.DELIVER_EVENTS], lambda *call: False)
    try:
        with mock.patch.object(queue.app, "send_task") as broker:
            queue.deliver_events([5])
        assert broker.call_args.kwargs["args"] == [[5]]
    finally:
        queue.send_elsewhere([queue.DELIVER_EVENTS], None)
    with mock.patch.object(queue.app, "send_task") as broker:
        queue.deliver_events([6])  # no longer sent elsewhere
    assert broker.call_args.kwargs["args"] == [[6]]
