"""`collect` end to end: real feeds over HTTP on 127.0.0.1 into a real SQLite file, through the
lifecycle rules (cross-posts, failed fetches, reschedules, grace, 304s, cancellations)."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

import pytest
from conftest import FIXTURES

from collector.fetch import FetchSettings
from collector.run import collect
from core.config import Override
from core.models import CANCELLED, Group, SiteConfig
from core.query import EventFilter, list_events
from core.store import open_store

TODAY = date(2026, 12, 1)
FAST = FetchSettings(retries=0, connect_timeout=1, read_timeout=1, deadline=2)
SITE = SiteConfig()


def feed(name: str) -> bytes:
    return (FIXTURES / "collect" / name).read_bytes()


@pytest.fixture
def store(tmp_path):
    s = open_store(f"sqlite:///{tmp_path}/events.db")
    yield s
    s.close()


@pytest.fixture
def groups(feed_server):
    feed_server.route("/pydc.ics", body=feed("pydc_v1.ics"), etag='"v1"')
    feed_server.route("/novajs.ics", body=feed("novajs.ics"))
    return [
        Group("pydc", "Python DC", "https://www.meetup.com/pydc/", feed_server.url("/pydc.ics")),
        Group(
            "novajs", "NoVA JS", "https://www.meetup.com/novajs/", feed_server.url("/novajs.ics")
        ),
    ]


def run(store, groups, day=TODAY):
    now = datetime.combine(day, time(17), UTC)
    return collect(store, groups, SITE, today=day, now=now, settings=FAST)


def listed(store, day=TODAY):
    now_ts = int(datetime.combine(day, time(17), UTC).timestamp())
    return {e.title: e for e in list_events(store, EventFilter(start=day), now_ts=now_ts)}


def test_first_collect_stores_every_event_once_with_cross_posts_merged(store, groups):
    summary = run(store, groups)
    assert summary.failed == [] and summary.new == 4
    events = listed(store)
    assert sorted(events) == [
        "Hack Night",
        "Holiday Social",
        "NoVA JS: Signals Deep Dive",
        "Python Night: Typing in Practice",
    ]
    talk = events["Python Night: Typing in Practice"]
    # pydc's own copy (its link is a page of pydc's Meetup site) is kept over novajs's repost
    assert (talk.group_id, [g["group_id"] for g in talk.also_published_by]) == ("pydc", ["novajs"])
    assert (talk.start_datetime, talk.end_datetime) == (
        "2026-12-03T18:30:00",
        "2026-12-03T20:30:00",
    )
    assert (talk.state, talk.city, talk.location_type) == ("DC", "Washington", "in_person")
    assert talk.last_seen_date == "2026-12-01"
    assert events["Hack Night"].state == "VA"


def test_feed_health_is_recorded_per_group(store, groups, feed_server):
    groups.append(Group("down", "Down", "https://example.org", feed_server.url("/down.ics")))
    feed_server.route("/down.ics", status=500)
    run(store, groups)
    states = store.load_feed_states()
    assert (states["pydc"].http_status, states["pydc"].events_parsed) == (200, 3)
    assert states["pydc"].vevents_in_source == 3 and states["pydc"].etag == '"v1"'
    assert states["down"].error == "HTTP 500" and states["down"].last_success == ""


def test_an_outage_is_dated_from_its_first_failure_and_cleared_by_a_success(
    store, groups, feed_server
):
    feed_server.route("/pydc.ics", status=404)
    feed_server.route("/novajs.ics", body=b"<html>Sign in</html>", content_type="text/html")
    for offset in (0, 1):  # failing two days running: still dated from the first
        run(store, groups, TODAY + timedelta(days=offset))
        states = store.load_feed_states()
        assert (states["pydc"].error, states["pydc"].failing_since) == ("HTTP 404", "2026-12-01")
        assert states["novajs"].failing_since == "2026-12-01"  # a feed that is no calendar
    feed_server.route("/pydc.ics", body=feed("pydc_v1.ics"))
    run(store, groups, TODAY + timedelta(days=2))
    pydc = store.load_feed_states()["pydc"]
    assert (pydc.error, pydc.failing_since, pydc.last_success_date) == (None, "", "2026-12-03")
    feed_server.route("/pydc.ics", status=500)
    run(store, groups, TODAY + timedelta(days=5))
    assert store.load_feed_states()["pydc"].failing_since == "2026-12-06"


def test_a_failed_fetch_or_a_broken_feed_changes_nothing_for_that_group(store, groups, feed_server):
    run(store, groups)
    feed_server.route("/pydc.ics", status=500)
    feed_server.route("/novajs.ics", body=b"<html>Sign in</html>", content_type="text/html")
    later = TODAY + timedelta(days=3)
    summary = run(store, groups, later)
    assert sorted(o.group_id for o in summary.failed) == ["novajs", "pydc"]
    assert summary.dropped == 0
    assert "Hack Night" in listed(store, later)


def test_one_broken_feed_does_not_stop_the_others(store, groups, feed_server):
    feed_server.route("/pydc.ics", body=b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nDTSTART:2026")
    summary = run(store, groups)
    assert [o.group_id for o in summary.failed] == ["pydc"]
    assert "NoVA JS: Signals Deep Dive" in listed(store)


def test_reschedule_removal_and_cancellation(store, groups, feed_server):
    run(store, groups)
    feed_server.route("/pydc.ics", body=feed("pydc_v2.ics"), etag='"v2"')
    feed_server.route("/novajs.ics", body=feed("novajs.ics").replace(b"event_311_x", b"gone"))
    day2 = TODAY + timedelta(days=1)
    run(store, groups, day2)
    events = listed(store, day2)
    # Rescheduled: the new time replaces the old item at once (no duplicate).
    talks = [e for e in events.values() if e.title.startswith("Python Night")]
    assert [e.start_datetime for e in talks] == ["2026-12-04T18:30:00"]
    # Removed from the feed: still listed through the grace day, retired after.
    assert "Hack Night" in events
    assert events["Holiday Social"].status == CANCELLED  # listed before: stays, marked
    day3 = TODAY + timedelta(days=2)
    summary = run(store, groups, day3)
    assert "Hack Night" not in listed(store, day3) and summary.dropped == 1


def test_unchanged_feed_answers_304_and_its_events_stay_seen(store, groups, feed_server):
    run(store, groups)
    day2 = TODAY + timedelta(days=1)
    summary = run(store, groups, day2)
    assert {o.group_id: o.status for o in summary.outcomes}["pydc"] == "unchanged"
    assert feed_server.headers("/pydc.ics")[-1].get("If-None-Match") == '"v1"'
    assert listed(store, day2)["Hack Night"].last_seen_date == "2026-12-02"
    same_day = run(store, groups, day2)
    assert (same_day.new, same_day.updated, same_day.dropped) == (0, 0, 0)
    assert same_day.writes == 1  # only the feed health record


def with_topics(groups, **topics):
    return [replace(g, categories=topics.get(g.group_id, g.categories)) for g in groups]


def topics_of(store, day):
    return {t: (e.categories, [a["group_id"] for a in e.also_published_by])
            for t, e in listed(store, day).items()}  # fmt: skip


def test_a_304_takes_the_topics_of_the_group_files_as_they_are_now(store, groups, feed_server):
    """A stored event a 304 stands for gets its group's current topics, every cross-poster's
    (read this run or not) and an override's, as a parse of the same feed would give it."""
    feed_server.route("/novajs.ics", body=feed("novajs.ics"), etag='"n1"')
    run(store, with_topics(groups, pydc=("ai",), novajs=("javascript",)))
    talk = "Python Night: Typing in Practice"
    assert topics_of(store, TODAY)[talk] == (["ai", "javascript"], ["novajs"])

    day2 = TODAY + timedelta(days=1)
    renamed = with_topics(groups, pydc=("data", "cloud"), novajs=("web",))
    summary = run(store, renamed, day2)
    assert {o.status for o in summary.outcomes} == {"unchanged"}
    found = topics_of(store, day2)
    assert found[talk] == (["cloud", "data", "web"], ["novajs"])  # novajs's copy: not read
    assert found["Hack Night"] == (["cloud", "data"], [])
    assert found["NoVA JS: Signals Deep Dive"] == (["web"], [])

    override = Override("pydc", "event_312@meetup.com", "pydc/x.yaml", categories=("security",))
    now = datetime.combine(day2, time(18), UTC)
    collect(store, renamed, SITE, today=day2, now=now, settings=FAST, overrides=[override])
    assert topics_of(store, day2)["Hack Night"] == (["security"], [])

    feed_server.route("/novajs.ics", body=feed("novajs.ics"), etag='"n2"')  # read in full
    quiet = with_topics(renamed, novajs=())
    summary = collect(store, quiet, SITE, today=day2, now=now, settings=FAST, overrides=[override])
    assert {o.group_id: o.status for o in summary.outcomes} == {
        "pydc": "unchanged",
        "novajs": "ok",
    }
    found = topics_of(store, day2)
    assert found[talk] == (["cloud", "data"], ["novajs"])  # through novajs's fresh copy
    assert found["Hack Night"] == (["security"], [])

    summary = run(store, quiet, day2)  # the override removed: pydc's feed is read whole again
    assert {o.group_id: o.status for o in summary.outcomes} == {"pydc": "ok", "novajs": "unchanged"}
    assert topics_of(store, day2)["Hack Night"] == (["cloud", "data"], [])


