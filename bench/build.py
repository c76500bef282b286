"""Benchmark of `dctech build`: `.venv/bin/python bench/build.py` prints the figures.

For 3,000 and 30,000 upcoming events on the embedded (SQLite) store: a full build into an empty
folder (time, peak RSS of the build process), a rebuild with no change (files written: must be
0), and a rebuild after one event changed (the files rewritten, which must all show that event).
Then the 3,000-event site is published to an S3 bucket under moto, and rebuilt: 0 uploads.
Targets on the 2-core reference machine: 3,000 events <= 3 s, 30,000 <= 25 s, RSS <= 400 MB.
Each build runs in a fresh child process so its RSS is its own; its CPU time is printed beside
the wall time, which other load on the machine inflates.
"""

from __future__ import annotations

import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from datetime import date, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from zoneinfo import ZoneInfo

from core.ids import make_event_id
from core.models import CANCELLED, STATES, VIRTUAL, Event, Group, SiteConfig
from core.store.sqlite import SQLiteStore
from core.timeutil import format_local, ttl_for
from generator.build import build_site
from generator.writers import FolderWriter, S3Writer

SITE = SiteConfig()
TODAY = date(2026, 12, 1)
NOW_TS = int(datetime.combine(TODAY, clock(12), ZoneInfo(SITE.timezone)).timestamp())
GROUPS = [
    Group(f"group-{n:03d}", f"Tech Group {n}", f"https://groups.example.org/{n}/")
    for n in range(120)
]
WORDS = """python data cloud security design agile devops rust web mobile civic open source
machine learning talks pizza networking workshop hands-on beginners welcome""".split()  # noqa: SIM905


def make_events(count: int, seed: int = 7) -> list[Event]:
    """Upcoming events over 90 days, a realistic mix (kinds, descriptions, multi-day...)."""
    rng = random.Random(seed)
    events = []
    for n in range(count):
        group = rng.choice(GROUPS)
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
            )
        )
    return events


def child_build(db: str, target: str) -> None:
    """Run in a fresh process: one build, its report and peak RSS as JSON on stdout."""
    store = SQLiteStore(db)
    report = build_site(
        store, FolderWriter(target), site=SITE, groups=GROUPS, today=TODAY, now_ts=NOW_TS
    )
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu = usage.ru_utime + usage.ru_stime  # the whole process, imports included
    print(json.dumps({**report.to_dict(), "rss_mb": round(usage.ru_maxrss / 1024), "cpu": cpu}))


def build(db: str, out: str) -> dict:
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, __file__, "--child", db, out], capture_output=True, text=True, check=True
    )
    result = json.loads(done.stdout)
    result["wall"] = round(time.perf_counter() - started, 2)
    return result


def changed_files(out: Path, before: dict[str, float]) -> list[str]:
    return sorted(
        str(p.relative_to(out))
        for p in out.rglob("*")
        if p.is_file() and before.get(str(p)) != p.stat().st_mtime_ns
    )


def run_size(count: int, work: Path) -> None:
    db, out = str(work / f"events-{count}.db"), work / f"site-{count}"
    store = SQLiteStore(db)
    events = make_events(count)
    store.put_events(events)
    full = build(db, str(out))
    print(
        f"{count:>6} events: full build {full['seconds']:.2f} s (process: {full['wall']} s wall, "
        f"{full['cpu']:.2f} s CPU), {full['files_written']} files, {full['pages']} pages, "
        f"peak RSS {full['rss_mb']} MB"
    )
    again = build(db, str(out))
    print(
        f"{'':>14}no-change rebuild {again['seconds']:.2f} s: "
        f"{again['files_written']} written, {again['files_deleted']} deleted"
    )
    mtimes = {str(p): p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    target = next(e for e in events if e.start_date > TODAY.isoformat() and e.state == "DC")
    store.put_events([replace(target, title=target.title + " (moved room)")])
    one = build(db, str(out))
    rewritten = [f for f in changed_files(out, mtimes) if f != ".dctech-manifest.json"]
    shows = all(target.event_id in (out / f).read_text() for f in rewritten)
    print(
        f"{'':>14}one event changed: {one['files_written']} files rewritten "
        f"(all show it: {shows}): {', '.join(rewritten)}"
    )


def run_s3(count: int, work: Path) -> None:
    from moto import mock_aws

    os.environ.update(
        AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench", AWS_DEFAULT_REGION="us-east-1"
    )
    store = SQLiteStore(str(work / f"events-{count}.db"))
    with mock_aws():
        import boto3

        boto3.client("s3").create_bucket(Bucket="bench-site")
        for label in ("first publish", "no-change rebuild"):
            started = time.perf_counter()
            report = build_site(
                store,
                S3Writer("bench-site"),
                site=SITE,
                groups=GROUPS,
                today=TODAY,
                now_ts=NOW_TS,
            )
            took = time.perf_counter() - started
            print(
                f"{count:>6} events to moto S3, {label}: {report.files_written} uploaded, "
                f"{report.files_unchanged} unchanged, {took:.1f} s"
            )


def main() -> None:
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        child_build(sys.argv[2], sys.argv[3])
        return
    sizes = [int(a) for a in sys.argv[1:]] or [3000, 30000]
    with tempfile.TemporaryDirectory(prefix="dctech-bench-") as tmp:
        for count in sizes:
            run_size(count, Path(tmp))
        run_s3(min(sizes), Path(tmp))


if __name__ == "__main__":
    main()
