"""core.fields: a JSON document stored with its members in the order written (PostgreSQL
``json``, not ``jsonb``), read back the same through the ORM and through ``core.rows``, and
found by a top-level member. EventBridge hands targets the event as put (User Guide, "Amazon
EventBridge events")."""

from __future__ import annotations

import pytest
from django.utils import timezone

from workbench.accounts.services import default_workspace
from workbench.core import rows
from workbench.core.fields import member_is
from workbench.events.models import ReceivedEvent
from workbench.events.services import ensure_default_bus

# jsonb would read back {"a": ..., "mid": ..., "zebra": ...} and {"b": ..., "yy": ...}.
DOCUMENT = {"zebra": 1, "a": {"yy": [3, 1.5, None], "b": "x"}, "mid": True, "detail-type": "order"}


def _order(document: dict[str, object]) -> list[object]:
    nested = document["a"]
    assert isinstance(nested, dict)
    return [list(document), list(nested)]


@pytest.mark.django_db
def test_a_document_keeps_its_member_order_through_the_orm_and_rows() -> None:
    bus = ensure_default_bus(default_workspace())
    made = ReceivedEvent.objects.create(bus=bus, event_id="e1", body=DOCUMENT, received=timezone.now())
    rows.insert_all([rows.new(ReceivedEvent, bus=bus, event_id="e2", body=DOCUMENT, received=timezone.now())])
    for event_id in ("e1", "e2"):
        stored = ReceivedEvent.objects.get(event_id=event_id)
        assert stored.body == DOCUMENT and _order(stored.body) == _order(DOCUMENT)
    made.body = {**DOCUMENT, "zebra": 2}
    made.save()
    assert _order(ReceivedEvent.objects.get(event_id="e1").body) == _order(DOCUMENT)


@pytest.mark.django_db
def test_member_is_finds_documents_by_a_top_level_text_member() -> None:
    bus = ensure_default_bus(default_workspace())
    for event_id, kind in (("e1", "order"), ("e2", "refund")):
        ReceivedEvent.objects.create(
            bus=bus, event_id=event_id, body={**DOCUMENT, "detail-type": kind}, received=timezone.now()
        )
    found = ReceivedEvent.objects.filter(member_is("body", "detail-type", "refund"))
    assert list(found.values_list("event_id", flat=True)) == ["e2"]
    assert not ReceivedEvent.objects.filter(member_is("body", "zebra", "order")).exists()
