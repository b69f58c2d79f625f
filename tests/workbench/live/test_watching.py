"""live.watching: a step is pushed only while a page may be watching its execution; a page that
connects reads the database once more after ``CATCH_UP``, so a step committed while its
registration was on its way to the publishers still reaches it."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.layers import InMemoryChannelLayer, get_channel_layer
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.conf import settings

from tests.workbench.live.test_consumer import _execution, _store, database_sync
from workbench.live import publish, watching
from workbench.live.groups import execution_group
from workbench.live.watching import TRUSTED_FOR, Registry


class Clock:
    def __init__(self) -> None:
        self.now = 50.0

    def __call__(self) -> float:
        return self.now


def test_pages_of_this_process_count_at_once_and_until_the_last_closes() -> None:
    registry = Registry()
    assert not registry.may_be_watched("execution.1", shared=False)
    registry.opened("execution.1")
    registry.opened("execution.1")
    registry.closed("execution.1")
    assert registry.may_be_watched("execution.1", shared=False)
    registry.closed("execution.1")
    assert not registry.may_be_watched("execution.1", shared=False)


def test_pages_of_other_processes_count_through_a_fresh_copy_only() -> None:
    clock = Clock()
    registry = Registry(clock)
    assert registry.may_be_watched("execution.1", shared=True)  # no copy yet: push
    registry.copied(frozenset({"execution.2"}), asked_at=clock.now)
    assert not registry.may_be_watched("execution.1", shared=True)
    assert registry.may_be_watched("execution.2", shared=True)
    clock.now += TRUSTED_FOR + 0.01  # the copy went stale (its refresh stalled): push everything
    assert registry.may_be_watched("execution.1", shared=True)


def _decision() -> Any:
    event = SimpleNamespace(
        type="PassStateEntered",
        to_aws=lambda: {
            "id": 2,
            "previousEventId": 1,
            "type": "PassStateEntered",
            "timestamp": "2024-05-01T12:00:00+00:00",
        },
    )
    return SimpleNamespace(status="RUNNING", history=[event])


def test_a_step_is_pushed_only_while_a_page_may_watch(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = Clock()
    registry = Registry(clock)
    monkeypatch.setattr(watching, "REGISTRY", registry)
    sent: list[str] = []
    monkeypatch.setattr(publish, "send", lambda group, message: sent.append(group))
    shared = not isinstance(get_channel_layer(), InMemoryChannelLayer)
    if shared:  # distributed mode: a fresh copy of the shared registry, without this page
        registry.copied(frozenset(), asked_at=clock.now)
    publish.execution_stepped(7, _decision(), {"A": "running"})
    assert sent == []
    registry.opened(execution_group(7))
    publish.execution_stepped(7, _decision(), {"A": "running"})
    assert sent == [execution_group(7)]


def test_opened_and_closed_count_pages_here_and_in_the_shared_registry() -> None:
    """In embedded mode (no Redis) pages count in this process only; in distributed mode they
    also count in Redis, where another process's copy (``keep_copied``) sees them."""
    url = settings.CHANNEL_LAYER_URL or None
    group = "execution.test-watching"
    elsewhere = Registry()  # another process's view

    async def scenario() -> list[bool]:
        seen = []
        await watching.opened(url, group)
        await watching.opened(url, group)
        await watching.closed(url, group)
        seen.append(watching.REGISTRY.may_be_watched(group, shared=False))
        if url:
            copying = asyncio.create_task(watching.keep_copied(url, elsewhere))
            await asyncio.sleep(watching.REFRESH / 2)
            seen.append(elsewhere.may_be_watched(group, shared=True))
        await watching.closed(url, group)
        seen.append(watching.REGISTRY.may_be_watched(group, shared=False))
        if url:
            await asyncio.sleep(watching.REFRESH * 2)
            seen.append(elsewhere.may_be_watched(group, shared=True))
            copying.cancel()
        return seen

    assert async_to_sync(scenario)() == ([True, True, False, False] if url else [True, False])


@pytest.mark.django_db(transaction=True)
def test_a_page_reads_the_steps_no_push_brought_it_after_catch_up() -> None:
    from workbench.live.routing import websocket_urlpatterns

    execution = _execution()
    _store(execution, 1, 2)

    async def scenario() -> list[int]:
        page = WebsocketCommunicator(URLRouter(websocket_urlpatterns), f"/ws/executions/{execution.id}/")
        connected, _ = await page.connect()
        assert connected
        backlog = await page.receive_json_from()
        await database_sync(_store)(execution, 3, 4)  # committed, pushed to no one
        assert await page.receive_nothing(timeout=watching.CATCH_UP / 2)
        update = await page.receive_json_from(timeout=watching.CATCH_UP * 3)
        assert update["type"] == "update"
        assert await page.receive_nothing(timeout=0.2)
        await page.disconnect()
        return [event["id"] for event in backlog["events"] + update["events"]]

    assert async_to_sync(scenario)() == [1, 2, 3, 4]
    assert not watching.REGISTRY.may_be_watched(execution_group(execution.id), shared=False)
