"""Collect benchmark: 150 groups x 20 events (every 5th a weekly series) on loopback with 200 ms
latency per request, into a fresh embedded store; then a second collect of the unchanged feeds
(all HTTP 304). Targets on a 2-core machine: first <= 6 s, second <= 2 s, peak RSS <= 250 MB.

    .venv/bin/python bench/collect.py [--groups 150] [--events 20] [--latency 0.2]
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from time import perf_counter

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests"), str(REPO / "bench")]

from feed_server import FeedServer  # noqa: E402
from feeds import feed  # noqa: E402

from collector.run import collect  # noqa: E402
from core.models import Group, SiteConfig  # noqa: E402
from core.store import open_store  # noqa: E402

TODAY = date(2026, 12, 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--groups", type=int, default=150)
    parser.add_argument("--events", type=int, default=20)
    parser.add_argument("--latency", type=float, default=0.2)
    args = parser.parse_args()

    with FeedServer() as server, tempfile.TemporaryDirectory() as tmp:
        groups = []
        for n in range(args.groups):
            gid = f"group-{n:03d}"
            body = feed(gid, TODAY, args.events)
            url = server.route(f"/{gid}.ics", body=body, etag=f'"{gid}-v1"', latency=args.latency)
            groups.append(Group(gid, f"Group {n}", f"https://example.org/{gid}", ical=url))
        store = open_store(f"sqlite:///{tmp}/bench.db")
        site = SiteConfig()
        print(f"{args.groups} groups x {args.events} VEVENTs, {args.latency * 1000:.0f} ms latency")
        runs = (
            ("first collect", TODAY),
            ("again, same day (304s)", TODAY),
            ("next day (304s)", TODAY + timedelta(days=1)),
        )
        for label, today in runs:
            now = datetime.combine(today, time(17), UTC)
            started = perf_counter()
            summary = collect(store, groups, site, today=today, now=now)
            elapsed = perf_counter() - started
            ok = len(summary.outcomes) - len(summary.failed)
            print(
                f"{label:<24} {elapsed:6.2f} s  groups ok {ok}  new {summary.new}"
                f"  updated {summary.updated}  unchanged {summary.unchanged}"
                f"  dropped {summary.dropped}  store writes {summary.writes}"
            )
        store.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    worker = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak RSS {peak:.0f} MB, parse worker {worker:.0f} MB")


if __name__ == "__main__":
    main()
