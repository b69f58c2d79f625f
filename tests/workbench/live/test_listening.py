"""live.listening: which groups some page joined, asked at send time (issue 10: nearly every push
under load goes to an execution page nobody has open); the Publisher's use of it is in
test_publisher.py."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from channels.layers import InMemoryChannelLayer

from tests.workbench.live.test_publisher import _group, _layers
from workbench.live import listening


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
