"""What counts as new (core.lifecycle): the day the calendar first listed an event, kept when a
retitle or reschedule gives it a new event_id and when a series rolls a new occurrence into the
window; a group's first import is never news; events stored before the rule are never new."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

import pytest
from conftest import FIXTURES
from store_backends import make_event, moto_backend, sqlite_backend

from collector.fetch import FetchSettings
from collector.parse import parse_feed
from collector.run import collect
from core import lifecycle
from core.config import SingleEvent
from core.ids import make_event_id
from core.lifecycle import added_since, is_new, plan
from core.models import Event, Group, SiteConfig
from core.store import expressions as ex
from core.store import open_store

TODAY = date(2026, 12, 1)
NOW = "2026-12-01T17:00:00+00:00"
TZ = "America/New_York"
SITE = SiteConfig()
FAST = FetchSettings(retries=0, connect_timeout=1, read_timeout=1, deadline=2)


def event(title="Python Night", start="2026-12-03T18:30:00", uid="event_311@meetup.com", **kw):
    url = "https://www.meetup.com/pydc/events/311/"
    return Event(
        event_id=make_event_id(url, title, start),
        start_datetime=start,
        end_datetime=start[:11] + "21:00:00",
        title=title,
        group_id=kw.pop("group_id", "pydc"),
        group_name="Python DC",
        group_website="https://www.meetup.com/pydc/",
        url=url,
        source_uid=uid,
        **kw,
    )


def seen(e: Event, first_seen: str, first_import: bool = False) -> Event:
    """As stored by an earlier collect."""
    return replace(
        e,
        last_seen_date="2026-11-30",
        created_at="2026-11-20T17:00:00+00:00",
        first_seen=first_seen,
        first_import=first_import,
    )


def run(fetched, stored=(), *, today=TODAY, first_imports=()):
    return plan(
        fetched,
        {e.event_id: e for e in stored},
        {e.group_id for e in [*fetched, *stored]},
        today=today,
        now_iso=NOW,
        tz=TZ,
        first_imports=first_imports,
    )


def test_a_new_event_of_a_known_group_is_first_seen_today_and_new():
    (put,) = run([event()]).put
    assert (put.first_seen, put.first_import) == ("2026-12-01", False)
    assert is_new(put, TODAY)


def test_what_a_groups_first_import_brings_is_marked_and_never_new():
    (put,) = run([event()], first_imports=["pydc"]).put
    assert (put.first_seen, put.first_import) == ("2026-12-01", True)
    assert not is_new(put, TODAY) and not added_since(put, TODAY)


def test_an_update_keeps_the_day_it_was_first_listed():
    old = seen(event(description="Talks"), "2026-11-20", first_import=True)
    result = run([event(description="Talks and pizza")], [old])
    assert result.updated == 1
    assert (result.put[0].first_seen, result.put[0].first_import) == ("2026-11-20", True)


def test_an_unchanged_event_is_only_touched():
    old = seen(event(), "2026-11-20")
    result = run([event()], [old])
    assert result.put == [] and result.unchanged == 1 and len(result.touch) == 1


@pytest.mark.parametrize(
    "moved",
    [
        {"title": "Python Night: Typing in Practice"},  # retitled
        {"start": "2026-12-04T18:30:00"},  # rescheduled
    ],
)
def test_a_retitled_or_rescheduled_event_keeps_its_first_seen(moved):
    old = seen(event(), "2026-11-20")
    result = run([event(**moved)], [old])
    (put,) = result.put
    assert put.event_id != old.event_id and result.delete == [old.key]
    assert (put.first_seen, put.first_import) == ("2026-11-20", False)
    assert not is_new(put, TODAY, days=7)
    first_import = run([event(**moved)], [seen(event(), "2026-11-30", first_import=True)])
    assert first_import.put[0].first_import  # a moved event of a first import stays no news


def test_a_moved_event_stored_before_the_rule_stays_not_new():
    result = run([event(start="2026-12-04T18:30:00")], [seen(event(), "")])
    assert result.put[0].first_seen == "" and not is_new(result.put[0], TODAY)


def test_an_event_of_the_same_feed_with_its_own_uid_is_news():
    old = seen(event(), "2026-11-20")
    other = event(title="Django Office Hours", uid="event_314@meetup.com")
    result = run([event(), other], [old])
    assert [p.first_seen for p in result.put] == ["2026-12-01"]


def test_a_series_rolling_a_new_occurrence_into_the_window_is_no_news():
    """Parsed as the collector parses (a short window, so the next week brings a new one)."""
    group = Group("civic", "Civic Hack Night", "https://example.org", "https://example.org/f.ics")
    body = (FIXTURES / "feeds" / "weekly_rrule.ics").read_bytes()
    week1 = parse_feed(body, group, SITE, TODAY, window_days=14).events
    stored = run(week1, first_imports=[]).put
    assert {e.first_seen for e in stored} == {"2026-12-01"}
    later = TODAY + timedelta(days=7)
    week2 = parse_feed(body, group, SITE, later, window_days=14).events
    result = run(week2, stored, today=later)
    (rolled,) = result.put  # the one occurrence the window gained
    assert rolled.source_uid not in {e.source_uid for e in stored}
    assert rolled.first_seen == "2026-12-01"  # the series', not the day it rolled in
    assert not is_new(rolled, later, days=7) and is_new(rolled, later, days=14)


@pytest.mark.parametrize(
    ("first_seen", "new"),
    [("2026-12-01", True), ("2026-11-18", True), ("2026-11-17", False), ("", False)],
)
def test_new_means_first_listed_within_the_last_days_today_included(first_seen, new):
    e = replace(event(), first_seen=first_seen)
    assert is_new(e, TODAY) is new  # 14 days: 2026-11-18 .. 2026-12-01
    assert lifecycle.window_start(TODAY, 14) == date(2026, 11, 18)
    assert added_since(e, date(2026, 11, 18)) is new


def feed(name: str) -> bytes:
    return (FIXTURES / "collect" / name).read_bytes()


def collect_on(store, groups, day, singles=()):
    now = datetime.combine(day, time(17), UTC)
    return collect(store, groups, SITE, today=day, now=now, settings=FAST, single_events=singles)


def stored_by_title(store, group_id):
    return {e.title: e for e in store.query_by_group(group_id)}


def test_collects_mark_first_imports_keep_moved_events_and_date_new_ones(tmp_path, feed_server):
    store = open_store(f"sqlite:///{tmp_path}/events.db")
    feed_server.route("/pydc.ics", body=feed("pydc_v1.ics"))
    feed_server.route("/novajs.ics", body=feed("novajs.ics"))
    feed_server.route("/down.ics", status=500)
    pydc = Group("pydc", "Python DC", "https://www.meetup.com/pydc/", feed_server.url("/pydc.ics"))
    down = Group("down", "Down", "https://example.org/", feed_server.url("/down.ics"))
    collect_on(store, [pydc, down], TODAY)
    first = stored_by_title(store, "pydc")
    assert {(e.first_seen, e.first_import) for e in first.values()} == {("2026-12-01", True)}

    # Day 2: pydc reschedules a talk and adds an event; NoVA JS is added; "down" answers at last.
    feed_server.route("/pydc.ics", body=feed("pydc_added.ics"))
    feed_server.route("/down.ics", body=feed("novajs.ics").replace(b"novajs", b"downgrp"))
    novajs = Group("novajs", "NoVA JS", "https://x.org/", feed_server.url("/novajs.ics"))
    day2 = TODAY + timedelta(days=1)
    collect_on(store, [pydc, novajs, down], day2)
    events = {**stored_by_title(store, "pydc"), **stored_by_title(store, "novajs")}
    added = events["Django Office Hours"]
    assert (added.first_seen, added.first_import) == ("2026-12-02", False)
    assert is_new(added, day2)
    assert events["Hack Night"].first_seen == "2026-12-01"  # in its grace day: unchanged
    every = [*store.query_by_group("pydc"), *store.query_by_group("novajs")]
    (talk,) = [e for e in every if e.start_datetime == "2026-12-04T18:30:00"]
    assert talk.title.startswith("Python Night") and not is_new(talk, day2)  # rescheduled
    assert all(e.first_import for e in stored_by_title(store, "downgrp").values())
    assert all(e.first_import for e in stored_by_title(store, "novajs").values())
    store.close()


def test_single_events_are_news_once_the_store_has_had_a_first_collect(tmp_path, feed_server):
    store = open_store(f"sqlite:///{tmp_path}/events.db")
    feed_server.route("/pydc.ics", body=feed("pydc_v1.ics"))
    pydc = Group("pydc", "Python DC", "https://www.meetup.com/pydc/", feed_server.url("/pydc.ics"))
    launch = SingleEvent("Launch Party", date(2026, 12, 12), "launch.yaml", time=time(18))
    collect_on(store, [pydc], TODAY, [launch])
    assert all(e.first_import for e in store.query_by_group("_single"))
    meetup = SingleEvent("Demo Day", date(2026, 12, 19), "demo-day.yaml", time=time(18))
    day2 = TODAY + timedelta(days=1)
    collect_on(store, [pydc], day2, [launch, meetup])
    singles = {e.title: e for e in store.query_by_group("_single")}
    assert is_new(singles["Demo Day"], day2) and not is_new(singles["Launch Party"], day2)
    store.close()


@pytest.mark.parametrize("backend", ["sqlite", "moto"])
def test_an_item_stored_before_first_seen_existed_reads_as_never_new(backend, tmp_path):
    legacy = make_event("old", "2026-12-03T18:30:00")
    opened = sqlite_backend(tmp_path) if backend == "sqlite" else moto_backend()
    with opened as b:
        data = legacy.to_dict()
        del data["first_seen"], data["first_import"]
        if backend == "sqlite":
            b.store.put_events([legacy])
            b.store._db.execute("UPDATE events SET item = ?", (json.dumps(data),))
        else:
            item = {k: v for k, v in ex.encode(legacy).items() if k in data or k == "state"}
            b.store.client.put_item(TableName=b.store.table_name, Item=item)
        (got,) = b.store.get_events([legacy.key]).values()
    assert (got.first_seen, got.first_import) == ("", False)
    assert not is_new(got, TODAY)
