"""Event delivery through boto3: entries accepted per second, and PutEvents-to-target latency.

Run: ``.venv/bin/python bench/delivery.py`` (``--quick`` for a short run). It starts the same
stacks as bench/served.py (the workbench embedded and distributed with 2 Celery workers,
``moto_server``, and the null server, whose row is the client's own ceiling on this machine)
and runs on each, with the same boto3 client:

- the bus: 300 rules, each matching one value of ``detail.n`` and targeting one SQS queue, and
  an archive of everything on the bus (EventBridge archives, "Archiving and replaying events");
- (a) throughput: 8 client threads put 10 entries a call as fast as they can; figures are
  entries accepted per second and, once the queue has received every message, entries
  delivered per second (accepted, archived, matched, delivered: the whole path);
- (b) latency: 500 entries a second (50 calls of 10, on a fixed schedule); each entry carries its
  send time, and the queue's ``SentTimestamp`` says when the target was invoked; p50 and p99 of
  the difference (millisecond clock of one machine).

``--profile DIR`` samples the workbench's processes with py-spy during (a), as bench/served.py's
``--profile`` does (``BENCH_PYSPY_RATE`` for the rate, ``--profile-gil`` for the GIL's holder).

The SQS target is the one target type both moto and the workbench deliver to, so the same
measurement runs on both. Issue 13's goals on this 2-core machine: at least 5,000 entries per
second accepted, archived and routed in distributed mode, at least 50 times moto, and p99 to
delivery under 100 ms at 500 events per second.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import served
from served import Stack, client

RULES = 300
ENTRIES_PER_CALL = 10
LATENCY_RATE = 500  # entries per second in (b)
DRAIN_TIMEOUT = 120.0


@dataclass
class Result:
    stack: str
    accepted: int = 0
    wall: float = 0.0
    delivered: int = 0
    drain_wall: float = 0.0
    client_cpu: float = 0.0
    server_cpu: float = 0.0
    errors: int = 0
    latencies: list[float] = field(default_factory=list)
    latency_sent: int = 0
    note: str = ""

    def percentile(self, share: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def prepare(stack: Stack) -> str:
    """The bus, its archive, 300 rules and the queue they all target; the queue's URL."""
    sqs = client(stack, "sqs")
    queue_url = sqs.create_queue(QueueName="delivered")["QueueUrl"]
    if stack.kind == "null":
        return str(queue_url)
    queue_arn = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    events = client(stack, "events")
    bus_arn = events.create_event_bus(Name="bench")["EventBusArn"]
    with contextlib.suppress(Exception):  # an emulator without archives still runs the workload
        events.create_archive(ArchiveName="bench-all", EventSourceArn=bus_arn)
    for n in range(RULES):
        pattern = json.dumps({"source": ["bench"], "detail": {"n": [n]}})
        events.put_rule(Name=f"r{n}", EventBusName="bench", EventPattern=pattern)
        events.put_targets(Rule=f"r{n}", EventBusName="bench", Targets=[{"Id": "q", "Arn": queue_arn}])
    return str(queue_url)


def _entries(first: int) -> list[dict[str, Any]]:
    return [
        {
            "Source": "bench",
            "DetailType": "bench",
            "EventBusName": "bench",
            "Detail": json.dumps({"n": (first + i) % RULES, "sent": time.time()}),
        }
        for i in range(ENTRIES_PER_CALL)
    ]


def _drain(stack: Stack, queue_url: str, expected: int, latencies: list[float] | None) -> int:
    """Receive and delete until ``expected`` messages came or nothing more comes; the count."""
    if stack.kind == "null":
        return expected  # the null server keeps nothing to deliver
    sqs = client(stack, "sqs")
    got = 0
    deadline = time.monotonic() + DRAIN_TIMEOUT
    while got < expected and time.monotonic() < deadline:
        answer = sqs.receive_message(
            QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=1, AttributeNames=["SentTimestamp"]
        )
        messages = answer.get("Messages", [])
        for message in messages:
            if latencies is not None:
                sent = json.loads(message["Body"])["detail"]["sent"]
                latencies.append(int(message["Attributes"]["SentTimestamp"]) - sent * 1000)
        got += len(messages)
        if messages:
            sqs.delete_message_batch(
                QueueUrl=queue_url,
                Entries=[{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)],
            )
    return got


