"""Page and feed contexts: which files the site has and what each shows (pure, no I/O).

Pages and feeds are named by their URL from the URL map (``generator.urls``), which also names
the file each is written to. They are generated lazily, so only one page's context is alive at a
time. The page types and the by-day listing are in ``generator.outputs``; a page family with its
own module (``generator.topics``, ``group_pages``, ``month_pages``, ``event_pages``) is chained
in here, so the sitemap lists its pages too.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from datetime import date, timedelta
from functools import partial
from itertools import chain, groupby

from core.models import IN_PERSON, VIRTUAL, Category, FeedState, Group, SiteConfig
from generator import urls
from generator.days import Day, between, calm, lay_out, split, week_id, week_monday
from generator.event_pages import event_pages
from generator.feeds_page import feeds_page
from generator.group_pages import group_pages
from generator.month_pages import month_pages
from generator.new_pages import Dated, added_this_week, new_page
from generator.outputs import (
    LISTING_CAP,
    Feed,
    Members,
    Page,
    Subscription,
    listing,
    subscription,
)
from generator.search_page import search_page
from generator.series import Repeats
from generator.series_pages import series_pages
from generator.topics import topic_feeds, topic_members, topic_pages
from generator.urls import site_root
from generator.views import EventView, Link, day_label

STATE_NAMES = {"DC": "Washington, DC", "VA": "Virginia", "MD": "Maryland"}
NAV_STATES = ("DC", "VA", "MD")
WEEKS_AHEAD = 12  # week pages always exist for this many weeks after the current one
NEWSLETTER_DAYS = 7
SITEMAP = urls.output_file(urls.sitemap())  # lists every page: its writer plans them all


def group_members(views: Sequence[EventView], groups: Sequence[Group]) -> Members:
    """Each active group's events, cross-posts included, by group_id."""
    members: Members = {g.group_id: [] for g in groups if g.active}
    for view in views:
        also = (a.get("group_id", "") for a in view.event.also_published_by)
        for gid in {view.event.group_id, *also} & members.keys():
            members[gid].append(view)
    return members


def plan(
    views: Sequence[EventView],
    *,
    site: SiteConfig,
    groups: Sequence[Group],
    categories: Sequence[Category],
    today: date,
    feed_states: Mapping[str, FeedState],
    repeats: Repeats,
    weeks: Collection[str] = (),
    months: Collection[str] = (),
    owns: Callable[[str], bool] = lambda path: True,
) -> tuple[Iterator[Page], Iterator[Feed]]:
    """Every page and every feed of the site for these upcoming events (in start order);
    ``feed_states`` (by group_id) say how each group's feed is doing; ``repeats`` are their
    series more often than weekly (``generator.series.find_series``). ``weeks`` and ``months``
    get a page even without events: those an earlier build published (``generator.archive``),
    so a bookmark of a coming week never shows events that went away. ``owns`` says which
    files are the writer's, asked as the pages are made (a forked worker's share is set after
    planning): a writer without the sitemap, which lists every page, gets only the pages of its
    own families planned."""
    days = lay_out(views, root=site_root(site), today=today, repeats=repeats)
    members = group_members(views, groups)
    topics = topic_members(views, categories)
    everything = subscription(site, urls.events_ics(), f"All events ({site.site_name})")
    fresh = added_this_week(views, today, repeats)  # the home count, the newsletter

    def wanted(path: str) -> bool:
        return owns(SITEMAP) or owns(path)

    def site_pages() -> Iterator[Page]:
        yield from _listed_pages(views, days, site, everything, len(fresh))
        yield new_page(views, site, today, repeats)
        yield feeds_page(site, groups, categories, _state_names(site))
        yield search_page(site, today, views)
        yield from week_pages(days, site, today, everything, also=weeks)
        yield from month_pages(days, site, today, everything, also=months)

    group_family = partial(
        group_pages, members, groups, feed_states, categories, site, today, repeats=repeats
    )
    listed = chain(
        _family(wanted, urls.home(), site_pages),
        _family(wanted, urls.group(""), group_family),
        _family(wanted, urls.topics(), partial(topic_pages, days, topics, categories, site)),
        event_pages(
            (v for v in views if wanted(urls.output_file(urls.event(v.event.event_id)))),
            site,
            groups,
        ),
        _family(wanted, urls.series(""), partial(series_pages, repeats, today)),
    )
    feeds = chain(_feeds(views, members, groups, site), topic_feeds(topics, categories, site))
    return _pages(listed, days, today, fresh), feeds


def _family(
    wanted: Callable[[str], bool], url: str, pages: Callable[[], Iterable[Page]]
) -> Iterator[Page]:
    """A family of pages, made only if the file of ``url``, in the same part, is ``wanted``
    when the build comes to it."""
    if wanted(urls.output_file(url)):
        yield from pages()


def _states(site: SiteConfig) -> list[str]:
    return [s for s in NAV_STATES if s in site.only_states]


def _state_names(site: SiteConfig) -> dict[str, str]:
    return {s: STATE_NAMES[s] for s in _states(site)}


def in_state(state: str) -> Callable[[EventView], bool]:
    return lambda v: v.event.state == state and not v.virtual


