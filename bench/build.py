"""Benchmark of `dctech build`: `.venv/bin/python bench/build.py [SIZES...] [--s3 N]` prints the
figures (default sizes 3,000 and 30,000 upcoming events; `--s3` defaults to the largest size).

For each size, on the embedded (SQLite) store, into a folder: a full build into an empty folder
(time, CPU, peak RSS of the build process, files and pages, every event with its page); the
rebuild with nothing changed, then again after the collector's daily "still seen" touch of every
event (``core.models.Touch``): nothing may be rendered or written, and its CPU time is printed as
a share of the full build's; a rebuild after one event's title
changed, listing the files rewritten (each must show that event); and the day after (today + 1,
every event touched again: what a typical quiet day costs). Then the same site is published to
an S3 bucket under moto and rebuilt after the touch: 0 PUTs; then one event changed.

Targets on the 2-core reference machine: 30,000 events with their event pages <= 25 s and
<= 400 MB; a rebuild with no change <= 20% of a full build's CPU time, and 0 uploads. Each
folder build runs in a fresh child process so its RSS and CPU are its own (imports included);
wall time is printed beside CPU time, which other load on the machine inflates less.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import replace
from datetime import date, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from resource import RUSAGE_CHILDREN, RUSAGE_SELF
from zoneinfo import ZoneInfo

REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(REPO)]

from rss import peak_rss_mb  # noqa: E402

from core.config import load_catalogue  # noqa: E402
from core.ids import make_event_id  # noqa: E402
from core.models import CANCELLED, STATES, VIRTUAL, Event, Group, SiteConfig, Touch  # noqa: E402
from core.store.sqlite import SQLiteStore  # noqa: E402
from core.timeutil import format_local, ttl_for  # noqa: E402
from generator.build import build_site  # noqa: E402
from generator.writers import FolderWriter, S3Writer  # noqa: E402

SITE = SiteConfig()
SEARCH = "search/pagefind/"  # the search index's bundle
TODAY = date(2026, 12, 1)
CATALOGUE = load_catalogue(REPO / "_groups", None, REPO / "_categories")
CATEGORIES = CATALOGUE.categories
# Synthetic group n has the topics of the n-th group of _groups/ (repeating), as in
# bench/system.py, so topic pages and feeds have realistic sizes.
TOPICS = [g.categories for g in CATALOGUE.groups]
GROUPS = [
    Group(
        f"group-{n:03d}",
        f"Tech Group {n}",
        f"https://groups.example.org/{n}/",
        categories=tuple(TOPICS[n % len(TOPICS)]),
    )
    for n in range(120)
]
WORDS = """python data cloud security design agile devops rust web mobile civic open source
machine learning talks pizza networking workshop hands-on beginners welcome""".split()  # noqa: SIM905


def now_ts(day: date) -> int:
    return int(datetime.combine(day, clock(12), ZoneInfo(SITE.timezone)).timestamp())


def make_events(count: int, seed: int = 7, groups: list[Group] = GROUPS) -> list[Event]:
    """Upcoming events over 90 days, a realistic mix (kinds, descriptions, multi-day...)."""
    rng = random.Random(seed)
    events = []
    for n in range(count):
        group = rng.choice(groups)
        day = TODAY + timedelta(days=rng.randrange(90))
        all_day = rng.random() < 0.08
        start = datetime.combine(day, clock(0) if all_day else clock(rng.randrange(8, 21), 30))
        length = timedelta(days=rng.choice((1, 1, 1, 2, 3))) if all_day else timedelta(hours=2)
        virtual = rng.random() < 0.25
        words = " ".join(rng.choice(WORDS) for _ in range(rng.randrange(40, 140)))
        kind = rng.random()
        if kind < 0.2:
            description = (
                f"## About\n\n**{words[:40]}** {words}\n\n- one\n- [RSVP](https://x.org/{n})"
            )
        elif kind < 0.3:
            description = f"<p>{words}</p><p><a href='https://x.org/{n}'>RSVP</a></p>"
        else:
            description = f"{words}\n\nDetails: https://x.org/{n}"
        title = f"{rng.choice(WORDS).title()} {rng.choice(WORDS)} night #{n}"
        url = f"https://events.example.org/{group.group_id}/{n}"
        start_s, end_s = format_local(start), format_local(start + length)
        first_seen = TODAY - timedelta(days=rng.choice((0, 1, 3, 12, 30, 30, 30, 30)))
        events.append(
            Event(
                event_id=make_event_id(url, title, start_s),
                start_datetime=start_s,
                end_datetime=end_s,
                title=title,
                group_id=group.group_id,
                group_name=group.name,
                group_website=group.website,
                description=description,
                url=url,
                location="Online" if virtual else f"{n} Main St, Somewhere",
                location_type=VIRTUAL if virtual else "in_person",
                state=None if virtual else rng.choice(STATES),
                ttl=ttl_for(end_s, SITE.timezone),
                created_at="2026-11-20T12:00:00+00:00",
                updated_at="2026-12-01T11:00:00+00:00",
                all_day=all_day,
                status=CANCELLED if rng.random() < 0.02 else "confirmed",
                categories=sorted(group.categories),
                first_seen=first_seen.isoformat(),
            )
        )
    return events


def touch_all(store: SQLiteStore, events: list[Event], day: date) -> None:
    """The collector's daily "still seen" refresh of every event (core.lifecycle), on ``day``."""
    store.touch_events([Touch(e.event_id, e.start_datetime, str(day), e.ttl) for e in events])


