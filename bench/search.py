"""Benchmark of the search index (generator/search.py): `.venv/bin/python bench/search.py`.

For 3,000 and 30,000 upcoming events (bench/build.py's generator): the index made from nothing (the
soonest SEARCH_CAP events by month, a busy month by week and a busy week by day, each a Pagefind
bundle of its own), the same index again (every shard's earlier bundle claimed as current: a build
with no change to them), then one changed event's title (its shard's bundle made again, the others
claimed), and the size of the bundles. ``--uncapped`` also indexes every event, past SEARCH_CAP, to
show what the cap saves. Wall and CPU seconds (this process and Pagefind's) are printed; other load
on the machine inflates the wall time.
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from zoneinfo import ZoneInfo

from build import (  # bench/build.py: run as a script, its folder is on the path
    SITE,
    TODAY,
    make_events,
)

from core.models import Event
from generator import search, search_page
from generator.digest import build_digest
from generator.render import TEMPLATES, Renderer
from generator.views import EventView, make_view
from generator.writers import FolderWriter

CAP = search_page.SEARCH_CAP


def cpu() -> float:
    """CPU seconds of this process and of its finished children (Pagefind)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def publish(out: Path, views: list, digest: str) -> tuple[float, float, int]:
    """One build's search step into ``out``: wall, CPU seconds and files written."""
    writer = FolderWriter(out)
    wall, used = time.perf_counter(), cpu()
    with writer:
        with search.search_index(writer, views, build=digest):
            pass
        stats = writer.finish()
    return time.perf_counter() - wall, cpu() - used, stats.written


def run(count: int, work: Path, cap: int) -> None:
    search_page.SEARCH_CAP = cap
    renderer = Renderer(SITE, today=TODAY)
    tz = ZoneInfo(SITE.timezone)

    def view(event: Event) -> EventView:
        return make_view(
            event, site=SITE, tz=tz, root="", today=TODAY, topics={}, image=renderer.card_url
        )

    views = sorted(  # in start order, as the store lists them
        (view(e) for e in make_events(count)),
        key=lambda v: (v.event.start_datetime, v.event.event_id),
    )
    digest = build_digest(renderer.env, TEMPLATES)
    out = work / f"site-{count}-{cap}"
    wall, used, written = publish(out, views, digest)
    files = [p for p in (out / search.BUNDLES).rglob("*") if p.is_file()]
    size = sum(p.stat().st_size for p in files) / 1e6
    shards = search_page.search_shards(views)
    indexed = sum(len(members) for members in shards.values())
    largest = max(len(members) for members in shards.values())
    print(
        f"{count:>6} events, {indexed:,} indexed in {len(shards)} shards (the largest "
        f"{largest:,}): index made in {wall:.2f} s wall, {used:.2f} s CPU; {written} files "
        f"written, the bundles {len(files)} files, {size:.1f} MB"
    )
    wall, used, written = publish(out, views, digest)
    print(f"        the same index again: {wall:.2f} s wall, {used:.2f} s CPU, {written} written")
    middle = indexed // 2  # an event of a shard in the middle
    shard = next(name for name, members in shards.items() if views[middle] in members)
    changed = views[middle].event
    views[middle] = view(replace(changed, title=changed.title + " (moved rooms)"))
    wall, used, written = publish(out, views, digest)
    print(
        f"        one changed event: {wall:.2f} s wall, {used:.2f} s CPU, {written} written "
        f"(its shard, {shard}: {len(shards[shard]):,} events)"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--uncapped", action="store_true", help="also index every event")
    parser.add_argument(
        "--sizes", default="3000,30000", help="event counts, comma-separated (default 3000,30000)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temporary:
        for count in (int(size) for size in args.sizes.split(",")):
            run(count, Path(temporary), CAP)
            if args.uncapped and count > CAP:
                run(count, Path(temporary), count)


if __name__ == "__main__":
    main()
