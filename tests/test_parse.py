"""One feed's bytes -> events: the shapes real services produce, and hostile feeds.

"Today" is always passed in (2026-12-01 unless a test needs a DST change in the window), so
nothing here depends on the real date or on the machine's timezone.
"""

from __future__ import annotations

import time
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from collector.parse import FeedError, ParsedFeed, parse_feed
from core.ids import make_event_id
from core.models import CANCELLED, CONFIRMED, IN_PERSON, VIRTUAL, Event, Group, SiteConfig

FEEDS = Path(__file__).parent / "fixtures" / "feeds"
TODAY = date(2026, 12, 1)
SITE = SiteConfig()
GROUP = Group(
    "dc-python",
    "DC Python",
    "https://www.meetup.com/dc-python/",
    submitted_by="Jane Doe",
    submitter_link="https://example.org/jane",
)


def parse(name: str, today: date = TODAY, group: Group = GROUP, site: SiteConfig = SITE):
    return parse_feed((FEEDS / name).read_bytes(), group, site, today)


def when(parsed: ParsedFeed) -> list[tuple[str, str, str]]:
    return [(e.title, e.start_datetime, e.end_datetime) for e in parsed.events]


def where(parsed: ParsedFeed) -> list[tuple[str, str, str | None, str | None]]:
    return [(e.title, e.location_type, e.city, e.state) for e in parsed.events]


def inline(*vevent_lines: str, head: str = "") -> bytes:
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//test//EN", *head.split("\n")]
    lines += ["BEGIN:VEVENT", "UID:inline@test", "DTSTAMP:20261101T000000Z", *vevent_lines]
    return "\r\n".join([*(x for x in lines if x), "END:VEVENT", "END:VCALENDAR", ""]).encode()


def test_meetup_feed():
    parsed = parse("meetup.ics")
    assert when(parsed) == [
        ("Python Project Night", "2026-12-03T18:30:00", "2026-12-03T20:30:00"),
        ("Intro to Pandas Workshop", "2026-12-10T19:00:00", "2026-12-10T21:00:00"),
        ("Lunch & Learn: Type Hints in Practice", "2026-12-16T12:00:00", "2026-12-16T13:00:00"),
    ]
    assert where(parsed) == [
        ("Python Project Night", IN_PERSON, "Washington", "DC"),
        ("Intro to Pandas Workshop", IN_PERSON, "Arlington", "VA"),
        ("Lunch & Learn: Type Hints in Practice", VIRTUAL, None, None),
    ]
    assert parsed.vevents_in_source == 4
    assert parsed.skipped == {"outside_window": 1}  # last month's project night
    first = parsed.events[0]
    assert first.url == "https://www.meetup.com/dc-python/events/312345678/"
    assert first.location == "MLK Memorial Library (901 G St NW, Washington, DC)"
    assert first.description.startswith("DC Python\nThursday, December 3 at 6:30 PM\n\nBring a")
    assert first.source_uid == "event_312345678@meetup.com"
    assert first.event_id == make_event_id(first.url, first.title, first.start_datetime)
    assert (first.group_id, first.group_name, first.group_website) == (
        "dc-python",
        "DC Python",
        "https://www.meetup.com/dc-python/",
    )
    assert (first.submitted_by, first.submitter_link) == ("Jane Doe", "https://example.org/jane")
    assert (first.source_type, first.status, first.all_day, first.cost) == (
        "ical",
        CONFIRMED,
        False,
        None,
    )


def test_google_feed_utc_times_and_x_wr_timezone():
    parsed = parse("google.ics")
    assert when(parsed)[0] == (
        "Data Science DC: December Talks",
        "2026-12-10T18:30:00",
        "2026-12-10T20:30:00",
    )
    assert ("Office Hours", "2026-12-12T15:00:00", "2026-12-12T17:00:00") in when(parsed)
    assert [e.start_datetime for e in parsed.events if e.title == "Stats Study Group"] == [
        "2027-02-03T18:30:00",
        "2027-02-10T18:30:00",
        "2027-02-17T18:30:00",
        "2027-02-24T18:30:00",
    ]
    assert parsed.events[0].url == GROUP.website  # no URL property, no Luma link


