"""The ``/new/`` page: upcoming events the calendar first listed in the last NEW_DAYS days,
grouped by the day they were added (newest first), each card dated, as events are not under
their own day here (pure, no I/O). New is the one rule of ``core.lifecycle``; the page's Atom
feed (``generator.atom``) lists the same events.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from itertools import groupby

from core.lifecycle import NEW_DAYS, WEEK_DAYS, is_new
from core.models import SiteConfig
from generator import urls
from generator.days import Entry, week_id
from generator.outputs import LISTING_CAP, Page
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


def added_this_week(views: Sequence[EventView], today: date) -> list[Dated]:
    """The upcoming events added in the last week, in start order: the home page counts them,
    the newsletter lists them first."""
    return [_dated(v, today) for v in views if is_new(v.event, today, WEEK_DAYS)]


def new_page(
    views: Sequence[EventView], site: SiteConfig, today: date, cap: int = LISTING_CAP
) -> Page:
    """The page; ``views`` are in start order, and stay so within each day added (a stable
    sort, reversed by the day only). It shows the ``cap`` most recently added, as a listing
    shows its first ``cap`` events: a big import's thousands would make one page nobody reads
    (and most of a build's time); the page says how many there are."""
    new = sorted(
        (v for v in views if is_new(v.event, today)), key=lambda v: v.event.first_seen, reverse=True
    )
    added = [
        Added(
            day=date.fromisoformat(first_seen),
            anchor=f"added-{first_seen}",
            label=_label(date.fromisoformat(first_seen), today),
            cards=tuple(_dated(v, today) for v in group),
        )
        for first_seen, group in groupby(new[:cap], key=lambda v: v.event.first_seen)
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


def _dated(view: EventView, today: date) -> Dated:
    return Dated(_label(date.fromisoformat(view.event.start_date), today), Entry(view, False))


def _label(day: date, today: date) -> str:
    return day_label(day) + (f", {day.year}" if day.year != today.year else "")
