"""One feed's bytes -> our events.

Decode leniently, parse with icalendar, repair Google's X-WR-TIMEZONE (before expansion, so a
UTC weekly series keeps its local time across DST), expand each series (the components sharing
a UID) over the collection window, and turn every occurrence into an Event on the site's wall
clock. A bad series is counted and skipped; only bytes that are no calendar at all raise.

Decisions where feeds are vague or wrong:
- A timed event with neither DTEND nor DURATION (or an end not after its start) lasts
  DEFAULT_DURATION: RFC 5545 wants DTEND after DTSTART in the feeds we publish, and calendar
  apps draw a zero-length event as a sliver. An all-day one lasts its day.
- Bytes after the last END:VCALENDAR (a CMS footer, a proxy's banner) are ignored.
- Every text field loses control and bidi-override characters and is capped in length
  (core.limits); a feed's size of work is bounded by collector/expand.py.
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
from typing import Any
from zoneinfo import ZoneInfo

import icalendar
import x_wr_timezone

from collector.expand import Budget, BudgetExceeded, expand, moment, series_of
from collector.links import event_url
from collector.location import classify
from collector.match import own_copy
from collector.noise import GroupRules
from collector.rdates import bound_rdates
from core.errors import DctechError
from core.ids import make_event_id
from core.limits import (
    MAX_DESCRIPTION_CHARS,
    MAX_EVENTS_PER_FEED,
    MAX_FIELD_CHARS,
    MAX_LOCATION_CHARS,
    MAX_OCCURRENCES_PER_SERIES,
    MAX_TITLE_CHARS,
    MAX_VEVENTS_IN_SOURCE,
)
from core.models import CANCELLED, CONFIRMED, VIRTUAL, Event, Group, SiteConfig
from core.places import tidy
from core.text import clean_text
from core.timeutil import format_local

WINDOW_DAYS = 90
DEFAULT_DURATION = timedelta(hours=1)
UNFOLD = re.compile(rb"\r?\n[ \t]")
VEVENT_LINE = re.compile(r"^BEGIN:VEVENT[ \t\r]*$", re.IGNORECASE | re.MULTILINE)
CALENDAR_END = re.compile(r"^END:VCALENDAR[ \t]*\r?$", re.IGNORECASE | re.MULTILINE)
TEXT_LIMITS = {"SUMMARY": MAX_TITLE_CHARS, "LOCATION": MAX_LOCATION_CHARS}
CANCEL_PREFIX = re.compile(
    r"^(?:[\[(]\s*cancell?ed\s*[\])]\s*[:|–—-]?|cancell?ed\s*[:|–—!-]+|(?-i:CANCELL?ED)\b)\s*",
    re.IGNORECASE,
)
CANCEL_SUFFIX = re.compile(
    r"\s*(?:[\[(]\s*cancell?ed\s*[\])]|[:|–—-]\s*cancell?ed)\s*$", re.IGNORECASE
)
COST_PROPERTIES = ("X-COST", "X-COST-TYPE")  # WordPress event plugins; most feeds have none


class FeedError(DctechError):
    """The bytes are not a usable calendar; the caller reports it as the group's failure."""


@dataclass(frozen=True)
class Reading:
    """What a parse keeps of a calendar: of a group's feed by default; of another site's whole
    calendar for a parity check (collector/probe.py), with bounds of its own and no area rule."""

    max_events: int = MAX_EVENTS_PER_FEED  # in the window; past it the feed is cut
    max_vevents: int = MAX_VEVENTS_IN_SOURCE  # in the source; past it the feed is refused
    area: bool = True  # skip in-person events outside the site's states


FEED = Reading()


@dataclass
class ParsedFeed:
    events: list[Event]
    vevents_in_source: int  # BEGIN:VEVENT lines in the raw text, to spot silently lost events
    skipped: dict[str, int] = field(default_factory=dict)  # reason -> count
    cut: list[str] = field(default_factory=list)  # what a limit cut, in words, for feed health