def test_x_wr_timezone_repair_keeps_a_utc_weekly_series_at_its_local_time_across_dst():
    parsed = parse("google.ics", today=date(2027, 2, 15))
    study = [e for e in parsed.events if e.title == "Stats Study Group"]
    # DST starts 2027-03-14: without the repair the last two would be at 19:30
    assert [e.start_datetime[5:16] for e in study] == [
        "02-17T18:30",
        "02-24T18:30",
        "03-03T18:30",
        "03-10T18:30",
        "03-17T18:30",
        "03-24T18:30",
    ]
    assert study[0].source_uid == "0a9b8c7d6e5f4g3h2i1j@google.com#2027-02-17T23:30:00Z"
    assert study[-1].source_uid == "0a9b8c7d6e5f4g3h2i1j@google.com#2027-03-24T22:30:00Z"


def test_times_are_converted_to_the_site_timezone():
    chicago = parse("google.ics", site=replace(SITE, timezone="America/Chicago"))
    assert ("Data Science DC: December Talks", "2026-12-10T17:30:00", "2026-12-10T19:30:00") in (
        when(chicago)
    )
    assert ("Office Hours", "2026-12-12T14:00:00", "2026-12-12T16:00:00") in when(chicago)


def test_luma_feed_takes_the_event_link_from_location_or_description():
    parsed = parse("luma.ics")
    assert [(e.title, e.url) for e in parsed.events] == [
        ("AI Builders Demo Night", "https://luma.com/k8x2mq4z"),
        ("Paper Club (Virtual): Agents", "https://luma.com/event/evt-Vr7TuW2sXq9Lk0b"),
        ("Builders Meetup at Capital Factory", "https://lu.ma/cf-jan27"),
    ]
    assert where(parsed) == [
        ("AI Builders Demo Night", IN_PERSON, "Washington", "DC"),
        ("Paper Club (Virtual): Agents", VIRTUAL, None, None),
        ("Builders Meetup at Capital Factory", IN_PERSON, "Arlington", "VA"),
    ]
    assert parsed.events[0].start_datetime == "2026-12-08T18:00:00"


def test_wordpress_events_calendar_feed_decodes_html_entities_in_titles():
    parsed = parse("wordpress_events_calendar.ics")
    assert when(parsed) == [
        ("Startups & Coffee – December Edition", "2026-12-08T18:00:00", "2026-12-08T20:00:00"),
        ("Hour of Code Volunteer Day", "2026-12-15T00:00:00", "2026-12-16T00:00:00"),
        ("Women in Tech Happy Hour “Winter Warm-Up”", "2026-12-17T17:30:00", "2026-12-17T19:30:00"),
    ]
    assert [e.all_day for e in parsed.events] == [False, True, False]
    assert [(e.city, e.state) for e in parsed.events] == [
        ("Washington", "DC"),
        ("Silver Spring", "MD"),
        ("Arlington", "VA"),
    ]
    assert parsed.events[0].url == (
        "https://dctechmeetup.example.org/event/startups-coffee-december/"
    )


def test_mobilizon_feed():
    parsed = parse("mobilizon.ics")
    assert [(e.title, e.start_datetime, e.status) for e in parsed.events] == [
        ("Linux Install Fest", "2026-12-12T12:00:00", CONFIRMED),
        ("Repair Café", "2026-12-19T12:00:00", CANCELLED),  # STATUS:CANCELLED
        ("FOSS Planning Session", "2027-01-09T11:00:00", CONFIRMED),  # TENTATIVE is listed
    ]
    assert where(parsed) == [
        ("Linux Install Fest", IN_PERSON, "Washington", "DC"),
        ("Repair Café", IN_PERSON, "Takoma Park", "MD"),
        ("FOSS Planning Session", IN_PERSON, None, None),
    ]
    assert parsed.events[0].source_uid == "6f1c2d3e-4a5b-4c6d-8e9f-0a1b2c3d4e5f"