def test_a_cross_poster_read_again_without_the_event_is_no_longer_listed(
    store, groups, feed_server
):
    feed_server.route("/novajs.ics", body=feed("novajs.ics"), etag='"n1"')
    run(store, with_topics(groups, pydc=("ai",), novajs=("javascript",)))
    repost = re.compile(rb"BEGIN:VEVENT(?:(?!END:VEVENT).)*event_311_x@.*?END:VEVENT\r?\n", re.S)
    body, count = repost.subn(b"", feed("novajs.ics"))
    feed_server.route("/novajs.ics", body=body, etag='"n2"')
    day2 = TODAY + timedelta(days=1)
    summary = run(store, with_topics(groups, pydc=("ai",), novajs=("javascript",)), day2)
    assert count == 1 and summary.failed == []
    assert {o.group_id: o.status for o in summary.outcomes}["pydc"] == "unchanged"
    assert topics_of(store, day2)["Python Night: Typing in Practice"] == (["ai"], [])


def test_a_week_later_the_feed_is_fetched_in_full_again(store, groups, feed_server):
    run(store, groups)
    run(store, groups, TODAY + timedelta(days=8))
    assert "If-None-Match" not in feed_server.headers("/pydc.ics")[-1]


def test_inactive_groups_are_not_fetched(store, groups, feed_server):
    groups[0] = Group(
        "pydc", "Python DC", "https://x.org", feed_server.url("/pydc.ics"), active=False
    )
    run(store, groups)
    assert feed_server.hits("/pydc.ics") == 0


def test_a_co_host_answering_304_stays_credited_when_the_owner_is_read(store, groups, feed_server):
    """Found in review: a co-host's folded copy is not stored, so its 304 stood for nothing and
    the owner's fresh copy lost its credit and topics until the co-host's next full read."""
    feed_server.route("/novajs.ics", body=feed("novajs.ics"), etag='"n1"')
    run(store, with_topics(groups, pydc=("ai",), novajs=("javascript",)))
    talk = "Python Night: Typing in Practice"
    assert topics_of(store, TODAY)[talk] == (["ai", "javascript"], ["novajs"])
    feed_server.route("/pydc.ics", body=feed("pydc_v1.ics"), etag='"v2"')  # read in full
    day2 = TODAY + timedelta(days=1)
    summary = run(store, with_topics(groups, pydc=("ai",), novajs=("web",)), day2)
    assert {o.group_id: o.status for o in summary.outcomes} == {"pydc": "ok", "novajs": "unchanged"}
    assert topics_of(store, day2)[talk] == (["ai", "web"], ["novajs"])
    assert list(listed(store, day2)).count(talk) == 1
