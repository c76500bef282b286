"""The ``/search/`` page (pure, no I/O): a search box whose results the browser finds in the
Pagefind index ``generator.search`` builds, a bundle per shard ``search_shards`` cuts, and where
to browse without JavaScript.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from core.models import SiteConfig
from generator import urls
from generator.days import week_id
from generator.month_pages import month_id
from generator.outputs import Page
from generator.views import EventView

SEARCH_CAP = 6_000  # events indexed: the catalogue (~3,500) with room; ~3 s of Pagefind here
SHARD_EVENTS = 1_000  # a week with more is a shard a day: ~0.6 s of Pagefind to index again


def search_shards(views: Sequence[EventView]) -> dict[str, list[EventView]]:
    """The soonest SEARCH_CAP of ``views`` (in start order) by the ISO week they start in
    (``2026-W49``), or by day (``2026-12-01``) in a week of more than SHARD_EVENTS, in order:
    each shard is a Pagefind bundle of its own, so a changed event re-indexes only its shard."""
    weeks: dict[str, list[EventView]] = {}
    for view in views[:SEARCH_CAP]:
        weeks.setdefault(week_id(date.fromisoformat(view.event.start_date)), []).append(view)
    shards: dict[str, list[EventView]] = {}
    for week, members in weeks.items():
        for view in members:
            shard = week if len(members) <= SHARD_EVENTS else view.event.start_date
            shards.setdefault(shard, []).append(view)
    return shards


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
