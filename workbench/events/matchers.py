"""One compiled matcher per bus per process, refreshed incrementally when rules change.

Every rule change bumps ``EventBus.rules_version``; each process compares the version it
compiled against and, if it moved, adds and removes only the rules that changed. So every
web and worker process sees the same rules without a broadcast.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from engine.events.patterns import Matcher, parse_pattern
from workbench.core.prepared import Prepared
from workbench.events.models import EventBus, Rule


@dataclass
class _Compiled:
    version: int = -1
    matcher: Matcher = field(default_factory=Matcher)
    patterns: dict[str, str] = field(default_factory=dict)


_cache: dict[tuple[int, float], _Compiled] = {}
"""Keyed by the bus's id and creation time: a database may give a deleted bus's id to a new
one, whose ``rules_version`` starts again from 0."""
_lock = threading.Lock()


# Read on every PutEvents call: compiled once per thread (core/prepared.py).
_RULES_VERSION: Prepared[EventBus] = Prepared(
    lambda bus_id: EventBus.objects.filter(id=bus_id).only("rules_version").order_by()[:1], int
)


def _refresh(bus: EventBus) -> _Compiled:
    current = _RULES_VERSION.first(bus.id)
    version = current.rules_version if current is not None else 0
    with _lock:
        compiled = _cache.setdefault((bus.id, bus.created.timestamp()), _Compiled())
        if compiled.version == version:
            return compiled
        wanted = dict(
            (str(rule_id), text)
            for rule_id, text in Rule.objects.filter(
                bus=bus, state=Rule.ENABLED, event_pattern__isnull=False
            ).values_list("id", "event_pattern")
        )
        for rule_id, text in list(compiled.patterns.items()):
            if wanted.get(rule_id) != text:
                compiled.matcher.remove(rule_id)
                del compiled.patterns[rule_id]
        for rule_id, text in wanted.items():
            if rule_id not in compiled.patterns:
                compiled.matcher.add(rule_id, parse_pattern(text))
                compiled.patterns[rule_id] = text
        compiled.version = version
        return compiled


def matching_rules_each(routes: list[tuple[EventBus, dict[str, Any]]]) -> list[list[Rule]]:
    """The rules each (bus, event) matches, by name: each bus's matcher is refreshed once and
    the matched rules are read in one query, however many events a PutEvents call carries."""
    compiled: dict[int, _Compiled] = {}
    for bus, _ in routes:
        if bus.id not in compiled:
            compiled[bus.id] = _refresh(bus)
    with _lock:
        matched = [compiled[bus.id].matcher.match(event) for bus, event in routes]
    wanted = {int(rule_id) for ids in matched for rule_id in ids}
    rules = {rule.id: rule for rule in Rule.objects.filter(id__in=wanted)} if wanted else {}
    return [
        sorted((rules[int(i)] for i in ids if int(i) in rules), key=lambda rule: rule.name) for ids in matched
    ]


def matching_rules(bus: EventBus, event: dict[str, Any]) -> list[Rule]:
    compiled = _refresh(bus)
    with _lock:
        ids = compiled.matcher.match(event)
    if not ids:
        return []
    return list(Rule.objects.filter(id__in=[int(i) for i in ids]).order_by("name"))
