"""`dctech parity`: our store against the live site's events.ics.

tests/fixtures/parity/live_site.ics is written in the old site's shape (UIDs
``<md5>@dctech.events``, UTC times, DTEND = DTSTART + 1 h, or 23:59 on the last day of a
multi-day event): three events as our fixture store has them, one retitled, one moved by an hour,
one only there, one only there outside the site's states (in Philadelphia: the collector would
skip it, parity must not), and one past and one beyond the window on both sides; the store also
has one event the live site lacks.
"""

from __future__ import annotations

import json
import re
from dataclasses import replace

import pytest
from conftest import FIXTURES
from fixtures.events import load_events

import dctech
from core.parity import comparable_end, compare
from core.store.sqlite import SQLiteStore

LIVE = FIXTURES / "parity" / "live_site.ics"
STORED = (
    "pydc-december",  # identical (the live site's one-hour end is no end)
    "devfest",  # identical, all-day over three days
    "hack-weekend",  # identical, timed over two days (the live site's 23:59 end)
    "tie-alpha",  # retitled there
    "virtual-lunch",  # an hour later there
    "submitted-workshop",  # only here
    "last-week",  # before the window, here and there
    "spring-conference",  # after it, here and there
)
EVENTS = load_events()


def store_of(path, names=STORED):
    store = SQLiteStore(str(path))
    store.put_events([EVENTS[name] for name in names])
    store.close()
    return f"sqlite:///{path}"


def parity(store, against, *argv):
    return dctech.main(
        ["parity", "--store", store, "--against", str(against), "--today", "2026-12-01", *argv]
    )


def test_the_old_sites_calendar_against_the_store(tmp_path, capsys):
    assert parity(store_of(tmp_path / "s.db"), LIVE) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[-1] == "5 matched, 2 differ, 2 only there, 1 only here"
    assert lines[0].split() == ["what", "start", "title", "difference", "or", "link"]
    rows = [" ".join(line.split()) for line in lines[1:-1]]
    assert rows == [
        "differs 2026-12-02 12:00 Lunch & Learn: Observability"
        " start: '2026-12-02 13:00' there, '2026-12-02 12:00' here",
        "differs 2026-12-02 18:00 alpha Builders Meetup"
        " title: 'Alpha Builders Meetup: Holiday Edition' there, 'alpha Builders Meetup' here",
        "only there 2026-12-08 18:00 Philly Tech Week Kickoff"
        " https://events.example.org/philly-kickoff",
        "only there 2026-12-09 18:30 Capital Rust Meetup https://events.example.org/rust-december",
        "only here 2026-12-05 10:00 Accessibility Workshop"
        " https://events.example.org/submitted-workshop",
    ]


def test_json_lists_each_difference_with_both_sides(tmp_path, capsys):
    assert parity(store_of(tmp_path / "s.db"), LIVE, "--format", "json") == 1
    found = json.loads(capsys.readouterr().out)
    assert (found["matched"], found["summary"]) == (
        5,
        "5 matched, 2 differ, 2 only there, 1 only here",
    )
    moved, retitled = found["differ"]
    assert moved["fields"] == ["start"]
    assert (moved["there"]["start"], moved["here"]["start"]) == (
        "2026-12-02T13:00:00",
        "2026-12-02T12:00:00",
    )
    assert retitled["fields"] == ["title"]
    assert [e["title"] for e in found["only_there"]] == [
        "Philly Tech Week Kickoff",
        "Capital Rust Meetup",
    ]
    assert (found["not_compared"], found["cut"]) == ({}, [])
    assert [e["url"] for e in found["only_here"]] == [
        "https://events.example.org/submitted-workshop"
    ]


def test_identical_calendars_exit_0(tmp_path, capsys):
    store = store_of(tmp_path / "s.db", ("pydc-december", "devfest", "hack-weekend"))
    text = LIVE.read_bytes().decode()  # CRLF kept
    vevents = re.findall(r"BEGIN:VEVENT\r\n.*?END:VEVENT\r\n", text, re.DOTALL)
    kept = [v for v in vevents if re.search("Python Night|DevFest|Civic Hack", v)]
    identical = tmp_path / "live.ics"
    identical.write_bytes(
        (text.split("BEGIN:VEVENT")[0] + "".join(kept) + "END:VCALENDAR\r\n").encode()
    )
    assert parity(store, identical) == 0
    assert capsys.readouterr().out == "3 matched, 0 differ, 0 only there, 0 only here\n"


def test_the_calendar_may_be_a_url_fetched_once(tmp_path, feed_server, capsys):
    url = feed_server.route("/events.ics", body=LIVE.read_bytes())
    assert parity(store_of(tmp_path / "s.db"), url) == 1
    assert "5 matched, 2 differ" in capsys.readouterr().out
    assert feed_server.hits("/events.ics") == 1


def test_a_calendar_that_cannot_be_read_is_an_error(tmp_path, feed_server, capsys):
    url = feed_server.route("/events.ics", status=404)
    assert parity(store_of(tmp_path / "s.db"), url) == 2
    assert capsys.readouterr().err == f"error: cannot read {url}: HTTP 404\n"


def timed(start, end, **changes):
    base = EVENTS["pydc-december"]
    return replace(base, start_datetime=start, end_datetime=end, **changes)


