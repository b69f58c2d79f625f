"""Keeping ``x-amz-meta-*`` response header names in lower case under daphne.

S3 returns user metadata names in lower case and boto3 keeps their case as the keys of
``Metadata``. Daphne writes responses through Twisted, which re-cases every header name to
Header-Case (``X-Amz-Meta-Source``), so ``Metadata`` would read ``{"Source": ...}``. Twisted
looks each name up in a bounded cache first; seeding that cache with the name mapped to
itself makes Twisted send it as given. Outside daphne (tests, other servers) this does nothing.
"""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)


def keep_lower_case(name: str) -> None:
    try:
        from twisted.web.http_headers import _nameEncoder
    except ImportError:  # not served by daphne
        return
    cache = getattr(_nameEncoder, "_canonicalHeaderCache", None)
    limit = getattr(_nameEncoder, "_MAX_CACHED_HEADERS", 0)
    if not isinstance(cache, dict) or len(cache) >= limit:
        return
    raw = name.lower().encode("iso-8859-1", "replace")
    cache[raw] = raw
