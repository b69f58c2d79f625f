"""The Archives page, in-process: an archive created from the form and its events counted, a
refused archive or replay shown beside its field with what was typed kept, a replay started
from the form with its rules and pace, its progress bar moving batch by batch to COMPLETED,
a replay cancelled, an archive deleted.

Behaviour followed: CreateArchive, StartReplay (ReplayDestination's FilterArns; "EventEndTime
must not be in the future") and CancelReplay, Amazon EventBridge API Reference; the pace is the
workbench's addition (events.replays)."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from typing import Any

import pytest
from django.db.models.fields.json import KT
from django.db.models.lookups import IsNull
from django.test import Client
from django.utils import timezone

from tests.support.events import PATTERN, entry, machine
from tests.support.inprocess import Broker
from tests.support.pages import alert_error
from workbench.accounts.services import default_workspace
from workbench.events import services as events
from workbench.events.models import Archive, ReceivedEvent, Replay
from workbench.runtime import queue, routing

# Events a replay sent ("replay-name" is set, EventBridge User Guide, "Replaying archived
# events"); ->> reads PostgreSQL json and SQLite alike (workbench.core.fields).
REPLAYED = IsNull(KT("body__replay-name"), False)

pytestmark = pytest.mark.django_db(transaction=True)

WINDOW = "%Y-%m-%dT%H:%M"


def _archive(client: Client, **changes: str) -> Any:
    form = {"action": "create-archive", "name": "all", "bus": "default", "pattern": "", "retention": "0"}
    return client.post("/archives/", {**form, **changes})


def _replay_form(**changes: Any) -> dict[str, Any]:
    now = timezone.now()
    form = {
        "action": "start-replay",
        "name": "again",
        "archive": "all",
        "start": (now - timedelta(hours=1)).strftime(WINDOW),
        "end": (now + timedelta(minutes=1)).strftime(WINDOW),  # minutes: set below when due
        "pace": "0",
        "speedup": "10",
    }
    return {**form, **changes}


def test_create_an_archive_and_see_its_events_counted(
    client: Client, broker: Broker, django_capture_on_commit_callbacks: Any
) -> None:
    assert _archive(client, pattern=json.dumps({"detail": {"n": [{"numeric": [">", 1]}]}})).status_code == 302
    ws = default_workspace()
    with django_capture_on_commit_callbacks(execute=True):
        routing.put_events(ws, [entry(n=n) for n in range(4)])
    page = client.get("/archives/").content.decode()
    row = re.search(r'<tr data-archive="all"[^>]*>(.*?)</tr>', page, re.S)
    assert row, page
    assert '<td data-label="Events" data-count>2</td>' in row.group(1)  # n = 2 and 3 match
    assert "forever" in row.group(1)


@pytest.mark.parametrize(
    ("changes", "error_id", "says"),
    [
        ({"pattern": '{"source": "shop"}'}, "archive-pattern-error", "Event pattern is not valid"),
        ({"retention": "-1"}, "archive-retention-error", "RetentionDays"),
        ({"retention": "ten"}, "archive-retention-error", "whole number"),
        ({"name": "bad name"}, "archive-name-error", "is not valid"),
        ({"bus": "nowhere"}, "archive-bus-error", "Event bus nowhere does not exist."),
        ({"description": "d" * 513}, "archive-description-error", "less than or equal to 512"),
    ],
)
def test_a_refused_archive_is_shown_beside_its_field_and_kept(
    client: Client, changes: dict[str, str], error_id: str, says: str
) -> None:
    page = _archive(client, **changes).content.decode()
    assert says in alert_error(page, error_id)
    for name, value in changes.items():
        if name == "pattern":
            assert ">{&quot;source&quot;: &quot;shop&quot;}</textarea>" in page
        elif name != "bus":
            assert f'value="{value}"' in page
    assert not Archive.objects.exists()


def test_every_refusal_of_a_form_is_shown_at_once_each_beside_its_field(client: Client) -> None:
    """CreateArchive and StartReplay answer one error a call, as AWS does; the forms name every
    field that is wrong in one submit (events.archives.archive_problems, replays.replay_problems)."""
    page = _archive(client, name="bad name", pattern='{"source": "shop"}', retention="ten").content.decode()
    assert "is not valid" in alert_error(page, "archive-name-error")
    assert "Event pattern is not valid" in alert_error(page, "archive-pattern-error")
    assert "whole number" in alert_error(page, "archive-retention-error")
    assert not Archive.objects.exists()
    assert _archive(client).status_code == 302
    now = timezone.now()
    wrong = _replay_form(
        name="bad name",
        start="yesterday",
        end=(now + timedelta(hours=1)).strftime(WINDOW),
        pace="faster",
        speedup="0",
    )
    page = client.post("/archives/", wrong).content.decode()
    assert "is not valid" in alert_error(page, "replay-name-error")
    assert "give a date and time" in alert_error(page, "replay-start-error")
    assert "a number above 0" in alert_error(page, "replay-pace-error")
    # The window's end is checked against the start only when the start could be read.
    assert 'id="replay-end-error"' not in page
    page = client.post("/archives/", {**wrong, "start": (now - timedelta(hours=1)).strftime(WINDOW)}).content
    assert "EventEndTime must not be in the future" in alert_error(page.decode(), "replay-end-error")
    assert 'value="bad name"' in page.decode() and 'value="0"' in page.decode()
    assert not Replay.objects.exists()


def test_a_replay_started_from_the_form_runs_to_its_end_with_its_progress(
    client: Client, broker: Broker, django_capture_on_commit_callbacks: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = default_workspace()
    target = machine(ws)
    arns = {}
    for name in ("a", "b"):
        arns[name] = events.put_rule(ws, name=name, event_pattern=json.dumps(PATTERN)).arn
        assert events.put_targets(ws, name, None, [{"Id": "sm", "Arn": target.arn}]) == []
    _archive(client)
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):  # events of ten minutes ago
        routing.put_events(ws, [{**entry(n=n), "Time": now - timedelta(minutes=10)} for n in range(5)])
    broker.drain_committed(django_capture_on_commit_callbacks)
    start = (now - timedelta(minutes=20)).strftime(WINDOW)
    # A window that ends in the future is refused, beside its field, with what was typed kept.
    future = _replay_form(start=start, end=(now + timedelta(minutes=2)).strftime(WINDOW), rules=[arns["b"]])
    page = client.post("/archives/", future).content.decode()
    assert "EventEndTime must not be in the future" in alert_error(page, "replay-end-error")
    assert f'value="{future["end"]}"' in page
    assert re.search(f'value="{arns["b"]}"[^>]* checked>', page) and not re.search(
        f'value="{arns["a"]}"[^>]* checked>', page
    )
    assert not Replay.objects.exists()

    monkeypatch.setattr(routing, "REPLAY_BATCH", 2)  # three batches: the bar moves between them
    form = _replay_form(start=start, end=now.strftime(WINDOW), rules=[arns["b"]])
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post("/archives/", form).status_code == 302
    replay = Replay.objects.get()
    assert replay.filter_arns == [arns["b"]] and replay.pace == 0
    seen = []
    for _ in range(10):
        with django_capture_on_commit_callbacks(execute=True):
            for message in broker.take(queue.REPLAY_EVENTS):
                broker.deliver(message)
        page = client.get("/archives/").content.decode()
        found = re.search(r"<span data-progress>(\d+) of (\d+)</span>", page)
        assert found, page
        seen.append(found.groups())
        if Replay.objects.get().state == Replay.COMPLETED:
            break
    assert seen == [("2", "5"), ("4", "5"), ("5", "5")], seen
    assert 'data-replay="again" data-state="COMPLETED"' in page and 'value="100"' in page
    # Only rule b was replayed to: five more events on the bus, each matching b alone.
    replayed = ReceivedEvent.objects.filter(REPLAYED)
    assert replayed.count() == 5 and {tuple(event.matched_rules) for event in replayed} == {("b",)}
    # Lists mark a replayed event beside its original (the same id); its page says which replay.
    listed = client.get("/events/").content.decode()
    assert listed.count('class="badge replay-badge"') == 5 and listed.count("<tr data-event-id=") == 10
    on_bus = client.get("/buses/default/").content.decode()
    assert on_bus.count("replay again</span>") == 5
    # Two rules' targets of one Id are told apart by their rule.
    assert on_bus.count("a → sm: delivered") == 5 and on_bus.count("b → sm: delivered") == 5
    assert on_bus.count("b → sm: pending") == 5  # the replayed copies, not yet delivered here
    copy = replayed.order_by("id")[0]
    page = client.get(f"/buses/default/events/{copy.id}/").content.decode()
    assert 'Sent again by the replay <a href="/archives/#replays">again</a>' in page
    original = ReceivedEvent.objects.exclude(id=copy.id).get(event_id=copy.event_id)
    assert f'<a href="/buses/default/events/{original.id}/" class="original-event">' in page
    page = client.get(f"/buses/default/events/{original.id}/").content.decode()
    assert f'<a href="/buses/default/events/{copy.id}/" class="replayed-event">its copy</a>' in page
    assert "to b</small>" in client.get("/archives/").content.decode()  # the rule it went to


def test_pace_and_cancel_and_delete(client: Client, broker: Broker) -> None:
    _archive(client)
    start = (timezone.now() - timedelta(hours=2)).strftime(WINDOW)
    end = (timezone.now() - timedelta(hours=1)).strftime(WINDOW)
    page = client.post("/archives/", _replay_form(start=start, end=end, pace="faster", speedup="0")).content
    assert "a number above 0" in alert_error(page.decode(), "replay-pace-error")
    assert (
        client.post("/archives/", _replay_form(start=start, end=end, pace="faster", speedup="4")).status_code
        == 302
    )
    assert Replay.objects.get().pace == 4
    assert "4 times faster" in client.get("/archives/").content.decode()
    client.post("/archives/", {"action": "cancel-replay", "name": "again"})
    assert Replay.objects.get().state == Replay.CANCELLING
    client.post("/archives/", {"action": "cancel-replay", "name": "gone"})  # nothing to cancel: no error
    client.post("/archives/", {"action": "delete-archive", "name": "all"})
    assert not Archive.objects.exists()
    assert "No archives yet" in client.get("/archives/").content.decode()


def test_each_action_lands_on_the_page_with_what_it_did(client: Client, broker: Broker) -> None:
    """Create, start, cancel and delete each come back with a notice (a new user saw a bare
    page and could not tell whether anything happened)."""
    created = _archive(client)
    page = client.get(created["Location"]).content.decode()
    assert "Archive all created" in page
    start = (timezone.now() - timedelta(hours=2)).strftime(WINDOW)
    end = (timezone.now() - timedelta(hours=1)).strftime(WINDOW)
    started = client.post("/archives/", _replay_form(start=start, end=end))
    assert "Replay again started" in client.get(started["Location"]).content.decode()
    gone = client.post("/archives/", {"action": "delete-archive", "name": "all"})
    assert (
        "Archive all deleted, with its events and its rule." in client.get(gone["Location"]).content.decode()
    )
    missing = client.post("/archives/", {"action": "delete-archive", "name": "all"})
    assert missing["Location"] == "/archives/"  # already gone (another tab): no notice