def test_ends_in_the_old_sites_conventions_are_not_compared():
    assert comparable_end(timed("2026-12-03T09:00:00", "2026-12-04T23:59:00")) is None
    assert comparable_end(timed("2026-12-03T18:00:00", "2026-12-03T19:00:00")) is None
    assert comparable_end(timed("2026-12-03T18:00:00", "2026-12-03T23:59:00")) == (
        "2026-12-03T23:59"  # the same day: a real end
    )
    assert comparable_end(EVENTS["devfest"]) == "2026-12-05"


def test_real_ends_that_differ_are_a_difference():
    there = [timed("2026-12-03T18:00:00", "2026-12-03T20:00:00")]
    here = [timed("2026-12-03T18:00:00", "2026-12-03T21:00:00")]
    (difference,) = compare(there, here).differ
    assert difference.fields == ("end",)
    assert difference.describe() == "end: '2026-12-03 20:00' there, '2026-12-03 21:00' here"
    one_hour = [timed("2026-12-03T18:00:00", "2026-12-03T19:00:00")]
    assert compare(one_hour, here).identical


def test_matching_falls_back_from_url_to_title_and_from_start_to_day():
    here = [EVENTS["tie-alpha"], EVENTS["tie-beta"]]
    there = [
        replace(EVENTS["tie-beta"], url="https://elsewhere.example.org/beta/"),  # title + start
        replace(EVENTS["tie-alpha"], url=EVENTS["tie-alpha"].url + "/?utm_source=x"),  # URL
    ]
    result = compare(there, here)
    assert (result.matched, result.differ) == (2, [])
    moved = [
        timed(
            "2026-12-01T19:30:00",
            "2026-12-01T21:30:00",
            url="",
            title="PYTHON NIGHT:  Typing in practice",
        )
    ]
    (difference,) = compare(moved, [EVENTS["pydc-december"]]).differ  # title + day
    assert difference.fields == ("start", "end", "title")


@pytest.mark.parametrize("copies", [1, 2])
def test_each_event_is_matched_once(copies):
    event = EVENTS["pydc-december"]
    result = compare([event] * copies, [event])
    assert (result.matched, len(result.only_there), result.only_here) == (1, copies - 1, [])


def test_an_event_outside_the_sites_states_is_only_there_not_lost(tmp_path, capsys):
    assert parity(store_of(tmp_path / "s.db"), LIVE, "--format", "json") == 1
    captured = capsys.readouterr()
    (philly,) = [e for e in json.loads(captured.out)["only_there"] if "Philly" in e["title"]]
    assert philly["location"] == "1 N Broad St, Philadelphia, PA"
    assert captured.err == ""  # nothing was left out of the comparison


def calendar_of(tmp_path, *vevents: str):
    path = tmp_path / "live.ics"
    path.write_text(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//EN\r\n"
        + "".join(f"BEGIN:VEVENT\r\n{v}END:VEVENT\r\n" for v in vevents)
        + "END:VCALENDAR\r\n"
    )
    return path


def event(i: int) -> str:
    return (
        f"UID:e{i}@dctech.events\r\nSUMMARY:Event {i}\r\nDTSTART:202612{10 + i % 10}T230000Z\r\n"
        f"URL:https://events.example.org/e{i}\r\n"
    )


def test_what_the_read_left_out_is_a_warning_and_in_json(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr("collector.probe.MAX_PARITY_EVENTS", 3)
    broken = "UID:broken@dctech.events\r\nSUMMARY:No start\r\n"
    live = calendar_of(tmp_path, *(event(i) for i in range(5)), broken)
    store = store_of(tmp_path / "s.db", ())

    assert parity(store, live) == 1
    captured = capsys.readouterr()
    assert captured.err.splitlines() == [
        "warning: 3 event(s) there not compared:"
        " 1 invalid (no start, bad dates or a bad rule), 2 over the per-feed limit",
        f"warning: {live}: feed cut at 3 events (of 5)",
    ]
    assert captured.out.splitlines()[-1] == "0 matched, 0 differ, 3 only there, 0 only here"

    assert parity(store, live, "--format", "json") == 1
    found = json.loads(capsys.readouterr().out)
    assert found["not_compared"] == {"invalid": 1, "over_limit": 2}
    assert found["cut"] == ["feed cut at 3 events (of 5)"]


def test_the_other_calendar_is_read_with_bounds_for_a_whole_site(monkeypatch):
    """A site lists every group's events: the per-feed cap would cut the live site's calendar
    short. Its own bounds are named in core/limits.py."""
    from collector import probe
    from core import limits

    seen = {}

    def parse(self, body, group, site, today, reading):
        seen["reading"], seen["cpu"] = reading, self.cpu_seconds
        raise probe.FeedError("stop")

    monkeypatch.setattr(probe.FeedParser, "parse", parse)
    with pytest.raises(probe.Unreadable):
        probe.read_calendar(str(LIVE), probe.Group("p", "", ""), None, None, whole=True)
    assert seen["reading"] == probe.Reading(
        limits.MAX_PARITY_EVENTS, limits.MAX_PARITY_VEVENTS, area=False
    )
    assert seen["cpu"] == limits.PARITY_PARSE_CPU_SECONDS
    assert limits.MAX_PARITY_EVENTS >= 10 * limits.MAX_EVENTS_PER_FEED