def build_here(store: SQLiteStore, writer, day: date) -> dict:
    report = build_site(
        store,
        writer,
        site=SITE,
        groups=GROUPS,
        categories=CATEGORIES,
        today=day,
        now_ts=now_ts(day),
    )
    return report.to_dict()


def child_build(db: str, target: str, day: str) -> None:
    """Run in a fresh process: one build, its report, CPU and peak RSS as JSON on stdout (a
    first build forks a worker, generator.fork, and the search index runs Pagefind: their CPU
    counts, the largest one's peak is shown apart)."""
    result = build_here(SQLiteStore(db), FolderWriter(target), date.fromisoformat(day))
    own, worker = (resource.getrusage(who) for who in (RUSAGE_SELF, RUSAGE_CHILDREN))
    cpu = sum(u.ru_utime + u.ru_stime for u in (own, worker))  # imports included
    rss = round(peak_rss_mb())
    print(
        json.dumps(
            {**result, "rss_mb": rss, "worker_rss_mb": round(worker.ru_maxrss / 1024), "cpu": cpu}
        )
    )


def build(db: str, out: Path, day: date = TODAY) -> dict:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, __file__, "--child", db, str(out), day.isoformat()],
        capture_output=True,
        text=True,
        check=True,
    )
    result = json.loads(done.stdout)
    result["wall"] = round(time.perf_counter() - started, 2)
    return result


def snapshot(out: Path) -> dict[str, int]:
    return {str(p): p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}


def changed_files(out: Path, before: dict[str, int]) -> list[str]:
    return sorted(
        str(p.relative_to(out))
        for p in out.rglob("*")
        if p.is_file()
        and before.get(str(p)) != p.stat().st_mtime_ns
        and not p.name.startswith(".dctech-manifest")
    )


def kind(path: str) -> str:
    """A file's family for a summary: ``groups/x/feed.atom`` -> ``groups/*/feed.atom``."""
    parts = path.split("/")
    return "/".join(parts[:1] + ["*"] * (len(parts) > 2) + parts[-1:]) if len(parts) > 1 else path


def peak(result: dict) -> str:
    worker = result["worker_rss_mb"]
    largest = f" (its largest child's, the forked worker's or Pagefind's: {worker} MB)"
    return f"{result['rss_mb']} MB" + (largest if worker else "")


def line(label: str, result: dict, full: dict | None = None) -> str:
    share = f" ({100 * result['cpu'] / full['cpu']:.0f}% of the full build's)" if full else ""
    return (
        f"{label}: {result['wall']:.2f} s wall, {result['cpu']:.2f} s CPU{share}, peak RSS "
        f"{peak(result)}; {result['files_rendered']} rendered, "
        f"{result['files_written']} written, {result['files_deleted']} deleted"
    )


