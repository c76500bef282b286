"""Found in review: while the owner's feed fails, its stored events kept the topics they were
stored with, so a topic edit in a group file (the owner's, or a co-host's whose feed answered
304 or was read) did not reach them until the owner's feed came back. The topics come from
the group files, not from the feed, so a failed feed is no reason to keep old ones."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from feed_server import CALENDAR
from test_collect import FAST, SITE, TODAY, feed, groups, run, store, topics_of, with_topics

from collector.run import collect
from core.config import Override
from core.query import EventFilter, list_events

__all__ = ["groups", "store"]  # fixtures from test_collect, requested by name

TALK = "Python Night: Typing in Practice"  # pydc's, cross-posted by novajs


def test_a_failed_owner_and_a_304_co_host_take_the_group_files_topics(store, groups, feed_server):
    feed_server.route("/novajs.ics", body=feed("novajs.ics"), etag='"n1"')
    run(store, with_topics(groups, pydc=("ai",), novajs=("javascript",)))
    assert topics_of(store, TODAY)[TALK] == (["ai", "javascript"], ["novajs"])

    feed_server.route("/pydc.ics", status=404)
    day2 = TODAY + timedelta(days=1)
    summary = run(store, with_topics(groups, pydc=("data",), novajs=("web",)), day2)
    assert {o.group_id: o.status for o in summary.outcomes} == {
        "pydc": "failed",
        "novajs": "unchanged",
    }
    found = topics_of(store, day2)
    assert found[TALK] == (["data", "web"], ["novajs"])
    assert found["Hack Night"] == (["data"], [])  # pydc's alone


def test_a_failed_owner_takes_a_read_co_hosts_current_topics(store, groups, feed_server):
    run(store, with_topics(groups, pydc=("ai",), novajs=("javascript",)))
    feed_server.route("/pydc.ics", status=404)
    day2 = TODAY + timedelta(days=1)
    summary = run(store, with_topics(groups, pydc=("ai",), novajs=("web",)), day2)
    assert {o.group_id: o.status for o in summary.outcomes} == {"pydc": "failed", "novajs": "ok"}
    assert topics_of(store, day2)[TALK] == (["ai", "web"], ["novajs"])
    now_ts = int(datetime.combine(day2, time(17), UTC).timestamp())
    titles = [e.title for e in list_events(store, EventFilter(start=day2), now_ts=now_ts)]
    assert titles.count(TALK) == 1


def test_a_failed_owner_with_the_same_topics_writes_nothing(store, groups, feed_server):
    run(store, with_topics(groups, pydc=("ai",), novajs=("javascript",)))
    feed_server.route("/pydc.ics", status=404)
    summary = run(store, with_topics(groups, pydc=("ai",), novajs=("javascript",)), TODAY)
    assert (summary.updated, summary.new, summary.dropped) == (0, 0, 0)
    assert topics_of(store, TODAY)[TALK] == (["ai", "javascript"], ["novajs"])


def test_a_failed_owners_event_keeps_its_overrides_topics(store, groups, feed_server):
    override = Override("pydc", "event_312@meetup.com", "pydc/x.yaml", categories=("security",))
    now = datetime.combine(TODAY, time(17), UTC)
    collect(store, groups, SITE, today=TODAY, now=now, settings=FAST, overrides=[override])
    assert topics_of(store, TODAY)["Hack Night"] == (["security"], [])
    feed_server.route("/pydc.ics", status=404)
    day2 = TODAY + timedelta(days=1)
    now = datetime.combine(day2, time(17), UTC)
    renamed = with_topics(groups, pydc=("data",))
    collect(store, renamed, SITE, today=day2, now=now, settings=FAST, overrides=[override])
    assert topics_of(store, day2)["Hack Night"] == (["security"], [])
    assert topics_of(store, day2)["Holiday Social"][0] == ["data"]


def test_a_failed_owner_drops_a_read_co_host_that_no_longer_lists_it(store, groups, feed_server):
    """Found in review: the held event kept crediting a co-host whose feed was read and no
    longer showed it, and so took that co-host's topics too."""
    run(store, with_topics(groups, pydc=("ai",), novajs=("javascript",)))
    assert topics_of(store, TODAY)[TALK] == (["ai", "javascript"], ["novajs"])
    feed_server.route("/pydc.ics", status=404)
    feed_server.route("/novajs.ics", body=CALENDAR)  # read, and the talk is gone from it
    day2 = TODAY + timedelta(days=1)
    summary = run(store, with_topics(groups, pydc=("ai",), novajs=("web",)), day2)
    assert {o.group_id: o.status for o in summary.outcomes} == {"pydc": "failed", "novajs": "ok"}
    assert topics_of(store, day2)[TALK] == (["ai"], [])
