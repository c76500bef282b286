"""Series that repeat more often than weekly, which listings show once a week (pure, no I/O).

Which series an event is a date of (a feed's UID, or one-offs alike found by title, time and
place) is ``core.series``, the rule the collector's "new" shares. Such a found series' key and
page URL are made as a UID's, so those stay as they were. Its rule is not stored: how often it
repeats is read from its upcoming dates (``repeat_label``), so the label says what the listings
hold once EXDATEs, RDATEs and moved occurrences are applied, and items stored before this need
no new attribute.

A series more often than weekly gets a page of all its dates (``urls.series``, built by
generator/series_pages.py); a listing shows it once per ISO week, at the occurrence ``pick``
chooses (``generator.days.calm``). Feeds and the API keep every occurrence.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import pairwise
from statistics import median_low
from typing import TypeVar

from core.models import Event
from core.series import WEEK, by_series
from generator import urls
from generator.views import EventView

T = TypeVar("T")
EVERY_DAY = frozenset(range(7))
WEEKDAYS = frozenset(range(5))  # Monday to Friday
KEY_CHARS = 16  # hex digits of a series' key in its URL


@dataclass(frozen=True, slots=True)
class Series:
    """What a card says of its series: how often, where all its dates are, how many."""

    key: str  # stable from build to build (its group and UID): the URL's slug
    label: str  # "Repeats daily", "Every weekday", "3 times a week"; "Weekly" (``rarer``)
    href: str  # its page, with the site's root; "" for a series listings show every date of
    dates: int  # its upcoming occurrences


@dataclass(frozen=True)
class Repeats:
    """The series of a build's events: those that repeat more often than weekly, which the
    listings calm and which have a page, and the ``rarer`` ones (weekly, say), which only what
    is new shows once."""

    of: Mapping[str, Series] = field(default_factory=dict)  # event_id -> its series
    members: Mapping[str, tuple[EventView, ...]] = field(default_factory=dict)  # key -> dates
    weekly: frozenset[str] = frozenset()  # event_ids the week pages show: each week's ``pick``
    rarer: Mapping[str, Series] = field(default_factory=dict)  # event_id -> its series
    first: Mapping[str, Event] = field(default_factory=dict)  # key -> its first listed date

    def series(self, event_id: str) -> Series | None:
        """The series of an event, of either kind."""
        return self.of.get(event_id) or self.rarer.get(event_id)

    def once(self, items: Iterable[T], view: Callable[[T], EventView]) -> list[T]:
        """``items`` (in start order) with each series' occurrences, of either kind, reduced to
        its ``pick``."""
        items = list(items)
        dates: dict[str, list[EventView]] = {}
        for item in items:
            if series := self.series(view(item).event.event_id):
                dates.setdefault(series.key, []).append(view(item))
        picked = {pick(views).event.event_id for views in dates.values()}
        return [
            i
            for i in items
            if (eid := view(i).event.event_id) in picked or self.series(eid) is None
        ]


NO_REPEATS = Repeats()


def _event(view: EventView) -> Event:
    return view.event


def pick(views: Iterable[EventView]) -> EventView:
    """The occurrence that stands for a series in a week: the first not cancelled, else the
    first (a cancelled date would make the series look cancelled)."""
    return min(views, key=lambda v: (v.event.cancelled, v.event.start_datetime, v.event.event_id))


def week_of(view: EventView) -> tuple[int, int]:
    """The ISO week (year, week) an occurrence is in: that of the first day it is listed."""
    year, week, _ = view.days[0].isocalendar()
    return year, week


def _week(day: date) -> tuple[int, int]:
    year, week, _ = day.isocalendar()
    return year, week


def repeat_label(dates: Sequence[date]) -> str | None:
    """How often a series with these occurrence dates (in order) repeats, in words; None unless
    more often than weekly: two of its weeks or more have two dates or more, and so does its
    typical week (the median of the weeks it spans, empty ones counted; the first and last
    weeks only when there is no other, as the window may cut them)."""
    weeks = Counter(_week(d) for d in dates)
    if sum(1 for count in weeks.values() if count >= 2) < 2:
        return None
    monday = dates[0] - timedelta(days=dates[0].weekday())
    spanned = [
        weeks.get(_week(monday + timedelta(weeks=n)), 0)
        for n in range((dates[-1] - monday).days // 7 + 1)
    ]
    typical = median_low(spanned[1:-1] or spanned)
    if typical < 2:
        return None
    distinct = sorted(set(dates))
    gaps = [(later - earlier).days for earlier, later in pairwise(distinct)]
    if median_low(gaps) == 1:  # day after day: every day, or every working day
        weekdays = {d.weekday() for d in distinct}
        if weekdays == EVERY_DAY:
            return "Repeats daily"
        if weekdays == WEEKDAYS:
            return "Every weekday"
    return "Twice a week" if typical == 2 else f"{typical} times a week"


def rarer_label(dates: Sequence[date]) -> str:
    """How often a series listings show every date of repeats: "Weekly" or "Every other week"
    when its dates (in order) are typically that far apart, else "Repeats"."""
    distinct = sorted(set(dates))
    gap = median_low([(later - earlier).days for earlier, later in pairwise(distinct)] or [0])
    return {WEEK: "Weekly", 2 * WEEK: "Every other week"}.get(gap, "Repeats")


def series_key(uid: str) -> str:
    """A short, stable slug for a series: a digest of its group and UID (UIDs are any text)."""
    return hashlib.sha256(uid.encode("utf-8")).hexdigest()[:KEY_CHARS]


def find_series(views: Iterable[EventView], root: str) -> Repeats:
    """The series among ``views`` (two dates or more); ``root`` is the site's path prefix.
    Read from all the upcoming events at once, so every page agrees."""
    by_uid = by_series(views, _event)
    of: dict[str, Series] = {}
    members: dict[str, tuple[EventView, ...]] = {}
    weekly: set[str] = set()
    rarer: dict[str, Series] = {}
    first: dict[str, Event] = {}
    for uid, occurrences in by_uid.items():
        if len(occurrences) < 2:
            continue
        occurrences.sort(key=lambda v: (v.event.start_datetime, v.event.event_id))
        dates = [date.fromisoformat(v.event.start_date) for v in occurrences]
        key = series_key(uid)
        first[key] = min(occurrences, key=lambda v: v.event.first_seen).event
        label = repeat_label(dates)
        if label is None:
            series = Series(key, rarer_label(dates), "", len(occurrences))
            rarer |= {v.event.event_id: series for v in occurrences}
            continue
        series = Series(key, label, root + urls.series(key), len(occurrences))
        members[key] = tuple(occurrences)
        of |= {v.event.event_id: series for v in occurrences}
        by_week: dict[tuple[int, int], list[EventView]] = {}
        for view in occurrences:
            by_week.setdefault(week_of(view), []).append(view)
        weekly |= {pick(week).event.event_id for week in by_week.values()}
    return Repeats(of, members, frozenset(weekly), rarer, first)
