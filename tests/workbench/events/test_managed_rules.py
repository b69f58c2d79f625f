"""events.managed_rules: an archive's ``Events-Archive-<name>`` rule is what ListRules shows
(a recorded AWS run: the archive's pattern with ``replay-name`` set to not exist, compact and
sorted), routes nothing itself, follows UpdateArchive, and only Force gets it off."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.support.events import entry, record_enqueued
from workbench.accounts.services import default_workspace
from workbench.events import archives, managed_rules
from workbench.events import services as events
from workbench.events.errors import ManagedRule
from workbench.events.models import Archive, Delivery, ReceivedEvent, Rule
from workbench.events.services import ensure_default_bus
from workbench.runtime import routing


def test_the_rules_pattern_is_the_archives_without_replayed_events() -> None:
    assert managed_rules.rule_pattern(None) == '{"replay-name":[{"exists":false}]}'
    # An archive asking for replayed events still gets a rule that leaves them out (recorded).
    given = json.dumps(
        {"source": ["probe"], "replay-name": [{"exists": True}], "detail": {"b": [1], "a": [2]}}
    )
    assert managed_rules.rule_pattern(given) == (
        '{"detail":{"a":[2],"b":[1]},"replay-name":[{"exists":false}],"source":["probe"]}'
    )


@pytest.mark.django_db
def test_the_managed_rule_routes_nothing_and_the_archive_keeps_the_event(
    monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    ws = default_workspace()
    archive = archives.create_archive(ws, name="all", source_arn=ensure_default_bus(ws).arn)
    record_enqueued(monkeypatch)
    with django_capture_on_commit_callbacks(execute=True):
        routing.put_events(ws, [entry(n=1)])
    [event] = ReceivedEvent.objects.all()
    assert event.matched_rules == [] and not Delivery.objects.exists()
    assert archives.counts(archive)[0] == 1


@pytest.mark.django_db
def test_forcing_the_rule_off_disables_the_archive_until_it_is_updated() -> None:
    ws = default_workspace()
    archive = archives.create_archive(ws, name="all", source_arn=ensure_default_bus(ws).arn)
    name = managed_rules.rule_name(archive)
    with pytest.raises(ManagedRule):
        events.delete_rule(ws, name, None)
    with pytest.raises(ManagedRule):
        events.remove_targets(ws, name, None, [name])
    assert events.remove_targets(ws, name, None, [name], force=True) == []
    events.delete_rule(ws, name, None, force=True)
    archive.refresh_from_db()
    assert (archive.state, archive.state_reason) == (Archive.DISABLED, managed_rules.FORCED_OFF)
    assert not Rule.objects.filter(name=name).exists()
    archives.update_archive(ws, "all", retention_days=3)
    archive.refresh_from_db()
    assert (archive.state, archive.state_reason, archive.retention_days) == (Archive.ENABLED, "", 3)
    rule = Rule.objects.get(name=name)
    assert (rule.managed_by, rule.targets.count()) == (managed_rules.MANAGED_BY, 1)
