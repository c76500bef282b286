"""The Atom feeds of what is new (RFC 4287), made with feedgenerator (Pelican's): one for the
whole site (``/new/feed.atom``) and one beside each topic, group and state page.

Each entry is one piece of news (``generator.new_pages.news``: an upcoming event new by the one
rule, a series once), newest first, at most MAX_ENTRIES: its link is its page here, its id a
tag URI of its group and feed UID (``entry_id``), which a reschedule or retitle keeps while the
page moves to a new event_id (a reader would show a moved event as new), ``published`` the day
it was first listed, ``updated`` its last change, and its summary says
when, where and who (a series: how often, and a link to all its dates). Every timestamp
comes from the data, never the clock (feedgenerator takes "now" where none is given), so an
unchanged feed is the same bytes and the writer uploads nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from html import escape
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from feedgenerator import Atom1Feed

from core.models import Category, Event, Group, SiteConfig
from generator import urls
from generator.days import Entry
from generator.new_pages import newest_first, news
from generator.outputs import Output
from generator.pages import STATE_NAMES, group_members, in_state
from generator.series import Repeats
from generator.topics import topic_members
from generator.views import EventView, day_label

MAX_ENTRIES = 50
UID_CHARS = 16  # hex digits of the digest of a feed UID in an entry's id
TAG_YEAR = 2026  # of the entries' tag URIs: the year the site began minting them, as RFC 4151 asks
NEVER = datetime(1970, 1, 1, tzinfo=UTC)  # the <updated> of a feed that has no entry yet


@dataclass(frozen=True)
class AtomFeed(Output):
    """A feed at ``url``, narrowing the page at ``page`` to its newly added events."""

    title: str
    page: str
    entries: Sequence[Entry]


def atom_feeds(
    views: Sequence[EventView],
    *,
    site: SiteConfig,
    groups: Sequence[Group],
    categories: Sequence[Category],
    today: date,
    repeats: Repeats,
) -> Iterator[AtomFeed]:
    """Every Atom feed of the site, for these upcoming events (in start order) and their
    frequent series (``repeats``)."""
    new = newest_first(news(views, today, repeats))
    entry = {e.view.event.event_id: e for e in new}
    fresh = [e.view for e in new]

    def feed(url: str, title: str, page: str, chosen: Sequence[EventView]) -> AtomFeed:
        return AtomFeed(url, title, page, [entry[v.event.event_id] for v in chosen[:MAX_ENTRIES]])

    name = site.site_name
    yield feed(urls.new_atom(), f"{name}: newly added events", urls.new(), fresh)
    for state in (s for s in STATE_NAMES if s in site.only_states):
        title = f"{name}: new in {STATE_NAMES[state]}"
        chosen = [v for v in fresh if in_state(state)(v)]
        yield feed(urls.location_atom(state), title, urls.location(state), chosen)
    topics = topic_members(fresh, categories)
    for topic in categories:
        title = f"{name}: new in {topic.name}"
        yield feed(urls.topic_atom(topic.slug), title, urls.topic(topic.slug), topics[topic.slug])
    members = group_members(fresh, groups)
    for group in (g for g in groups if g.active):
        title = f"{name}: new from {group.name}"
        gid = group.group_id
        yield feed(urls.group_atom(gid), title, urls.group(gid), members[gid])


def alternates(feeds: Sequence[AtomFeed]) -> Mapping[str, AtomFeed]:
    """Each page that has an Atom feed, by URL, with its feed: what its ``<link rel=alternate>``
    names. The home page has the site's."""
    by_page = {f.page: f for f in feeds}
    return by_page | {urls.home(): by_page[urls.new()]}


class _Atom(Atom1Feed):
    """feedgenerator's Atom 1.0 feed, whose <updated> is its latest entry's: an empty feed's is
    NEVER, where feedgenerator would take the clock's."""

    def latest_post_date(self) -> datetime:
        return super().latest_post_date() if self.items else NEVER


def render_atom(feed: AtomFeed, site: SiteConfig) -> bytes:
    """The feed's XML: the same bytes for the same events."""
    tz = ZoneInfo(site.timezone)
    out = _Atom(
        title=feed.title,
        link=urls.absolute(site, feed.page),
        description="",
        language="en",
        author_name=site.site_name,
        author_link=urls.absolute(site, urls.home()),
        feed_url=urls.absolute(site, feed.url),
        feed_guid=urls.absolute(site, feed.url),
    )
    for entry in feed.entries:
        view, event = entry.view, entry.view.event
        page = urls.absolute(site, urls.event(event.event_id))
        published = datetime.combine(date.fromisoformat(event.first_seen), time(), tz)
        out.add_item(
            title=("[Cancelled] " if event.cancelled else "") + view.title,
            link=page,
            unique_id=entry_id(event, site),
            description=_summary_html(entry, site),
            pubdate=published,
            updateddate=max(_instant(event.updated_at) or published, published),
        )
    return out.writeString("utf-8").encode("utf-8")


def summary(view: EventView) -> str:
    """When, where and who: ``Thursday, December 3, 2026, 6:30 pm – 8:30 pm · MLK Library ·
    Python DC``."""
    first = date.fromisoformat(view.event.start_date)
    parts = [f"{day_label(first)}, {first.year}, {view.when}"]
    if view.location:
        parts.append(view.location)
    if view.organizer:
        parts.append(view.organizer.text)
    return " · ".join(parts)


def entry_id(event: Event, site: SiteConfig) -> str:
    """``tag:dctech.events,2026:pydc/<digest of its UID>`` (RFC 4151): what stays when a
    reschedule or retitle moves it to a new event_id (``core.lifecycle`` matches a moved event
    on group and UID alike); a fixed year, as a date from the event could change too. Its
    page's URL when it has no UID. The host is the site's canonical one, so a preview's
    entries are the published site's."""
    if not event.source_uid:
        return urls.absolute(site, urls.event(event.event_id))
    host = urlsplit(site.canonical_url or site.base_url).hostname
    uid = hashlib.sha256(event.source_uid.encode("utf-8")).hexdigest()[:UID_CHARS]
    return f"tag:{host},{TAG_YEAR}:{event.group_id}/{uid}"


def _summary_html(entry: Entry, site: SiteConfig) -> str:
    """The summary as the HTML feedgenerator marks it (type="html"): the text escaped, so it
    shows as text, and a series' label linking its page of all dates (if it has one)."""
    html = escape(summary(entry.view))
    if (series := entry.series) and series.href:
        href = escape(urls.absolute(site, urls.series(series.key)))
        html += f' · <a href="{href}">{escape(series.label)}: all {series.dates} dates</a>'
    elif series:
        html += f" · {escape(series.label)}: {series.dates} dates"
    return html


def _instant(stamp: str) -> datetime | None:
    """A stored ISO timestamp (UTC) as an aware datetime; None when absent or unreadable."""
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
