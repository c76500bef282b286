"""The series pages (``/series/<key>/``): every upcoming date of a series that listings show once
a week, by month, each linking its event page (pure, no I/O).

A listing's card of such a series links here ("All 90 dates"); a date whose title differs from
the series' (a moved or retitled occurrence) says so, and a cancelled one is marked.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from itertools import groupby

from generator import urls
from generator.outputs import Page
from generator.series import Repeats
from generator.views import MONTHS, EventView, day_label


@dataclass(frozen=True, slots=True)
class Dates:
    """A month of a series' dates: its name and each date's label with its event."""

    name: str  # "December 2026"
    dates: tuple[tuple[str, EventView], ...]  # ("Tuesday, December 1", its view)


def series_pages(repeats: Repeats, today: date) -> Iterator[Page]:
    """A page per series; ``today`` is the build's (a date of another year names its year)."""
    for key, views in repeats.members.items():
        first = views[0]
        series = repeats.of[first.event.event_id]
        context = {
            "nav": "",
            "title": f"{first.title}: every date",
            "heading": first.title,
            "intro": f"{series.label}: {len(views)} upcoming dates.",
            "first": first,
            "months": _months(views, today),
        }
        yield Page(urls.series(key), "series.html", context)


def _months(views: tuple[EventView, ...], today: date) -> list[Dates]:
    def label(day: date) -> str:
        return day_label(day) + (f", {day.year}" if day.year != today.year else "")

    def month(view: EventView) -> date:
        return view.days[0].replace(day=1)

    return [
        Dates(
            f"{MONTHS[first.month - 1]} {first.year}", tuple((label(v.days[0]), v) for v in group)
        )
        for first, group in groupby(views, key=month)
    ]
