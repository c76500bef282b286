"""Curated series from `_recurring_events/*.yaml` become occurrences, expanded as feeds are.

Each series is written as the VEVENT a feed would carry (DTSTART and DTEND in the site timezone,
its RRULE with UNTIL or COUNT) and expanded by collector/expand.py over the same window, so the
per-series cap and DST work exactly as for a feed: a Tuesday 18:30 series stays at 18:30 when
the clocks change. Each occurrence is stored like a single event (collector/single.py: same
partition, "submitted by", area rule), with a source_uid of its own,
``recurring:<file>#<UTC start>``, so the lifecycle retires one that the rule no longer yields.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import icalendar

from collector.expand import Budget, expand, moment
from collector.parse import WINDOW_DAYS
from collector.single import single_event
from core.config import RecurringEvent
from core.ids import make_event_id
from core.limits import MAX_OCCURRENCES_PER_SERIES
from core.models import RECURRING_EVENT, Event, SiteConfig
from core.timeutil import format_local, parse_local


@dataclass
class Occurrences:
    """What the series yield over the window, and what the cap cut (the summary reports it)."""

    events: list[Event] = field(default_factory=list)
    cut: list[str] = field(default_factory=list)  # what the per-series cap cut, in words


def series_occurrences(
    series: Sequence[RecurringEvent], site: SiteConfig, today: date
) -> Occurrences:
    """Every series' occurrences over today .. today + WINDOW_DAYS (site timezone); a series
    whose first occurrence is outside the site's area has none."""
    tz = ZoneInfo(site.timezone)
    start = datetime.combine(today, time(), tz)
    end = datetime.combine(today + timedelta(days=WINDOW_DAYS), time(), tz)
    found = Occurrences()
    for spec in series:
        first = single_event(spec.first, site)
        if first is None:
            continue
        expansion = expand([_vevent(spec, first, tz)], start, end, Budget())
        if expansion.cut or expansion.refused:
            why = expansion.refused or f"cut at {MAX_OCCURRENCES_PER_SERIES} occurrences"
            found.cut.append(f"{spec.first.source_file}.yaml {why}")
        found.events += [_occurrence(first, o, spec, tz) for o in expansion.occurrences]
    return found


def _vevent(spec: RecurringEvent, first: Event, tz: ZoneInfo) -> icalendar.Event:
    """The series as a feed would publish it. An all-day series runs on dates (UNTIL a date);
    a timed one in the site timezone, with UNTIL the end of its day there, in UTC (RFC 5545)."""
    start, end = parse_local(first.start_datetime), parse_local(first.end_datetime)
    rule = icalendar.vRecur.from_ical(spec.rrule)
    if spec.count is not None:
        rule["COUNT"] = spec.count
    vevent = icalendar.Event()
    vevent.add("UID", f"recurring:{spec.first.source_file}")
    if first.all_day:
        vevent.add("DTSTART", start.date())
        vevent.add("DTEND", end.date())
        if spec.until is not None:
            rule["UNTIL"] = spec.until
    else:
        vevent.add("DTSTART", start.replace(tzinfo=tz))
        vevent.add("DTEND", end.replace(tzinfo=tz))
        if spec.until is not None:
            rule["UNTIL"] = datetime.combine(spec.until, time(23, 59, 59), tz).astimezone(UTC)
    vevent.add("RRULE", rule)
    return vevent


def _occurrence(
    first: Event, occurrence: icalendar.Component, spec: RecurringEvent, tz: ZoneInfo
) -> Event:
    """``first`` moved to the occurrence's start, as long on the wall clock as ``first``."""
    value = moment(occurrence, "DTSTART")
    if isinstance(value, datetime):
        start = value.astimezone(tz).replace(tzinfo=None)
        slot = value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    else:
        start, slot = datetime.combine(value, time()), value.isoformat()
    length = parse_local(first.end_datetime) - parse_local(first.start_datetime)
    start_s = format_local(start)
    return replace(
        first,
        event_id=make_event_id(first.url, first.title, start_s),
        start_datetime=start_s,
        end_datetime=format_local(start + length),
        source_type=RECURRING_EVENT,
        source_uid=f"recurring:{spec.first.source_file}#{slot}",
    )
