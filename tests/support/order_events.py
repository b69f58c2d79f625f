"""Order events of the course's shape (tests/fixtures/course_chapter_18.txt, "EventBridge Schema
Registry": version 1 {orderId, amount}, version 2 adds currency and tax), enveloped by the
engine's own PutEvents envelope builder so they are exactly what a bus stores."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from engine.events.envelope import BuiltEvent, build_event

SOURCE, DETAIL_TYPE = "com.myapp.orders", "Order Placed"


def order_event(**detail: Any) -> dict[str, Any]:
    entry = {"Source": SOURCE, "DetailType": DETAIL_TYPE, "Detail": json.dumps(detail)}
    built = build_event(
        entry,
        event_id="6a7e8feb-b491-4cf7-a9f1-bf3703467718",
        account="123456789012",
        region="us-east-1",
        now=datetime(2025, 1, 15, 10, 30, tzinfo=UTC),
    )
    assert isinstance(built, BuiltEvent), built
    return built.event
