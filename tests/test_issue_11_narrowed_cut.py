"""Issue 11, found in review: once a full feed narrows the expansion to its cut, a later series
whose dates all fall past the cut (but inside the window) found none, and the feed's health
counted it `outside_window`: `dctech add-group` said "outside the window" of events the limit
had cut. Such a series is not read past the cut (probing it could cost as much as reading it), so
it is counted as that: `past_cut`. A series refused as unbounded is in the cut, not skipped."""

from __future__ import annotations

from datetime import date

from collector.parse import Reading, parse_feed
from core.models import Group, SiteConfig

TODAY = date(2026, 12, 1)
GROUP = Group("busy", "Busy", "https://example.org/")


def calendar(*vevents: str) -> bytes:
    body = "".join(f"BEGIN:VEVENT\r\n{v}END:VEVENT\r\n" for v in vevents)
    return f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//T//EN\r\n{body}END:VCALENDAR\r\n".encode()


def one_off(n: int) -> str:
    return f"UID:o{n}@x\r\nDTSTART:202612{2 + n:02d}T230000Z\r\nSUMMARY:One-off {n}\r\n"


def weekly(uid: str, first: str) -> str:
    return f"UID:{uid}\r\nDTSTART:{first}\r\nRRULE:FREQ=WEEKLY;COUNT=3\r\nSUMMARY:{uid}\r\n"


def test_a_series_past_the_cut_is_not_counted_outside_the_window():
    feed = calendar(
        *map(one_off, range(8)),  # fills the feed (limit 4): later series stop at December 6
        weekly("later@x", "20261220T230000Z"),  # three dates in the window, past the cut
        weekly("over@x", "20250105T230000Z"),  # ended long ago: not read past the cut either
    )
    parsed = parse_feed(feed, GROUP, SiteConfig(), TODAY, reading=Reading(max_events=4))
    assert [e.title for e in parsed.events] == [f"One-off {n}" for n in range(4)]
    assert parsed.skipped == {"past_cut": 2, "over_limit": 4}
    assert parsed.cut == ["feed cut at 4 events (of 8+)"]


def test_a_series_not_read_is_in_the_cut_not_outside_the_window():
    rule = "FREQ=SECONDLY;BYSETPOS=1"  # refused: begun a month before, see collector/expand.py
    feed = calendar(f"UID:s@x\r\nDTSTART:20261101T000000Z\r\nRRULE:{rule}\r\nSUMMARY:S\r\n")
    parsed = parse_feed(feed, GROUP, SiteConfig(), TODAY)
    assert parsed.events == []
    assert parsed.skipped == {}
    assert parsed.cut == [
        "1 series not read: COUNT or BYSETPOS on a rule repeating within a day, begun long before"
    ]
