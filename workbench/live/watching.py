"""Which execution pages are open, so that a step no page watches is not pushed at all.

Every committed step of every execution was pushed to its execution's group, and with Redis
a push costs two round trips even to a group nobody joined (channels_redis's ``group_send``
trims the group, then reads it). Issue 10's served bench in distributed mode with 2 workers
(2026-12-06, 10 s runs, alternating with and without the pushes) measured the Task workload
(b) at 258 to 261 executions/s with them and 282 to 293 without, 3.8 against 3.2 ms of server
CPU an execution, and the Pass chain (a) at 313 to 316 against 331 to 340: pages are rarely
open, so nearly all of that was for no one.

A page joins its group, then registers here, then reads its backlog. In this process the
register is seen at once (embedded mode's consumers and publishers share it). Across
processes it is a count per group in one Redis hash (``KEY``), which each publishing process
copies every ``REFRESH`` seconds; a copy older than ``TRUSTED_FOR`` is not trusted, and then
every step is pushed as before. So a step can go unpushed only if it was committed within
``TRUSTED_FOR`` of the page registering, before the page's copy reached its publisher: the page
reads the database once more ``CATCH_UP`` seconds after connecting (consumers.py), later than
any such step, and shows it then. A page whose process dies leaves its count behind: its
group is pushed to as before, which costs only the pushes.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import Counter
from collections.abc import Callable

from redis import asyncio as aioredis

log = logging.getLogger(__name__)

KEY = "stepbridge:watched"
REFRESH = 0.2
"""Seconds between two copies of the registry by a publishing process."""
TRUSTED_FOR = 0.5
"""A copy older than this (its refresh stalled, Redis is slow) is not trusted: all is pushed."""
CATCH_UP = 2 * TRUSTED_FOR
"""When a page reads the database again after connecting: later than any unpushed step."""

# Decrement a group's count and drop it at zero, in one step: a separate HDEL could remove a
# count another page had just raised, and that page would stop getting its pushes.
_UNWATCH = """
local left = redis.call('HINCRBY', KEYS[1], ARGV[1], -1)
if left <= 0 then redis.call('HDEL', KEYS[1], ARGV[1]) end
return left
"""


class Registry:
    """This process's view: the pages open here, and the last copy of everyone's."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._lock = threading.Lock()
        self._here: Counter[str] = Counter()
        self._copy: frozenset[str] = frozenset()
        self._copied_at = float("-inf")

    def opened(self, group: str) -> None:
        with self._lock:
            self._here[group] += 1

    def closed(self, group: str) -> None:
        with self._lock:
            self._here[group] -= 1
            if self._here[group] <= 0:
                del self._here[group]

    def copied(self, groups: frozenset[str], asked_at: float) -> None:
        """A copy of the shared registry, as it was when it was asked for at ``asked_at``."""
        with self._lock:
            self._copy, self._copied_at = groups, asked_at

    def may_be_watched(self, group: str, shared: bool) -> bool:
        """False only when no page can be watching: none here, and (``shared``: pages of other
        processes count too) a fresh copy of the registry without it."""
        with self._lock:
            if self._here[group] > 0:
                return True
            if not shared:
                return False
            return self.clock() - self._copied_at > TRUSTED_FOR or group in self._copy


REGISTRY = Registry()


async def opened(url: str | None, group: str) -> None:
    """A page joined ``group`` (``url``: the Redis of the channel layer, None in one process)."""
    REGISTRY.opened(group)
    if url:
        async with aioredis.from_url(url) as redis:
            await redis.hincrby(KEY, group, 1)


async def closed(url: str | None, group: str) -> None:
    REGISTRY.closed(group)
    if url:
        async with aioredis.from_url(url) as redis:
            await redis.eval(_UNWATCH, 1, KEY, group)


async def keep_copied(url: str, registry: Registry = REGISTRY) -> None:
    """Copy the shared registry every ``REFRESH`` seconds, for as long as the loop runs."""
    redis = aioredis.from_url(url, decode_responses=True)
    failing = False
    while True:
        asked_at = registry.clock()
        try:
            counts = await redis.hgetall(KEY)
        except Exception:
            if not failing:  # once per outage, not five times a second
                log.exception("copying the watched pages from Redis failed; every step is pushed")
            failing = True
        else:
            watched = frozenset(str(group) for group, count in counts.items() if int(count) > 0)
            registry.copied(watched, asked_at)
            failing = False
        await asyncio.sleep(REFRESH)
