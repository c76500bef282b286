"""The ``/new/`` page: upcoming events the calendar first listed in the last NEW_DAYS days,
grouped by the day they were added (newest first), each card dated, as events are not under
their own day here (pure, no I/O). New is the one rule of ``core.lifecycle``, and ``news`` is
what every list of the new shows (this page, the home page's count, the Atom feeds of
``generator.atom`` and the newsletter): a series once, not each of its dates.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import groupby

from core.lifecycle import NEW_DAYS, WEEK_DAYS, is_new
from core.models import Event, SiteConfig
from generator import urls
from generator.days import Entry, week_id
from generator.outputs import LISTING_CAP, Page
from generator.series import Repeats
from generator.views import EventView, day_label


@dataclass(frozen=True, slots=True)
class Dated:
    """An event where the listing is not by day: its card, and the day it is on."""

    day: str  # "Thursday, December 3"
    entry: Entry


@dataclass(frozen=True, slots=True)
class Added:
    """The events first listed on one day, in start order."""

    day: date
    anchor: str  # added-YYYY-MM-DD, the heading's id
    label: str  # "Tuesday, December 1"
    cards: tuple[Dated, ...]


def news(
    views: Iterable[EventView], today: date, repeats: Repeats, days: int = NEW_DAYS
) -> list[Entry]:
    """The upcoming events first listed in the last ``days`` days (``core.lifecycle.is_new``),
    in start order (as ``views``), each series of ``repeats`` once (a weekly one too): its
    next date, labelled (and linking all its dates when it has a page). One new daily stand-up
    is one piece of news, not ninety that push out the rest (a feed holds only the latest few).
    A series is new when its first listed date is: a date rolling into a feed's window is not
    news (``core.lifecycle`` sees to it for a UID's series, this for one found by title, time
    and place)."""

    def listed(view: EventView) -> Event:
        series = repeats.series(view.event.event_id)
        return repeats.first[series.key] if series else view.event

    new = [v for v in views if is_new(listed(v), today, days)]
    return [Entry(v, False, repeats.series(v.event.event_id)) for v in repeats.once(new, _itself)]


def newest_first(entries: Iterable[Entry]) -> list[Entry]:
    """By the day each was first listed, newest first; a stable sort, so each day's stay in
    start order."""
    return sorted(entries, key=lambda e: e.view.event.first_seen, reverse=True)


def added_this_week(views: Sequence[EventView], today: date, repeats: Repeats) -> list[Dated]:
    """The news of the last week: the home page counts it, the newsletter lists it first."""
    return [_dated(e, today) for e in news(views, today, repeats, WEEK_DAYS)]


def new_page(
    views: Sequence[EventView],
    site: SiteConfig,
    today: date,
    repeats: Repeats,
    cap: int = LISTING_CAP,
) -> Page:
    """The page; ``views`` are in start order, and stay so within each day added. It shows the
    ``cap`` most recently added, as a listing shows its first ``cap`` events: a big import's
    thousands would make one page nobody reads (and most of a build's time); the page says how
    many there are."""
    new = newest_first(news(views, today, repeats))
    added = [
        Added(
            day=date.fromisoformat(first_seen),
            anchor=f"added-{first_seen}",
            label=_label(date.fromisoformat(first_seen), today),
            cards=tuple(_dated(e, today) for e in group),
        )
        for first_seen, group in groupby(new[:cap], key=lambda e: e.view.event.first_seen)
    ]
    context = {
        "nav": "",
        "added": added,
        "count": len(new),
        "shown": min(len(new), cap),
        "this_week": week_id(today),
        "days": NEW_DAYS,
        "atom_href": urls.new_atom(),
    }
    return Page(urls.new(), "new.html", context)


def _itself(view: EventView) -> EventView:
    return view


def _dated(entry: Entry, today: date) -> Dated:
    return Dated(_label(date.fromisoformat(entry.view.event.start_date), today), entry)


def _label(day: date, today: date) -> str:
    return day_label(day) + (f", {day.year}" if day.year != today.year else "")
