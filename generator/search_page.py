"""The ``/search/`` page (pure, no I/O): a search box whose results the browser finds in the
Pagefind index ``generator.search`` builds, a bundle per shard ``search_shards`` cuts, and where
to browse without JavaScript.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from datetime import date

from core.models import SiteConfig
from generator import urls
from generator.month_pages import month_id
from generator.outputs import Page
from generator.views import EventView

SEARCH_CAP = 6_000  # events indexed: the catalogue (~3,500) with room; ~4-5 s of Pagefind here
SHARD_EVENTS = 500  # a month or week with more is cut finer: ~0.3 s of Pagefind to index again


def search_shards(views: Sequence[EventView]) -> dict[str, list[EventView]]:
    """The soonest SEARCH_CAP of ``views`` (in start order) by the month they start in
    (``2026-12``), a month of more than SHARD_EVENTS by week (``2026-12-W49``, the part of an ISO
    week in that month) and such a week by day (``2026-12-10``), in order: each shard is a
    Pagefind bundle of its own, so a changed event re-indexes only its shard, and the sparse
    months ahead are a bundle each rather than one per week for the browser to fetch."""
    return dict(_split(views[:SEARCH_CAP], (month_id, _week, _day)))


def _split(
    views: Sequence[EventView], levels: Sequence[Callable[[date], str]]
) -> Iterator[tuple[str, list[EventView]]]:
    key, *finer = levels
    parts: dict[str, list[EventView]] = {}
    for view in views:
        parts.setdefault(key(date.fromisoformat(view.event.start_date)), []).append(view)
    for name, members in parts.items():
        if len(members) <= SHARD_EVENTS or not finer:
            yield name, members
        else:
            yield from _split(members, finer)


def _week(day: date) -> str:
    return f"{month_id(day)}-W{day.isocalendar().week:02d}"


def _day(day: date) -> str:
    return day.isoformat()


def search_page(site: SiteConfig, today: date, views: Sequence[EventView]) -> Page:
    """The ``/search/`` page: a search box, results by the browser from every shard's bundle,
    and where to browse without script (the topics, ``today``'s month); of the upcoming
    ``views``, the soonest SEARCH_CAP are indexed."""
    root = urls.site_root(site)
    shards = search_shards(views)
    context = {
        "nav": "",
        "indexed": sum(len(members) for members in shards.values()),
        "capped": len(views) > SEARCH_CAP,
        "month": urls.month(month_id(today)),
        "script": root + urls.search_script(),
        "bundles": [root + urls.search_bundle(shard) for shard in shards],
        "base": root + urls.home(),
    }
    return Page(urls.search(), "search.html", context)
