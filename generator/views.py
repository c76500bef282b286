"""One event as every page and feed shows it, computed once per build and shared.

Labels, safe links, the sanitised description, the calendar times, the Google Calendar link and
the JSON-LD are derived here, so templates only lay them out and an event costs the same however
many pages list it. The JSON-LD is the event page's (its ``url`` is that page, ``sameAs`` the
organiser's), so a listing and the page describe an event alike. What costs is computed only when
a page that shows it is rendered (``EventView``), and ``EventView.token`` says what a view shows,
so the build can tell a page is unchanged without computing it (``generator.digest``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, fields
from datetime import UTC, date, datetime, timedelta
from functools import cached_property, lru_cache
from urllib.parse import quote, urlencode
from zoneinfo import ZoneInfo

from markupsafe import Markup

from core.models import EVENT_FIELDS, VIRTUAL, Event, SiteConfig, Touch
from core.places import short_place
from core.timeutil import days_spanned
from generator import urls
from generator.digest import plain_digest
from generator.text import description_html, description_text, http_url, shorten

DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")  # fmt: skip
GOOGLE_RENDER = "https://calendar.google.com/calendar/render?"
OUTLOOK_COMPOSE = "https://outlook.live.com/calendar/0/action/compose?"
SCHEMA = "https://schema.org/"
PRICE = re.compile(r"(?i)free|\$\s?(\d+(?:\.\d\d)?)")  # a cost that states one price: "Free", "$10"


@dataclass(frozen=True, slots=True)
class Link:
    text: str
    href: str | None  # None: show the text, link nothing


@dataclass(frozen=True, slots=True)
class TimeLabel:
    """A time label in parts, so a page can mark its start and end up (``<time>`` elements):
    ``6:30 pm`` + `` – `` + ``8:30 pm``; ``end`` is "" when no end is shown."""

    start: str
    joint: str = ""
    end: str = ""

    def __str__(self) -> str:
        return self.start + self.joint + self.end


@dataclass(frozen=True)
class EventView:
    """An event as pages show it: the stored event, and what the build adds to it (the days it
    is listed on from today, its topics' badges, the site's timezone, prefix and card). All
    the rest is derived from those in properties, each computed the first time a page or a
    plan asks, then kept: a build computes what an event shows at most once, and what only a
    rendered page needs (the sanitised description, the calendar links, the JSON-LD) not at
    all for an event on no page that changed. Hence ``token``: a digest of the fields."""

    event: Event
    title: str
    virtual: bool
    all_day: bool
    sort_time: str  # "HH:MM:SS"; "" for all-day events so they come first
    span: tuple[date, ...]  # every day it is on, the first included
    days: tuple[date, ...]  # the days it is listed on (from today)
    topics: tuple[Link, ...]  # its topics the catalogue knows, each linking to its page
    tz: ZoneInfo  # the site's
    root: str  # the site's path prefix ("" at /)
    page_url: str  # its page here as a full URL (the JSON-LD's ``url``)
    image: str  # the share card's full URL

    @cached_property
    def _moments(self) -> tuple[datetime | date, datetime | date, str, str]:
        """(start, end, iso_start, iso_end): see the properties of those names."""
        event, (local_start, local_end) = self.event, self._local
        if event.all_day:
            start = local_start.date()
            end = max(local_end.date(), start + timedelta(days=1))
            return start, end, start.isoformat(), (end - timedelta(days=1)).isoformat()
        aware_start, aware_end = (
            local_start.replace(tzinfo=self.tz),
            local_end.replace(tzinfo=self.tz),
        )
        utc_start, utc_end = aware_start.astimezone(UTC), aware_end.astimezone(UTC)
        return utc_start, utc_end, aware_start.isoformat(), aware_end.isoformat()

    @cached_property
    def _local(self) -> tuple[datetime, datetime]:
        start = datetime.fromisoformat(self.event.start_datetime)
        return start, max(datetime.fromisoformat(self.event.end_datetime), start)

    @property
    def start(self) -> datetime | date:
        """UTC for timed events; the first day for all-day ones."""
        return self._moments[0]

    @property
    def end(self) -> datetime | date:
        """UTC; for all-day events the day after the last (exclusive)."""
        return self._moments[1]

    @property
    def iso_start(self) -> str:
        """ISO 8601 with the offset (a date all day), for JSON-LD and <time>."""
        return self._moments[2]

    @property
    def iso_end(self) -> str:
        """Likewise; all day, the last day (inclusive)."""
        return self._moments[3]

    @cached_property
    def _labels(self) -> tuple[TimeLabel, TimeLabel]:
        return _labels(self.all_day, *self._local, list(self.span))

    @property
    def when(self) -> TimeLabel:
        """The time label on its first day."""
        return self._labels[0]

    @property
    def until(self) -> TimeLabel:
        """The label on the days it continues."""
        return self._labels[1]

    @cached_property
    def href(self) -> str | None:
        return http_url(self.event.url)

    @cached_property
    def location(self) -> str:
        location = self.event.location
        if self.virtual and (not location or http_url(location)):
            return "Online"  # a meeting link is no place name; the event link is shown anyway
        return location

    @cached_property
    def organizer(self) -> Link | None:
        """The group, or "Submitted by" someone."""
        return _organizer(self.event)

    @cached_property
    def also(self) -> tuple[Link, ...]:
        """Each copy's own link, else its group's site (stored before copies had one)."""
        return tuple(
            Link(
                g.get("group_name") or g.get("group_id", ""),
                http_url(g.get("url")) or _shared_url(g.get("group_website")),
            )
            for g in self.event.also_published_by
        )

    @property
    def ics_href(self) -> str:
        return self.root + urls.event_ics(self.event.event_id)

    @property
    def page_href(self) -> str:
        """Its page on this site."""
        return self.root + urls.event(self.event.event_id)

    @cached_property
    def place(self) -> str:
        """The place as listings show it: venue, city and state (``core.places.short_place``);
        the event page shows ``location`` whole. A virtual event's is its ``location``."""
        if self.virtual:
            return self.location
        return short_place(self.location, self.event.city, self.event.state)

    @cached_property
    def description(self) -> Markup:
        return description_html(self.event.description)

    @cached_property
    def google_href(self) -> str:
        return google_add_href(self.event, self.start, self.end, self.href or "")

    @cached_property
    def jsonld(self) -> str:
        """One schema.org Event, already safe inside <script>."""
        return _jsonld(
            self.event,
            start=self.iso_start,
            end=self.iso_end,
            href=self.href,
            organizer=self.organizer,
            page=self.page_url,
            image=self.image,
        )

    @cached_property
    def content_token(self) -> str:
        """A digest of the stored event but the attributes a daily "still seen" touch changes
        (``core.models.Touch``): what a page or feed of it can show does not change daily."""
        return plain_digest(tuple(getattr(self.event, name) for name in SHOWN))

    @cached_property
    def token(self) -> str:
        """A digest of what this view is made from: the event (``content_token``) and the
        other fields. Every property is a function of these alone, which is why a page's
        digest need not compute any: a new property must derive from the fields too, or be
        a field."""
        return plain_digest((self.content_token, tuple(getattr(self, n) for n in _MADE_WITH)))

    def __digest__(self) -> str:
        return self.token


