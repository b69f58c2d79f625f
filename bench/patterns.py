"""Events matched per second against 10 .. 10,000 rules: our compiled Matcher beside moto and LocalStack.

Run: .venv/bin/python bench/patterns.py [--quick]

The workload is generated deterministically (seeded random): order events like the course chapter's
(source com.myapp.orders, detail-type, numeric detail.amount, anything-but status, region lists,
prefixes) and GeoJSON-like city-lot records like aws/event-ruler's citylots benchmark. Vocabularies
(merchants, SKUs, streets, lots) grow with the rule count, so every bus size sees about the same
handful of matches per event: on a real bus more rules means more distinct subscribers, not more
subscribers per event. The table prints the matches per event so that this stays visible.

Events are round-tripped through JSON, so each has its own strings as a parsed PutEvents entry
would (drawn straight from the vocabulary lists, small buses' events would share a few dozen string
objects that always sit in the CPU cache).

Every engine is timed the same way: repeated passes over its batch, each pass timed in CPU seconds
of this process (time.process_time), so the figures are what one core does even on a shared machine
where the process is sometimes descheduled. The table gives the median pass and the spread (slowest
and fastest pass). Our matcher's passes take turns across the bus sizes, so a busy spell on the
machine slows every size alike instead of skewing the fall from 10 to 10,000 rules. moto and
LocalStack try every rule for every event, so at large sizes they are timed on a sample of the
events, with at least three passes.
"""

from __future__ import annotations

import json
import random
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from engine.events.patterns import Matcher, matches, parse_pattern

SIZES = (10, 100, 1_000, 10_000)
EVENT_COUNT = 2_000
DETAIL_TYPES = ["Order Placed", "Order Shipped", "Order Cancelled", "Payment Failed", "Refund Issued"]
STATUSES = ["pending", "paid", "shipped", "cancelled", "failed", "refunded"]
REGIONS = ["us-east", "us-west", "eu-west", "eu-central", "ap-south", "ap-northeast", "sa-east", "ca-central"]
STREETS_SUFFIX = ["ST", "AVE", "BLVD", "WAY", "TER", "CT"]


