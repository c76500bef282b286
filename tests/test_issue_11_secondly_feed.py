"""Issue 11: one 300-byte VEVENT with RRULE:FREQ=SECONDLY and no end never let the collect
finish (5 GB and growing at 180 s), so the good group beside it was never stored either."""

from __future__ import annotations

import time

import hostile
from conftest import FIXTURES

from core.limits import MAX_OCCURRENCES_PER_SERIES


def test_a_secondly_series_is_cut_and_the_good_group_is_stored(tmp_path, feed_server):
    feed = (FIXTURES / "hostile" / "secondly.ics").read_bytes()
    root = hostile.project(tmp_path, feed_server, {"ticker": feed})
    started = time.perf_counter()
    run = hostile.collect(root)
    elapsed = time.perf_counter() - started

    assert run.returncode == 0, run.stderr
    assert elapsed < 20  # seconds, not minutes (a few seconds here)
    assert run.peak_mb < 512  # the collector Lambda's memory
    assert f"cut: 1 series cut at {MAX_OCCURRENCES_PER_SERIES} occurrences" in run.stdout
    events = hostile.stored(root)
    assert len(events["pydc"]) == 3
    assert len(events["ticker"]) == MAX_OCCURRENCES_PER_SERIES
    firsts = [e["start_datetime"] for e in events["ticker"][:2]]
    assert firsts == ["2026-12-01T09:00:00", "2026-12-01T09:00:01"]  # the earliest are kept