def test_all_day_and_multi_day_events():
    parsed = parse("allday_conference.ics")
    assert when(parsed) == [
        ("Cloud Week", "2026-11-30T00:00:00", "2026-12-03T00:00:00"),  # started, still running
        ("Capital Dev Summit 2026", "2026-12-09T00:00:00", "2026-12-12T00:00:00"),  # 3 days
        ("Civic Hack Day", "2026-12-19T00:00:00", "2026-12-20T00:00:00"),  # no DTEND: one day
    ]
    assert all(e.all_day for e in parsed.events)
    assert parsed.skipped == {"outside_window": 1}  # InfoSec Weekend ended this morning


def test_weekly_rrule_with_exdate_rdate_and_a_moved_retitled_occurrence():
    parsed = parse("weekly_rrule.ics")
    assert when(parsed) == [
        ("Civic Hack Night", "2026-12-02T18:30:00", "2026-12-02T21:00:00"),
        ("Civic Hack Night", "2026-12-09T18:30:00", "2026-12-09T21:00:00"),
        ("Civic Hack Night", "2026-12-16T18:30:00", "2026-12-16T21:00:00"),
        # 12-23 and 12-30 are EXDATEs; 12-29 is an RDATE
        ("Civic Hack Night", "2026-12-29T18:30:00", "2026-12-29T21:00:00"),
        ("Civic Hack Night", "2027-01-06T18:30:00", "2027-01-06T21:00:00"),
        ("Civic Hack Night: New Year Kickoff", "2027-01-14T19:00:00", "2027-01-14T21:30:00"),
        ("Civic Hack Night", "2027-01-20T18:30:00", "2027-01-20T21:00:00"),
        ("Civic Hack Night", "2027-01-27T18:30:00", "2027-01-27T21:00:00"),
    ]
    moved = parsed.events[5]
    assert moved.source_uid == "hacknight-weekly@google.com#2027-01-13T23:30:00Z"  # its slot
    assert moved.description == "Moved to Thursday for the new year kickoff."
    assert parsed.events[0].source_uid == "hacknight-weekly@google.com#2026-12-02T23:30:00Z"
    assert len({e.event_id for e in parsed.events}) == len({e.source_uid for e in parsed.events})
    assert len({e.event_id for e in parsed.events}) == 8


def test_floating_times_are_read_in_the_site_timezone():
    parsed = parse("floating.ics")
    assert when(parsed) == [
        ("Midnight Release Party", "2026-12-01T00:30:00", "2026-12-01T01:30:00"),
        ("Saturday Morning Code Review", "2026-12-05T10:00:00", "2026-12-05T12:00:00"),
    ]


def test_recurrence_keeps_its_local_time_across_the_november_dst_change():
    parsed = parse("dst_recurrence.ics", today=date(2026, 10, 20))
    study = [e.start_datetime for e in parsed.events if e.title == "Rust Study Group"]
    assert study == [f"2026-{d}T18:30:00" for d in ("10-22", "10-29", "11-05", "11-12", "11-19")]
    # A London series: Europe leaves summer time a week before the US does.
    sync = [e.start_datetime for e in parsed.events if e.title == "London-DC Rust Sync"]
    assert sync == ["2026-10-22T18:00:00", "2026-10-29T19:00:00", "2026-11-05T18:00:00"]


def test_unicode_titles_survive_even_a_fold_inside_an_emoji():
    assert [e.title for e in parse("unicode.ics").events] == [
        "Café Data Night ☕",
        "数据科学 Meetup 🚀 Data Science in 中文",
        "Ñandú Devs — Señoras y Señores; Niños 👩\u200d💻",
        "Émoji stress test: " + "🎉" * 24 + " done",
    ]


def test_non_utf8_bytes_are_read_as_windows_1252():
    (event,) = parse("non_utf8.ics").events
    assert event.title == "Café Hackers – “Winter” Edition"
    assert event.description == "Crème brûlée and code • bring a friend"
    assert (event.city, event.state) == ("Falls Church", "VA")


def test_cancelled_events_are_marked_and_lose_the_title_marker():
    parsed = parse("cancelled.ics")
    assert [(e.title, e.status) for e in parsed.events] == [
        ("Kubernetes Office Hours", CANCELLED),  # STATUS:CANCELLED
        ("Rust Meetup", CANCELLED),  # "CANCELLED: "
        ("Go Night", CANCELLED),  # "[Canceled] "
        ("Cloud Study Group", CANCELLED),  # " - Cancelled"
        ("Cancelled Plans: Designing for Failure", CONFIRMED),  # a title, not a marker
    ]
    rust = parsed.events[1]
    assert rust.event_id == make_event_id(rust.url, "Rust Meetup", rust.start_datetime)


