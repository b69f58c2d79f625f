"""Schema discovery on event buses, kept off the PutEvents hot path.

EventBridge's schema discovery (eventbridge/latest/userguide/eb-schema.html, "Schema
discovery") watches a bus once its discoverer is STARTED and writes one schema per source and
detail-type into the ``discovered-schemas`` registry, adding a version only when the
structure changes. Here the hot path pays at most one indexed query per bus and second (is a
discoverer started on this bus? the answer is kept STATE_TTL seconds, and forgotten at once when
a discoverer changes in this process) and, only then, a list append after the commit; a timer
sends what gathered as one Celery message by name (at most every FLUSH_AFTER seconds per
process), and inference runs in that task.
Like AWS's, discovery is eventual: events buffered in a process that dies are not discovered.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from engine.schemas import inference, layout, structure
from engine.schemas.validation import OPENAPI3
from workbench.celery import app as celery_app
from workbench.events.models import EventBus
from workbench.schemas.builtin import DISCOVERED_REGISTRY
from workbench.schemas.models import Discoverer, Registry, Schema
from workbench.schemas.services import add_version, document, ensure_builtin

DISCOVER_TASK = "stepbridge.schemas.discover"
FLUSH_AFTER = 0.5  # seconds a committed event may wait to share a message with others
BATCH = 100  # events per message at most
STATE_TTL = 1.0  # seconds another process may take to see a discoverer start or stop

_lock = threading.Lock()
_pending: dict[int, list[dict[str, Any]]] = {}
_timer: threading.Timer | None = None
_states: dict[tuple[int, str], tuple[float, bool]] = {}


def discovering(bus: EventBus) -> bool:
    return Discoverer.objects.filter(bus_id=bus.pk, state=Discoverer.STARTED).exists()


def _started(bus: EventBus) -> bool:
    """``discovering(bus)``, remembered for STATE_TTL seconds (keyed so a recreated bus is new)."""
    key, now = (bus.pk, bus.created.isoformat()), time.monotonic()
    known = _states.get(key)
    if known is None or now - known[0] > STATE_TTL:
        known = _states[key] = (now, discovering(bus))
    return known[1]


def _forget_states(sender: Any, **kwargs: Any) -> None:
    _states.clear()


def observe(bus: EventBus, events: Sequence[dict[str, Any]]) -> None:
    """Hand accepted events to discovery once committed; cheap when no discoverer runs."""
    if not events or not _started(bus):
        return
    bus_id, batch = bus.pk, list(events)
    transaction.on_commit(lambda: _gather(bus_id, batch))


def _gather(bus_id: int, events: list[dict[str, Any]]) -> None:
    global _timer
    with _lock:
        _pending.setdefault(bus_id, []).extend(events)
        if _timer is None:
            _timer = threading.Timer(FLUSH_AFTER, flush)
            _timer.daemon = True
            _timer.start()


def flush() -> None:
    """Send what gathered: one ``stepbridge.schemas.discover`` message per bus and BATCH events."""
    global _timer
    with _lock:
        gathered = dict(_pending)
        _pending.clear()
        if _timer is not None:
            _timer.cancel()
            _timer = None
    for bus_id, events in gathered.items():
        for start in range(0, len(events), BATCH):
            celery_app.send_task(DISCOVER_TASK, args=[bus_id, events[start : start + BATCH]])


# The discovery states live in this module: they are forgotten whenever a discoverer changes,
# wired when the module loads (no states exist before it does). Its task module is loaded by
# Celery (settings.CELERY_IMPORTS), routing calls observe().
post_save.connect(_forget_states, sender=Discoverer, dispatch_uid="schemas-discoverer-saved")
post_delete.connect(_forget_states, sender=Discoverer, dispatch_uid="schemas-discoverer-deleted")


def discover(bus_id: int, events: Sequence[dict[str, Any]]) -> list[str]:
    """Merge the events into their discovered schemas; the names of schemas given a new version."""
    bus = EventBus.objects.filter(pk=bus_id).select_related("workspace").first()
    if bus is None or not discovering(bus):
        return []
    ensure_builtin(bus.workspace)
    registry, _ = Registry.objects.get_or_create(  # made again if a user deleted it
        workspace=bus.workspace, name=DISCOVERED_REGISTRY, defaults={"created": timezone.now()}
    )
    changed = []
    for (source, detail_type), details in inference.group_by_type(events).items():
        if _merge(registry, source, detail_type, details):
            changed.append(layout.schema_name(source, detail_type))
    return changed


def _merge(registry: Registry, source: str, detail_type: str, details: list[Any]) -> bool:
    name = layout.schema_name(source, detail_type)
    now = timezone.now()
    with transaction.atomic():
        schema, made = Schema.objects.select_for_update().get_or_create(
            registry=registry,
            name=name,
            defaults={"type": OPENAPI3, "created": now, "last_modified": now},
        )
        latest = None if made else schema.versions.order_by("-version").first()
        previous = document(latest) if latest else None
        _, found = inference.discover(source, detail_type, details, previous)
        if previous is not None and structure.same_structure(previous, found):
            return False
        add_version(schema, found, description=f"Discovered from events on the bus at {now.isoformat()}")
        return True
