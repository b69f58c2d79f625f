"""live.listening: a push goes only to groups some page joined, asked at send time, and the
Publisher sends those in order while skipping the rest (issue 10: nearly every push under load
goes to an execution page nobody has open)."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest
from channels.layers import InMemoryChannelLayer, channel_layers, get_channel_layer

from workbench.live import listening
from workbench.live.publish import Publisher


def _layers() -> list[Any]:
    """A fresh layer of each kind this run has: its own instance, so a spy on it is ours alone."""
    layers: list[Any] = [InMemoryChannelLayer()]
    if not isinstance(get_channel_layer(), InMemoryChannelLayer):
        layers.append(channel_layers.make_backend("default"))  # distributed mode: Redis
    return layers


def _group(name: str) -> str:
    return f"listening-{name}-{threading.get_ident()}"


@pytest.mark.parametrize("layer", _layers(), ids=lambda layer: type(layer).__name__)
def test_only_groups_a_page_joined_are_listened_to(layer: Any) -> None:
    async def scenario() -> tuple[set[str], set[str], set[str]]:
        channel = await layer.new_channel()
        joined, empty, left = _group("joined"), _group("empty"), _group("left")
        await layer.group_add(joined, channel)
        await layer.group_add(left, channel)
        await layer.group_discard(left, channel)
        before = await listening.listened(layer, {joined, empty, left})
        await layer.group_add(empty, channel)
        after = await listening.listened(layer, {joined, empty, left})
        for group in (joined, empty):
            await layer.group_discard(group, channel)
        return before, after, {joined, empty}

    before, after, expected_after = asyncio.run(scenario())
    assert before == {_group("joined")}
    assert after == expected_after


def test_the_in_memory_layer_is_asked_without_its_event_loop() -> None:
    layer = InMemoryChannelLayer()
    channel = asyncio.run(layer.new_channel())
    assert not listening.listened_here(layer, "watched")
    asyncio.run(layer.group_add("watched", channel))
    assert listening.listened_here(layer, "watched")
    asyncio.run(layer.group_discard("watched", channel))
    assert not listening.listened_here(layer, "watched")


@pytest.mark.parametrize("layer", _layers(), ids=lambda layer: type(layer).__name__)
def test_the_publisher_sends_to_joined_groups_in_order_and_skips_the_rest(layer: Any) -> None:
    sent: list[str] = []
    group_send = layer.group_send

    async def spy(group: str, message: dict[str, Any]) -> None:
        sent.append(group)
        await group_send(group, message)

    layer.group_send = spy
    publisher = Publisher(layer)

    def on_loop(coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, publisher.loop).result(timeout=10)

    channel = on_loop(layer.new_channel())
    watched, unwatched = _group("watched"), _group("unwatched")
    on_loop(layer.group_add(watched, channel))
    for n in range(60):
        publisher.send(unwatched if n % 3 else watched, {"type": "test.push", "n": n})
    received = [on_loop(layer.receive(channel)) for _ in range(20)]
    assert [m["n"] for m in received] == list(range(0, 60, 3))
    assert set(sent) == {watched}
    on_loop(layer.group_discard(watched, channel))


@pytest.mark.parametrize("layer", _layers(), ids=lambda layer: type(layer).__name__)
def test_a_message_handed_over_as_a_builder_is_built_only_for_a_listened_group(layer: Any) -> None:
    publisher = Publisher(layer)
    built: list[str] = []

    def builder(group: str) -> Any:
        def build() -> dict[str, Any]:
            built.append(group)
            return {"type": "test.push", "group": group}

        return build

    def on_loop(coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, publisher.loop).result(timeout=10)

    channel = on_loop(layer.new_channel())
    watched, unwatched = _group("built-watched"), _group("built-unwatched")
    on_loop(layer.group_add(watched, channel))
    publisher.send(unwatched, builder(unwatched))
    publisher.send(watched, builder(watched))
    assert on_loop(layer.receive(channel)) == {"type": "test.push", "group": watched}
    assert built == [watched]
    on_loop(layer.group_discard(watched, channel))
