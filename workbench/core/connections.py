"""What a long-lived thread does with its database connections after a piece of work.

Threads that outlive a request (the AWS API's pool, awsapi/fastpath.py; the quick-work pool,
runtime/nearby.py) keep a connection between calls, since opening one per call was a large
share of a served call (issue 10's profile). One left broken or inside a transaction is
closed, never reused. PostgreSQL's connections come from a small pool per process
(STEPBRIDGE_DB_POOL_MAX): a thread that must not hold one between jobs gives it back.
"""

from __future__ import annotations

from django.db import connections


def after_work(*, give_back_pooled: bool) -> None:
    """Close this thread's connections that must not be kept: broken or mid-transaction ones,
    and with ``give_back_pooled`` every connection that is not SQLite's own file handle."""
    for connection in connections.all(initialized_only=True):
        pooled = connection.vendor != "sqlite"
        broken = connection.errors_occurred and not connection.is_usable()
        if connection.in_atomic_block or broken or (give_back_pooled and pooled):
            connection.close()
