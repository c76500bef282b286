"""The real catalogue's shape: every group file in _groups/ (145), each served from loopback
with the 200 ms latency of a real host, most from one host as meetup.com serves most of them,
with feed sizes drawn like real ones (most groups list a handful of events, a few list dozens).
Reports the collect against its per-host latency floor, then a full build of the site.

    .venv/bin/python bench/catalogue.py [--latency 0.2] [--seed 7] [--most N]

The floor: one host answers at most `FetchSettings.per_host` requests at a time, so N feeds on
it need at least ceil(N / per_host) round trips of the latency each.
"""

from __future__ import annotations

import argparse
import math
import random
import resource
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, date, datetime
from datetime import time as clock
from pathlib import Path
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO), str(REPO / "tests"), str(REPO / "bench")]

from feed_server import FeedServer  # noqa: E402
from feeds import feed  # noqa: E402

from collector.fetch import FetchSettings  # noqa: E402
from collector.run import collect  # noqa: E402
from core.config import load_catalogue  # noqa: E402
from core.models import Group, SiteConfig  # noqa: E402
from core.store.sqlite import SQLiteStore  # noqa: E402
from generator.build import build_site  # noqa: E402
from generator.writers import FolderWriter  # noqa: E402

TODAY = date(2026, 12, 1)
HOSTS = {"www.meetup.com": "127.0.0.1", "api.lu.ma": "127.0.0.2"}  # everything else: 127.0.0.3


def feed_size(rng: random.Random) -> int:
    """VEVENTs in one group's feed: most a handful, one in ten a busy group's dozens."""
    return rng.randint(30, 100) if rng.random() < 0.1 else rng.randint(1, 12)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=0.2)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--most", type=int, help="VEVENTs per feed at most (a quick run)")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    catalogue = load_catalogue(REPO / "_groups", None, REPO / "_categories")
    servers = {ip: FeedServer(ip) for ip in (*HOSTS.values(), "127.0.0.3")}
    with tempfile.TemporaryDirectory() as tmp:
        for server in servers.values():
            server.__enter__()
        try:
            groups, per_host = [], Counter[str]()
            for group in catalogue.groups:
                ip = HOSTS.get(urlsplit(group.ical or "").hostname or "", "127.0.0.3")
                size = feed_size(rng)  # drawn even when capped: the same feeds, shorter
                body = feed(group.group_id, TODAY, min(size, args.most) if args.most else size)
                url = servers[ip].route(f"/{group.group_id}.ics", body=body, latency=args.latency)
                groups.append(_with_feed(group, url))
                per_host[ip] += 1
            report(groups, per_host, catalogue.categories, args.latency, Path(tmp))
        finally:
            for server in servers.values():
                server.__exit__(None, None, None)


def _with_feed(group: Group, url: str) -> Group:
    return Group(group.group_id, group.name, group.website, ical=url, categories=group.categories)


def report(groups, per_host, categories, latency: float, work: Path) -> None:
    settings = FetchSettings()
    floor = max(math.ceil(n / settings.per_host) for n in per_host.values()) * latency
    print(
        f"{len(groups)} groups on {len(per_host)} hosts "
        f"({', '.join(str(n) for n in sorted(per_host.values(), reverse=True))} feeds), "
        f"{latency * 1000:.0f} ms latency, {settings.per_host} requests at a time per host"
    )
    store = SQLiteStore(work / "catalogue.db")
    now = datetime.combine(TODAY, clock(17), UTC)
    started, cpu = time.perf_counter(), time.process_time()
    summary = collect(store, groups, SiteConfig(), today=TODAY, now=now, settings=settings)
    wall = time.perf_counter() - started
    print(
        f"collect {wall:.2f} s (per-host latency floor {floor:.2f} s; "
        f"CPU {time.process_time() - cpu:.2f} s here + parse worker): "
        f"groups ok {len(summary.outcomes) - len(summary.failed)}, events {summary.new}"
    )
    started, cpu = time.perf_counter(), time.process_time()
    built = build_site(
        store,
        FolderWriter(work / "site"),
        site=SiteConfig(),
        groups=groups,
        categories=categories,
        today=TODAY,
        now_ts=int(now.timestamp()),
    )
    print(
        f"full build {time.perf_counter() - started:.2f} s (CPU {time.process_time() - cpu:.2f} s):"
        f" {built}"
    )
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    worker = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak RSS {peak:.0f} MB, the largest child (parse worker, forked renderer, Pagefind)"
          f" {worker:.0f} MB")  # fmt: skip


if __name__ == "__main__":
    main()
