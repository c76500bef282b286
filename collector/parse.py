"""One feed's bytes -> our events.

Decode leniently, parse with icalendar, repair Google's X-WR-TIMEZONE (before expansion, so a
UTC weekly series keeps its local time across DST), expand each series (the components sharing
a UID) over the collection window, and turn every occurrence into an Event on the site's wall
clock. A bad series is counted and skipped; only bytes that are no calendar at all raise.

Decisions where feeds are vague or wrong:
- A timed event with neither DTEND nor DURATION ends when it starts (RFC 5545 3.6.1); an
  all-day one lasts its day.
- DTEND before DTSTART: the two are swapped (what recurring-ical-events does for a series; the
  event stays listed rather than silently vanishing).
- A title that says it is cancelled ("CANCELLED: x", "[Canceled] x", "x (Cancelled)") marks the
  event cancelled and loses the marker, so the event_id stays the same and the stored event is
  updated to cancelled instead of a second one appearing.
- No SUMMARY: the group's name stands in as the title.
"""

from __future__ import annotations

import codecs
import html
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events
import x_wr_timezone

from collector.links import event_url, is_suppressed
from collector.location import classify
from core.ids import make_event_id
from core.models import CANCELLED, CONFIRMED, VIRTUAL, Event, Group, SiteConfig
from core.timeutil import format_local

WINDOW_DAYS = 90
UNFOLD = re.compile(rb"\r?\n[ \t]")
VEVENT_LINE = re.compile(r"^BEGIN:VEVENT[ \t\r]*$", re.IGNORECASE | re.MULTILINE)
CANCEL_PREFIX = re.compile(
    r"^(?:[\[(]\s*cancell?ed\s*[\])]\s*[:|–—-]?|cancell?ed\s*[:|–—!-]+|(?-i:CANCELL?ED)\b)\s*",
    re.IGNORECASE,
)
CANCEL_SUFFIX = re.compile(
    r"\s*(?:[\[(]\s*cancell?ed\s*[\])]|[:|–—-]\s*cancell?ed)\s*$", re.IGNORECASE
)
COST_PROPERTIES = ("X-COST", "X-COST-TYPE")  # WordPress event plugins; most feeds have none


class FeedError(Exception):
    """The bytes are not a usable calendar; the caller reports it as the group's failure."""


@dataclass
class ParsedFeed:
    events: list[Event]
    vevents_in_source: int  # BEGIN:VEVENT lines in the raw text, to spot silently lost events
    skipped: dict[str, int] = field(default_factory=dict)  # reason -> count


def parse_feed(
    body: bytes, group: Group, site: SiteConfig, today: date, window_days: int = WINDOW_DAYS
) -> ParsedFeed:
    """The group's events from one feed, over today .. today + window_days (site timezone)."""
    text = _decode(body)
    calendar = _repaired(_calendar(text))
    tz = ZoneInfo(site.timezone)
    start = datetime.combine(today, time(), tz)
    end = datetime.combine(today + timedelta(days=window_days), time(), tz)
    skipped: Counter[str] = Counter()
    events: list[Event] = []
    for components in _series(calendar):
        recurring = any(("RRULE" in c or "RDATE" in c or "RECURRENCE-ID" in c) for c in components)
        try:
            found = [_event(o, recurring, group, tz) for o in _expand(components, start, end)]
        except Exception:  # one broken series (no DTSTART, bad dates, bad RRULE) is not fatal
            skipped["invalid"] += len(components)
            continue
        if not found:
            skipped["outside_window"] += len(components)
        for event in found:
            if is_suppressed(event.url, group):
                skipped["suppressed"] += 1
            elif event.state not in (None, *site.only_states) and event.location_type != VIRTUAL:
                skipped["out_of_area"] += 1
            else:
                events.append(event)
    events.sort(key=lambda e: (e.start_datetime, e.title))
    return ParsedFeed(events, len(VEVENT_LINE.findall(text)), dict(skipped))


def _decode(body: bytes) -> str:
    """Unfold first, as bytes: a fold may split a UTF-8 sequence (RFC 5545 3.1 allows for it).
    Bytes that are not UTF-8 are read as Windows-1252, the usual culprit."""
    return UNFOLD.sub(b"", body).decode("utf-8-sig", errors="dctech-cp1252")


def _cp1252(error: UnicodeDecodeError) -> tuple[str, int]:
    """Bytes that are not UTF-8 are read as Windows-1252 (Latin-1 for its five unused bytes)."""
    chunk = error.object[error.start : error.end]
    return "".join(_byte(b) for b in chunk), error.end


def _byte(value: int) -> str:
    try:
        return bytes([value]).decode("cp1252")
    except UnicodeDecodeError:
        return chr(value)


codecs.register_error("dctech-cp1252", _cp1252)


