"""Full-text search on a static site: a Pagefind index of the upcoming events, built with the
site, for the ``/search/`` page (``generator.search_page``) to query in the browser.

Each indexed event is one record (its title, date, place, group, topics and description, and
what a result shows) handed to the Pagefind binary (PyPI ``pagefind-bin``, no network) through
``generator.pagefind``; the bundle it returns goes through the writer like any other output, to
a folder or S3, under ``/search/pagefind/``. Result URLs are the event pages'. The same records
give the same bundle, byte for byte.

Pagefind has no incremental mode, so the cost is bounded instead: the soonest SEARCH_CAP events
are indexed (the page says so when there are more), and an index made from the same events (the
views' digests, the build's, Pagefind's version) is not made again: the earlier bundle is
claimed as current, file by file. Most bundle files are named by their content, so a new index
uploads only the fragments of the events that changed, its index chunks and its entry files.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from importlib import metadata
from pathlib import Path

from generator import urls
from generator.digest import digest
from generator.pagefind import Indexing, Record
from generator.render import TEMPLATES
from generator.search_page import SEARCH_CAP
from generator.text import description_text
from generator.views import EventView, day_label
from generator.writers import Writer

BUNDLE = urls.search_bundle().removeprefix("/")  # search/pagefind/
ENTRY = BUNDLE + "pagefind-entry.json"  # what the browser reads first
SCRIPT = Path(TEMPLATES, "static", "search.js")
UNUSED = ("pagefind-ui.", "pagefind-modular-ui.", "pagefind-component-ui.", "pagefind-highlight.")


@contextmanager
def search_index(writer: Writer, views: Sequence[EventView], *, build: str) -> Iterator[None]:
    """Index the soonest SEARCH_CAP of ``views`` (in start order) while the ``with`` block runs
    (Pagefind is a process of its own: the build renders meanwhile), and write it and the
    search page's script at the block's end; an earlier build's index made from the same events
    (``build``: the build's digest) is reused. A failure in the block stops Pagefind."""
    indexed = views[:SEARCH_CAP]
    if not indexed or not writer.owns(ENTRY):  # nothing to search: the page says so
        yield
        return
    writer.write(urls.output_file(urls.search_script()), SCRIPT.read_bytes())
    key = digest(build, _version(), indexed)
    earlier = [p for p, e in writer.previous().items() if p.startswith(BUNDLE) and e.digest == key]
    claimed = {p for p in sorted(earlier) if writer.current(p, key)}
    if ENTRY in claimed and len(claimed) == len(earlier):
        yield
        return
    indexing = Indexing(records(indexed))
    try:
        yield
    except BaseException:
        indexing.cancel()
        raise
    for name, body in sorted(indexing.bundle().items()):
        if not name.startswith(UNUSED) and BUNDLE + name not in claimed:  # claimed: still there
            writer.write(BUNDLE + name, body, digest=key)


def records(views: Sequence[EventView]) -> list[Record]:
    """What the index holds of each event: the text searched (title, date, place, group,
    topics, description) and what a result shows."""
    found = []
    for view in views:
        first = date.fromisoformat(view.event.start_date)
        meta = {"title": view.title, "date": f"{day_label(first)}, {first.year}, {view.when}"}
        if view.location:
            meta["place"] = view.location
        if view.organizer:
            meta["group"] = view.organizer.text
        if view.event.cancelled:
            meta["cancelled"] = "Cancelled"
        topics = [topic.text for topic in view.topics]
        text = [*meta.values(), *topics, description_text(view.event.description)]
        found.append(Record(urls.event(view.event.event_id), "\n".join(text), meta))
    return found


def _version() -> str:
    return metadata.version("pagefind-bin")
