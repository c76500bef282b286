"""Issue 11: nothing bounded the events one feed could add. Past MAX_EVENTS_PER_FEED in the
window the earliest are kept, and the feed's health says what was cut."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from collector.parse import parse_feed
from core.limits import MAX_EVENTS_PER_FEED
from core.models import Group, SiteConfig

TODAY = date(2026, 12, 1)


def busy_feed(count: int) -> bytes:
    """``count`` one-off events an hour apart from 9:00 UTC today, a Google Calendar shape."""
    first = datetime(2026, 12, 1, 14)
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Google Inc//Google Calendar 70.9054//EN"]
    for n in range(count):
        start = first + timedelta(hours=n)
        lines += [
            "BEGIN:VEVENT",
            f"DTSTART:{start:%Y%m%dT%H%M%SZ}",
            f"DTEND:{start + timedelta(minutes=30):%Y%m%dT%H%M%SZ}",
            f"UID:{n}@google.com",
            f"SUMMARY:Office hours {n}",
            "LOCATION:1 Main St, Washington, DC 20001",
            "END:VEVENT",
        ]
    return ("\r\n".join([*lines, "END:VCALENDAR"]) + "\r\n").encode()


def test_a_feed_past_the_event_limit_keeps_the_earliest_and_says_so():
    group = Group("office", "Office Hours", "https://example.org/")
    parsed = parse_feed(busy_feed(2_100), group, SiteConfig(), TODAY)
    assert len(parsed.events) == MAX_EVENTS_PER_FEED
    assert parsed.events[0].title == "Office hours 0"
    assert parsed.events[-1].title == f"Office hours {MAX_EVENTS_PER_FEED - 1}"
    assert parsed.cut == [f"feed cut at {MAX_EVENTS_PER_FEED:,} events (of 2,100)"]
    assert parsed.skipped["over_limit"] == 100
