"""Random identifiers that name, not guard: event ids, request ids, message ids, execution names.

AWS gives each of these a version 4 UUID (an event's ``id``: "Amazon EventBridge events",
EventBridge User Guide; ``x-amzn-RequestId``; an SQS ``MessageId``); nothing is kept secret by
them. ``uuid.uuid4`` reads ``os.urandom``, and CPython lets go of the interpreter lock around
that ``getrandom`` call: issue 10's py-spy of served PutEvents in embedded mode (2026-12-06)
found threads waiting to take the lock back in ``uuid4`` in 9% of the samples, 21 times a call
of 10 entries. These come from a generator seeded once per process from ``os.urandom`` (and
again in a forked child), which keeps the lock: three alternating pairs of that run went from
2,402, 2,397 and 2,507 to 2,504, 2,616 and 2,468 entries/s. Anything that must not be guessed
(task tokens, webhook secrets) keeps using ``secrets``.
"""

from __future__ import annotations

import os
import random
import uuid

_source = random.Random(os.urandom(32))


def _reseed() -> None:
    _source.seed(os.urandom(32))


os.register_at_fork(after_in_child=_reseed)


def random_id() -> str:
    """A random version 4 UUID in its usual text form."""
    return str(uuid.UUID(int=_source.getrandbits(128), version=4))
