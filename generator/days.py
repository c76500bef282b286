"""Events laid out by day: the ordering rules every listing shares.

A day lists all-day (and continuing) events first, then timed ones by start time, then by title.
Days are computed once for all events; each page keeps the entries it shows.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date, timedelta

from generator import urls
from generator.views import EventView, day_label


@dataclass(frozen=True, slots=True)
class Entry:
    """One event on one day; ``continuing`` when it began on an earlier day."""

    view: EventView
    continuing: bool


@dataclass(frozen=True, slots=True)
class Day:
    day: date
    anchor: str  # YYYY-MM-DD, the heading's id
    label: str
    week: str  # its ISO week, ``2026-W49``
    week_href: str  # the day on its week page
    entries: tuple[Entry, ...]


def week_id(day: date) -> str:
    """ISO week, ``2026-W49``."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def week_monday(wid: str) -> date:
    year, week = wid.split("-W")
    return date.fromisocalendar(int(year), int(week), 1)


def _order(entry: Entry) -> tuple[int, str, str, str]:
    view = entry.view
    untimed = entry.continuing or not view.sort_time
    return (
        0 if untimed else 1,
        "" if untimed else view.sort_time,
        view.title.casefold(),
        view.event.event_id,
    )


def lay_out(views: Iterable[EventView], *, root: str, today: date) -> list[Day]:
    """Every day with events, in date order, each event on every day it spans."""
    by_day: dict[date, list[Entry]] = {}
    for view in views:
        first = view.event.start_date
        for day in view.days:
            by_day.setdefault(day, []).append(Entry(view, day.isoformat() != first))
    days = []
    for day in sorted(by_day):
        label = day_label(day) + (f", {day.year}" if day.year != today.year else "")
        anchor, week = day.isoformat(), week_id(day)
        days.append(
            Day(
                day=day,
                anchor=anchor,
                label=label,
                week=week,
                week_href=root + urls.week_day(week, anchor),
                entries=tuple(sorted(by_day[day], key=_order)),
            )
        )
    return days


def keep(days: Iterable[Day], wanted: Callable[[EventView], bool]) -> list[Day]:
    """The days restricted to the wanted events; days left empty are dropped."""
    kept = []
    for day in days:
        entries = tuple(e for e in day.entries if wanted(e.view))
        if len(entries) == len(day.entries):
            kept.append(day)
        elif entries:
            kept.append(replace(day, entries=entries))
    return kept


def between(days: Iterable[Day], first: date, count: int) -> list[Day]:
    """The days in [first, first + count days)."""
    last = first + timedelta(days=count)
    return [d for d in days if first <= d.day < last]
