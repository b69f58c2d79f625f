"""Deliveries just accepted, handed from routing to delivery in this process's memory.

EventBridge answers PutEvents once the events are accepted and delivers afterwards ("Amazon
EventBridge events", EventBridge User Guide); here routing writes each pending delivery in the
accepting transaction and, after the commit, the process's pool delivers it (runtime.nearby).
Issue 10's profile of PutEvents to 300 rules (cProfile in process, 2026-12-05) found that
delivery batch reading back, joined to their events, the rows the same process had written a
moment before: a tenth of the work of accepting and delivering, most of it building the model
instances again. So routing keeps the instances it wrote (``keep``, after the commit) and the
delivery batch takes them (``take``); ``deliveries._pending_rows`` still locks the rows and
uses a kept one only while its row is pending and was never attempted, when every field it
reads is as routing wrote it. A delivery made anywhere else (a worker, a retry, the recovery
sweep) reads its row as before.

Bounded: a kept delivery whose batch went to another process is dropped with the oldest once
``CAPACITY`` are kept; its batch reads it from the database.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable

from workbench.events.models import Delivery

CAPACITY = 4096
"""Deliveries kept at most (a few gathered batches' worth, DELIVERY_BATCH each)."""

_kept: OrderedDict[int, Delivery] = OrderedDict()
_lock = threading.Lock()


def keep(deliveries: Iterable[Delivery]) -> None:
    """Keep committed pending deliveries, with their events, for the batch that delivers them."""
    with _lock:
        for delivery in deliveries:
            _kept[delivery.pk] = delivery
        while len(_kept) > CAPACITY:
            _kept.popitem(last=False)


def take(delivery_ids: Iterable[int]) -> dict[int, Delivery]:
    """The kept deliveries of ``delivery_ids``, no longer kept (one batch takes each)."""
    with _lock:
        return {
            delivery_id: delivery
            for delivery_id in delivery_ids
            if (delivery := _kept.pop(delivery_id, None)) is not None
        }


def clear() -> None:
    """Forget every kept delivery (tests that write rows behind routing's back)."""
    with _lock:
        _kept.clear()