def run_size(count: int, work: Path) -> None:
    db, out = str(work / f"events-{count}.db"), work / f"site-{count}"
    store = SQLiteStore(db)
    events = make_events(count)
    store.put_events(events)
    full = build(db, out)
    files = full["files_written"] + full["files_unchanged"]
    print(
        f"{count:>6} events: full build {full['wall']:.2f} s wall, {full['cpu']:.2f} s CPU, "
        f"peak RSS {peak(full)}; {files} files, {full['pages']} pages"
    )
    print("        " + line("no-change rebuild", build(db, out), full))
    before = snapshot(out)
    touch_all(store, events, TODAY)
    touched = build(db, out)
    print("        " + line("after the daily touch of every event", touched, full))
    kinds = Counter(kind(f) for f in changed_files(out, before))
    summary = ", ".join(f"{n} {k}" for k, n in kinds.items()) or "none"
    print(f"          the files rewritten: {summary}")
    before = snapshot(out)
    target = next(e for e in events if e.start_date > TODAY.isoformat() and e.state == "DC")
    changed = replace(target, title=target.title + " (moved room)")
    store.put_events([changed])
    one = build(db, out)
    rewritten = changed_files(out, before)
    index = [f for f in rewritten if f.startswith(SEARCH)]  # named by content: show no id
    shown = [f for f in rewritten if f not in index]
    shows = all(target.event_id.encode() in (out / f).read_bytes() for f in shown)
    print("        " + line("one event's title changed", one, full))
    print(f"          the files rewritten (all show it: {shows}): {', '.join(shown)}")
    print(f"          and {len(index)} files of the search index (made again: it lists the event)")
    tomorrow = TODAY + timedelta(days=1)
    touch_all(store, events, tomorrow)
    print("        " + line("the next day (today + 1, touched)", build(db, out, tomorrow), full))


def run_s3(count: int, work: Path) -> None:
    """In a child process (moto's bucket lives in it): publish, touch, rebuild, change one."""
    done = subprocess.run(
        [sys.executable, __file__, "--s3-child", str(count), str(work)],
        capture_output=True,
        text=True,
        check=True,
    )
    print(done.stdout, end="")


def s3_child(count: int, work: Path) -> None:
    from moto import mock_aws

    os.environ.update(
        AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_DEFAULT_REGION="us-east-1"
    )
    store = SQLiteStore(str(work / f"s3-events-{count}.db"))
    events = make_events(count)
    store.put_events(events)
    with mock_aws():
        import boto3

        boto3.client("s3").create_bucket(Bucket="bench-site")
        first = None
        target = next(e for e in events if e.start_date > TODAY.isoformat() and e.state == "DC")
        labels = ("first publish", "no-change rebuild", "after the daily touch", "one changed")
        for label in labels:
            if label.startswith("after"):
                touch_all(store, events, TODAY)
            elif label.startswith("one"):
                store.put_events([replace(target, title=target.title + " (moved room)")])
            writer = S3Writer("bench-site")
            puts = count_puts(writer)
            cpu, wall = time.process_time(), time.perf_counter()
            result = build_here(store, writer, TODAY)
            cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
            first = first or cpu
            print(
                f"{count:>6} events to moto S3, {label}: {len(puts)} PUTs "
                f"({result['files_rendered']} rendered, {result['files_unchanged']} unchanged); "
                f"{wall:.1f} s wall, {cpu:.2f} s CPU ({100 * cpu / first:.0f}%, moto's included)"
            )


def count_puts(writer: S3Writer) -> list[str]:
    """The keys ``writer`` uploads, as it uploads them."""
    keys: list[str] = []
    writer.client.meta.events.register(
        "before-parameter-build.s3.PutObject", lambda params, **_: keys.append(params["Key"])
    )
    return keys


def main() -> None:
    if sys.argv[1:2] == ["--child"]:
        return child_build(*sys.argv[2:5])
    if sys.argv[1:2] == ["--s3-child"]:
        return s3_child(int(sys.argv[2]), Path(sys.argv[3]))
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sizes", nargs="*", type=int, default=[3000, 30000])
    parser.add_argument("--s3", type=int, help="events published to moto S3 (default: largest)")
    parser.add_argument(
        "--dir", help="where the folder builds go (default: the temp dir; /dev/shm: a tmpfs)"
    )
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.2f} (2-core machine)")
    with tempfile.TemporaryDirectory(prefix="dctech-bench-", dir=args.dir) as tmp:
        for count in args.sizes:
            run_size(count, Path(tmp))
        run_s3(args.s3 or max(args.sizes), Path(tmp))
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