def parse_feed(
    body: bytes,
    group: Group,
    site: SiteConfig,
    today: date,
    window_days: int = WINDOW_DAYS,
    budget: Budget | None = None,
    reading: Reading = FEED,
) -> ParsedFeed:
    """The group's events from one feed, over today .. today + window_days (site timezone).

    Raises FeedError for bytes that are no calendar and for a feed past its CPU budget."""
    budget = budget or Budget()
    text = _decode(body)
    vevents = len(VEVENT_LINE.findall(text))
    if vevents > reading.max_vevents:
        raise FeedError(
            f"the feed has {vevents:,} events; at most {reading.max_vevents:,} are read: skipped"
        )
    text, rdates_cut = bound_rdates(text, today)
    calendar = _repaired(_calendar(text))
    tz = ZoneInfo(site.timezone)
    start = datetime.combine(today, time(), tz)
    end = datetime.combine(today + timedelta(days=window_days), time(), tz)
    skipped: Counter[str] = Counter()
    events: list[Event] = []
    series_cut, refused = 0, Counter[str]()
    shared: dict[str, str] = {}
    rules = GroupRules(group)
    over_limit, until = 0, end  # past a full feed, a series is expanded only up to its cut
    narrowed = False  # a series was: its dates past the cut were not counted
    for components in series_of(calendar):
        recurring = any(("RRULE" in c or "RDATE" in c or "RECURRENCE-ID" in c) for c in components)
        cut_short = recurring and until < end
        narrowed |= cut_short
        try:
            expansion = expand(components, start, until if recurring else end, budget)
            found = [_event(o, recurring, group, tz) for o in expansion.occurrences]
        except BudgetExceeded as exc:
            raise FeedError(f"{exc}: skipped (its stored events are kept)") from None
        except MemoryError:
            raise  # the feed, not the series: the parse worker reports its memory allowance
        except Exception:  # one broken series (no DTSTART, bad dates, bad RRULE) is not fatal
            skipped["invalid"] += len(components)
            continue
        series_cut += expansion.cut
        if expansion.refused:
            refused[expansion.refused] += 1  # in the feed's cut, not outside the window
            continue
        if not found:  # past a full feed's cut nothing says it had no dates in the window
            skipped["past_cut" if cut_short else "outside_window"] += len(components)
        for event in found:
            if reason := rules.reason(event):
                skipped[reason] += 1
            elif (
                reading.area
                and event.state not in (None, *site.only_states)
                and event.location_type != VIRTUAL
            ):
                skipped["out_of_area"] += 1
            else:
                _share_text(event, shared)
                events.append(event)
        if len(events) >= 2 * reading.max_events:
            over_limit += _keep_earliest(events, reading.max_events)
            until = min(until, _just_after(events[-1], tz))
    over_limit += _keep_earliest(events, reading.max_events)
    cut = [f"{series_cut} series cut at {MAX_OCCURRENCES_PER_SERIES} occurrences"] * bool(
        series_cut
    )
    cut += [f"{rdates_cut} RDATE list(s) cut to their first upcoming dates"] * bool(rdates_cut)
    cut += [f"{n} series not read: {why}" for why, n in sorted(refused.items())]
    if over_limit:
        skipped["over_limit"] = over_limit
        more = "+" if narrowed else ""
        total = f"{len(events) + over_limit:,}{more}"
        cut.append(f"feed cut at {reading.max_events:,} events (of {total})")
    return ParsedFeed(events, vevents, dict(skipped), cut)


def _keep_earliest(events: list[Event], limit: int) -> int:
    """Sort ``events`` and keep the first ``limit``; returns how many went. Called as the list
    doubles, so a feed never holds more than twice its limit, and the series after it expand
    only up to the last kept start (``_just_after``): a full feed costs no more past its cut."""
    events.sort(key=lambda e: (e.start_datetime, e.title))
    dropped = max(len(events) - limit, 0)
    del events[limit:]
    return dropped


def _just_after(event: Event, tz: ZoneInfo) -> datetime:
    """A moment after ``event``'s start, where later series stop: an occurrence before it may
    replace it. An hour past its wall-clock time, as that time may be the second of a DST
    fall-back's repeated hour (what lies beyond is trimmed like any other surplus)."""
    wall = datetime.fromisoformat(event.start_datetime).replace(tzinfo=tz)
    return wall + timedelta(hours=1, seconds=1)


def _share_text(event: Event, shared: dict[str, str]) -> None:
    """One string per distinct text in the feed: the 500 occurrences of a series with a 20,000
    character description hold it once (here, in the pickle back from the worker, and in the
    collector), not 500 times."""
    event.description = shared.setdefault(event.description, event.description)
    event.location = shared.setdefault(event.location, event.location)
    event.title = shared.setdefault(event.title, event.title)


def _decode(body: bytes) -> str:
    """Unfold first, as bytes: a fold may split a UTF-8 sequence (RFC 5545 3.1 allows for it).
    Bytes that are not UTF-8 are read as Windows-1252, the usual culprit."""
    return UNFOLD.sub(b"", body).decode("utf-8-sig", errors="dctech-cp1252")


def _cp1252(error: UnicodeError) -> tuple[str, int]:
    """Bytes that are not UTF-8 are read as Windows-1252 (Latin-1 for its five unused bytes)."""
    if not isinstance(error, UnicodeDecodeError):  # an error handler is a codec's for any use
        raise error
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
        start = f"not an iCalendar feed (starts with {text.lstrip()[:40]!r})"
        raise FeedError(start, hint="check that the group's ical URL is its calendar feed")
    ends = list(CALENDAR_END.finditer(text))
    if ends:
        text = text[: ends[-1].end()]
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