def _calendar(text: str) -> icalendar.Calendar:
    if not text.lstrip().upper().startswith("BEGIN:VCALENDAR"):
        raise FeedError(f"not an iCalendar feed (starts with {text.lstrip()[:40]!r})")
    try:
        return icalendar.Calendar.from_ical(text)
    except Exception as exc:  # the parser's errors on hostile input are not all ValueError
        reason = str(exc).splitlines()[0][:120] if str(exc) else type(exc).__name__
        raise FeedError(f"malformed or truncated calendar: {reason}") from exc


def _repaired(calendar: icalendar.Calendar) -> icalendar.Calendar:
    """Apply X-WR-TIMEZONE; an unknown zone name is ignored (UTC times stay right, floating
    times are then read in the site timezone)."""
    try:
        return x_wr_timezone.to_standard(calendar)
    except (ValueError, KeyError):
        return calendar


def _series(calendar: icalendar.Calendar) -> list[list[icalendar.Component]]:
    """VEVENTs grouped by UID (a base event and its overrides); no UID: on its own."""
    by_uid: dict[object, list[icalendar.Component]] = {}
    for component in calendar.walk("VEVENT"):
        uid = component.get("UID")
        by_uid.setdefault(str(uid) if uid else object(), []).append(component)
    return list(by_uid.values())


def _expand(
    components: list[icalendar.Component], start: datetime, end: datetime
) -> list[icalendar.Component]:
    """Occurrences overlapping [start, end): EXDATE, RDATE and RECURRENCE-ID overrides applied.
    One series at a time and without skip_bad_series, so a broken one raises and is counted as
    invalid (skip_bad_series=True would drop it just the same, but silently)."""
    series = icalendar.Calendar()
    for component in components:
        series.add_component(component)
    return recurring_ical_events.of(series).between(start, end)


def _event(occurrence: icalendar.Component, recurring: bool, group: Group, tz: ZoneInfo) -> Event:
    start_value, end_value = occurrence["DTSTART"].dt, occurrence["DTEND"].dt
    all_day = not isinstance(start_value, datetime)
    start, end = _wall(start_value, tz), _wall(end_value, tz)
    # all-day: at least its own day; timed: a DST fall-back can put the wall-clock end first
    end = max(end, start + timedelta(days=1)) if all_day else max(end, start)
    title, marked_cancelled = _title(_text(occurrence, "SUMMARY"))
    title = title or group.name
    cancelled = marked_cancelled or _text(occurrence, "STATUS").upper() == "CANCELLED"
    location = _text(occurrence, "LOCATION")
    description = _text(occurrence, "DESCRIPTION")
    url = event_url(_text(occurrence, "URL"), location, description, group)
    place = classify(location, description)
    start_s = format_local(start)
    return Event(
        event_id=make_event_id(url, title, start_s),
        start_datetime=start_s,
        end_datetime=format_local(end),
        title=title,
        group_id=group.group_id,
        group_name=group.name,
        group_website=group.website,
        description=description,
        url=url,
        location=location,
        location_type=place.location_type,
        city=place.city,
        state=place.state,
        cost=_cost(occurrence),
        source_type="ical",
        submitted_by=group.submitted_by,
        submitter_link=group.submitter_link,
        all_day=all_day,
        source_uid=_source_uid(occurrence, recurring, tz),
        status=CANCELLED if cancelled else CONFIRMED,
    )


def _wall(value: date | datetime, tz: ZoneInfo) -> datetime:
    """Wall-clock time in the site timezone; floating times are taken to be in it already."""
    if not isinstance(value, datetime):
        return datetime.combine(value, time())
    return value.astimezone(tz).replace(tzinfo=None) if value.tzinfo else value


def _text(component: icalendar.Component, name: str) -> str:
    value = component.get(name)
    if isinstance(value, list):  # a repeated property: the first one counts
        value = value[0] if value else None
    return "" if value is None else str(value).strip()


def _title(summary: str) -> tuple[str, bool]:
    """Plain text with entities decoded and whitespace collapsed, minus a cancellation marker."""
    title = " ".join(html.unescape(summary).split())
    stripped = CANCEL_SUFFIX.sub("", CANCEL_PREFIX.sub("", title, count=1), count=1)
    return stripped or title, stripped != title


def _cost(component: icalendar.Component) -> str | None:
    for name in COST_PROPERTIES:
        value = _text(component, name)
        if value:
            return "Free" if value.lower() == "free" else value
    return None


def _source_uid(occurrence: icalendar.Component, recurring: bool, tz: ZoneInfo) -> str:
    """UID, plus "#" and the RECURRENCE-ID in UTC for an occurrence of a recurring series (the
    original slot, so it stays put when one occurrence is moved)."""
    uid = _text(occurrence, "UID")
    if not (uid and recurring and "RECURRENCE-ID" in occurrence):
        return uid
    rid = occurrence["RECURRENCE-ID"].dt
    if not isinstance(rid, datetime):
        return f"{uid}#{rid.isoformat()}"
    aware = rid if rid.tzinfo else rid.replace(tzinfo=tz)
    return f"{uid}#{aware.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%SZ')}"
