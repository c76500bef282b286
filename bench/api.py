"""Benchmark GET /api/events in-process, through the same Chalice app object Lambda runs.

Embedded store (30,000 events by default): p50/p99 latency over a mix of integrator-style filters
and the items the store read per item returned. moto-backed DynamoDB (a smaller set: moto's GSI
query walks the whole table): requests per call by operation, Query calls per partition touched,
items read per item returned. Usage: ``python bench/api.py [--events N] [--moto-events N]``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

# Run as a script, this file's folder comes first on sys.path and its name would hide the `api`
# package: look from the repository root instead.
sys.path[0] = str(Path(__file__).resolve().parent.parent)
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
for _name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
    os.environ.setdefault(_name, "bench")

from chalice.test import Client  # noqa: E402

import api.app as api_app  # noqa: E402
from core.models import Event  # noqa: E402
from core.runtime import Clock, Runtime  # noqa: E402
from core.store.sqlite import SQLiteStore  # noqa: E402
from core.timeutil import ttl_for  # noqa: E402

TODAY = date(2026, 12, 1)
CLOCK = Clock(TODAY)  # the API answers as at noon of TODAY
TZ = "America/New_York"
GROUPS = 150
STATES = ("DC", "DC", "DC", "MD", "MD", "VA", "VA", None)  # None: the ALL partition


def make_events(count: int, seed: int = 1) -> list[Event]:
    """What a store holds: TTL keeps about a week of the past, collection looks 90 days ahead.
    One event in 20 spans several days; a quarter are virtual (no state)."""
    rng = random.Random(seed)
    events = []
    for n in range(count):
        day = TODAY + timedelta(days=rng.randint(-7, 90))
        hour = rng.choice((8, 10, 12, 17, 18, 18, 19))
        start = f"{day.isoformat()}T{hour:02d}:{rng.choice((0, 30)):02d}:00"
        end_day = day + timedelta(days=rng.choice((1, 2, 3)) if rng.random() < 0.05 else 0)
        end = f"{end_day.isoformat()}T{hour + 2:02d}:00:00"
        virtual = rng.random() < 0.25
        group = f"group-{rng.randrange(GROUPS):03d}"
        events.append(
            Event(
                event_id=f"{rng.getrandbits(256):064x}",
                start_datetime=start,
                end_datetime=end,
                title=f"Meetup {n}: a talk about something technical",
                description="An evening of talks and networking. " * 8,
                url=f"https://example.org/{group}/events/{n}",
                location="Online" if virtual else "1100 13th St NW, Washington, DC",
                location_type="virtual" if virtual else "in_person",
                city=None if virtual else "Washington",
                state=None if virtual else rng.choice(STATES[:-1]),
                group_id=group,
                group_name=group.replace("-", " ").title(),
                group_website=f"https://example.org/{group}",
                last_seen_date=TODAY.isoformat(),
                ttl=ttl_for(end, TZ),
            )
        )
    return events


def query_mix(rng: random.Random) -> Iterator[tuple[str, dict[str, str]]]:
    """Endless integrator-like requests, each with the name of its kind."""
    while True:
        week = TODAY + timedelta(days=rng.randint(0, 60))
        mix = {
            "default": {},
            "state=DC": {"state": "DC"},
            "state=VA&limit=100": {"state": "VA", "limit": "100"},
            "location_type=virtual": {"location_type": "virtual"},
            "in_person&state=DC&limit=10": {
                "location_type": "in_person",
                "state": "DC",
                "limit": "10",
            },
            "a week ahead": {
                "start_date": week.isoformat(),
                "end_date": (week + timedelta(days=6)).isoformat(),
            },
            "state=MD from +30 days": {
                "state": "MD",
                "start_date": (TODAY + timedelta(days=30)).isoformat(),
            },
            "limit=500": {"limit": "500"},
            "group_id": {"group_id": f"group-{rng.randrange(GROUPS):03d}"},
        }
        yield rng.choice(list(mix.items()))


class CountingStore:
    """Counts the items a store hands to the query (what it had to read and decode)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.items = 0

    def _counted(self, events: Iterator[Event]) -> Iterator[Event]:
        for event in events:
            self.items += 1
            yield event

    def query_by_state(self, *args: Any, **kwargs: Any) -> Iterator[Event]:
        return self._counted(self.inner.query_by_state(*args, **kwargs))

    def query_by_group(self, *args: Any, **kwargs: Any) -> Iterator[Event]:
        return self._counted(self.inner.query_by_group(*args, **kwargs))


def call(client: Client, query: dict[str, str]) -> dict[str, Any]:
    response = client.http.get("/api/events" + (f"?{urlencode(query)}" if query else ""))
    if response.status_code != 200:
        raise SystemExit(f"{query}: HTTP {response.status_code} {response.body!r}")
    return json.loads(response.body)


