"""`build_site`: the whole static site from the store, in one pass.

Reader (one DateIndex listing of the upcoming events) -> views (each event's display data, once)
-> page contexts (pure) -> the Jinja2 renderer -> the writer, which alone touches the output.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass, replace
from datetime import UTC, date, datetime
from functools import partial
from zoneinfo import ZoneInfo

from core.models import Category, Event, Group, SiteConfig
from core.query import EventFilter, list_events
from core.store.base import EventStore
from generator import archive, urls
from generator.archive import EMPTIED, ENDED, REDIRECT, marked
from generator.atom import AtomFeed, alternates, atom_feeds
from generator.event_pages import event_page, shared
from generator.fork import CAN_FORK, Forked, on_both_cores
from generator.ics import VEvents, calendar
from generator.manifest import EVENT_PARTS, PARTS
from generator.outputs import Feed, Page
from generator.pages import plan, site_root
from generator.publish import Publisher
from generator.render import Renderer
from generator.search import search_index
from generator.series import find_series
from generator.topics import topic_links
from generator.views import EventView, costly, keep_costly, make_view
from generator.writers import Share, Writer

FORK_FROM = 2000  # events from which a first folder build is shared by forked processes
# The event parts each forked child renders; this process renders the rest of the site and the
# event parts left. One child, with this process two cores busy: at 30,000 events the event
# pages and calendars are two thirds of the work. (More children duplicate the planning and
# copy the shared memory page by page: on a 2-core machine two cost 10 s more than one.)
CHILD_PARTS = (EVENT_PARTS[4:],)
HERE = tuple(part for part in PARTS if not any(part in c for c in CHILD_PARTS))


@dataclass(frozen=True)
class BuildReport:
    files_written: int
    files_unchanged: int
    files_deleted: int
    pages: int  # HTML pages among the files
    events: int
    seconds: float = 0.0
    files_kept: int = 0  # published before, no longer produced, still published (archive)
    files_rendered: int = 0  # pages and feeds made this build; the others were current

    def __str__(self) -> str:
        files = self.files_written + self.files_unchanged
        return (
            f"built {files} files ({self.pages} pages) from {self.events} events in "
            f"{self.seconds:.1f} s: {self.files_written} written, {self.files_unchanged} "
            f"unchanged, {self.files_deleted} deleted, {self.files_kept} kept"
        )

    def to_dict(self) -> dict[str, int | float]:
        return asdict(self)


def build_site(
    store: EventStore,
    writer: Writer,
    *,
    site: SiteConfig,
    groups: Sequence[Group],
    categories: Sequence[Category] = (),
    today: date,
    now_ts: int,
    fork_from: int = FORK_FROM,
) -> BuildReport:
    """Render every page and feed for the events upcoming on ``today`` and hand them to
    ``writer``. ``now_ts`` (Unix time) decides which items have expired and dates events that
    carry no timestamps of their own; ``categories`` are the topics that get pages. From
    ``fork_from`` events, a first build into a folder uses more processes (``generator.fork``)."""
    started = time.perf_counter()
    tz, root = ZoneInfo(site.timezone), site_root(site)
    events = list_events(store, EventFilter(start=today), now_ts=now_ts)
    topics = topic_links(categories, root)
    renderer = Renderer(site, today=today)
    card = renderer.card_url
    display = partial(
        make_view, site=site, tz=tz, root=root, today=today, topics=topics, image=card
    )
    views = [display(event) for event in events]
    # A part of the event pages plans its own events only: an event's page and calendar show
    # no other event. The archive still sees them all (a moved event may land in any part).
    planned = views
    if writer.part in EVENT_PARTS:
        planned = [v for v in views if writer.owns(urls.output_file(urls.event(v.event.event_id)))]
    states = store.load_feed_states()
    published = writer.previous().keys()
    repeats = find_series(planned, root)  # the series more often than weekly
    pages, feeds = plan(
        planned,
        site=site,
        groups=groups,
        categories=categories,
        today=today,
        feed_states=states,
        repeats=repeats,
        weeks=archive.future_weeks(published, today),
        months=archive.future_months(published, today),
        owns=writer.owns,
    )
    atoms = list(
        atom_feeds(
            planned, site=site, groups=groups, categories=categories, today=today, repeats=repeats
        )
    )
    # each page's <link rel=alternate>: a feed's title and URL, not its entries, which would
    # make every page's digest change with any feed's (generator.digest)
    renderer.env.globals["atom_feeds"] = {
        page: replace(feed, entries=()) for page, feed in alternates(atoms).items()
    }
    vevents = VEvents(views, datetime.fromtimestamp(now_ts, UTC))
    publisher = Publisher(writer, renderer, vevents, per_page=["atom_feeds"])
    search = partial(search_index, writer, views, build=publisher.build)
    with writer:  # a failure anywhere below aborts the writer: no half-built site
        for asset in renderer.assets.values():
            if writer.owns(asset.path):
                writer.write(asset.path, asset.body)
        publish = partial(_publish, publisher, pages, feeds, atoms, site)
        if len(views) >= fork_from and CAN_FORK and writer.prepare():
            _shared(publisher, views, publish, search)
        else:
            with search():  # Pagefind indexes while the pages render
                publish()
        html_pages = publisher.pages + _archive(
            store, publisher, views, display, site=site, groups=groups, today=today, now_ts=now_ts
        )
        stats = writer.finish()
    return BuildReport(
        files_written=stats.written,
        files_unchanged=stats.unchanged,
        files_deleted=stats.deleted,
        files_kept=stats.kept,
        files_rendered=publisher.rendered,
        pages=html_pages,
        events=len(views),
        seconds=round(time.perf_counter() - started, 3),
    )


def _publish(
    publisher: Publisher,
    pages: Iterable[Page],
    feeds: Iterable[Feed],
    atoms: Iterable[AtomFeed],
    site: SiteConfig,
) -> None:
    for page in pages:
        publisher.page(page)
    for feed in feeds:
        publisher.feed(feed)
    for atom in atoms:
        publisher.atom(atom, site)


def _shared(
    publisher: Publisher,
    views: Sequence[EventView],
    publish: Callable[[], None],
    alongside: Callable[[], AbstractContextManager[None]],
) -> None:
    """``publish`` on both cores: most of the event pages and calendars (CHILD_PARTS) in a
    forked process, the rest here within ``alongside`` (the search index: started after the
    fork, as a process must not fork with threads running); what the children wrote is
    recorded by this process's writer. This process plans every page (it writes the sitemap),
    the child only its own (``plan``'s ``owns``)."""
    writer = publisher.writer
    # the views' costly display data, which listings here and event pages there both show
    for view, values in zip(views, on_both_cores(views, costly), strict=True):
        keep_costly(view, values)

    def events(parts: Sequence[str]) -> tuple[Share, int, int]:
        base, rendered, pages = writer.share(), publisher.rendered, publisher.pages
        writer.only(parts)
        publish()
        return writer.share(base), publisher.rendered - rendered, publisher.pages - pages

    children: list[Forked[tuple[Share, int, int]]] = []
    try:
        for parts in CHILD_PARTS:
            children.append(Forked(partial(events, parts)))
        writer.only(HERE)
        with alongside():
            publish()
        reports = [child.join() for child in children]
    except BaseException:
        for child in children:
            child.cancel()
        raise
    finally:
        writer.only(None)
    for share, rendered, pages in reports:
        writer.absorb(share)
        publisher.rendered += rendered
        publisher.pages += pages


def _archive(
    store: EventStore,
    publisher: Publisher,
    views: Sequence[EventView],
    display: Callable[[Event], EventView],
    *,
    site: SiteConfig,
    groups: Sequence[Group],
    today: date,
    now_ts: int,
) -> int:
    """Carry out the fate ``generator.archive`` decides for what earlier builds published and
    this one has not produced; returns how many pages it published. The store is read (the
    last week's listing, the moves) only when there is such a file."""
    writer = publisher.writer
    previous, produced = writer.previous(), writer.produced()
    if previous.keys() <= produced:
        return 0
    upcoming = {v.event.event_id: v for v in views}
    past = {
        e.event_id: e
        for e in list_events(store, archive.recent_past(today), now_ts=now_ts)
        if e.event_id not in upcoming
    }
    fates = archive.decide(
        previous,
        produced,
        today=today,
        upcoming=upcoming.keys(),
        ended=past.keys(),
        moves=store.load_moves(),
    )
    common = shared(site, groups)
    for event_id in fates.ended:
        _marked_page(publisher, event_page(display(past[event_id]), common, ended=True), ENDED)
    titles = {k: e.title for k, e in past.items()} | {k: v.title for k, v in upcoming.items()}
    for old, target in fates.redirects.items():
        _marked_page(publisher, archive.redirect_page(old, target, titles.get(target)), REDIRECT)
    for old, target in fates.copies.items():
        body = calendar(upcoming[target].title, [publisher.vevents[target]])
        writer.write(urls.output_file(urls.event_ics(old)), body, digest=marked(REDIRECT))
    for path in fates.emptied:
        body = calendar(archive.emptied_name(site), [])
        writer.write(path, body, digest=marked(EMPTIED))
    for path, reason in fates.kept.items():
        writer.keep(path, reason, today=today)
    return len(fates.ended) + len(fates.redirects)


def _marked_page(publisher: Publisher, page: Page, mark: str) -> None:
    """A page the archive makes: rendered unless current, its digest marked with what it is."""
    key = marked(mark, publisher.page_key(page))
    if not publisher.writer.current(page.path, key):
        publisher.writer.write(page.path, publisher.renderer.render(page), digest=key)
        publisher.rendered += 1
