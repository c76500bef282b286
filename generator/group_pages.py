"""The group pages: a page per active group (its website, topics, upcoming events by day with
its cross-posts, its feed's health in plain words, the ways to subscribe) and ``/groups/``, which
links each group's page and marks the groups whose feed is failing.

Health is read from the store's ``FeedState`` and worded relative to the build's ``today``, so a
page says "Updated yesterday" of yesterday's collect whatever clock renders it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

from core.models import Category, FeedState, Group, SiteConfig
from generator import urls
from generator.days import lay_out
from generator.outputs import LISTING_CAP, Members, Page, listing, subscription
from generator.series import Repeats
from generator.text import http_url, shorten
from generator.topics import topic_links
from generator.urls import site_root
from generator.views import MONTHS, Link

ERROR_CHARS = 120  # a feed's error as a page shows it; `dctech feeds` has it whole


@dataclass(frozen=True)
class Health:
    """A feed's health in words; ``failing`` when its last fetch failed."""

    text: str
    failing: bool = False


def date_words(day: date, today: date) -> str:
    """``November 28``, with the year when it is not ``today``'s."""
    words = f"{MONTHS[day.month - 1]} {day.day}"
    return words if day.year == today.year else f"{words}, {day.year}"


def feed_health(group: Group, state: FeedState | None, today: date) -> Health:
    """How the group's feed is doing, as of ``today``'s build."""
    if not group.ical:
        return Health("This group has no calendar feed")
    if state and (state.error or state.failing_since):
        began = state.failing_since
        since = f" since {date_words(date.fromisoformat(began), today)}" if began else ""
        reason = shorten(state.error or "", ERROR_CHARS)
        return Health(f"Feed failing{since}" + (f": {reason}" if reason else ""), failing=True)
    if not state or not state.last_success_date:
        return Health("Not fetched yet")
    updated = date.fromisoformat(state.last_success_date)
    if updated == today:
        return Health("Updated today")
    if updated == today - timedelta(days=1):
        return Health("Updated yesterday")
    return Health(f"Last updated {date_words(updated, today)}")


def _website(group: Group) -> Link | None:
    """The group's own site, shown without its scheme; None unless it is http(s)."""
    href = http_url(group.website)
    return Link(href.split("://", 1)[1].rstrip("/"), href) if href else None


def group_pages(
    members: Members,
    groups: Sequence[Group],
    feed_states: Mapping[str, FeedState],
    categories: Sequence[Category],
    site: SiteConfig,
    today: date,
    *,
    repeats: Repeats,
) -> Iterator[Page]:
    """A page per active group (an empty one too: it says why), then the index of groups;
    ``repeats`` are the build's frequent series (a group page shows each once a week)."""
    root = site_root(site)
    links = topic_links(categories, root)
    rows = []
    for group in sorted((g for g in groups if g.active), key=lambda g: g.name.casefold()):
        gid = group.group_id
        state = feed_states.get(gid)
        facts = {
            "website": _website(group),
            "topics": [links[slug] for slug in group.categories if slug in links],
            "health": feed_health(group, state, today),
            "feed": subscription(site, urls.group_ics(gid), group.name),
        }
        page = listing(
            urls.group(gid),
            "groups",
            lay_out(members[gid], root=root, today=today, repeats=repeats),  # its events only
            LISTING_CAP,
            title=f"{group.name}: upcoming tech events",
            heading=group.name,
            intro=f"Upcoming events from {group.name}, with those it shares with other groups.",
            empty="No upcoming events from this group are listed yet.",
            cut="; ".join(state.cut) if state else "",
            **facts,
        )
        yield replace(page, template="group.html")
        link = Link(group.name, root + urls.group(gid))
        rows.append(facts | {"link": link, "count": len(members[gid])})
    yield Page(urls.groups(), "groups.html", {"nav": "groups", "groups": rows})
