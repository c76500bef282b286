"""The ``/search/`` page (pure, no I/O): a search box whose results the browser finds in the
Pagefind index ``generator.search`` builds, and where to browse without JavaScript.
"""

from __future__ import annotations

from datetime import date

from core.models import SiteConfig
from generator import urls
from generator.month_pages import month_id
from generator.outputs import Page

SEARCH_CAP = 6_000  # events indexed: the catalogue (~3,500) with room; ~6 s of Pagefind here


def search_page(site: SiteConfig, today: date, upcoming: int) -> Page:
    """The ``/search/`` page: a search box, results by the browser, and where to browse
    without script (the topics, ``today``'s month); ``upcoming`` events are listed, of which
    the soonest SEARCH_CAP are indexed."""
    root = urls.site_root(site)
    context = {
        "nav": "",
        "indexed": min(upcoming, SEARCH_CAP),
        "capped": upcoming > SEARCH_CAP,
        "month": urls.month(month_id(today)),
        "script": root + urls.search_script(),
        "bundle": root + urls.search_bundle(),
        "base": root + urls.home(),
    }
    return Page(urls.search(), "search.html", context)
