"""Which series an event is a date of (pure): the one rule the collector (what is new, by
``core.lifecycle``) and the generator (listings show a series once, ``generator.series``) share,
so the API's ``added_since`` counts a series as the /new/ page and the Atom feeds do.

A feed's recurring series is stored as one event per occurrence, its ``source_uid`` the series'
UID, "#" and the occurrence's original slot (``UID#2026-12-02T14:00:00Z``, collector/parse.py;
a curated series' ``recurring:<file>#<slot>``, collector/recurring.py). A series is one such UID
within its group. Meetup, where most groups are, exports each date of a series as its own
VEVENT with its own UID instead: a group's one-off events with the same title (``core.words``),
local start time and place, MIN_DATES or more and typically less than a week apart, are one
series too (``derived_uid``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from datetime import date
from itertools import pairwise
from statistics import median_low
from typing import TypeVar

from core.models import Event
from core.words import normalise

T = TypeVar("T")
SLOT = re.compile(r"#\d{4}-\d\d-\d\d(?:T\d\d:\d\d:\d\dZ)?$")  # what parse adds to an occurrence
MIN_DATES = 3  # of a series found by title, time and place: two one-offs alike are no series
WEEK = 7  # days; such a series' dates are typically closer
DERIVED = "\x1e"  # begins a found series' name within its group, which no feed's UID does


def series_uid(event: Event) -> str | None:
    """The series an occurrence belongs to (its group and UID), None for a one-off event."""
    slot = SLOT.search(event.source_uid)
    if not slot or slot.start() == 0:
        return None
    return f"{event.group_id}\x1f{event.source_uid[: slot.start()]}"


def derived_uid(event: Event) -> str:
    """The series a one-off event would be a date of, were there others alike: its group, its
    title's words, its local start time and its place."""
    title, place = normalise(event.title), normalise(event.location)
    return "\x1f".join((event.group_id, DERIVED + title, event.start_datetime[11:16], place))


def derived_series(items: Iterable[T], event_of: Callable[[T], Event]) -> dict[str, list[T]]:
    """The one-off ``items`` that are the dates of a series all the same, by ``derived_uid``:
    MIN_DATES or more alike, typically less than a week apart (the median gap, so a break for
    the holidays does not split a daily stand-up)."""
    alike: dict[str, list[T]] = {}
    for item in items:
        alike.setdefault(derived_uid(event_of(item)), []).append(item)
    found = {}
    for uid, dates in alike.items():
        days = sorted({date.fromisoformat(event_of(d).start_date) for d in dates})
        gaps = [(later - earlier).days for earlier, later in pairwise(days)]
        if len(days) >= MIN_DATES and median_low(gaps) < WEEK:
            found[uid] = dates
    return found


def by_series(items: Iterable[T], event_of: Callable[[T], Event]) -> dict[str, list[T]]:
    """The ``items`` that are dates of a series, by series: a UID's (``series_uid``), else, for
    one-offs alike among them, ``derived_uid``'s; items of no series are left out."""
    found: dict[str, list[T]] = {}
    one_offs = []
    for item in items:
        if uid := series_uid(event_of(item)):
            found.setdefault(uid, []).append(item)
        else:
            one_offs.append(item)
    return found | derived_series(one_offs, event_of)


def series_keys(events: Iterable[Event]) -> dict[str, str]:
    """event_id -> the series it is a date of (``by_series``); events of no series are left
    out."""
    return {e.event_id: uid for uid, dates in by_series(events, _itself).items() for e in dates}


def stored_series(event: Event) -> str:
    """The series key a stored event would be a date of, as ``series_keys`` names it."""
    return series_uid(event) or derived_uid(event)


def _itself(event: Event) -> Event:
    return event
