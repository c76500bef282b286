"""Events laid out by day: the ordering rules every listing shares.

A day lists all-day (and continuing) events first, then timed ones by start time, then by title.
Days are computed once for all events; each page keeps the entries it shows, and shows a series
that repeats more often than weekly once a week (``calm``, the series from generator.series).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

from generator import urls
from generator.series import NO_REPEATS, Repeats, Series, pick, week_of
from generator.views import EventView, day_label


@dataclass(frozen=True, slots=True)
class Entry:
    """One event on one day; ``continuing`` when it began on an earlier day; ``series`` when it
    is one date of a series listings show once a week."""

    view: EventView
    continuing: bool
    series: Series | None = None


@dataclass(frozen=True, slots=True)
class Day:
    day: date
    anchor: str  # YYYY-MM-DD, the heading's id
    label: str
    week: str  # its ISO week, ``2026-W49``
    week_path: str  # the day on its week page (the page alone if it shows none of its events)
    week_href: str  # the same, with the site's root
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


def lay_out(
    views: Iterable[EventView], *, root: str, today: date, repeats: Repeats = NO_REPEATS
) -> list[Day]:
    """Every day with events, in date order, each event on every day it spans; ``repeats``: the
    frequent series of all the build's events (``generator.series.find_series``), so a day
    links its week page's heading only when that page shows one of its events there."""
    by_day: dict[date, list[Entry]] = {}
    for view in views:
        first = view.event.start_date
        series = repeats.of.get(view.event.event_id)
        for day in view.days:
            by_day.setdefault(day, []).append(Entry(view, day.isoformat() != first, series))
    days = []
    for day in sorted(by_day):
        label = day_label(day) + (f", {day.year}" if day.year != today.year else "")
        anchor, week = day.isoformat(), week_id(day)
        entries = tuple(sorted(by_day[day], key=_order))
        shown = any(_on_week_page(e, day, repeats) for e in entries)
        path = urls.week_day(week, anchor) if shown else urls.week(week)
        days.append(
            Day(
                day=day,
                anchor=anchor,
                label=label,
                week=week,
                week_path=path,
                week_href=root + path,
                entries=entries,
            )
        )
    return days


def _on_week_page(entry: Entry, day: date, repeats: Repeats) -> bool:
    """Whether the week page (every event, each series once) shows ``entry`` on ``day``."""
    return entry.series is None or (
        entry.view.event.event_id in repeats.weekly and entry.view.days[0] == day
    )


def split(days: Iterable[Day], keys: Callable[[EventView], Iterable[str]]) -> dict[str, list[Day]]:
    """The days restricted to each key's events, for every key at once (``keys``: an event's,
    each once), in one pass over the events; days left empty are dropped."""
    by_key: dict[str, list[Day]] = {}
    for day in days:
        picked: dict[str, list[Entry]] = {}
        for entry in day.entries:
            for key in keys(entry.view):
                picked.setdefault(key, []).append(entry)
        for key, entries in picked.items():
            kept = day if len(entries) == len(day.entries) else replace(day, entries=tuple(entries))
            by_key.setdefault(key, []).append(kept)
    return by_key


def calm(days: Sequence[Day], *, once: bool = False) -> list[Day]:
    """The days with each frequent series shown once per ISO week (``once``: once in all): its
    occurrence that ``generator.series.pick`` chooses among those on these days, on the first
    day it is listed. Days left empty are dropped; other events are untouched."""
    slots: dict[tuple[str, object], dict[str, EventView]] = {}
    for day in days:
        for entry in day.entries:
            if entry.series:
                slot = (entry.series.key, None if once else week_of(entry.view))
                slots.setdefault(slot, {})[entry.view.event.event_id] = entry.view
    if not slots:
        return list(days)
    chosen = {pick(views.values()).event.event_id for views in slots.values()}
    shown: set[str] = set()
    kept = []
    for day in days:
        entries = []
        for entry in day.entries:
            event_id = entry.view.event.event_id
            if entry.series is None:
                entries.append(entry)
            elif event_id in chosen and event_id not in shown:
                shown.add(event_id)
                entries.append(entry)
        if len(entries) == len(day.entries):
            kept.append(day)
        elif entries:
            kept.append(replace(day, entries=tuple(entries)))
    return kept


def between(days: Iterable[Day], first: date, count: int) -> list[Day]:
    """The days in [first, first + count days)."""
    last = first + timedelta(days=count)
    return [d for d in days if first <= d.day < last]