def _event(occurrence: icalendar.Component, recurring: bool, group: Group, tz: ZoneInfo) -> Event:
    start_value, end_value = moment(occurrence, "DTSTART"), moment(occurrence, "DTEND")
    all_day = not isinstance(start_value, datetime)
    start, end = _wall(start_value, tz), _wall(end_value, tz)
    if end <= start:  # no end, or a DST fall-back putting the wall-clock end first
        end = start + _duration(start_value, end_value, all_day)
    title, marked_cancelled = _title(_text(occurrence, "SUMMARY"))
    title = title or group.name
    cancelled = marked_cancelled or _text(occurrence, "STATUS").upper() == "CANCELLED"
    location = tidy(_text(occurrence, "LOCATION"))
    description = _text(occurrence, "DESCRIPTION", multiline=True)
    url = event_url(_text(occurrence, "URL"), location, description, group)
    organiser = _organiser(occurrence)
    place = classify(location, description)
    start_s = format_local(start)
    return Event(
        event_id=make_event_id(url, title, start_s),
        start_datetime=start_s,
        end_datetime=format_local(end),
        title=title,
        group_id=group.group_id,
        description=description,
        url=url,
        location=location,
        location_type=place.location_type,
        city=place.city,
        state=place.state,
        cost=_cost(occurrence),
        source_type="ical",
        all_day=all_day,
        source_uid=_source_uid(occurrence, recurring, tz),
        status=CANCELLED if cancelled else CONFIRMED,
        **from_group_file(group),
        own_copy=own_copy(url, organiser, group),
    )


def from_group_file(group: Group) -> dict[str, Any]:
    """What a feed event takes from its group's file rather than from the feed: its name and
    website as shown, who submitted it, and its own topics (an override may replace them; the
    merge adds every cross-poster's). Applied here at each parse and by collector/run.py to the
    stored events a 304 stands for, so an edited group file shows at the next collect."""
    return {
        "group_name": group.name,
        "group_website": group.website,
        "submitted_by": group.submitted_by,
        "submitter_link": group.submitter_link,
        "categories": list(group.categories),
    }


def _duration(start: date | datetime, end: date | datetime, all_day: bool) -> timedelta:
    """How long an event whose wall-clock end is not after its start lasts: its real length
    when it has one (01:30 EDT to 01:10 EST is 40 minutes), else its day or the default."""
    real = timedelta(0)
    if isinstance(start, datetime) and isinstance(end, datetime) and start.tzinfo and end.tzinfo:
        real = end - start
    return real if real > timedelta(0) else timedelta(days=1) if all_day else DEFAULT_DURATION


def _wall(value: date | datetime, tz: ZoneInfo) -> datetime:
    """Wall-clock time in the site timezone; floating times are taken to be in it already."""
    if not isinstance(value, datetime):
        return datetime.combine(value, time())
    return value.astimezone(tz).replace(tzinfo=None) if value.tzinfo else value


def _text(component: icalendar.Component, name: str, *, multiline: bool = False) -> str:
    """A property's text, cleaned (core.text) and capped: the first of a repeated property."""
    value = component.get(name)
    if isinstance(value, list):  # a repeated property: the first one counts
        value = value[0] if value else None
    if value is None:
        return ""
    limit = MAX_DESCRIPTION_CHARS if multiline else TEXT_LIMITS.get(name, MAX_FIELD_CHARS)
    return clean_text(str(value), limit, multiline=multiline).strip()


def _organiser(component: icalendar.Component) -> str:
    """The ORGANIZER's common name (``ORGANIZER;CN="DC AI Builders":MAILTO:...``), cleaned."""
    value = component.get("ORGANIZER")
    if isinstance(value, list):
        value = value[0] if value else None
    name = value.params.get("CN", "") if isinstance(value, icalendar.vCalAddress) else ""
    return clean_text(str(name), MAX_FIELD_CHARS).strip()


def _title(summary: str) -> tuple[str, bool]:
    """Plain text with entities decoded and whitespace collapsed, minus a cancellation marker.
    Entities are decoded after cleaning, so the text is cleaned again (``&#x202E;``)."""
    title = " ".join(clean_text(html.unescape(summary), MAX_TITLE_CHARS).split())
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
    rid = moment(occurrence, "RECURRENCE-ID")
    if not isinstance(rid, datetime):
        return f"{uid}#{rid.isoformat()}"
    aware = rid if rid.tzinfo else rid.replace(tzinfo=tz)
    return f"{uid}#{aware.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%SZ')}"
