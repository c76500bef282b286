"""The month pages (``/month/2026-12/``): a calendar grid of the month above its events by day.

The grid is a real table, one column per weekday, Monday first as in ISO weeks. A day with events
links to that day on its week page and says how many there are (wide screens also show the first
titles); today is marked. Week pages lay out only the days with upcoming events, so any other day
(every day before today among them) is shown plainly: never a link to an anchor that is not there.
Pages exist for the current month, the next MONTHS_AHEAD and every month with events, so the
nav's link and a bookmark of the coming months resolve.
"""

from __future__ import annotations

import calendar
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date
from itertools import groupby

from core.models import SiteConfig
from generator import urls
from generator.days import Day, calm
from generator.outputs import LISTING_CAP, Page, Subscription, listing
from generator.text import shorten
from generator.urls import site_root
from generator.views import DAYS, MONTHS, Link

MONTHS_AHEAD = 3
TITLES_PER_DAY = 3  # in a day's cell on a wide screen; the list below the grid has them all
TITLE_CHARS = 40
CALENDAR = calendar.Calendar(firstweekday=calendar.MONDAY)


@dataclass(frozen=True, slots=True)
class Cell:
    """A day of the grid; ``day`` is None for the days of the months before and after."""

    day: date | None
    href: str | None = None  # the day on its week page, when it has events
    count: int = 0
    titles: tuple[tuple[str, bool], ...] = ()  # (title, cancelled)
    more: int = 0  # its events beyond the titles shown
    today: bool = False
    past: bool = False


def month_id(day: date) -> str:
    """``2026-12``."""
    return f"{day.year}-{day.month:02d}"


def month_name(mid: str) -> str:
    """``2026-12`` -> ``December 2026``."""
    year, month = mid.split("-")
    return f"{MONTHS[int(month) - 1]} {year}"


def _months_ahead(today: date, count: int) -> set[str]:
    first = today.year * 12 + today.month - 1
    return {f"{m // 12}-{m % 12 + 1:02d}" for m in range(first, first + count + 1)}


def _cell(day: date, listed: Day | None, today: date) -> Cell:
    if listed is None:
        return Cell(day, today=day == today, past=day < today)
    titles = [(shorten(e.view.title, TITLE_CHARS), e.view.event.cancelled) for e in listed.entries]
    shown = tuple(titles[:TITLES_PER_DAY])
    return Cell(
        day,
        href=listed.week_href,
        count=len(titles),
        titles=shown,
        more=len(titles) - len(shown),
        today=day == today,
    )


def grid(mid: str, days: Sequence[Day], today: date) -> list[list[Cell]]:
    """The month's weeks, Monday to Sunday, each day with its events from ``days``."""
    first = date.fromisoformat(f"{mid}-01")
    listed = {d.day: d for d in days}
    return [
        [
            _cell(day, listed.get(day), today) if day.month == first.month else Cell(None)
            for day in week
        ]
        for week in CALENDAR.monthdatescalendar(first.year, first.month)
    ]


def month_pages(
    days: list[Day], site: SiteConfig, today: date, feed: Subscription, also: Collection[str] = ()
) -> Iterator[Page]:
    """A page per month (see the module's docstring for which) and for the months ``also``
    names (published before: ``generator.archive``), linked prev/next."""
    by_month = {mid: list(group) for mid, group in groupby(days, key=lambda d: month_id(d.day))}
    months = sorted(by_month.keys() | _months_ahead(today, MONTHS_AHEAD) | set(also))
    root = site_root(site)
    links = [Link(month_name(m), root + urls.month(m)) for m in months]
    for index, mid in enumerate(months):
        listed, name = by_month.get(mid, []), month_name(mid)
        count = len({e.view.event.event_id for day in listed for e in day.entries})
        page = listing(
            urls.month(mid),
            "month",
            listed,
            LISTING_CAP,
            title=f"Tech events in {name}",
            heading=name,
            intro=f"{count} upcoming event{'' if count == 1 else 's'} in {name}.",
            feed=feed,
            empty=f"No upcoming events in {name} are listed yet.",
            weekdays=DAYS,
            grid=grid(mid, calm(listed), today),  # as the list below: a series once a week
            earlier=links[index - 1] if index else None,
            later=links[index + 1] if index + 1 < len(months) else None,
        )
        yield replace(page, template="month.html")