def vocabulary(size: int) -> dict[str, list[str]]:
    scale = max(20, size // 2)
    return {
        "merchant": [f"m-{i:05d}" for i in range(scale)],
        "customer": [f"cust-{i:06d}" for i in range(scale * 10)],
        "sku": [f"SKU-{i:06d}" for i in range(scale)],
        "street": [f"STREET {i:05d}" for i in range(scale)],
        "lot": [f"{i:04d}{j:03d}" for i in range(scale) for j in range(4)],
    }


def order_rule(rng: random.Random, vocab: dict[str, list[str]]) -> dict[str, Any]:
    kind = rng.randrange(4)
    base: dict[str, Any] = {"source": ["com.myapp.orders"], "detail-type": [rng.choice(DETAIL_TYPES)]}
    if kind == 0:  # high-value orders of one merchant
        base["detail"] = {
            "merchantId": [rng.choice(vocab["merchant"])],
            "amount": [{"numeric": [">", rng.choice([100, 250, 500, 1000])]}],
        }
    elif kind == 1:  # a customer group in some regions, not cancelled or failed
        customer = rng.choice(vocab["customer"])
        base["detail"] = {
            "customerId": [{"prefix": customer[:-1]}],
            "region": rng.sample(REGIONS, 2),
            "status": [{"anything-but": ["cancelled", "failed"]}],
        }
    elif kind == 2:  # one SKU from any of our apps
        base = {
            "source": [{"prefix": "com.myapp."}],
            "detail": {"items": {"sku": [rng.choice(vocab["sku"])]}},
        }
    else:  # a merchant's orders in a band of amounts, or with $or on region / priority
        low = rng.randrange(0, 900)
        base["detail"] = {
            "merchantId": [rng.choice(vocab["merchant"])],
            "$or": [
                {"amount": [{"numeric": [">=", low, "<", low + 500]}]},
                {"priority": ["high"], "region": [rng.choice(REGIONS)]},
            ],
        }
    return base


def lot_rule(rng: random.Random, vocab: dict[str, list[str]]) -> dict[str, Any]:
    kind = rng.randrange(3)
    properties: dict[str, Any]
    if kind == 0:
        properties = {"STREET": [rng.choice(vocab["street"])], "ODD_EVEN": [rng.choice(["O", "E"])]}
    elif kind == 1:
        properties = {"MAPBLKLOT": [rng.choice(vocab["lot"])]}
    else:
        properties = {
            "STREET": [rng.choice(vocab["street"])],
            "ST_TYPE": [{"equals-ignore-case": rng.choice(STREETS_SUFFIX).lower()}],
            "FROM_ST": [{"exists": True}],
        }
    return {"source": ["com.sf.citylots"], "detail": {"properties": properties}}


def build_rules(size: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    vocab = vocabulary(size)
    rules = []
    for _ in range(size):
        rule = order_rule(rng, vocab) if rng.random() < 0.6 else lot_rule(rng, vocab)
        rules.append(json.dumps(rule))
    return rules


def envelope(
    rng: random.Random, source: str, detail_type: str, detail: dict[str, Any], n: int
) -> dict[str, Any]:
    return {
        "version": "0",
        "id": f"{n:08x}-0000-4000-8000-{rng.getrandbits(48):012x}",
        "detail-type": detail_type,
        "source": source,
        "account": "123456789012",
        "time": f"2025-01-15T10:{n // 60 % 60:02d}:{n % 60:02d}Z",
        "region": "us-east-1",
        "resources": [],
        "detail": detail,
    }


def build_events(size: int, count: int = EVENT_COUNT, seed: int = 11) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    vocab = vocabulary(size)
    events = []
    for n in range(count):
        if rng.random() < 0.6:
            items = [
                {"sku": rng.choice(vocab["sku"]), "qty": rng.randint(1, 5)} for _ in range(rng.randint(1, 3))
            ]
            detail = {
                "orderId": f"order-{n}",
                "customerId": rng.choice(vocab["customer"]),
                "merchantId": rng.choice(vocab["merchant"]),
                "amount": round(rng.uniform(5, 2000), 2),
                "status": rng.choice(STATUSES),
                "region": rng.choice(REGIONS),
                "priority": rng.choice(["low", "normal", "high"]),
                "items": items,
            }
            events.append(envelope(rng, "com.myapp.orders", rng.choice(DETAIL_TYPES), detail, n))
        else:
            lot = rng.choice(vocab["lot"])
            x, y = -122.4 + rng.random() / 10, 37.7 + rng.random() / 10
            detail = {
                "type": "Feature",
                "properties": {
                    "MAPBLKLOT": lot,
                    "BLKLOT": lot,
                    "BLOCK_NUM": lot[:4],
                    "LOT_NUM": lot[4:],
                    "FROM_ST": str(rng.randint(1, 999)),
                    "TO_ST": str(rng.randint(1, 999)),
                    "STREET": rng.choice(vocab["street"]),
                    "ST_TYPE": rng.choice(STREETS_SUFFIX),
                    "ODD_EVEN": rng.choice(["O", "E"]),
                },
                "geometry": {
                    "type": "Polygon",
                    "coordinates": [
                        [[x + dx / 1e4, y + dy / 1e4, 0] for dx, dy in ((0, 0), (1, 0), (1, 1), (0, 1))]
                    ],
                },
            }
            events.append(envelope(rng, "com.sf.citylots", "Lot Updated", detail, n))
    return events


@dataclass(frozen=True)
class Rate:
    """Events per CPU-second over repeated passes: the median pass, and the slowest and fastest."""

    median: float
    slowest: float
    fastest: float
    passes: int

    def spread(self) -> str:
        return f"{self.slowest:,.0f} to {self.fastest:,.0f} ({self.passes} passes)"


def rate(
    run: Callable[[list[dict[str, Any]]], object],
    events: list[dict[str, Any]],
    min_seconds: float,
    min_passes: int = 3,
) -> Rate:
    """Time passes over the batch until both min_seconds of CPU time and min_passes are reached."""
    return interleaved_rates([(run, events)], min_seconds, min_passes)[0]


def interleaved_rates(
    batches: list[tuple[Callable[[list[dict[str, Any]]], object], list[dict[str, Any]]]],
    min_seconds: float,
    min_passes: int = 3,
) -> list[Rate]:
    """Time passes over several batches in turn (one pass each per round) until every batch has
    min_seconds of CPU time and min_passes. Taking turns means a busy spell on the shared machine
    slows every bus size alike, so the ratio between sizes compares like with like."""
    rates: list[list[float]] = [[] for _ in batches]
    spent = [0.0 for _ in batches]
    while any(len(r) < min_passes or t < min_seconds for r, t in zip(rates, spent, strict=True)):
        for k, (run, events) in enumerate(batches):
            begin = time.process_time()
            run(events)
            elapsed = max(time.process_time() - begin, 1e-9)
            spent[k] += elapsed
            rates[k].append(len(events) / elapsed)
    return [Rate(statistics.median(r), min(r), max(r), len(r)) for r in rates]


def moto_matchers(rules: list[str]) -> list[Any]:
    from moto.events.models import EventPattern

    return [EventPattern(text, json.loads(text)) for text in rules]


def localstack_matchers(rules: list[str]) -> tuple[Any, list[Any]] | None:
    try:
        from localstack.services.events.event_rule_engine import (
            EventPatternCompiler,
            EventRuleEngine,
        )
    except Exception:
        return None
    compiler = EventPatternCompiler()  # type: ignore[no-untyped-call]
    return EventRuleEngine(), [compiler.compile_event_pattern(text) for text in rules]


def stepbridge_pass(matcher: Matcher) -> Callable[[list[dict[str, Any]]], int]:
    return lambda batch: sum(len(matcher.match(e)) for e in batch)


def moto_pass(moto: list[Any]) -> Callable[[list[dict[str, Any]]], int]:
    return lambda batch: sum(sum(m.matches_event(e) for m in moto) for e in batch)


def localstack_pass(engine: Any, compiled: list[Any]) -> Callable[[list[dict[str, Any]]], int]:
    return lambda batch: sum(sum(engine.evaluate_pattern_on_event(p, e) for p in compiled) for e in batch)


def main() -> None:
    quick = "--quick" in sys.argv
    sizes = SIZES[:3] if quick else SIZES
    min_seconds = 0.3 if quick else 1.5
    rows: list[tuple[int, float, float, Rate, Rate | None]] = []
    batches: list[tuple[Callable[[list[dict[str, Any]]], object], list[dict[str, Any]]]] = []
    localstack_available = localstack_matchers(['{"a": ["b"]}']) is not None
    for size in sizes:
        rule_texts = build_rules(size)
        events = [json.loads(json.dumps(event)) for event in build_events(size)]
        patterns = [parse_pattern(text) for text in rule_texts]
        started = time.process_time()
        matcher = Matcher()
        for n, pattern in enumerate(patterns):
            matcher.add(f"rule-{n}", pattern)
        build_ms = (time.process_time() - started) * 1000

        matched_total = sum(len(matcher.match(e)) for e in events)
        check = events[:: max(1, len(events) // 50)]
        for event in check:  # the compiled matcher must agree with the reference evaluator
            expected = {f"rule-{n}" for n, p in enumerate(patterns) if matches(p, event)}
            assert matcher.match(event) == expected, "compiled matcher disagrees with reference"
        batches.append((stepbridge_pass(matcher), events))

        sample = events[: max(5, min(len(events), 20_000 // size))]
        moto_rate = rate(moto_pass(moto_matchers(rule_texts)), sample, 0.5)
        ls_rate: Rate | None = None
        if localstack_available:
            found = localstack_matchers(rule_texts)
            assert found is not None
            ls_rate = rate(localstack_pass(*found), sample, 0.5)
        rows.append((size, matched_total / len(events), build_ms, moto_rate, ls_rate))
        print(f"... {size} rules built, checked, and moto and LocalStack timed", file=sys.stderr)
    ours_by_size = interleaved_rates(batches, min_seconds)

    print(
        "| rules | matches/event | build (ms) | Stepbridge events/s (median) | Stepbridge spread "
        "| moto events/s | vs moto | LocalStack events/s | vs LocalStack |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for (size, per_event, build_ms, moto_rate, ls_rate), ours in zip(rows, ours_by_size, strict=True):
        ls_cells = (
            f"{ls_rate.median:,.1f} | {ours.median / ls_rate.median:,.0f}x"
            if ls_rate
            else "not available | -"
        )
        print(
            f"| {size:,} | {per_event:.2f} | {build_ms:,.0f} | {ours.median:,.0f} | {ours.spread()} "
            f"| {moto_rate.median:,.1f} | {ours.median / moto_rate.median:,.0f}x | {ls_cells} |"
        )
    if not localstack_available:
        print("\nLocalStack's Python engine was not available (pip install localstack-core rolo jsonpatch).")
    first, last = ours_by_size[0], ours_by_size[-1]
    print(
        f"\nMedian rate falls {first.median / last.median:.2f}x from {rows[0][0]:,} to {rows[-1][0]:,} rules "
        f"(fastest passes: {first.fastest / last.fastest:.2f}x; one core, CPU time)."
    )


if __name__ == "__main__":
    main()