def with_next_page(client: Client, query: dict[str, str]) -> dict[str, str]:
    """The same query for the page after the first one (cursor paging)."""
    cursor = call(client, query)["next_cursor"]
    return {**query, "cursor": cursor} if cursor else query


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def bench_embedded(count: int, requests: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store = SQLiteStore(str(Path(tmp) / "events.db"))
        started = time.perf_counter()
        store.put_events(make_events(count))
        print(f"embedded store: {count:,} events loaded in {time.perf_counter() - started:.1f} s")
        counting = CountingStore(store)
        api_app.configure(Runtime(opened=counting, clock=CLOCK))
        client = Client(api_app.app)
        rng = random.Random(7)
        queries = query_mix(rng)
        plan = []
        for _ in range(requests):
            name, query = next(queries)
            if rng.random() < 0.3:
                name, query = f"{name} (page 2)", with_next_page(client, query)
            plan.append((name, query))
        for _, query in plan[:50]:  # warm up
            call(client, query)
        latencies: dict[str, list[float]] = defaultdict(list)
        cpu: list[float] = []  # this thread's CPU time: the same figure on a busy shared machine
        returned = 0
        counting.items = 0
        for name, query in plan:
            started, started_cpu = time.perf_counter(), time.thread_time()
            page = call(client, query)
            latencies[name].append((time.perf_counter() - started) * 1000)
            cpu.append((time.thread_time() - started_cpu) * 1000)
            returned += len(page["events"])
        every = [ms for kind in latencies.values() for ms in kind]
        print(
            f"  {requests} requests: p50 {percentile(every, 50):.2f} ms,"
            f" p99 {percentile(every, 99):.2f} ms, mean {statistics.fmean(every):.2f} ms"
            "  (targets: p50 <= 5 ms, p99 <= 25 ms)"
        )
        print(
            f"  CPU per request: p50 {percentile(cpu, 50):.2f} ms, p99 {percentile(cpu, 99):.2f} ms"
        )
        print(
            f"  items read per item returned: {counting.items / max(returned, 1):.2f}"
            f" ({counting.items:,} read, {returned:,} returned)"
        )
        for name in sorted(latencies, key=lambda n: percentile(latencies[n], 50)):
            kind = latencies[name]
            print(
                f"    {name:<38} n={len(kind):<4} p50 {percentile(kind, 50):6.2f} ms"
                f"  p99 {percentile(kind, 99):6.2f} ms"
            )
        store.close()
        api_app.configure(None)


def bench_moto(count: int, requests: int) -> None:
    from moto import mock_aws

    from core.store.dynamodb import DynamoDBStore, create_table

    with mock_aws():
        create_table("DCTechEvents")
        store = DynamoDBStore("DCTechEvents")
        store.put_events(make_events(count, seed=2))
        calls: list[tuple[str, dict[str, Any]]] = []
        scanned: list[int] = []

        def before(model: Any, params: dict[str, Any], **_: Any) -> None:
            calls.append((model.name, dict(params)))

        def after(model: Any, parsed: dict[str, Any], **_: Any) -> None:
            if model.name == "Query":
                scanned.append(parsed.get("ScannedCount", 0))

        store.client.meta.events.register("before-parameter-build.dynamodb", before)
        store.client.meta.events.register("after-call.dynamodb", after)
        api_app.configure(Runtime(opened=store, clock=CLOCK))
        client = Client(api_app.app)
        rng = random.Random(9)
        queries = query_mix(rng)
        per_call: Counter[str] = Counter()
        first_pages, touched, worst, returned = 0, 0, 0, 0
        for _ in range(requests):
            query = next(queries)[1]
            if rng.random() < 0.3:
                query = with_next_page(client, query)
            calls.clear()
            page = call(client, query)
            returned += len(page["events"])
            per_call.update(name for name, _ in calls)
            partitions = Counter(
                (p["IndexName"], p["ExpressionAttributeValues"][":k"]["S"])
                for name, p in calls
                if name == "Query" and "ExclusiveStartKey" not in p
            )
            first_pages += sum(partitions.values())
            touched += len(partitions)
            worst = max(worst, *partitions.values())
        print(f"moto DynamoDB: {count:,} events, {requests} requests")
        ops = ", ".join(f"{op} {n / requests:.2f}" for op, n in sorted(per_call.items()))
        print(f"  requests per call: {ops}; Scan {per_call['Scan']} in total")
        print(
            f"  first-page Query calls per partition touched: {first_pages / touched:.2f}"
            f" (worst single partition in one call: {worst}); partitions per call:"
            f" {touched / requests:.2f}"
        )
        print(
            f"  items read per item returned: {sum(scanned) / max(returned, 1):.2f}"
            f" ({sum(scanned):,} read, {returned:,} returned)"
        )
        api_app.configure(None)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=30_000)
    parser.add_argument("--requests", type=int, default=2_000)
    parser.add_argument("--moto-events", type=int, default=1_000)
    parser.add_argument("--moto-requests", type=int, default=40)
    args = parser.parse_args()
    bench_embedded(args.events, args.requests)
    if args.moto_requests:
        bench_moto(args.moto_events, args.moto_requests)


if __name__ == "__main__":
    main()
