"""Issue 11: one VEVENT with RRULE:FREQ=MINUTELY became 118,440 events, and the build then
wrote 118,476 files (741 MB) and a 43 MB events.ics."""

from __future__ import annotations

import json

import hostile
from conftest import FIXTURES

from core.limits import MAX_OCCURRENCES_PER_SERIES


def test_a_minutely_series_is_cut_and_the_site_stays_small(tmp_path, feed_server):
    feed = (FIXTURES / "hostile" / "minutely.ics").read_bytes()
    root = hostile.project(tmp_path, feed_server, {"ticker": feed})

    run = hostile.collect(root)
    assert run.returncode == 0, run.stderr
    assert run.peak_mb < 512
    events = hostile.stored(root)
    assert len(events["ticker"]) == MAX_OCCURRENCES_PER_SERIES
    assert len(events["pydc"]) == 3

    feeds = hostile.dctech(root, "feeds", "--format", "json")
    (ticker,) = [f for f in json.loads(feeds.stdout) if f["group_id"] == "ticker"]
    assert ticker["cut"] == [f"1 series cut at {MAX_OCCURRENCES_PER_SERIES} occurrences"]
    assert ticker["error"] is None

    site = root / "_site"
    build = hostile.dctech(
        root, "build", "--groups", f"{root}/_groups", "--out", str(site), "--today", hostile.TODAY
    )
    assert build.returncode == 0, build.stderr
    files = [p for p in site.rglob("*") if p.is_file()]
    # each kept occurrence has its page, its .ics and its search records: a few files each,
    # never the 118,000 files an uncut series made
    assert len(files) < 4 * MAX_OCCURRENCES_PER_SERIES
    assert sum(p.stat().st_size for p in files) < 50 * 1024 * 1024
    assert (site / "events.ics").stat().st_size < 1024 * 1024