# What most pages that show an event need of it and cost most to work out: a large first build
# works them out on both cores before it forks (``generator.build``), so that no process of it
# does so again.
COSTLY = ("description", "google_href", "jsonld")


def costly(view: EventView) -> tuple[object, ...]:
    return tuple(getattr(view, name) for name in COSTLY)


def keep_costly(view: EventView, values: tuple[object, ...]) -> None:
    """``costly(view)`` worked out elsewhere (a forked process), kept as if computed here."""
    view.__dict__.update(zip(COSTLY, values, strict=True))


TOUCHED = frozenset(f.name for f in fields(Touch)) - {"event_id", "start_datetime"}
SHOWN = tuple(name for name in EVENT_FIELDS if name not in TOUCHED)
_MADE_WITH = tuple(f.name for f in fields(EventView) if f.name != "event")


def day_label(day: date, *, short: bool = False) -> str:
    """``Tuesday, December 1`` (or ``Tue, Dec 1``), locale-independent."""
    if short:
        return f"{DAYS[day.weekday()][:3]}, {MONTHS[day.month - 1][:3]} {day.day}"
    return f"{DAYS[day.weekday()]}, {MONTHS[day.month - 1]} {day.day}"


def clock(moment: datetime) -> str:
    """``6:30 pm``."""
    return f"{moment.hour % 12 or 12}:{moment.minute:02d} {'am' if moment.hour < 12 else 'pm'}"


