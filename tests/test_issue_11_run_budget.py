"""Issue 11, found in audit: each feed's parse was bounded (10 s of CPU, 30 s by the clock), but
not their sum, so 90 feeds each just under the bound would keep a collect past the collector
Lambda's 15 minutes, and every group would lose its update. One collect now spends at most
RUN_PARSE_SECONDS parsing; a feed parsing when it runs out is stopped, the feeds after it are
not parsed, each fails alone with its stored events kept."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime

import pytest
from conftest import FIXTURES

from collector.fetch import FetchSettings
from collector.parse import FeedError
from collector.run import collect
from collector.sandbox import FeedParser
from core.models import Group, SiteConfig
from core.store import open_store

TODAY = date(2026, 12, 1)
GOOD = (FIXTURES / "collect" / "pydc_v1.ics").read_bytes()
GROUP = Group("pydc", "Python DC", "https://www.meetup.com/pydc/")
SPENT = "this collect's 1 s of parsing were spent"


def slow_feed() -> bytes:
    """19,000 one-off events (under MAX_VEVENTS_IN_SOURCE): a legal feed, ~2 s to parse."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Slow//EN"]
    for n in range(19_000):
        lines += ["BEGIN:VEVENT", f"UID:{n}@slow", f"DTSTART:202612{1 + n % 28:02d}T230000Z"]
        lines += [f"SUMMARY:Slow {n}", "LOCATION:1 Main St, Washington, DC", "END:VEVENT"]
    return ("\r\n".join([*lines, "END:VCALENDAR"]) + "\r\n").encode()


def own(gid: str) -> bytes:
    """Python DC's feed, retitled and relinked as ``gid``'s own (not a cross-post of it)."""
    return GOOD.replace(b"SUMMARY:", f"SUMMARY:{gid} ".encode()).replace(
        b"/pydc/", f"/{gid}/".encode()
    )


def test_a_feed_running_past_the_run_budget_is_stopped_and_the_next_is_not_parsed():
    site = SiteConfig()
    with FeedParser(run_seconds=1.0) as parser:
        started = time.monotonic()
        with pytest.raises(FeedError, match=f"parsing stopped: {SPENT}: skipped"):
            parser.parse(slow_feed(), GROUP, site, TODAY)
        assert time.monotonic() - started < 1.5  # stopped at the budget, not at the feed's end
        with pytest.raises(FeedError, match=f"not parsed: {SPENT}: skipped"):
            parser.parse(GOOD, GROUP, site, TODAY)


def test_a_collect_out_of_parse_time_keeps_every_stored_event(tmp_path, feed_server, monkeypatch):
    groups = [
        Group(
            gid, gid, f"https://example.org/{gid}/", feed_server.route(f"/{gid}.ics", body=own(gid))
        )
        for gid in ("alpha", "beta", "gamma")
    ]
    store = open_store(f"sqlite:///{tmp_path}/events.db")
    now = datetime(2026, 12, 1, 17, tzinfo=UTC)
    settings = FetchSettings(retries=0, connect_timeout=1, read_timeout=5, deadline=10)
    assert (
        collect(store, groups, SiteConfig(), today=TODAY, now=now, settings=settings).failed == []
    )
    before = {
        g.group_id: sorted(e.event_id for e in store.query_by_group(g.group_id)) for g in groups
    }
    assert all(before.values())

    for group in groups:
        feed_server.route(f"/{group.group_id}.ics", body=slow_feed())
    monkeypatch.setattr("collector.sandbox.RUN_PARSE_SECONDS", 1.0)
    started = time.monotonic()
    summary = collect(store, groups, SiteConfig(), today=TODAY, now=now, settings=settings)
    assert time.monotonic() - started < 10  # three feeds of ~2 s each, and the run's 1 s

    errors = sorted(o.error or "" for o in summary.failed)
    assert len(errors) == 3
    assert [e.split(":")[0] for e in errors] == ["not parsed", "not parsed", "parsing stopped"]
    assert all(SPENT in e and "stored events are kept" in e for e in errors)
    after = {
        g.group_id: sorted(e.event_id for e in store.query_by_group(g.group_id)) for g in groups
    }
    assert after == before
    store.close()
