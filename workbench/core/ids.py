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

_source = random.Random(os.urandom(32))


def _reseed() -> None:
    _source.seed(os.urandom(32))


os.register_at_fork(after_in_child=_reseed)


_VERSION_BITS = ~(0xF000 << 64) & ~(0xC000 << 48)
"""The version's nibble and the variant's two bits cleared; ``_VERSION_4`` sets them."""
_VERSION_4 = (0x4000 << 64) | (0x8000 << 48)


def random_id() -> str:
    """A random version 4 UUID in its usual text form: ``str(uuid.UUID(int=n, version=4))``
    spelled out, at half its cost (``uuid.UUID`` checks and converts what is known here);
    ``test_ids.py`` holds the two to one text."""
    digits = "%032x" % (_source.getrandbits(128) & _VERSION_BITS | _VERSION_4)
    return f"{digits[:8]}-{digits[8:12]}-{digits[12:16]}-{digits[16:20]}-{digits[20:]}"
