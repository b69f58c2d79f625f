"""events.matchers: each process's compiled matcher follows the rules of the bus it is for."""

from __future__ import annotations

import json

import pytest
from django.utils import timezone

from workbench.accounts.services import default_workspace
from workbench.events import matchers, services
from workbench.events.models import EventBus


def _event(source: str) -> dict[str, object]:
    return {"source": source, "detail-type": "t", "detail": {}}


@pytest.mark.django_db
def test_a_new_bus_that_gets_a_deleted_bus_id_does_not_inherit_its_matcher() -> None:
    ws = default_workspace()
    first = services.create_bus(ws, "billing")
    services.put_rule(ws, name="old", bus_name="billing", event_pattern=json.dumps({"source": ["shop"]}))
    assert [rule.name for rule in matchers.matching_rules(first, _event("shop"))] == ["old"]
    reused_id = first.id
    services.delete_rule(ws, "old", "billing")
    services.delete_bus(ws, "billing")
    # SQLite gives the highest deleted rowid to the next row; here the id is reused on purpose.
    now = timezone.now()
    second = EventBus.objects.create(id=reused_id, workspace=ws, name="billing", created=now, updated=now)
    services.put_rule(ws, name="new", bus_name="billing", event_pattern=json.dumps({"source": ["till"]}))
    second.refresh_from_db()
    assert second.rules_version == 1  # the same version the deleted bus's matcher was compiled at
    assert [rule.name for rule in matchers.matching_rules(second, _event("till"))] == ["new"]
    assert matchers.matching_rules(second, _event("shop")) == []


@pytest.mark.django_db
def test_a_rules_targets_follow_put_and_remove_targets() -> None:
    """The matched rule carries its targets at the version it matched at: PutTargets and
    RemoveTargets move that version, so the next match sees them (no event goes to a removed
    target, none misses an added one)."""
    ws = default_workspace()
    bus = services.create_bus(ws, "orders")
    services.put_rule(ws, name="placed", bus_name="orders", event_pattern=json.dumps({"source": ["shop"]}))

    def target_ids() -> list[str]:
        [rule] = matchers.matching_rules(bus, _event("shop"))
        return [target.target_id for target in matchers.targets(rule)]

    assert target_ids() == []
    queue = "arn:aws:sqs:us-east-1:123456789012:q"
    services.put_targets(ws, "placed", "orders", [{"Id": "b", "Arn": queue}, {"Id": "a", "Arn": queue}])
    assert target_ids() == ["a", "b"]
    services.remove_targets(ws, "placed", "orders", ["a"])
    assert target_ids() == ["b"]
    services.put_targets(ws, "placed", "orders", [{"Id": "b", "Arn": queue + "2"}])
    [rule] = matchers.matching_rules(bus, _event("shop"))
    assert [target.arn for target in matchers.targets(rule)] == [queue + "2"]
    assert [rule.name for rule in matchers.enabled_rules(bus)] == ["placed"]
