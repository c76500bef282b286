"""iCalendar feeds (RFC 5545): CRLF, folded lines, UTC times, all-day DATEs, UID = event_id.

Values are escaped by icalendar's own value types (TEXT escaping, parameter quoting) and the
tests parse every feed back with icalendar; the few lines of each VEVENT are assembled and folded
here because icalendar's generic component path cost ~0.3 ms per event, the largest share of a
build. Each event is serialised once; every feed that lists it reuses the bytes.

DTSTAMP comes from the event's ``created_at``: not the build clock, and not ``updated_at``, which
every daily collect touches, so an unchanged event yields the same bytes on every build and
nothing is re-uploaded. No X-WR-TIMEZONE: every time is UTC or a floating DATE.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, date, datetime
from functools import cache

from icalendar.parser import Parameters
from icalendar.prop import vText

from generator.text import description_text, http_url
from generator.views import EventView

PRODID = "-//DC Tech Events//dctech.events//EN"
REFRESH = "PT6H"  # how often calendar apps should poll
END = b"END:VCALENDAR\r\n"


def fold(line: str) -> bytes:
    """One content line, folded at 75 octets (never inside a UTF-8 sequence), CRLF-ended."""
    data = line.encode("utf-8")
    parts, start, limit = [], 0, 75
    while len(data) - start > limit:
        cut = start + limit
        while data[cut] & 0xC0 == 0x80:  # a continuation byte: back up to the sequence start
            cut -= 1
        parts.append(data[start:cut])
        start, limit = cut, 74  # continuation lines begin with a space
    parts.append(data[start:])
    return b"\r\n ".join(parts) + b"\r\n"


def text(value: str) -> str:
    """A TEXT value, escaped by icalendar (``,`` ``;`` ``\\`` and newlines)."""
    return vText(value).to_ical().decode("utf-8")


def _moment(value: datetime | date) -> str:
    if isinstance(value, datetime):
        return f"{value.astimezone(UTC):%Y%m%dT%H%M%SZ}"
    return f"VALUE=DATE:{value:%Y%m%d}"


def _stamp(*candidates: str) -> datetime | None:
    for value in candidates:
        try:
            moment = datetime.fromisoformat(value)
        except ValueError:
            continue
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return None


def dtstamp(view: EventView, fallback_stamp: datetime) -> str:
    """The VEVENT's DTSTAMP: its ``created_at``, else its ``updated_at``, else the build's."""
    event = view.event
    return _moment(_stamp(event.created_at, event.updated_at) or fallback_stamp)


def vevent(view: EventView, fallback_stamp: datetime) -> bytes:
    """One VEVENT, folded and CRLF-terminated."""
    event = view.event
    start, end = _moment(view.start), _moment(view.end)
    lines = [
        "BEGIN:VEVENT",
        f"UID:{text(event.event_id)}",
        f"DTSTAMP:{dtstamp(view, fallback_stamp)}",
        ("DTSTART;" if view.all_day else "DTSTART:") + start,
        ("DTEND;" if view.all_day else "DTEND:") + end,
        f"SUMMARY:{text(event.title)}",
    ]
    description = description_text(event.description)
    if view.href and view.href not in description:
        description = f"{description}\n\n{view.href}".strip()
    if description:
        lines.append(f"DESCRIPTION:{text(description)}")
    if event.location:
        lines.append(f"LOCATION:{text(event.location)}")
    if view.href:
        lines.append(f"URL:{view.href}")
    name = event.group_name or event.submitted_by
    address = http_url(event.group_website) or http_url(event.submitter_link)
    if name and address:
        cn = Parameters({"CN": name}).to_ical().decode("utf-8")
        lines.append(f"ORGANIZER;{cn}:{address}")
    lines += [f"STATUS:{'CANCELLED' if event.cancelled else 'CONFIRMED'}", "END:VEVENT"]
    return b"".join(fold(line) for line in lines)


class VEvents(Mapping[str, bytes]):
    """Each event's VEVENT by event_id, serialised the first time a feed needs it and kept, so
    an event costs one serialisation a build however many feeds list it, and none when every
    feed that lists it is current."""

    def __init__(self, views: Iterable[EventView], fallback_stamp: datetime) -> None:
        self._views = {v.event.event_id: v for v in views}
        self._fallback = fallback_stamp
        self._made: dict[str, bytes] = {}
        self._keys: dict[str, tuple[object, ...]] = {}

    def __getitem__(self, event_id: str) -> bytes:
        body = self._made.get(event_id)
        if body is None:
            body = self._made[event_id] = vevent(self._views[event_id], self._fallback)
        return body

    def __iter__(self) -> Iterator[str]:
        return iter(self._views)

    def __len__(self) -> int:
        return len(self._views)

    def key(self, view: EventView) -> tuple[object, ...]:
        """What the VEVENT of ``view`` is made from: the event as shown, its times in UTC (the
        site's timezone counts) and its DTSTAMP, which may be a daily ``updated_at`` or the
        build's clock."""
        event_id = view.event.event_id
        key = self._keys.get(event_id)
        if key is None:
            stamp = dtstamp(view, self._fallback)
            key = self._keys[event_id] = (view.content_token, view.start, view.end, stamp)
        return key


@cache
def _head() -> bytes:
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{text(PRODID)}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"REFRESH-INTERVAL;VALUE=DURATION:{REFRESH}",
        f"X-PUBLISHED-TTL:{REFRESH}",
    ]
    return b"".join(fold(line) for line in lines)


def calendar(name: str, vevents: Iterable[bytes]) -> bytes:
    """A VCALENDAR named ``name`` around already serialised VEVENTs (joined once: the whole
    site's is tens of megabytes)."""
    return b"".join([_head(), fold(f"X-WR-CALNAME:{text(name)}"), *vevents, END])
