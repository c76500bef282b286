"""`build_site`: the whole static site from the store, in one pass.

Reader (one DateIndex listing of the upcoming events) -> views (each event's display data, once)
-> page contexts (pure) -> the Jinja2 renderer -> the writer, which alone touches the output.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from core.models import Category, Group, SiteConfig
from core.query import EventFilter, list_events
from core.store.base import EventStore
from generator.ics import calendar, vevent
from generator.pages import plan, site_root
from generator.render import Renderer
from generator.topics import topic_links
from generator.views import make_view
from generator.writers import Writer


@dataclass(frozen=True)
class BuildReport:
    files_written: int
    files_unchanged: int
    files_deleted: int
    pages: int  # HTML pages among the files
    events: int
    seconds: float = 0.0
    files_kept: int = 0  # published before, no longer produced, still published (archive)

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
) -> BuildReport:
    """Render every page and feed for the events upcoming on ``today`` and hand them to
    ``writer``. ``now_ts`` (Unix time) decides which items have expired and dates events that
    carry no timestamps of their own; ``categories`` are the topics that get pages."""
    started = time.perf_counter()
    tz, root = ZoneInfo(site.timezone), site_root(site)
    events = list_events(store, EventFilter(start=today), now_ts=now_ts)
    topics = topic_links(categories, root)
    views = [make_view(event, tz=tz, root=root, today=today, topics=topics) for event in events]
    pages, feeds = plan(views, site=site, groups=groups, categories=categories, today=today)

    renderer = Renderer(site)
    html_pages = 0
    with writer:  # a failure anywhere below aborts the writer: no half-built site
        writer.write(renderer.css_path, renderer.css)
        for page in pages:
            writer.write(page.path, renderer.render(page))
            html_pages += page.path.endswith(".html")
        stamp = datetime.fromtimestamp(now_ts, UTC)
        vevents = {v.event.event_id: vevent(v, stamp) for v in views}
        for feed in feeds:
            body = calendar(feed.name, (vevents[v.event.event_id] for v in feed.views))
            writer.write(feed.path, body)
        stats = writer.finish()
    return BuildReport(
        files_written=stats.written,
        files_unchanged=stats.unchanged,
        files_deleted=stats.deleted,
        files_kept=stats.kept,
        pages=html_pages,
        events=len(views),
        seconds=round(time.perf_counter() - started, 3),
    )
