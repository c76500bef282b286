"""One event as every page and feed shows it, computed once per build and shared.

Labels, safe links, the sanitised description, the calendar times, the Google Calendar link and
the JSON-LD are derived here, so templates only lay them out and an event costs the same however
many pages list it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from markupsafe import Markup

from core.models import VIRTUAL, Event
from core.timeutil import days_spanned
from generator import urls
from generator.text import description_html, description_text, http_url, shorten

DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")  # fmt: skip
GOOGLE_RENDER = "https://calendar.google.com/calendar/render?"
SCHEMA = "https://schema.org/"


@dataclass(frozen=True, slots=True)
class Link:
    text: str
    href: str | None  # None: show the text, link nothing


@dataclass(frozen=True, slots=True)
class EventView:
    event: Event
    title: str
    href: str | None
    virtual: bool
    all_day: bool
    start: datetime | date  # UTC for timed events; the first day for all-day ones
    end: datetime | date  # UTC; for all-day events the day after the last (exclusive)
    days: tuple[date, ...]  # the days it is listed on (from today)
    sort_time: str  # "HH:MM:SS"; "" for all-day events so they come first
    when: str  # the time label on its first day
    until: str  # the label on the days it continues
    location: str
    organizer: Link | None  # the group, or "Submitted by" someone
    also: tuple[Link, ...]
    topics: tuple[Link, ...]  # its topics the catalogue knows, each linking to its page
    description: Markup
    google_href: str
    ics_href: str
    jsonld: str  # one schema.org Event, already safe inside <script>


def day_label(day: date, *, short: bool = False) -> str:
    """``Tuesday, December 1`` (or ``Tue, Dec 1``), locale-independent."""
    if short:
        return f"{DAYS[day.weekday()][:3]}, {MONTHS[day.month - 1][:3]} {day.day}"
    return f"{DAYS[day.weekday()]}, {MONTHS[day.month - 1]} {day.day}"


def clock(moment: datetime) -> str:
    """``6:30 pm``."""
    return f"{moment.hour % 12 or 12}:{moment.minute:02d} {'am' if moment.hour < 12 else 'pm'}"


def _labels(all_day: bool, start: datetime, end: datetime, days: list[date]) -> tuple[str, str]:
    if all_day:
        if len(days) == 1:
            return "All day", "All day"
        ends = f"until {day_label(days[-1])}"
        return f"All day, {ends}", f"Continuing, {ends}"
    if len(days) == 1:
        return (f"{clock(start)} – {clock(end)}" if end > start else clock(start)), ""
    ends = f"until {day_label(days[-1], short=True)}, {clock(end)}"
    return f"{clock(start)}, {ends}", f"Continuing, {ends}"


def _organizer(event: Event) -> Link | None:
    if event.group_name:
        return Link(event.group_name, http_url(event.group_website))
    if event.submitted_by:
        return Link(f"Submitted by {event.submitted_by}", http_url(event.submitter_link))
    return None


def google_add_href(event: Event, start: datetime | date, end: datetime | date, href: str) -> str:
    if isinstance(start, datetime):
        dates = f"{start:%Y%m%dT%H%M%SZ}/{end:%Y%m%dT%H%M%SZ}"
    else:
        dates = f"{start:%Y%m%d}/{end:%Y%m%d}"
    query = {"action": "TEMPLATE", "text": event.title, "dates": dates}
    if href:
        query["details"] = href
    if event.location:
        query["location"] = event.location
    return GOOGLE_RENDER + urlencode(query)


def script_safe_json(data: object) -> str:
    """JSON that cannot end its ``<script>`` element: ``<``, ``>`` and ``&`` become escapes."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _jsonld(event: Event, tz: ZoneInfo, href: str | None, organizer: Link | None) -> str:
    if event.all_day:
        last = date.fromisoformat(event.end_date) - timedelta(days=1)
        start, end = event.start_date, max(last.isoformat(), event.start_date)
    else:
        start = datetime.fromisoformat(event.start_datetime).replace(tzinfo=tz).isoformat()
        end = datetime.fromisoformat(event.end_datetime).replace(tzinfo=tz).isoformat()
    virtual = event.location_type == VIRTUAL
    data: dict[str, object] = {
        "@type": "Event",
        "name": event.title,
        "startDate": start,
        "endDate": end,
        "eventStatus": SCHEMA + ("EventCancelled" if event.cancelled else "EventScheduled"),
        "eventAttendanceMode": SCHEMA
        + ("Online" if virtual else "Offline")
        + "EventAttendanceMode",
    }
    if virtual:
        data["location"] = {"@type": "VirtualLocation", "url": href or http_url(event.location)}
    else:
        address = {"@type": "PostalAddress", "addressCountry": "US"}
        if event.city:
            address["addressLocality"] = event.city
        if event.state:
            address["addressRegion"] = event.state
        place = {"@type": "Place", "name": event.location} if event.location else {"@type": "Place"}
        data["location"] = place | {"address": address}
    if href:
        data["url"] = href
    if event.description:
        data["description"] = shorten(description_text(event.description), 300)
    if organizer and event.group_name:
        data["organizer"] = {"@type": "Organization", "name": organizer.text, "url": organizer.href}
    return script_safe_json(data)


def make_view(
    event: Event, *, tz: ZoneInfo, root: str, today: date, topics: Mapping[str, Link]
) -> EventView:
    """The display form of one stored event; ``root`` is the site's path prefix ("" at /),
    ``topics`` each known topic's badge by slug (a slug it lacks is shown nowhere)."""
    local_start = datetime.fromisoformat(event.start_datetime)
    local_end = max(datetime.fromisoformat(event.end_datetime), local_start)
    if local_end.date() == local_start.date():  # the common case, without re-parsing
        spanned = [local_start.date()]
    else:
        spanned = days_spanned(event.start_datetime, event.end_datetime) or [local_start.date()]
    if event.all_day:
        start: datetime | date = local_start.date()
        end: datetime | date = max(local_end.date(), start + timedelta(days=1))
    else:
        start = local_start.replace(tzinfo=tz).astimezone(UTC)
        end = local_end.replace(tzinfo=tz).astimezone(UTC)
    when, until = _labels(event.all_day, local_start, local_end, spanned)
    href = http_url(event.url)
    organizer = _organizer(event)
    virtual = event.location_type == VIRTUAL
    location = event.location
    if virtual and (not location or http_url(location)):
        location = "Online"  # a meeting link is no place name; the event link is shown anyway
    return EventView(
        event=event,
        title=event.title,
        href=href,
        virtual=virtual,
        all_day=event.all_day,
        start=start,
        end=end,
        days=tuple(d for d in spanned if d >= today) or (today,),
        sort_time="" if event.all_day else event.start_datetime[11:],
        when=when,
        until=until,
        location=location,
        organizer=organizer,
        also=tuple(
            Link(g.get("group_name") or g.get("group_id", ""), http_url(g.get("group_website")))
            for g in event.also_published_by
        ),
        topics=tuple(topics[slug] for slug in event.categories if slug in topics),
        description=description_html(event.description),
        google_href=google_add_href(event, start, end, href or ""),
        ics_href=root + urls.event_ics(event.event_id),
        jsonld=_jsonld(event, tz, href, organizer),
    )