def test_missing_end_uses_duration_or_the_default_hour():
    assert when(parse("no_dtend.ics")) == [
        ("Open Studio", "2026-12-06T14:00:00", "2026-12-06T15:00:00"),
        ("Lightning Talks", "2026-12-07T18:00:00", "2026-12-07T19:30:00"),
        ("Hackathon Registration Opens", "2026-12-08T00:00:00", "2026-12-09T00:00:00"),
        ("Weekend Hackathon", "2026-12-10T00:00:00", "2026-12-12T00:00:00"),
    ]


def test_an_all_day_event_ending_on_its_start_date_lasts_its_day():
    body = inline("DTSTART;VALUE=DATE:20261205", "DTEND;VALUE=DATE:20261205", "SUMMARY:Fair")
    (event,) = parse_feed(body, GROUP, SITE, TODAY).events
    assert (event.start_datetime, event.end_datetime) == (
        "2026-12-05T00:00:00",
        "2026-12-06T00:00:00",
    )


def test_an_end_before_the_start_on_the_wall_clock_keeps_its_real_length():
    # 01:30 EDT to 01:10 EST is 40 minutes, but on the wall clock it ends before it starts
    body = inline("DTSTART:20261101T053000Z", "DTEND:20261101T061000Z", "SUMMARY:Late Night")
    (event,) = parse_feed(body, GROUP, SITE, date(2026, 10, 20)).events
    assert (event.start_datetime, event.end_datetime) == (
        "2026-11-01T01:30:00",
        "2026-11-01T02:10:00",
    )


def test_out_of_area_events_are_skipped_unless_virtual_or_unknown():
    parsed = parse("out_of_area.ics")
    assert where(parsed) == [
        ("JS Night Baltimore", IN_PERSON, "Baltimore", "MD"),
        ("JS Lunch Talk (online)", VIRTUAL, None, None),
        ("JS Coffee", IN_PERSON, None, None),  # "Meet in the lobby" is not Indiana
    ]
    assert parsed.skipped == {"out_of_area": 2}  # New York, Philadelphia


def test_only_states_is_the_site_setting():
    parsed = parse("meetup.ics", site=replace(SITE, only_states=("DC",)))
    assert [e.title for e in parsed.events] == [
        "Python Project Night",
        "Lunch & Learn: Type Hints in Practice",
    ]
    assert parsed.skipped == {"outside_window": 1, "out_of_area": 1}


def test_suppressed_urls_are_dropped():
    group = replace(
        GROUP, suppress_urls=("https://www.meetup.com/dc-python/events/312345679/?utm_source=x",)
    )
    parsed = parse("meetup.ics", group=group)
    assert "Intro to Pandas Workshop" not in [e.title for e in parsed.events]
    assert parsed.skipped == {"outside_window": 1, "suppressed": 1}


@pytest.mark.parametrize("name", ["not_ical.html", "truncated.ics"])
def test_a_file_that_is_not_a_whole_calendar_is_a_feed_error(name):
    with pytest.raises(FeedError):
        parse(name)


@pytest.mark.parametrize(
    "body", [b"", b"\x00\x01\x02\xff", b'{"events": []}', b"BEGIN:VEVENT\r\nEND:VEVENT\r\n"]
)
def test_other_garbage_is_a_feed_error(body):
    with pytest.raises(FeedError):
        parse_feed(body, GROUP, SITE, TODAY)


def test_an_event_without_dtstart_is_skipped_and_counted():
    parsed = parse("missing_dtstart.ics")
    assert [e.title for e in parsed.events] == ["Good Event One", "Good Event Two"]
    assert (parsed.vevents_in_source, parsed.skipped) == (3, {"invalid": 1})


