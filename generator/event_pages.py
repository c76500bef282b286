"""The event pages: ``/events/<event_id>/`` for every upcoming event (pure, no I/O).

A page shows what a listing card shows and what it leaves out: the date with its year, the zone
named, the days a long event continues, a map link for a place, the join link of a virtual
event, the organising group's page here, every group that published it (each copy's own link),
the whole description, the ways to add it to a calendar and the organiser's page as the one
call to action. Everything a listing already computed is reused from the ``EventView``; what only
this page needs is derived here, once per page.

``event_page`` makes one page; the archive calls it with ``ended=True`` for events that are over,
and the page then says so and offers no calendar links (an ended event has no ``.ics`` any more)
nor a call to action, only a plain link to the organiser's page. So does a cancelled event's.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from urllib.parse import quote, urlsplit

from markupsafe import Markup

from core.models import Event, Group, SiteConfig
from generator import urls
from generator.digest import Lazy
from generator.outputs import Page
from generator.text import EXCERPT, description_html, http_url
from generator.urls import site_root
from generator.views import EventView, Link, day_label, outlook_add_href

ZONE_NAMES = {
    "America/New_York": "Eastern Time",
    "America/Chicago": "Central Time",
    "America/Denver": "Mountain Time",
    "America/Phoenix": "Mountain Time",
    "America/Los_Angeles": "Pacific Time",
    "America/Anchorage": "Alaska Time",
    "Pacific/Honolulu": "Hawaii Time",
}
MAP_SEARCH = "https://www.openstreetmap.org/search?query="
LISTED_DAYS = 6  # the continuing days a page names one by one; a longer event names its last


@dataclass(frozen=True, slots=True)
class Shared:
    """What every event page of a build has in common, worked out once."""

    root: str  # the site's path prefix
    zone: str  # "Eastern Time (America/New_York)"
    group_pages: frozenset[str]  # the group_ids that have a page here (the active groups)


def shared(site: SiteConfig, groups: Sequence[Group]) -> Shared:
    """Once per build, not per page: a site has tens of thousands of event pages."""
    zone = site.timezone
    named = f"{ZONE_NAMES[zone]} ({zone})" if zone in ZONE_NAMES else zone
    return Shared(site_root(site), named, frozenset(g.group_id for g in groups if g.active))


def event_pages(
    views: Iterable[EventView], site: SiteConfig, groups: Sequence[Group]
) -> Iterator[Page]:
    """A page for each upcoming event."""
    common = shared(site, groups)
    for view in views:
        yield event_page(view, common)


def event_page(view: EventView, common: Shared, *, ended: bool = False) -> Page:
    """The page of one event; ``ended`` for an event that is over (kept so its link works)."""
    event = view.event
    context = {
        "nav": "",
        "v": view,
        "ended": ended,
        "live": not ended and not event.cancelled,  # worth adding to a calendar, or going to
        "first_day": _full_label(view.span[0]),
        "zone": common.zone,
        "continues": _continues(view.span),
        "map_href": _map_href(event, view.virtual),
        "join": _join(event) if view.virtual else None,
        "organizer": _organizer(event, common),
        "also": [_copy(entry, common) for entry in event.also_published_by],
        # what costs is computed only if the page is rendered (generator.digest.Lazy)
        "content": Lazy(_content, view),
        "outlook_href": Lazy(outlook_add_href, view),
        "source_host": urlsplit(view.href).hostname if view.href else None,
        "jsonld": Lazy(_jsonld, view),
        "lastmod": event.updated_at,  # the sitemap's <lastmod>
    }
    return Page(urls.event(event.event_id), "event.html", context)


def _full_label(day: date) -> str:
    """``Tuesday, December 1, 2026``: a page that stays up names the year."""
    return f"{day_label(day)}, {day.year}"


def _continues(span: tuple[date, ...]) -> str:
    """The days after the first, in words ("" for a one-day event)."""
    rest = span[1:]
    if not rest:
        return ""
    labels = [day_label(d) if d.year == span[0].year else _full_label(d) for d in rest]
    if len(rest) > LISTED_DAYS:
        return f"Continues every day until {labels[-1]}."
    named = labels[0] if len(labels) == 1 else ", ".join(labels[:-1]) + " and " + labels[-1]
    return f"Continues {named}."


def _map_href(event: Event, virtual: bool) -> str | None:
    """OpenStreetMap's search for the place, when the collector found one (a city or a state):
    "To be announced" gets no map."""
    if virtual or not event.location or not (event.city or event.state):
        return None
    return MAP_SEARCH + quote(event.location, safe="")


def _join(event: Event) -> Link | None:
    """A virtual event's meeting link (only http(s)), named by its host."""
    href = http_url(event.location)
    return Link(f"Join online ({urlsplit(href).hostname})", href) if href else None


def _organizer(event: Event, common: Shared) -> tuple[str, Link] | None:
    """Who to credit, and the link: a group's page here, or the submitter's own link."""
    if event.group_name:
        here = event.group_id in common.group_pages
        href = common.root + urls.group(event.group_id) if here else http_url(event.group_website)
        return "Organised by", Link(event.group_name, href)
    if event.submitted_by:
        return "Submitted by", Link(event.submitted_by, http_url(event.submitter_link))
    return None


def _copy(entry: dict[str, str], common: Shared) -> Link:
    """Another group's copy of the event: its own event link, else that group's page here."""
    gid = entry.get("group_id", "")
    href = http_url(entry.get("url"))
    if not href:
        here = gid in common.group_pages
        href = common.root + urls.group(gid) if here else http_url(entry.get("group_website"))
    return Link(entry.get("group_name") or gid, href)


def _content(view: EventView) -> Markup:
    """The whole description; a short one is its listing excerpt already, so it is reused."""
    text = view.event.description
    return view.description if len(text) <= EXCERPT else description_html(text, None)


def _jsonld(view: EventView) -> Markup:
    """view.jsonld is one JSON object: the page's document is it in schema.org's context."""
    return Markup('{"@context":"https://schema.org",' + view.jsonld[1:])
