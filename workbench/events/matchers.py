"""One compiled matcher per bus per process, refreshed incrementally when rules change.

Every change to a bus's rules, their targets or its archives bumps ``EventBus.rules_version``
(``services.touch_routing``); each process compares the version it compiled against and, if it
moved, adds and removes only the patterns that changed. So every web and worker process sees
the same rules without a broadcast.

The bus's enabled rules, each with its targets, and its enabled archives with their patterns
are kept beside the matcher at the same version, so routing an event reads none of those
tables (issue 10's cProfile of PutEvents in process, 2026-12-03: the matched rules' and their
targets' queries, compiled on every call, were a quarter of the call; 2026-12-04: the archives'
query, compiled on every call, and the version's own query were two of its nine statements).
PutEvents compares against the version of the bus it has just read (``matching_rules_each``,
``archives``); a replay, whose bus was read when it began, and a service's event read the
version anew (``enabled_rules``, ``matching_rules``). The kept rows are shared by threads and
only ever read.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch

from engine.events.patterns import Matcher, Pattern, parse_pattern
from workbench.core.prepared import Prepared
from workbench.events.models import Archive, EventBus, Rule, Target


@dataclass
class _Compiled:
    version: int = -1
    matcher: Matcher = field(default_factory=Matcher)
    patterns: dict[str, str] = field(default_factory=dict)
    rules: dict[str, Rule] = field(default_factory=dict)
    """The matcher's rules by id, with their bus and workspace and their targets by Id."""
    archives: list[tuple[Archive, Pattern | None]] = field(default_factory=list)
    """The bus's enabled archives, each with its parsed event pattern (None: every event)."""


_cache: dict[tuple[int, float], _Compiled] = {}
"""Keyed by the bus's id and creation time: a database may give a deleted bus's id to a new
one, whose ``rules_version`` starts again from 0."""
_lock = threading.Lock()


# Read on every PutEvents call: compiled once per thread (core/prepared.py).
_RULES_VERSION: Prepared[EventBus] = Prepared(
    lambda bus_id: EventBus.objects.filter(id=bus_id).only("rules_version").order_by()[:1], int
)


def _refresh(bus: EventBus, version: int | None = None) -> _Compiled:
    """The bus's compiled routing at ``version`` or later (None: the version stored now)."""
    if version is None:
        current = _RULES_VERSION.first(bus.id)
        version = current.rules_version if current is not None else 0
    with _lock:
        key = (bus.id, bus.created.timestamp())
        compiled = _cache.get(key)
        if compiled is None:  # not ``setdefault``: it would build a matcher on every call
            compiled = _cache[key] = _Compiled()
        if compiled.version >= version:
            return compiled
        compiled.rules = {
            str(rule.id): _with_targets(rule)
            # An archive's rule routes nothing: the bus's archives (below) keep its events.
            for rule in Rule.objects.filter(
                bus=bus, state=Rule.ENABLED, event_pattern__isnull=False, managed_by=""
            )
            .select_related("bus__workspace")
            .prefetch_related(Prefetch("targets", queryset=Target.objects.order_by("target_id")))
        }
        wanted = {rule_id: rule.event_pattern for rule_id, rule in compiled.rules.items()}
        for rule_id, text in list(compiled.patterns.items()):
            if wanted.get(rule_id) != text:
                compiled.matcher.remove(rule_id)
                del compiled.patterns[rule_id]
        for rule_id, text in wanted.items():
            if rule_id not in compiled.patterns:
                compiled.matcher.add(rule_id, parse_pattern(text))
                compiled.patterns[rule_id] = text
        compiled.archives = [
            (archive, parse_pattern(archive.event_pattern) if archive.event_pattern else None)
            for archive in Archive.objects.filter(bus=bus, state=Archive.ENABLED).order_by("id")
        ]
        compiled.version = version
        return compiled


def matching_rules_each(routes: list[tuple[EventBus, dict[str, Any]]]) -> list[list[Rule]]:
    """The rules each (bus, event) matches, by name, each with its targets (``targets(rule)``):
    each bus's matcher is refreshed once, however many events a PutEvents call carries, to the
    ``rules_version`` of the bus as the caller read it for this call."""
    buses = {bus.id: bus for bus, _ in routes}
    return _match(routes, {bus_id: _refresh(bus, bus.rules_version) for bus_id, bus in buses.items()})


def matching_rules(bus: EventBus, event: dict[str, Any]) -> list[Rule]:
    """The rules one event matches on ``bus``, at the version stored now (``bus`` may have been
    read a while ago)."""
    [rules] = _match([(bus, event)], {bus.id: _refresh(bus)})
    return rules


def _match(routes: list[tuple[EventBus, dict[str, Any]]], compiled: dict[int, _Compiled]) -> list[list[Rule]]:
    with _lock:
        return [
            sorted(
                (compiled[bus.id].rules[rule_id] for rule_id in compiled[bus.id].matcher.match(event)),
                key=lambda rule: rule.name,
            )
            for bus, event in routes
        ]


def enabled_rules(bus: EventBus) -> list[Rule]:
    """The bus's enabled pattern rules by name, each with its targets (``targets(rule)``)."""
    compiled = _refresh(bus)
    with _lock:
        return sorted(compiled.rules.values(), key=lambda rule: rule.name)


def archives(bus: EventBus) -> list[tuple[Archive, Pattern | None]]:
    """The bus's enabled archives, each with its event pattern (None: every event), at the
    ``rules_version`` of the bus as the caller read it for this call."""
    return _refresh(bus, bus.rules_version).archives


_TARGETS = "_kept_targets"
"""Where a kept rule holds its targets, listed once (``_with_targets``)."""


def _with_targets(rule: Rule) -> Rule:
    """The rule holding its prefetched targets as a tuple: routing asks for them per matched
    event, and each ``rule.targets.all()`` builds a related manager and a queryset (2% of the
    API processes' samples in issue 10's py-spy of served PutEvents, 2026-12-06)."""
    rule.__dict__[_TARGETS] = tuple(rule.targets.all())
    return rule


def targets(rule: Rule) -> Sequence[Target]:
    """A matched rule's targets, ordered by Id, as they were at the version it matched at."""
    kept: tuple[Target, ...] | None = rule.__dict__.get(_TARGETS)
    return kept if kept is not None else tuple(rule.targets.all())