def _pages(
    listed: Iterator[Page], days: list[Day], today: date, fresh: Sequence[Dated]
) -> Iterator[Page]:
    """The pages a visitor browses, then the newsletter (``fresh``: what it says is new since
    last week) and the files about the site, the sitemap listing the former (with the time a
    page's ``lastmod`` says it last changed)."""
    entries = []
    for page in listed:
        entries.append((page.url, page.context.get("lastmod") or ""))
        yield page
    soon = calm(between(days, today, NEWSLETTER_DAYS), once=True)  # each series once
    yield Page(urls.newsletter_html(), "newsletter.html", {"days": soon, "new": fresh})
    yield Page(urls.newsletter_txt(), "newsletter.txt", {"days": soon, "new": fresh})
    yield Page(urls.not_found(), "404.html", {"nav": ""})
    yield Page(urls.robots(), "robots.txt")
    yield Page(urls.sitemap(), "sitemap.xml", {"entries": entries})


def _listed_pages(
    views: Sequence[EventView],
    days: list[Day],
    site: SiteConfig,
    everything: Subscription,
    new_this_week: int,
) -> Iterator[Page]:
    """The pages a visitor browses (and the sitemap lists) but the families' own; the home
    page says how many events were added this week."""
    kinds = split(days, _kinds)
    yield listing(
        urls.home(),
        "home",
        kinds.get(IN_PERSON, []),
        LISTING_CAP,
        title="Upcoming in-person tech events",
        heading=site.site_name,
        intro=site.tagline,
        feed=everything,
        empty="No upcoming in-person events are listed yet.",
        new_this_week=new_this_week,
    )
    yield listing(
        urls.virtual(),
        "virtual",
        kinds.get(VIRTUAL, []),
        LISTING_CAP,
        title="Virtual tech events",
        heading="Virtual events",
        intro="Online events from DC-area tech groups.",
        feed=subscription(site, urls.virtual_ics(), "Virtual events"),
        empty="No upcoming virtual events are listed yet.",
    )
    yield from _location_pages(views, kinds, site)


def _kinds(view: EventView) -> tuple[str, ...]:
    """What listings an event is on: virtual, or in person and in its state."""
    return (VIRTUAL,) if view.virtual else (IN_PERSON, view.event.state or "")


def _location_pages(
    views: Sequence[EventView], kinds: Mapping[str, list[Day]], site: SiteConfig
) -> Iterator[Page]:
    """A page per state (``kinds``: the days of each state's events), then the page of
    counts."""
    places = []
    for state in _states(site):
        name = STATE_NAMES[state]
        feed = subscription(site, urls.location_ics(state), f"Events in {name}")
        yield listing(
            urls.location(state),
            state,
            kinds.get(state, []),
            LISTING_CAP,
            title=f"Tech events in {name}",
            heading=f"Events in {name}",
            intro=f"Upcoming in-person tech events in {name}.",
            feed=feed,
            empty=f"No upcoming events in {name} are listed yet.",
        )
        places.append(
            {
                "link": Link(name, site_root(site) + urls.location(state)),
                "count": sum(1 for v in views if in_state(state)(v)),
                "feed": feed,
            }
        )
    virtual = sum(1 for v in views if v.virtual)
    context = {"nav": "locations", "places": places, "virtual": virtual}
    yield Page(urls.locations(), "locations.html", context)


def week_pages(
    days: list[Day], site: SiteConfig, today: date, feed: Subscription, also: Collection[str] = ()
) -> Iterator[Page]:
    """A page for every week with events, for the next WEEKS_AHEAD and for the weeks ``also``
    names, linked prev/next."""
    by_week = {wid: list(group) for wid, group in groupby(days, key=lambda d: d.week)}
    ahead = {week_id(today + timedelta(weeks=n)) for n in range(WEEKS_AHEAD + 1)}
    weeks = sorted(by_week.keys() | ahead | set(also))
    root = site_root(site)
    links = [Link(f"Week of {day_label(week_monday(w))}", root + urls.week(w)) for w in weeks]
    for index, wid in enumerate(weeks):
        monday = week_monday(wid)
        sunday = monday + timedelta(days=6)
        yield listing(
            urls.week(wid),
            "week",
            by_week.get(wid, []),
            None,
            title=f"Tech events, week of {day_label(monday)}, {monday.year}",
            heading=f"Week of {day_label(monday)}, {monday.year}",
            intro=f"{wid}: {day_label(monday, short=True)} to {day_label(sunday, short=True)}",
            feed=feed,
            empty="No events are listed for this week yet.",
            prev=links[index - 1] if index else None,
            next=links[index + 1] if index + 1 < len(weeks) else None,
        )


def _feeds(
    views: Sequence[EventView], members: Members, groups: Sequence[Group], site: SiteConfig
) -> Iterator[Feed]:
    yield Feed(urls.events_ics(), site.site_name, views)
    yield Feed(urls.virtual_ics(), f"{site.site_name}: virtual", [v for v in views if v.virtual])
    for state in _states(site):
        name = f"{site.site_name}: {STATE_NAMES[state]}"
        yield Feed(urls.location_ics(state), name, [v for v in views if in_state(state)(v)])
    for group in groups:
        if group.active:
            name = f"{site.site_name}: {group.name}"
            yield Feed(urls.group_ics(group.group_id), name, members[group.group_id])
    for view in views:
        yield Feed(urls.event_ics(view.event.event_id), view.title, [view])
