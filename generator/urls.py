"""The site's URL map: the one place a path of the site is spelled.

Each function returns a site path, relative to where the site lives (``/week/2026-W49/``): a page
links it as ``site_root(site) + path``, ``absolute`` makes it a full URL and ``output_file`` names
the file the writer writes for it. The layout is a contract that bookmarks, calendar apps and
search engines rely on: every page is a directory URL served from ``PATH/index.html``; a feed sits
beside the page it narrows as ``PATH/events.ics`` (``/virtual/events.ics``,
``/locations/DC/events.ics``, ``/topics/ai/events.ics``), and every event has its own
``/events/<event_id>.ics``; the Atom feed of what is new sits beside its page as
``PATH/feed.atom`` (``/new/feed.atom``, ``/topics/ai/feed.atom``).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from core.models import SiteConfig

INDEX = "index.html"  # the file a directory URL is served from
FEED = "events.ics"  # the feed beside the page it narrows
ATOM = "feed.atom"  # the Atom feed of what is new, beside the page it narrows


def home() -> str:
    """Upcoming in-person events by day."""
    return "/"


def virtual() -> str:
    return "/virtual/"


def week(week_id: str) -> str:
    """An ISO week's page: ``2026-W49`` -> ``/week/2026-W49/``."""
    return f"/week/{week_id}/"


def week_day(week_id: str, anchor: str) -> str:
    """A day's heading on its week page (``anchor`` is the heading's id)."""
    return f"{week(week_id)}#{anchor}"


def locations() -> str:
    return "/locations/"


def location(state: str) -> str:
    return f"{locations()}{state}/"


def groups() -> str:
    return "/groups/"


def group(group_id: str) -> str:
    """A group's page: its upcoming events, topics and feed health (``/groups/pydc/``)."""
    return f"{groups()}{group_id}/"


def month(month_id: str) -> str:
    """A month's calendar grid and list: ``2026-12`` -> ``/month/2026-12/``."""
    return f"/month/{month_id}/"


def events_folder() -> str:
    """Where every event's page and ``.ics`` are."""
    return "/events/"


def event(event_id: str) -> str:
    """An event's own page, beside its ``.ics`` (``/events/<event_id>/``)."""
    return f"{events_folder()}{event_id}/"


def series(key: str) -> str:
    """Every upcoming date of a series listings show once a week (``/series/<key>/``)."""
    return f"/series/{key}/"


def topics() -> str:
    """Every topic with its upcoming count."""
    return "/topics/"


def topic(slug: str) -> str:
    """A topic's events by day: ``ai`` -> ``/topics/ai/``."""
    return f"{topics()}{slug}/"


def events_ics() -> str:
    """Every upcoming event."""
    return home() + FEED


def virtual_ics() -> str:
    return virtual() + FEED


def location_ics(state: str) -> str:
    return location(state) + FEED


def group_ics(group_id: str) -> str:
    return group(group_id) + FEED


def topic_ics(slug: str) -> str:
    return topic(slug) + FEED


def event_ics(event_id: str) -> str:
    return f"{events_folder()}{event_id}.ics"


def new() -> str:
    """Upcoming events the calendar listed in the last two weeks, by the day they were added."""
    return "/new/"


def new_atom() -> str:
    """Every newly added event, as Atom."""
    return new() + ATOM


def location_atom(state: str) -> str:
    return location(state) + ATOM


def group_atom(group_id: str) -> str:
    return group(group_id) + ATOM


def topic_atom(slug: str) -> str:
    return topic(slug) + ATOM


def feeds() -> str:
    """Every calendar and Atom feed of the site, with the ways to subscribe to each."""
    return "/feeds/"


def submit_event() -> str:
    """The form to submit an event: answered by the API app (sign-in, a CSRF token), no file."""
    return "/submit/"


def submit_group() -> str:
    """The form to suggest a group to follow, answered by the API app like ``submit_event``."""
    return "/submit-group/"


APP_PAGES = (submit_event(), submit_group())  # site paths the API app answers, not files


def search() -> str:
    """Full-text search of the upcoming events (in the browser, over a static index)."""
    return "/search/"


def search_script() -> str:
    """The search page's script: beside the page, under the page's own content policy."""
    return search() + "search.js"


def search_bundles() -> str:
    """The Pagefind index (under /search/: its worker needs the page's policy), a bundle with
    its loader for each shard of the indexed events."""
    return search() + "pagefind/"


def search_bundle(shard: str) -> str:
    """One shard's Pagefind bundle (``shard``: the month, the week within a month, or the day of
    its events)."""
    return f"{search_bundles()}{shard}/"


def newsletter_html() -> str:
    return "/newsletter.html"


def newsletter_txt() -> str:
    return "/newsletter.txt"


def not_found() -> str:
    """The page the server answers a miss with."""
    return "/404.html"


def robots() -> str:
    return "/robots.txt"


def sitemap() -> str:
    return "/sitemap.xml"


def static(name: str) -> str:
    """A fingerprinted asset (its name changes with its content, so it is cached for good)."""
    return f"/static/{name}"


def output_file(path: str) -> str:
    """The file written for a site path: ``/week/2026-W49/`` -> ``week/2026-W49/index.html``."""
    return path.removeprefix("/") + (INDEX if path.endswith("/") else "")


def site_root(site: SiteConfig) -> str:
    """The path the site lives under ("" when served from the domain's root)."""
    return urlsplit(site.base_url).path.rstrip("/")


def absolute(site: SiteConfig, path: str) -> str:
    """The full URL of a site path, for links that leave the site (feeds, sitemap, email)."""
    return site.base_url.rstrip("/") + path
