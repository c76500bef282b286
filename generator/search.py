"""Full-text search on a static site: a Pagefind index of the upcoming events, built with the
site, for the ``/search/`` page (``generator.search_page``) to query in the browser.

Each indexed event is one record (its title, date, place, group, topics and description, and
what a result shows) handed to the Pagefind binary (PyPI ``pagefind-bin``, no network) through
``generator.pagefind``; the bundles it returns go through the writer like any other output, to
a folder or S3, under ``/search/pagefind/``. Result URLs are the event pages'. The same records
give the same bundles, byte for byte.

Pagefind has no incremental mode, so the index is made of shards: the soonest SEARCH_CAP events (the
page says so when there are more) by the month they start in, a busy month by week and a busy week
by day (``search_page.search_shards``), each a bundle of its own that the search page's script
merges into the first (Pagefind's ``mergeIndex``). A shard made from the same events as before (the
views' digests, the build's, Pagefind's version) is not indexed again: its earlier bundle is claimed
as current, file by file. So a changed event re-indexes its shard, and most bundle files are named
by their content, so a shard's new bundle uploads only the fragments of the events that changed, its
index chunks and its entry files.
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
from generator.search_page import search_shards
from generator.text import description_text
from generator.views import EventView, day_label
from generator.writers import Writer

BUNDLES = urls.search_bundles().removeprefix("/")  # search/pagefind/: a folder per shard
ENTRY = "pagefind-entry.json"  # what the browser reads first of a bundle
SCRIPT = Path(TEMPLATES, "static", "search.js")


@contextmanager
def search_index(writer: Writer, views: Sequence[EventView], *, build: str) -> Iterator[None]:
    """Index the soonest SEARCH_CAP of ``views`` (in start order), by shard, while the ``with``
    block runs (Pagefind is a process of its own: the build renders meanwhile), and write the
    bundles and the search page's script at the block's end; an earlier build's bundle of a
    shard made from the same events (``build``: the build's digest) is reused. A failure in the
    block stops Pagefind."""
    shards = search_shards(views)
    if not shards or not writer.owns(BUNDLES):  # nothing to search: the page says so
        yield
        return
    writer.write(urls.output_file(urls.search_script()), SCRIPT.read_bytes())
    version = _version()
    keys = {shard: digest(build, version, members) for shard, members in shards.items()}
    whole, claimed = _claim(writer, keys)
    stale = {shard: records(members) for shard, members in shards.items() if shard not in whole}
    if not stale:
        yield
        return
    indexing = Indexing(stale)
    try:
        yield
    except BaseException:
        indexing.cancel()
        raise
    for shard, files in indexing.bundle().items():
        for name, body in sorted(files.items()):
            path = _folder(shard) + name
            if path not in claimed:  # claimed: still there
                writer.write(path, body, digest=keys[shard])


def _claim(writer: Writer, keys: dict[str, str]) -> tuple[set[str], set[str]]:
    """Claim as current the files of each shard's earlier bundle made from the same events
    (``keys``: by shard) that are still there: the shards whose bundle is whole (its entry
    file and every other file claimed: not indexed again), and the files claimed."""
    earlier: dict[str, list[str]] = {}
    for path, entry in writer.previous().items():
        shard = path.removeprefix(BUNDLES).partition("/")[0]
        if path.startswith(BUNDLES) and entry.digest == keys.get(shard):
            earlier.setdefault(shard, []).append(path)
    whole, claimed = set(), set()
    for shard, paths in earlier.items():
        current = {path for path in sorted(paths) if writer.current(path, keys[shard])}
        if _folder(shard) + ENTRY in current and len(current) == len(paths):
            whole.add(shard)
        claimed |= current
    return whole, claimed


def _folder(shard: str) -> str:
    return urls.search_bundle(shard).removeprefix("/")


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
