"""The queue pages, the Schedules page and the Archives page follow their rows live, through the
served ASGI application: a commit that moves what a page shows nudges the group its socket
joined (``/ws/queues/``, ``/ws/schedules/``, the dashboard's for the Archives page), after the
commit and never for one rolled back; each queue once per commit; and a nudge no page can hear
costs no merging and builds no message (live.publish._unheard, live.listening)."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any
from unittest import mock

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.layers import InMemoryChannelLayer, get_channel_layer
from channels.testing import WebsocketCommunicator
from django.db import transaction
from django.test import Client
from django.utils import timezone

from tests.support.events import ECHO_ARN
from tests.support.inprocess import Broker, hold_off_live_sweepers
from workbench.accounts.services import default_workspace
from workbench.asgi import application
from workbench.events import archives, scheduler
from workbench.events import services as events
from workbench.live import messages, publish
from workbench.live.groups import queues_group, schedules_group
from workbench.live.nudges import WINDOW
from workbench.runtime import routing
from workbench.runtime import schedules as timers
from workbench.sqs import changes
from workbench.sqs import services as sqs

pytestmark = pytest.mark.django_db(transaction=True)

SAME_ORIGIN = [(b"host", b"127.0.0.1:8000"), (b"origin", b"http://127.0.0.1:8000")]


def _queue_nudge(*queues: Any) -> dict[str, Any]:
    return messages.page_changed(["queues", *(messages.queue_kind(queue.id) for queue in queues)])


async def _tail(path: str) -> WebsocketCommunicator:
    tail = WebsocketCommunicator(application, path, headers=SAME_ORIGIN)
    connected, _ = await tail.connect(timeout=5)
    assert connected
    return tail


@pytest.fixture
def told() -> Iterator[list[tuple[int, set[int]]]]:
    """sqs.changes telling a list instead of live.publish (what earlier tests' uncommitted
    writes left collected in this thread dropped first)."""
    got: list[tuple[int, set[int]]] = []
    changes._collected.queues = {}
    changes.tell_to(lambda workspace_id, queue_ids: got.append((workspace_id, set(queue_ids))))
    try:
        yield got
    finally:
        changes.tell_to(publish.queues_changed)


def test_send_receive_and_delete_nudge_the_queue_pages_after_each_commit() -> None:
    workspace = default_workspace()
    work = sqs.create_queue(workspace, "work")

    async def scenario() -> list[Any]:
        tail = await _tail("/ws/queues/")
        heard = []
        await database_sync_to_async(sqs.send_message)(work, "hello")
        heard.append(await tail.receive_json_from(timeout=5))
        [received] = await database_sync_to_async(sqs.receive_messages)(work)
        heard.append(await tail.receive_json_from(timeout=5))
        assert await database_sync_to_async(sqs.receive_messages)(work) == []  # an empty poll: quiet
        assert await tail.receive_nothing(timeout=3 * WINDOW)
        await database_sync_to_async(sqs.delete_message)(work, received.receipt_handle)
        heard.append(await tail.receive_json_from(timeout=5))
        await database_sync_to_async(sqs.delete_message)(work, received.receipt_handle)  # gone: quiet
        assert await tail.receive_nothing(timeout=3 * WINDOW)
        await tail.disconnect()
        return heard

    assert async_to_sync(scenario)() == [_queue_nudge(work)] * 3


def test_a_rolled_back_send_nudges_nobody() -> None:
    work = sqs.create_queue(default_workspace(), "work")

    def send_and_roll_back() -> None:
        with pytest.raises(RuntimeError), transaction.atomic():
            sqs.send_message(work, "never")
            raise RuntimeError("rolled back")

    async def scenario() -> bool:
        tail = await _tail("/ws/queues/")
        await database_sync_to_async(send_and_roll_back)()
        quiet = await tail.receive_nothing(timeout=3 * WINDOW)
        await tail.disconnect()
        return bool(quiet)

    assert async_to_sync(scenario)()


def test_one_commit_tells_each_queue_once(told: list[tuple[int, set[int]]]) -> None:
    """A delivery batch's transaction sending to several queues, and a receive moving a message
    to its dead-letter queue, tell each queue once, after the commit."""
    workspace = default_workspace()
    first, second = sqs.create_queue(workspace, "first"), sqs.create_queue(workspace, "second")
    dead = sqs.create_queue(workspace, "dead")
    told.clear()
    with transaction.atomic():
        for n in range(3):
            sqs.send_message(first, f"first {n}")
            sqs.send_message(second, f"second {n}")
        assert told == []  # nothing before the commit
    assert told == [(workspace.id, {first.id, second.id})]

    policy = f'{{"deadLetterTargetArn": "{sqs.queue_arn(dead)}", "maxReceiveCount": 1}}'
    sqs.set_attributes(first, {"RedrivePolicy": policy, "VisibilityTimeout": "0"})
    told.clear()
    assert len(sqs.receive_messages(first, max_messages=10)) == 3  # received once each
    assert sqs.receive_messages(first, max_messages=10) == []  # then moved to the dead letters
    assert told == [(workspace.id, {first.id}), (workspace.id, {first.id, dead.id})]


def test_a_failing_listener_fails_no_committed_write(told: list[tuple[int, set[int]]]) -> None:
    work = sqs.create_queue(default_workspace(), "work")

    def fail(workspace_id: int, queue_ids: set[int]) -> None:
        raise RuntimeError("the channel layer is down")

    changes.tell_to(fail)
    sent = sqs.send_message(work, "kept")
    assert [m.message_id for m in sqs.messages_of(work)] == [sent.message_id]


def test_a_queue_nudge_nobody_can_hear_is_neither_merged_nor_built(monkeypatch: pytest.MonkeyPatch) -> None:
    """No page open (the throughput benchmark's case): SendMessage costs the group's lookup in the
    in-memory layer and nothing more; with the queue pages open it is merged and sent."""
    work = sqs.create_queue(default_workspace(), "work")
    merged: list[tuple[str, list[str]]] = []
    built: list[list[str]] = []
    add, changed = publish._nudges.add, messages.changed

    def merge(group: str, kinds: list[str]) -> None:
        merged.append((group, list(kinds)))
        add(group, kinds)

    def build(what: list[str]) -> dict[str, Any]:
        built.append(list(what))
        return changed(what)

    monkeypatch.setattr(publish._nudges, "add", merge)
    monkeypatch.setattr(messages, "changed", build)

    for n in range(20):
        sqs.send_message(work, f"unseen {n}")
    if isinstance(get_channel_layer(), InMemoryChannelLayer):
        assert merged == [] and built == []  # the pages are this process's: one look-up
    else:
        # With Redis, the pages are another process's: merged here (one push a window at most),
        # and the publisher asks Redis which groups have a page before sending (live.listening).
        assert {group for group, _ in merged} == {queues_group(work.workspace_id)}
    merged.clear()
    built.clear()

    async def scenario() -> Any:
        tail = await _tail("/ws/queues/")
        await database_sync_to_async(sqs.send_message)(work, "seen")
        heard = await tail.receive_json_from(timeout=5)
        await tail.disconnect()
        return heard

    assert async_to_sync(scenario)() == _queue_nudge(work)
    assert merged == [(queues_group(work.workspace_id), [messages.queue_kind(work.id), "queues"])]
    assert built  # built once a page listens (and again as the merged nudge leaves)


def test_a_schedule_firing_nudges_the_schedules_page_after_its_commit(broker: Broker) -> None:
    hold_off_live_sweepers()
    target = {"Arn": ECHO_ARN, "RoleArn": "arn:aws:iam::123456789012:role/scheduler"}
    params = {"ScheduleExpression": "rate(1 minute)", "FlexibleTimeWindow": {"Mode": "OFF"}, "Target": target}
    schedule = scheduler.create_schedule(default_workspace(), "every-minute", params)
    due = timers.arm_schedule(schedule)
    assert due is not None
    sent: list[tuple[str, dict[str, Any]]] = []
    send = publish.send

    def spy(group: str, message: dict[str, Any]) -> None:
        sent.append((group, message))
        send(group, message)

    def firing() -> None:
        later = due + timedelta(seconds=1)
        # The firing's own transaction is a savepoint in ours: the commit is ours, patches still on.
        with (
            mock.patch.object(timezone, "now", lambda: later),
            mock.patch.object(publish, "send", spy),
            transaction.atomic(),
        ):
            assert timers.fire_schedule(schedule.id, due)
            assert sent == []  # told only after the commit

    async def scenario() -> Any:
        tail = await _tail("/ws/schedules/")
        await database_sync_to_async(firing)()
        heard = await tail.receive_json_from(timeout=5)
        await tail.disconnect()
        return heard

    assert async_to_sync(scenario)() == messages.page_changed(["schedules"])
    assert (schedules_group(schedule.group.workspace_id), messages.changed(["schedules"])) in sent


def test_archiving_is_heard_by_the_archives_page_with_no_push_of_its_own(broker: Broker) -> None:
    """Events are archived in the transaction that accepts them, whose commit already nudges the
    dashboard's socket with ``events``: the Archives page's panel of counts follows that socket."""
    workspace = default_workspace()
    orders = events.create_bus(workspace, "orders", "")
    archives.create_archive(workspace, name="all-orders", source_arn=orders.arn)
    page = Client().get("/archives/").content.decode()
    assert 'id="archives-panel" data-live-socket="/ws/dashboard/" data-live-what="events archives"' in page

    def put() -> None:
        entry = {"Source": "shop", "DetailType": "Paid", "Detail": "{}", "EventBusName": "orders"}
        assert "EventId" in routing.put_events(workspace, [entry])[0]

    async def scenario() -> Any:
        tail = await _tail("/ws/dashboard/")
        await database_sync_to_async(put)()
        heard = await tail.receive_json_from(timeout=5)
        assert await tail.receive_nothing(timeout=3 * WINDOW)  # one nudge: nothing more
        await tail.disconnect()
        return heard

    assert async_to_sync(scenario)() == messages.page_changed(["events"])
    assert '<td data-label="Events" data-count>1</td>' in Client().get("/archives/").content.decode()


def test_archives_and_schedules_made_by_a_script_are_heard_by_their_pages(broker: Broker) -> None:
    """CreateArchive or CreateSchedule from aws-cli, not the page: after each commit the
    Archives page (the dashboard's socket, ``archives``) or the Schedules page hears of it, and a
    change rolled back is heard by neither (events.changes)."""
    hold_off_live_sweepers()
    workspace = default_workspace()
    orders = events.create_bus(workspace, "orders", "")
    target = {"Arn": ECHO_ARN, "RoleArn": "arn:aws:iam::123456789012:role/scheduler"}
    params = {"ScheduleExpression": "rate(1 hour)", "FlexibleTimeWindow": {"Mode": "OFF"}, "Target": target}

    def rolled_back() -> None:
        with contextlib.suppress(RuntimeError), transaction.atomic():
            archives.create_archive(workspace, name="never", source_arn=orders.arn)
            scheduler.create_schedule(workspace, "never", params)
            raise RuntimeError("rolled back")

    async def heard(path: str, change: Callable[[], object]) -> Any:
        tail = await _tail(path)
        await database_sync_to_async(rolled_back)()
        assert await tail.receive_nothing(timeout=3 * WINDOW)
        await database_sync_to_async(change)()
        got = await tail.receive_json_from(timeout=5)
        await tail.disconnect()
        return got

    made = lambda: archives.create_archive(workspace, name="all-orders", source_arn=orders.arn)  # noqa: E731
    assert async_to_sync(heard)("/ws/dashboard/", made) == messages.page_changed(["archives"])
    gone = lambda: archives.delete_archive(workspace, "all-orders")  # noqa: E731
    assert async_to_sync(heard)("/ws/dashboard/", gone) == messages.page_changed(["archives"])
    for change in (
        lambda: scheduler.create_schedule(workspace, "hourly", params),
        lambda: scheduler.update_schedule(
            workspace, "hourly", {**params, "ScheduleExpression": "rate(2 hours)"}
        ),
        lambda: scheduler.delete_schedule(workspace, "hourly", None),
        lambda: scheduler.create_group(workspace, "nightly-jobs"),
        lambda: scheduler.delete_group(workspace, "nightly-jobs"),
    ):
        assert async_to_sync(heard)("/ws/schedules/", change) == messages.page_changed(["schedules"])


def test_the_pages_mark_their_live_regions() -> None:
    work = sqs.create_queue(default_workspace(), "work")
    listed = Client().get("/queues/").content.decode()
    assert 'id="queues-panel" data-live-socket="/ws/queues/" data-live-what="queues"' in listed
    detail = Client().get("/queues/work/").content.decode()
    kind = messages.queue_kind(work.id)
    assert f'id="counts" data-live-socket="/ws/queues/" data-live-what="{kind}"' in detail
    assert f'id="messages-panel" data-live-socket="/ws/queues/" data-live-what="{kind}"' in detail
    schedules = Client().get("/scheduler/").content.decode()
    assert 'id="schedules-panel" data-live-socket="/ws/schedules/" data-live-what="schedules"' in schedules
    for page in (listed, detail, schedules):
        assert "console/tail.js" in page


def test_a_queue_change_names_only_known_kinds() -> None:
    assert messages.changed(["queues", "queue.7", "queue.12"])["what"] == ["queue.12", "queue.7", "queues"]
    with pytest.raises(ValueError, match="unknown change"):
        messages.changed(["queue.seven"])
