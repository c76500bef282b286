"""What every page family yields: pages and feeds named by their URL, the ways to subscribe to
a feed, and the page of events by day that most families share (pure, no I/O).

A family (``generator.pages``, ``generator.topics``) plans its pages from these, so a new family
needs only its own module.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import quote

from markupsafe import Markup

from core.models import SiteConfig
from generator import urls
from generator.days import Day, calm
from generator.digest import Lazy
from generator.urls import site_root
from generator.views import EventView, Link

LISTING_CAP = 500  # events on a listing page (home, virtual, state, topic); later days: weeks

Members = dict[str, list[EventView]]  # a family's events by key (group_id, topic slug)


@dataclass(frozen=True)
class Output:
    """A file of the site, named by its URL (``/week/2026-W49/``)."""

    url: str

    @property
    def path(self) -> str:
        """The file the writer writes (``week/2026-W49/index.html``)."""
        return urls.output_file(self.url)


@dataclass(frozen=True)
class Page(Output):
    template: str
    context: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Feed(Output):
    name: str
    views: Sequence[EventView]


@dataclass(frozen=True)
class Subscription:
    """The ways to follow one feed: download, calendar app (webcal://), Google Calendar."""

    name: str
    href: str
    webcal: str
    google: str


def subscription(site: SiteConfig, url: str, name: str) -> Subscription:
    webcal = "webcal://" + urls.absolute(site, url).split("://", 1)[1]
    google = "https://calendar.google.com/calendar/render?cid=" + quote(webcal, safe="")
    return Subscription(name, site_root(site) + url, webcal, google)


def jsonld(days: Sequence[Day]) -> Markup | None:
    """One schema.org @graph of the events a page shows, each once."""
    seen: dict[str, str] = {}
    for day in days:
        for entry in day.entries:
            seen.setdefault(entry.view.event.event_id, entry.view.jsonld)
    if not seen:
        return None
    return Markup('{"@context":"https://schema.org","@graph":[' + ",".join(seen.values()) + "]}")


def listing(url: str, nav: str, days: list[Day], cap: int | None, **context: object) -> Page:
    """A page of events by day (home, virtual, a state, a topic, a week), each series that
    repeats more often than weekly once a week (``generator.days.calm``). Past ``cap`` events
    it stops at a day boundary and points to the week page where the rest begins."""
    days = calm(days)
    shown, more, count = days, None, 0
    for index, day in enumerate(days):
        count += len(day.entries)
        if cap is not None and count > cap and index:
            shown, rest = days[:index], day
            more = Link(f"Later events, from {rest.label}, on the week pages", rest.week_href)
            break
    base = {"nav": nav, "days": shown, "more": more, "jsonld": Lazy(jsonld, shown)}
    return Page(url, "listing.html", base | {"prev": None, "next": None} | context)