def _labels(
    all_day: bool, start: datetime, end: datetime, days: list[date]
) -> tuple[TimeLabel, TimeLabel]:
    """The labels of its first day and of the days it continues."""
    if len(days) > 1:
        first = "All day" if all_day else clock(start)
        last = (
            day_label(days[-1]) if all_day else f"{day_label(days[-1], short=True)}, {clock(end)}"
        )
        return TimeLabel(first, ", until ", last), TimeLabel("Continuing", ", until ", last)
    if all_day:
        label = TimeLabel("All day")
    elif end > start:
        label = TimeLabel(clock(start), " – ", clock(end))
    else:
        label = TimeLabel(clock(start))
    return label, label


_shared_url = lru_cache(maxsize=4096)(http_url)  # a group's site: the same for all its events


def _organizer(event: Event) -> Link | None:
    if event.group_name:
        return Link(event.group_name, _shared_url(event.group_website))
    if event.submitted_by:
        return Link(f"Submitted by {event.submitted_by}", _shared_url(event.submitter_link))
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


def outlook_add_href(view: EventView) -> str:
    """Outlook.com's new-event form, filled in: UTC times, or dates (the end exclusive)."""
    if isinstance(view.start, datetime):
        start, end = f"{view.start:%Y-%m-%dT%H:%M:%SZ}", f"{view.end:%Y-%m-%dT%H:%M:%SZ}"
    else:
        start, end = view.start.isoformat(), view.end.isoformat()
    query = {"rru": "addevent", "subject": view.title, "startdt": start, "enddt": end}
    query["allday"] = "true" if view.all_day else "false"
    if view.href:
        query["body"] = view.href
    if view.event.location:
        query["location"] = view.event.location
    return OUTLOOK_COMPOSE + urlencode(query, quote_via=quote)


def script_safe_json(data: object) -> str:
    """JSON that cannot end its ``<script>`` element: ``<``, ``>`` and ``&`` become escapes.
    ASCII, non-ASCII characters escaped too: a listing keeps every event's, and one "…" would
    make Python hold the whole text at two bytes a character."""
    text = json.dumps(data, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _offer(cost: str | None, href: str) -> dict[str, str]:
    """Where to get a place (the organiser's page), with the price when the cost states one."""
    offer = {"@type": "Offer", "url": href}
    if price := PRICE.fullmatch((cost or "").strip()):
        offer |= {"price": price.group(1) or "0", "priceCurrency": "USD"}
    return offer


def _jsonld(
    event: Event,
    *,
    start: str,
    end: str,
    href: str | None,
    organizer: Link | None,
    page: str,
    image: str,
) -> str:
    """The schema.org Event: ``page`` is its page here (full URL), ``href`` the organiser's."""
    virtual = event.location_type == VIRTUAL
    data: dict[str, object] = {
        "@type": "Event",
        "name": event.title,
        "url": page,
        "startDate": start,
        "endDate": end,
        "eventStatus": SCHEMA + ("EventCancelled" if event.cancelled else "EventScheduled"),
        "eventAttendanceMode": SCHEMA
        + ("Online" if virtual else "Offline")
        + "EventAttendanceMode",
        "image": image,
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
        data["sameAs"] = href
        data["offers"] = _offer(event.cost, href)
    if event.description:
        data["description"] = shorten(description_text(event.description), 300)
    if organizer and event.group_name:
        group = {"@type": "Organization", "name": organizer.text}
        data["organizer"] = group | ({"url": organizer.href} if organizer.href else {})
    return script_safe_json(data)


def make_view(
    event: Event,
    *,
    site: SiteConfig,
    tz: ZoneInfo,
    root: str,
    today: date,
    topics: Mapping[str, Link],
    image: str,
) -> EventView:
    """The display form of one stored event; ``root`` is the site's path prefix ("" at /),
    ``topics`` each known topic's badge by slug (a slug it lacks is shown nowhere), ``image``
    the share card's full URL."""
    start, end = event.start_datetime, event.end_datetime
    if start[:10] >= end[:10]:  # the common case, one day, without parsing
        spanned = [date.fromisoformat(start[:10])]
    else:
        spanned = days_spanned(start, end) or [date.fromisoformat(start[:10])]
    return EventView(
        event=event,
        title=event.title,
        virtual=event.location_type == VIRTUAL,
        all_day=event.all_day,
        sort_time="" if event.all_day else start[11:],
        span=tuple(spanned),
        days=tuple(d for d in spanned if d >= today) or (today,),
        topics=tuple(topics[slug] for slug in event.categories if slug in topics),
        tz=tz,
        root=root,
        page_url=urls.absolute(site, urls.event(event.event_id)),
        image=image,
    )
