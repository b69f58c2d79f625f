"""live.publish's Publisher: pushes handed over from any thread reach the channel layer in the
order they were handed over, over the one event loop the process keeps for them (distributed
mode's Redis layer; the in-memory layer stands in when no Redis is configured)."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest
from channels.layers import InMemoryChannelLayer, get_channel_layer

from workbench.live.publish import Publisher


def _layers() -> list[Any]:
    configured = get_channel_layer()
    layers: list[Any] = [InMemoryChannelLayer()]
    if configured is not None and not isinstance(configured, InMemoryChannelLayer):
        layers.append(configured)  # distributed mode: Redis
    return layers


@pytest.mark.parametrize("layer", _layers(), ids=lambda layer: type(layer).__name__)
def test_pushes_from_several_threads_arrive_each_in_its_threads_order(layer: Any) -> None:
    publisher = Publisher(layer)

    def on_loop(coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, publisher.loop).result(timeout=10)

    channel = on_loop(layer.new_channel())
    group = f"publisher-test-{threading.get_ident()}"
    on_loop(layer.group_add(group, channel))

    def push(sender: int) -> None:
        for n in range(25):
            publisher.send(group, {"type": "test.push", "sender": sender, "n": n})

    senders = [threading.Thread(target=push, args=(sender,)) for sender in range(4)]
    for thread in senders:
        thread.start()
    for thread in senders:
        thread.join()
    received = [on_loop(layer.receive(channel)) for _ in range(100)]
    for sender in range(4):
        assert [m["n"] for m in received if m["sender"] == sender] == list(range(25))
    on_loop(layer.group_discard(group, channel))
