"""Issue 11, found in audit: the per-feed and per-series caps cut what a parse had already
built, so they bounded what was kept, not the work. 1,000 daily series built 90,000 events
(9.9 s of CPU, 113 MB, at the edge of the feed's 10 s) to keep 2,000; one RDATE list of
100,000 dates (1.7 MB) took 5.1 s and 276 MB, past the parse worker's allowance, to keep 500.
Now a full feed expands later series only up to its cut, and RDATE lists are cut as text before
the calendar is parsed (1.6 s and 32 MB; 0.1 s and 39 MB), keeping the very same events."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from collector.parse import Reading, parse_feed
from collector.rdates import bound_rdates
from core.limits import MAX_EVENTS_PER_FEED, MAX_OCCURRENCES_PER_SERIES, MAX_RDATES_PER_FEED
from core.models import Group, SiteConfig

TODAY = date(2026, 12, 1)
GROUP = Group("daily", "Daily", "https://example.org/")
PLACE = "LOCATION:1 Main St, Washington, DC"


def calendar(*vevents: str) -> bytes:
    body = "".join(f"BEGIN:VEVENT\r\n{v}END:VEVENT\r\n" for v in vevents)
    return f"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//T//EN\r\n{body}END:VCALENDAR\r\n".encode()


def daily_series(count: int) -> bytes:
    return calendar(
        *(
            f"UID:{n}@daily\r\nDTSTART:20261201T{10 + n % 10:02d}{n % 60:02d}00Z\r\n"
            f"RRULE:FREQ=DAILY\r\nSUMMARY:Daily {n}\r\n{PLACE}\r\n"
            for n in range(count)
        )
    )


def rdates(uid: str, count: int, first: datetime) -> str:
    dates = ",".join(f"{first + timedelta(minutes=n):%Y%m%dT%H%M%SZ}" for n in range(count))
    return f"UID:{uid}\r\nDTSTART:{first:%Y%m%dT%H%M%SZ}\r\nRDATE:{dates}\r\nSUMMARY:{uid}\r\n"


def test_a_full_feed_expands_no_further_than_its_cut_and_keeps_the_earliest():
    feed = daily_series(100)  # 9,000 events in the window
    parsed = parse_feed(feed, GROUP, SiteConfig(), TODAY)
    whole = parse_feed(feed, GROUP, SiteConfig(), TODAY, reading=Reading(max_events=10**6))
    assert len(whole.events) == 9_000
    assert [e.event_id for e in parsed.events] == [
        e.event_id for e in whole.events[:MAX_EVENTS_PER_FEED]
    ]
    [cut] = parsed.cut
    seen = int(
        cut.removeprefix("feed cut at 2,000 events (of ").removesuffix("+)").replace(",", "")
    )
    assert seen < 9_000  # later series were expanded only up to the cut
    assert parsed.skipped["over_limit"] == seen - MAX_EVENTS_PER_FEED


def test_an_rdate_list_is_cut_to_its_first_upcoming_dates_before_parsing():
    past = datetime(2026, 9, 1, 14)  # three months of dates before the window, then more
    feed = calendar(rdates("r@x", 200_000, past))  # every minute to mid-January
    parsed = parse_feed(feed, GROUP, SiteConfig(), TODAY)
    assert parsed.cut == ["1 RDATE list(s) cut to their first upcoming dates"]
    # kept: the last 500 of November 30 and the first 500 of December 1 as written (UTC), of
    # which the window (from midnight in New York, 05:00 UTC) has the 200 after 05:00 UTC
    assert [e.start_datetime for e in parsed.events] == [
        f"2026-12-01T{n // 60:02d}:{n % 60:02d}:00" for n in range(200)
    ]


def test_the_feed_rdate_lists_together_are_bounded_and_short_ones_untouched():
    start = datetime(2026, 12, 2, 14)
    lists = [rdates(f"r{n}@x", MAX_OCCURRENCES_PER_SERIES, start) for n in range(12)]
    parsed = parse_feed(calendar(*lists), GROUP, SiteConfig(), TODAY, reading=Reading(10**6))
    assert len(parsed.events) == MAX_RDATES_PER_FEED + 2  # 10 whole lists, two DTSTARTs alone
    assert parsed.cut == ["2 RDATE list(s) cut to their first upcoming dates"]
    short = calendar(rdates("s@x", 3, start))
    assert [
        e.start_datetime[11:16] for e in parse_feed(short, GROUP, SiteConfig(), TODAY).events
    ] == [
        "09:00",
        "09:01",
        "09:02",
    ]


def one_rule(rule: str, start: str) -> bytes:
    return calendar(f"UID:c@x\r\nDTSTART:{start}\r\nRRULE:{rule}\r\nSUMMARY:Ticker\r\n{PLACE}\r\n")


def test_a_sub_daily_count_rule_begun_long_ago_is_moved_forward_exactly():
    # 3,400 minutes from November 29, 00:00 UTC: the last 220 fall in the window (walking them
    # from their start took 9 s of CPU for a SECONDLY rule begun a month before)
    parsed = parse_feed(
        one_rule("FREQ=MINUTELY;COUNT=3400", "20261129T000000Z"), GROUP, SiteConfig(), TODAY
    )
    assert [e.start_datetime for e in parsed.events] == [
        f"2026-12-01T{n // 60:02d}:{n % 60:02d}:00" for n in range(220)
    ]
    ended = one_rule("FREQ=SECONDLY;COUNT=1000", "20261101T000000Z")
    assert parse_feed(ended, GROUP, SiteConfig(), TODAY).events == []
    endless = one_rule("FREQ=SECONDLY;COUNT=100000000", "20261101T000000Z")
    parsed = parse_feed(endless, GROUP, SiteConfig(), TODAY)
    assert parsed.cut == [f"1 series cut at {MAX_OCCURRENCES_PER_SERIES} occurrences"]
    assert parsed.events[-1].start_datetime == "2026-12-01T00:08:19"


def test_a_sub_daily_bysetpos_rule_begun_long_ago_is_not_read_and_says_why():
    parsed = parse_feed(
        one_rule("FREQ=SECONDLY;BYSETPOS=1", "20261101T000000Z"), GROUP, SiteConfig(), TODAY
    )
    assert parsed.events == []
    assert parsed.cut == [
        "1 series not read: COUNT or BYSETPOS on a rule repeating within a day, begun long before"
    ]


def test_a_weekly_count_rule_with_an_hour_is_read_whenever_it_began():
    """Found in review: any BYHOUR made a rule "sub-daily", so a weekly meetup's COUNT rule
    begun months before was refused, and its 13 dates in the window were lost."""
    rule = "FREQ=WEEKLY;BYDAY=TU;BYHOUR=18;BYMINUTE=30;COUNT=52"
    parsed = parse_feed(one_rule(rule, "20260602T183000Z"), GROUP, SiteConfig(), TODAY)
    assert parsed.cut == []
    assert [e.start_datetime for e in parsed.events][:2] == [
        "2026-12-01T13:30:00",
        "2026-12-08T13:30:00",
    ]
    assert len(parsed.events) == 13


def test_a_cut_on_the_repeated_hour_of_a_dst_fall_back_keeps_the_earliest():
    """Found in review: the expansion stopped at the first 01:30 of November 1, 2026 when the
    last kept event was the second one (EST), so a later series' 01:10 EST was never read."""
    second = "UID:late@x\r\nDTSTART:20261101T063000Z\r\nSUMMARY:Second 01:30\r\n"  # 01:30 EST
    early = [
        f"UID:e{n}@x\r\nDTSTART:20261101T0{n}0000Z\r\nSUMMARY:Early {n}\r\n" for n in (1, 2, 3)
    ]
    series = "UID:r@x\r\nDTSTART:20261101T061000Z\r\nRRULE:FREQ=DAILY;COUNT=2\r\nSUMMARY:Series\r\n"
    feed = calendar(
        *early,
        second,
        *[f"UID:f{n}@x\r\nDTSTART:2026110{n}T150000Z\r\nSUMMARY:F\r\n" for n in (2, 3, 4, 5)],
        series,
    )
    reading = Reading(max_events=4)
    capped = parse_feed(feed, GROUP, SiteConfig(), date(2026, 10, 31), reading=reading)
    whole = parse_feed(feed, GROUP, SiteConfig(), date(2026, 10, 31), reading=Reading(10**6))
    assert [e.event_id for e in capped.events] == [e.event_id for e in whole.events[:4]]
    assert "Series" in [e.title for e in capped.events]


def test_a_vtimezone_keeps_its_rdates_and_does_not_spend_the_feeds_bound():
    """Found in review: a VTIMEZONE after ten full lists lost its transitions' RDATEs."""
    zone = (
        "BEGIN:VTIMEZONE\r\nTZID:Office Time\r\nBEGIN:STANDARD\r\nDTSTART:20071104T020000\r\n"
        "RDATE:20241103T020000,20251102T020000,20261101T020000\r\nTZOFFSETFROM:-0400\r\n"
        "TZOFFSETTO:-0500\r\nEND:STANDARD\r\nEND:VTIMEZONE\r\n"
    )
    start = datetime(2026, 12, 2, 14)
    lists = [rdates(f"r{n}@x", MAX_OCCURRENCES_PER_SERIES, start) for n in range(11)]
    text = calendar(*lists).decode().replace("END:VCALENDAR", zone + "END:VCALENDAR")
    bounded, cut = bound_rdates(text, TODAY)  # the zone after the lists
    assert cut == 1  # the eleventh list, not the zone
    assert zone in bounded
