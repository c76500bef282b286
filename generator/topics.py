"""The topic pages: ``/topics/`` (every topic with its description and upcoming count) and a
page per topic of its upcoming events by day, in person and virtual, with its feed beside it.

An event is on the topics stored with it (``Event.categories``: its group's, its cross-posters',
a single event's own). A slug the catalogue no longer knows (an event stored before its topic was
removed) has no page, so it gets no badge either.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from core.models import Category, SiteConfig
from generator import urls
from generator.days import Day, split
from generator.outputs import LISTING_CAP, Feed, Members, Page, listing, subscription
from generator.urls import site_root
from generator.views import EventView, Link


def topic_links(categories: Sequence[Category], root: str) -> dict[str, Link]:
    """Each topic's badge by slug: its name, linking to its page (``root``: the site's prefix)."""
    return {c.slug: Link(c.name, root + urls.topic(c.slug)) for c in categories}


def topic_members(views: Sequence[EventView], categories: Sequence[Category]) -> Members:
    """Each topic's events, in start order, by slug (one pass over the events)."""
    members: Members = {c.slug: [] for c in categories}
    for view in views:
        for slug in dict.fromkeys(view.event.categories):
            if slug in members:
                members[slug].append(view)
    return members


def topic_pages(
    days: list[Day], members: Members, categories: Sequence[Category], site: SiteConfig
) -> Iterator[Page]:
    """A page per topic (an empty one too: its URL is a bookmark), then the index of topics."""
    links = topic_links(categories, site_root(site))
    by_topic = split(days, lambda v: dict.fromkeys(v.event.categories))
    rows = []
    for topic in sorted(categories, key=lambda c: c.name.casefold()):
        feed = subscription(site, urls.topic_ics(topic.slug), f"the {topic.name} topic")
        yield listing(
            urls.topic(topic.slug),
            "topics",
            by_topic.get(topic.slug, []),
            LISTING_CAP,
            title=f"{topic.name}: upcoming tech events",
            heading=topic.name,
            intro=topic.description,
            feed=feed,
            empty="No upcoming events are listed for this topic yet.",
        )
        rows.append(
            {
                "link": links[topic.slug],
                "description": topic.description,
                "count": len(members[topic.slug]),
                "feed": feed,
            }
        )
    yield Page(urls.topics(), "topics.html", {"nav": "topics", "topics": rows})


def topic_feeds(
    members: Members, categories: Sequence[Category], site: SiteConfig
) -> Iterator[Feed]:
    for topic in categories:
        name = f"{site.site_name}: {topic.name}"
        yield Feed(urls.topic_ics(topic.slug), name, members[topic.slug])
