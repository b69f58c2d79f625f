"""Which groups have a page listening: a push to a group nobody joined is skipped, not sent.

Under load nearly every push goes to nobody: each step of each execution is pushed to its
execution's group, and nobody has that page open. Issue 10's profiles of served executions in
distributed mode (py-spy ``--gil``, 2026-12-06) put the live publisher at 6 to 10% of the API
processes' samples, Channels' ``group_send`` making two Redis round trips a push (trim the
group's expired members, then read them) before finding the group empty.

Asking at send time is as safe as ``group_send`` itself: a consumer joins its group before it
reads the database (live.consumers), and a push is handed over only after its commit
(``transaction.on_commit``), so a page either was in the group when asked or reads the
committed rows itself. Redis is asked for many groups at once, one pipelined ``ZCARD`` each
(https://redis.io/docs/latest/commands/zcard/): the key is the sorted set channels_redis keeps
per group (``RedisChannelLayer._group_key``). A group holding only expired members counts as
listened to; its ``group_send`` trims them as before.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from typing import Any

from channels.layers import BaseChannelLayer, InMemoryChannelLayer
from channels_redis.core import RedisChannelLayer


def listened_here(layer: InMemoryChannelLayer, group: str) -> bool:
    """Whether a page of this process joined ``group`` (the in-memory layer of embedded mode;
    reading its dict from another thread is one atomic lookup)."""
    return bool(layer.groups.get(group))


async def listened(layer: BaseChannelLayer, groups: Collection[str]) -> set[str]:
    """The groups among ``groups`` that some page joined; all of them for a layer we cannot ask."""
    if isinstance(layer, InMemoryChannelLayer):
        return {group for group in groups if listened_here(layer, group)}
    if not isinstance(layer, RedisChannelLayer):
        return set(groups)
    by_connection: dict[int, list[str]] = defaultdict(list)
    for group in groups:
        by_connection[layer.consistent_hash(group)].append(group)
    found: set[str] = set()
    for index, members in by_connection.items():
        pipe: Any = layer.connection(index).pipeline(transaction=False)
        for group in members:
            pipe.zcard(layer._group_key(group))
        counts = await pipe.execute()
        found.update(group for group, count in zip(members, counts, strict=True) if count)
    return found
