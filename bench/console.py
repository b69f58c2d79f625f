"""How fast the console pages through large lists: 100,000 executions in /executions/ and
100,000 events in /events/, every page walked by its "older" link (keyset paging,
``workbench.core.paging``), the target being under 300 ms a page.

Run: ``.venv/bin/python bench/console.py`` (a scratch SQLite database in a temporary folder),
or with ``DATABASE_URL=postgres://…/scratch`` for PostgreSQL (the database is migrated and
filled; use a scratch one). ``--rows N`` changes the 100,000.

The first request of each list is sent once untimed (templates compile on first use). Each
request goes through Django's whole stack in this process (URL routing, the view's
queries, the template), as the test client sends it; the time per page is printed as a
Markdown table: pages walked, median, 95th percentile and slowest request, and the slowest
page's SQL alone (which keyset paging keeps flat however deep the page), for the unfiltered
list and for one filter each (a status; a bus). On a machine busy with other work the request
times grow with the load; the SQL column shows what the database part costs.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

TARGET_MS = 300
BATCH = 5000
NEXT = re.compile(r'id="next-page" href="([^"]+)"')


def setup(scratch: Path) -> None:
    if not os.environ.get("DATABASE_URL"):
        os.environ["DATABASE_URL"] = f"sqlite:///{scratch / 'bench.sqlite3'}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "workbench.settings")
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", "--noinput", verbosity=0)


def fill(rows: int) -> None:
    """``rows`` executions over 5 machines and ``rows`` events over 5 buses, one a second."""
    from workbench.accounts.services import default_workspace
    from workbench.events import services as events
    from workbench.events.models import ReceivedEvent
    from workbench.stepfunctions.models import Execution, StateMachine

    workspace = default_workspace()
    start = datetime(2024, 1, 1, tzinfo=UTC)
    definition = '{"StartAt": "A", "States": {"A": {"Type": "Pass", "End": true}}}'
    machines = [
        StateMachine.objects.create(
            workspace=workspace,
            name=f"bench-{n}",
            definition=definition,
            role_arn="r",
            created=start,
            updated=start,
        )
        for n in range(5)
    ]
    statuses = ["SUCCEEDED", "SUCCEEDED", "SUCCEEDED", "FAILED", "RUNNING"]
    for first in range(0, rows, BATCH):
        Execution.objects.bulk_create(
            Execution(
                state_machine=machines[i % 5],
                name=f"run-{i}",
                definition=definition,
                input="{}",
                status=statuses[i % 5],
                start_date=start + timedelta(seconds=i),
            )
            for i in range(first, min(first + BATCH, rows))
        )
    buses = [events.create_bus(workspace, f"bench-bus-{n}", "") for n in range(5)]
    for first in range(0, rows, BATCH):
        ReceivedEvent.objects.bulk_create(
            ReceivedEvent(
                bus=buses[i % 5],
                event_id=f"e-{i}",
                body={"id": f"e-{i}", "source": "bench", "detail-type": "Tick", "detail": {"n": i}},
                matched_rules=[],
                received=start + timedelta(seconds=i),
            )
            for i in range(first, min(first + BATCH, rows))
        )


def walk(path: str, limit: int | None = None) -> tuple[list[float], list[float]]:
    """Milliseconds per page (the whole request, and its SQL alone), following "older" links
    from ``path`` to the end (or ``limit`` pages)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_HOST="127.0.0.1")
    client.get(path)  # warm: templates compiled, connections open (not a page anyone waits for)
    times: list[float] = []
    sql: list[float] = []
    url: str | None = path
    while url is not None and (limit is None or len(times) < limit):
        with CaptureQueriesContext(connection) as queries:
            began = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - began) * 1000)
        sql.append(sum(float(query["time"]) for query in queries.captured_queries) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        found = NEXT.search(response.content.decode())
        url = path.split("?", 1)[0] + found.group(1).replace("&amp;", "&") if found else None
    return times, sql


def row(name: str, walked: tuple[list[float], list[float]]) -> str:
    times, sql = walked
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    verdict = "yes" if ordered[-1] < TARGET_MS else "no"
    figures = f"{statistics.median(times):.1f} | {p95:.1f} | {ordered[-1]:.1f} | {max(sql):.1f}"
    return f"| {name} | {len(times)} | {figures} | {verdict} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        setup(Path(scratch))
        from django.db import connection

        began = time.perf_counter()
        fill(args.rows)
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")  # the planner's statistics, as autovacuum would gather them
        print(
            f"{connection.vendor}: {args.rows:,} executions and {args.rows:,} events stored "
            f"in {time.perf_counter() - began:.1f} s\n"
        )
        head = "| list | pages | median ms | p95 ms | slowest ms | slowest SQL ms |"
        print(f"{head} every page < {TARGET_MS} ms |")
        print("|---|---|---|---|---|---|---|")
        print(row("/executions/ (all)", walk("/executions/")), flush=True)
        print(row("/executions/?status=FAILED", walk("/executions/?status=FAILED")), flush=True)
        print(row("/events/ (all)", walk("/events/")), flush=True)
        print(row("/events/?bus=bench-bus-3", walk("/events/?bus=bench-bus-3")), flush=True)
        print(row("/events/?source=bench (first 200 pages)", walk("/events/?source=bench", 200)), flush=True)


if __name__ == "__main__":
    main()
