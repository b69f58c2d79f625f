"""live.publish's Publisher: pushes handed over from any thread reach the channel layer in the
order they were handed over, over the one event loop the process keeps for them (distributed
mode's Redis layer; the in-memory layer stands in when no Redis is configured). Pushes to a
group no page joined are skipped, and a message handed over as a builder is built only for a
listened group (live.listening)."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest
from channels.layers import InMemoryChannelLayer, channel_layers, get_channel_layer

from workbench.live.publish import Publisher


def _layers() -> list[Any]:
    """A fresh layer of each kind this run has: its own instance, so a spy on it is ours alone."""
    layers: list[Any] = [InMemoryChannelLayer()]
    if not isinstance(get_channel_layer(), InMemoryChannelLayer):
        layers.append(channel_layers.make_backend("default"))  # distributed mode: Redis
    return layers


def _on_loop(publisher: Publisher, coroutine: Any) -> Any:
    return asyncio.run_coroutine_threadsafe(coroutine, publisher.loop).result(timeout=10)


def _group(name: str) -> str:
    return f"publisher-{name}-{threading.get_ident()}"


@pytest.mark.parametrize("layer", _layers(), ids=lambda layer: type(layer).__name__)
def test_pushes_from_several_threads_arrive_each_in_its_threads_order(layer: Any) -> None:
    publisher = Publisher(layer)
    channel = _on_loop(publisher, layer.new_channel())
    group = _group("test")
    _on_loop(publisher, layer.group_add(group, channel))

    def push(sender: int) -> None:
        for n in range(25):
            publisher.send(group, {"type": "test.push", "sender": sender, "n": n})

    senders = [threading.Thread(target=push, args=(sender,)) for sender in range(4)]
    for thread in senders:
        thread.start()
    for thread in senders:
        thread.join()
    received = [_on_loop(publisher, layer.receive(channel)) for _ in range(100)]
    for sender in range(4):
        assert [m["n"] for m in received if m["sender"] == sender] == list(range(25))
    _on_loop(publisher, layer.group_discard(group, channel))


@pytest.mark.parametrize("layer", _layers(), ids=lambda layer: type(layer).__name__)
def test_the_publisher_sends_to_joined_groups_in_order_and_skips_the_rest(layer: Any) -> None:
    sent: list[str] = []
    group_send = layer.group_send

    async def spy(group: str, message: dict[str, Any]) -> None:
        sent.append(group)
        await group_send(group, message)

    layer.group_send = spy
    publisher = Publisher(layer)

    channel = _on_loop(publisher, layer.new_channel())
    watched, unwatched = _group("watched"), _group("unwatched")
    _on_loop(publisher, layer.group_add(watched, channel))
    for n in range(60):
        publisher.send(unwatched if n % 3 else watched, {"type": "test.push", "n": n})
    received = [_on_loop(publisher, layer.receive(channel)) for _ in range(20)]
    assert [m["n"] for m in received] == list(range(0, 60, 3))
    assert set(sent) == {watched}
    _on_loop(publisher, layer.group_discard(watched, channel))


@pytest.mark.parametrize("layer", _layers(), ids=lambda layer: type(layer).__name__)
def test_a_message_handed_over_as_a_builder_is_built_only_for_a_listened_group(layer: Any) -> None:
    publisher = Publisher(layer)
    built: list[str] = []

    def builder(group: str) -> Any:
        def build() -> dict[str, Any]:
            built.append(group)
            return {"type": "test.push", "group": group}

        return build

    channel = _on_loop(publisher, layer.new_channel())
    watched, unwatched = _group("built-watched"), _group("built-unwatched")
    _on_loop(publisher, layer.group_add(watched, channel))
    publisher.send(unwatched, builder(unwatched))
    publisher.send(watched, builder(watched))
    assert _on_loop(publisher, layer.receive(channel)) == {"type": "test.push", "group": watched}
    assert built == [watched]
    _on_loop(publisher, layer.group_discard(watched, channel))
