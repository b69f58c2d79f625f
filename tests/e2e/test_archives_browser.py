"""The Archives page in Chromium against the served workbench: an archive created in the
browser (a refused pattern shown beside its field, what was typed kept) archives what boto3
puts; a replay started from the page at ten times the original pace moves its progress bar
while the page stays open (the dashboard's socket, no reload) to COMPLETED, and boto3's
DescribeReplay agrees. At phone width nothing is wider than the screen.

AWS behaviour followed: CreateArchive, DescribeArchive (EventCount), StartReplay and
DescribeReplay (states up to COMPLETED), Amazon EventBridge API Reference; the pace is the
workbench's addition (events.replays)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import wait_for
from tests.support.browser import chromium_page

pytestmark = [pytest.mark.live, pytest.mark.browser]

DOCS = Path(__file__).resolve().parents[2] / "docs"
NO_SCROLL = "document.documentElement.scrollWidth <= window.innerWidth"


def test_archive_and_replay_from_the_browser_with_live_progress(aws: Any, live_url: str) -> None:
    events = aws("events")
    events.create_event_bus(Name="orders")
    events.put_rule(Name="audit", EventBusName="orders", EventPattern=json.dumps({"source": ["shop"]}))
    with chromium_page() as page:
        page.set_viewport_size({"width": 1280, "height": 800})
        page.goto(f"{live_url}/archives/")
        page.fill("#create-archive input[name=name]", "orders-all")
        page.select_option("#create-archive select[name=bus]", "orders")
        page.fill("#create-archive textarea[name=pattern]", '{"source": "shop"}')
        page.click("#create-archive button[type=submit]")
        page.wait_for_selector("#archive-pattern-error")
        assert page.input_value("#create-archive input[name=name]") == "orders-all"
        assert page.input_value("#create-archive textarea[name=pattern]") == '{"source": "shop"}'
        page.fill("#create-archive textarea[name=pattern]", '{"source": ["shop"]}')
        page.click("#create-archive button[type=submit]")
        page.wait_for_selector('#archives tr[data-archive="orders-all"]')

        # Twelve events, ten seconds apart, ending two minutes ago: a window that ends at the
        # current whole minute (the form's resolution) holds them all and is not in the future.
        now = datetime.now(UTC).replace(microsecond=0)
        put = events.put_events
        for n in range(12):
            entry = {"Source": "shop", "DetailType": "order", "Detail": json.dumps({"n": n})}
            when = now - timedelta(seconds=230 - n * 10)
            assert put(Entries=[{**entry, "EventBusName": "orders", "Time": when}])["FailedEntryCount"] == 0
        wait_for(lambda: events.describe_archive(ArchiveName="orders-all")["EventCount"] == 12, timeout=60)
        end = now.replace(second=0)

        # Another bus's archive and rule: the form lists only the chosen archive's bus's rules,
        # each once, and not the archives' own managed rules.
        events.put_rule(Name="elsewhere", EventPattern=json.dumps({"source": ["other"]}))
        events.create_archive(ArchiveName="default-all", EventSourceArn=events.describe_event_bus()["Arn"])
        page.goto(f"{live_url}/archives/")
        rules_of = "#start-replay label[data-bus='{}']".format
        page.select_option("#start-replay select[name=archive]", "default-all")
        assert page.is_visible(rules_of("default")) and page.is_hidden(rules_of("orders"))
        page.select_option("#start-replay select[name=archive]", "orders-all")
        assert page.is_hidden(rules_of("default")) and page.locator(rules_of("orders")).count() == 1
        assert "Events-Archive" not in page.inner_text("#start-replay")
        page.fill("#start-replay input[name=name]", "catch-up")
        page.fill("#start-replay input[name=start]", (now - timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M"))
        page.fill("#start-replay input[name=end]", end.strftime("%Y-%m-%dT%H:%M"))
        page.check("#start-replay input[name=pace][value=faster]")
        page.fill("#start-replay input[name=speedup]", "10")  # 110 s of events in about 11 s
        page.click("#start-replay button[type=submit]")
        row = '#replays tr[data-replay="catch-up"]'
        page.wait_for_selector(row)
        # The bar moves while the page stays open: a count strictly between 0 and 12 shows.
        page.wait_for_function(
            f"""() => {{
                const text = document.querySelector('{row} [data-progress]')?.textContent || '';
                const sent = parseInt(text, 10);
                return sent > 0 && sent < 12;
            }}""",
            timeout=30_000,
        )
        page.wait_for_selector(f'{row}[data-state="COMPLETED"]', timeout=60_000)
        assert page.inner_text(f"{row} [data-progress]") == "12 of 12"
        # Shown in the browser's zone, named, while the form beside takes UTC (time.js).
        shown = page.inner_text(f"{row} time")
        assert "UTC" in shown or "GMT" in shown, shown
        page.screenshot(path=str(DOCS / "console-archives.png"), full_page=False)
        page.set_viewport_size({"width": 390, "height": 844})
        page.goto(f"{live_url}/archives/")
        assert page.evaluate(NO_SCROLL)
    assert events.describe_replay(ReplayName="catch-up")["State"] == "COMPLETED"