def throughput(stack: Stack, queue_url: str, seconds: float) -> Result:
    result = Result(stack.name)
    clients = [client(stack, "events") for _ in range(served.CLIENT_THREADS)]
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def body(index: int) -> None:
        first = index * 37
        while time.monotonic() < stop_at:
            try:
                answer = clients[index].put_events(Entries=_entries(first))
            except Exception as exc:
                with lock:
                    result.errors += 1
                    result.note = result.note or f"first error: {exc}"
                time.sleep(0.05)
                continue
            first += ENTRIES_PER_CALL
            with lock:
                result.accepted += ENTRIES_PER_CALL - answer.get("FailedEntryCount", 0)

    usage = resource.getrusage(resource.RUSAGE_SELF)
    server_before = served._process_cpu(stack.pids)
    started = time.perf_counter()
    threads = [threading.Thread(target=body, args=(i,)) for i in range(served.CLIENT_THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    result.wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF)
    result.client_cpu = (after.ru_utime - usage.ru_utime + after.ru_stime - usage.ru_stime) / result.wall
    result.delivered = _drain(stack, queue_url, result.accepted, None)
    result.drain_wall = time.perf_counter() - started
    result.server_cpu = served._process_cpu(stack.pids) - server_before
    return result


def latency(stack: Stack, queue_url: str, seconds: float, result: Result) -> None:
    """50 calls a second of 10 entries on a fixed schedule; then the queue tells when each came."""
    clients = [client(stack, "events") for _ in range(served.CLIENT_THREADS)]
    calls = int(seconds * LATENCY_RATE / ENTRIES_PER_CALL)
    slots = iter(range(calls))
    lock = threading.Lock()
    started = time.perf_counter()

    def body(index: int) -> None:
        while True:
            with lock:
                slot = next(slots, None)
            if slot is None:
                return
            delay = started + slot * ENTRIES_PER_CALL / LATENCY_RATE - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
            with contextlib.suppress(Exception):
                answer = clients[index].put_events(Entries=_entries(slot * ENTRIES_PER_CALL))
                with lock:
                    result.latency_sent += ENTRIES_PER_CALL - answer.get("FailedEntryCount", 0)

    threads = [threading.Thread(target=body, args=(i,)) for i in range(served.CLIENT_THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if stack.kind != "null":
        _drain(stack, queue_url, result.latency_sent, result.latencies)


def bench_stack(stack: Stack, seconds: float, profiler: served.Profiler | None = None) -> Result:
    queue_url = prepare(stack)
    with served._profiled(profiler, stack, "throughput", seconds):
        result = throughput(stack, queue_url, seconds)
    latency(stack, queue_url, seconds, result)
    return result


def table(results: list[Result]) -> str:
    moto = next((r for r in results if r.stack == "moto" and r.wall), None)
    moto_rate = moto.accepted / moto.wall if moto else 0.0
    lines = [
        "| stack | accepted entries/s | delivered entries/s (whole path) | delivered / accepted | "
        f"p50 ms to target at {LATENCY_RATE}/s | p99 ms | client CPU | server CPU ms per entry | vs moto |",
        "|---|---:|---:|---|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        rate = r.accepted / r.wall if r.wall else 0.0
        delivered = r.delivered / r.drain_wall if r.drain_wall else 0.0
        ratio = f"{rate / moto_rate:.2f}x" if moto_rate else "—"
        per_entry = 1000 * r.server_cpu / r.accepted if r.accepted else float("nan")
        lines.append(
            f"| {r.stack} | {rate:.1f} | {delivered:.1f} | {r.delivered} / {r.accepted} | "
            f"{r.percentile(0.5):.1f} | {r.percentile(0.99):.1f} | {100 * r.client_cpu:.0f}% | "
            f"{per_entry:.2f} | {ratio} |"
        )
    notes = [f"{r.stack}: {r.note}" for r in results if r.note]
    return "\n".join([*lines, "", *notes])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="4 s per run instead of 20")
    parser.add_argument("--seconds", type=float)
    parser.add_argument("--stacks", default="embedded,distributed-2,moto,null")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/stepbridge_bench"),
        help="PostgreSQL database for distributed mode; DROPPED and re-created",
    )
    parser.add_argument(
        "--broker-url", default=os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/14")
    )
    parser.add_argument(
        "--channel-url", default=os.environ.get("BENCH_CHANNEL_URL", "redis://127.0.0.1:6379/15")
    )
    parser.add_argument("--profile", type=Path, help="directory for py-spy profiles of (a), as served.py's")
    parser.add_argument(
        "--profile-gil", action="store_true", help="with --profile: sample only the thread holding the GIL"
    )
    args = parser.parse_args()
    profiler = None
    if args.profile:
        args.profile.mkdir(parents=True, exist_ok=True)
        profiler = served.Profiler(args.profile, gil_only=args.profile_gil)
    seconds = args.seconds or (4.0 if args.quick else 20.0)
    stacks: dict[str, Callable[[Path], contextlib.AbstractContextManager[Stack]]] = {
        "embedded": served.embedded,
        "distributed-2": lambda path: served.distributed(path, args, 2),
        "moto": served.moto,
        "null": served.null,
    }
    work = Path(tempfile.mkdtemp(prefix="stepbridge-delivery-"))
    print(f"{os.cpu_count()} CPUs, {served.CLIENT_THREADS} client threads, {seconds:g} s per run")
    results: list[Result] = []
    try:
        for name in args.stacks.split(","):
            directory = work / name
            directory.mkdir()
            with stacks[name](directory) as stack:
                print(f"{name}: serving at {stack.url}", flush=True)
                results.append(bench_stack(stack, seconds, profiler))
    except BaseException:
        print(f"stopped; the stacks' logs are kept in {work}", file=sys.stderr)
        raise
    else:
        shutil.rmtree(work, ignore_errors=True)
    finally:
        print(table(results))


if __name__ == "__main__":
    main()
