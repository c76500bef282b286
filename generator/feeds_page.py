"""The ``/feeds/`` page: every calendar and Atom feed the site publishes, with the ways to
subscribe to each (pure, no I/O).

A row is one page's feeds: its calendar (``events.ics``: a calendar app by webcal://, Google
Calendar, Outlook.com, the file) and, where it has one, its Atom feed of what is new. The rows
follow the site's own layout from the catalogue, as the planners of those feeds do; a test
checks the page against the files a build writes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlencode

from core.models import Category, Group, SiteConfig
from generator import urls
from generator.outputs import Page, Subscription, subscription
from generator.urls import site_root
from generator.views import Link

OUTLOOK_SUBSCRIBE = "https://outlook.live.com/calendar/0/addfromweb?"


@dataclass(frozen=True, slots=True)
class FeedRow:
    """One page's feeds: the page, its calendar and its Atom feed (None: it has none)."""

    page: Link
    calendar: Subscription
    outlook: str  # Outlook.com's "subscribe from web" link
    atom: str | None


def outlook_subscribe(site: SiteConfig, url: str, name: str) -> str:
    """Outlook.com subscribes to the https:// URL (it takes no webcal:// one)."""
    return OUTLOOK_SUBSCRIBE + urlencode({"url": urls.absolute(site, url), "name": name})


def feeds_page(
    site: SiteConfig,
    groups: Sequence[Group],
    categories: Sequence[Category],
    states: Mapping[str, str],
) -> Page:
    """The page; ``states`` are the site's states with their names, in the nav's order."""
    root = site_root(site)

    def row(name: str, page: str, ics: str, atom: str | None) -> FeedRow:
        title = f"{site.site_name}: {name}"
        return FeedRow(
            Link(name, root + page),
            subscription(site, ics, title),
            outlook_subscribe(site, ics, title),
            root + atom if atom else None,
        )

    everything = [
        row("All events", urls.home(), urls.events_ics(), urls.new_atom()),
        row("Virtual events", urls.virtual(), urls.virtual_ics(), None),
    ]
    by_state = [
        row(name, urls.location(s), urls.location_ics(s), urls.location_atom(s))
        for s, name in states.items()
    ]
    topics = [
        row(c.name, urls.topic(c.slug), urls.topic_ics(c.slug), urls.topic_atom(c.slug))
        for c in sorted(categories, key=lambda c: c.name.casefold())
    ]
    active = sorted((g for g in groups if g.active), key=lambda g: g.name.casefold())
    by_group = [
        row(g.name, urls.group(g.group_id), urls.group_ics(g.group_id), urls.group_atom(g.group_id))
        for g in active
    ]
    sections = [
        ("Everything", everything),
        ("By state", by_state),
        ("By topic", topics),
        ("By group", by_group),
    ]
    return Page(urls.feeds(), "feeds.html", {"nav": "", "sections": sections})
