"""The iCalendar feeds, parsed back with icalendar: RFC 5545 framing, UTC times, all-day DATEs
with exclusive ends, UID = event_id, and every fixture event round-trips."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import icalendar
import pytest
from fixtures.events import SITE, build_fixture_site, listed_events, load_events

from generator.ics import fold
from generator.text import description_text, http_url

TZ = ZoneInfo(SITE.timezone)
LISTED = listed_events()


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site")
    build_fixture_site(out)
    return out


def parse(path: Path) -> dict[str, icalendar.Event]:
    calendar = icalendar.Calendar.from_ical(path.read_bytes())
    return {str(e["UID"]): e for e in calendar.walk("VEVENT")}


def test_feeds_are_crlf_folded_and_have_no_x_wr_timezone(site):
    for feed in site.rglob("*.ics"):
        data = feed.read_bytes()
        assert data.startswith(b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\n")
        assert data.endswith(b"END:VCALENDAR\r\n")
        lines = data.split(b"\r\n")
        assert all(b"\n" not in line and len(line) <= 75 for line in lines), feed
        assert b"X-WR-TIMEZONE" not in data and b"TZID" not in data
    calendar = icalendar.Calendar.from_ical((site / "events.ics").read_bytes())
    assert calendar["PRODID"] and calendar["METHOD"] == "PUBLISH"
    assert calendar["X-WR-CALNAME"] == "DC Tech Events"


def test_every_listed_event_round_trips_through_events_ics(site):
    parsed = parse(site / "events.ics")
    assert set(parsed) == {e.event_id for e in LISTED.values()}
    for event in LISTED.values():
        vevent = parsed[event.event_id]
        start, end = vevent.decoded("DTSTART"), vevent.decoded("DTEND")
        if event.all_day:
            assert type(start) is date and start == date.fromisoformat(event.start_date)
            assert end == date.fromisoformat(event.end_date)  # already the exclusive end day
        else:
            assert start.tzinfo is not None and start.utcoffset() == timedelta(0)
            local = datetime.fromisoformat(event.start_datetime).replace(tzinfo=TZ)
            assert start == local and end == datetime.fromisoformat(event.end_datetime).replace(
                tzinfo=TZ
            )
        assert str(vevent["SUMMARY"]) == event.title
        assert str(vevent.get("LOCATION", "")) == event.location
        assert vevent.get("URL") == http_url(event.url)
        assert str(vevent["STATUS"]) == ("CANCELLED" if event.cancelled else "CONFIRMED")
        assert vevent.decoded("DTSTAMP") == datetime.fromisoformat(event.created_at)
        assert description_text(event.description) in str(vevent.get("DESCRIPTION", ""))
        if event.group_name:
            organizer = vevent["ORGANIZER"]
            assert organizer.params["CN"] == event.group_name
            assert str(organizer) == event.group_website


def test_times_are_utc_across_daylight_saving(site):
    parsed = parse(site / "events.ics")
    spring = parsed[load_events()["spring-conference"].event_id]  # 6 pm EDT
    assert spring.decoded("DTSTART") == datetime(2027, 3, 15, 22, 0, tzinfo=UTC)
    assert b"DTSTART:20270315T220000Z" in (site / "events.ics").read_bytes()
    assert (
        b"DTSTART;VALUE=DATE:20261202\r\nDTEND;VALUE=DATE:20261205"
        in (site / "events.ics").read_bytes()
    )


def test_filtered_feeds_hold_their_events(site):
    def titles(path: str) -> set[str]:
        return {str(e["SUMMARY"]) for e in parse(site / path).values()}

    assert titles("virtual/events.ics") == {
        "Lunch & Learn: Observability",
        "Remote Data Engineering Hour",
    }
    assert titles("locations/VA/events.ics") == {
        "DevFest Capital Region",
        "Security Bootcamp",
        "Data Viz Meetup",
    }
    assert "DevFest Capital Region" in titles("groups/pydc/events.ics")  # a cross-post
    assert titles("groups/quiet-group/events.ics") == set()
    cancelled = load_events()["cancelled-talk"]
    single = parse(site / f"events/{cancelled.event_id}.ics")
    assert list(single) == [cancelled.event_id]
    assert str(single[cancelled.event_id]["STATUS"]) == "CANCELLED"


def test_feeds_are_the_same_bytes_on_every_build(site, tmp_path):
    build_fixture_site(tmp_path)
    for feed in site.rglob("*.ics"):
        assert (tmp_path / feed.relative_to(site)).read_bytes() == feed.read_bytes()


@pytest.mark.parametrize("text", ["x" * 200, "é" * 100, "a" + "€" * 60 + "🎉" * 30])
def test_folding_never_splits_a_character_and_unfolds_back(text):
    folded = fold(f"SUMMARY:{text}")
    lines = folded.removesuffix(b"\r\n").split(b"\r\n")
    assert all(len(line) <= 75 for line in lines)
    assert all(line.startswith(b" ") for line in lines[1:])
    for line in lines:
        line.decode("utf-8")  # each line is whole characters
    assert b"".join(line.removeprefix(b" ") for line in lines).decode() == f"SUMMARY:{text}"