def test_invalid_dates_and_rules_are_skipped_and_a_swapped_end_is_repaired():
    parsed = parse("invalid_dates.ics")
    assert when(parsed) == [
        ("Swapped Start And End", "2026-12-06T19:00:00", "2026-12-06T21:00:00"),
        ("Perfectly Fine", "2026-12-07T10:00:00", "2026-12-07T12:00:00"),
    ]
    assert parsed.skipped == {"invalid": 3}  # month 13, unreadable DTEND, FREQ=SOMETIMES


def test_an_endless_daily_rule_is_bounded_by_the_window():
    parsed = parse("endless_rrule.ics")
    assert len(parsed.events) == 90  # 2026-12-01 .. 2027-02-28
    assert parsed.events[0].start_datetime == "2026-12-01T09:00:00"
    assert parsed.events[-1].start_datetime == "2027-02-28T09:00:00"
    assert parsed.events[0].location_type == VIRTUAL  # a Google Meet link
    week = parse_feed((FEEDS / "endless_rrule.ics").read_bytes(), GROUP, SITE, TODAY, 7)
    assert len(week.events) == 7


def test_event_ids_are_stable_across_runs_and_days():
    first = {e.source_uid: e.event_id for e in parse("weekly_rrule.ics").events}
    again = {e.source_uid: e.event_id for e in parse("weekly_rrule.ics").events}
    next_week = {
        e.source_uid: e.event_id for e in parse("weekly_rrule.ics", date(2026, 12, 8)).events
    }
    assert first == again
    assert all(first[uid] == event_id for uid, event_id in next_week.items() if uid in first)
    assert len(set(first) & set(next_week)) == 7


def test_cost_comes_from_a_cost_property():
    def cost(*lines: str) -> str | None:
        body = inline("DTSTART:20261205T150000Z", "SUMMARY:Talk", *lines)
        return parse_feed(body, GROUP, SITE, TODAY).events[0].cost

    assert cost("X-COST:$10") == "$10"
    assert cost("X-COST-TYPE:free") == "Free"
    assert cost() is None


def test_a_javascript_url_property_is_ignored():
    body = inline("DTSTART:20261205T150000Z", "SUMMARY:Talk", "URL:javascript:alert(1)")
    assert parse_feed(body, GROUP, SITE, TODAY).events[0].url == GROUP.website


def test_an_unknown_x_wr_timezone_is_ignored():
    body = inline("DTSTART:20261205T150000Z", "SUMMARY:Talk", head="X-WR-TIMEZONE:Nowhere/Bogus")
    (event,) = parse_feed(body, GROUP, SITE, TODAY).events
    assert event.start_datetime == "2026-12-05T10:00:00"


def test_a_missing_summary_falls_back_to_the_group_name_and_whitespace_is_collapsed():
    untitled = parse_feed(inline("DTSTART:20261205T150000Z"), GROUP, SITE, TODAY)
    assert untitled.events[0].title == "DC Python"
    spaced = inline("DTSTART:20261205T150000Z", "SUMMARY:  Lots \\n of\t space  ")
    assert parse_feed(spaced, GROUP, SITE, TODAY).events[0].title == "Lots of space"


def test_vevents_are_counted_in_any_case():
    body = inline("DTSTART:20261205T150000Z", "SUMMARY:Talk").replace(
        b"BEGIN:VEVENT", b"begin:vevent"
    )
    assert parse_feed(body, GROUP, SITE, TODAY).vevents_in_source == 1


def calendars() -> list[str]:
    """Every fixture that is a whole calendar."""
    return sorted(p.name for p in FEEDS.glob("*.ics") if p.name != "truncated.ics")


def test_kept_events_only_carry_our_states():
    for name in calendars():
        assert {e.state for e in parse(name).events} <= {None, "DC", "MD", "VA"}, name


@pytest.mark.parametrize("zone", ["UTC", "Pacific/Auckland", "America/Los_Angeles"])
def test_the_machine_timezone_changes_nothing(monkeypatch, zone):
    def everything() -> list[Event]:
        return [
            e for n in calendars() for d in (TODAY, date(2026, 10, 20)) for e in parse(n, d).events
        ]

    baseline = everything()
    monkeypatch.setenv("TZ", zone)
    time.tzset()
    try:
        assert everything() == baseline
    finally:
        monkeypatch.undo()
        time.tzset()
