"""Read one calendar, once, under the collector's bounds: for the commands that look at a feed
outside a collect (`dctech add-group` before a group exists, `dctech parity` beside the store).

The fetch is collector/fetch.py's (deadline, byte cap, retries) and the parse runs in
collector/sandbox.py's worker (CPU and memory limits), so a hostile URL costs here what it would
cost a collect.

In Lambda every fetch is from public addresses only (``lambda_handler.public_fetch``): the
submission probe reads a stranger's URL, and a reviewed group's feed host may later redirect
or resolve inside (to the runtime API on 127.0.0.1:9001). `dctech add-group`, `dctech parity`
and `dctech collect` on a maintainer's machine read URLs the maintainer typed or merged, and
report a feed's events or a short error, never its body; the tests and the demo serve their
feeds from 127.0.0.1. So they fetch as given.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

from collector.fetch import FeedRequest, FetchSettings, fetch_all
from collector.parse import FEED, FeedError, ParsedFeed, Reading
from collector.sandbox import KEPT, FeedParser
from core.errors import DctechError
from core.limits import (
    MAX_PARITY_BYTES,
    MAX_PARITY_EVENTS,
    MAX_PARITY_VEVENTS,
    PARITY_PARSE_CPU_SECONDS,
    PARITY_PARSE_MEMORY_MB,
)
from core.models import Group, SiteConfig


class Unreadable(DctechError):
    """The calendar could not be fetched or parsed; ``source`` and ``reason`` say which."""

    def __init__(self, source: str, reason: str) -> None:
        self.source, self.reason = source, reason
        super().__init__(f"cannot read {source}: {reason}")


def read_calendar(
    source: str,
    group: Group,
    site: SiteConfig,
    today: date,
    *,
    root: Path = Path("."),
    whole: bool = False,
    fetch: FetchSettings | None = None,
) -> tuple[bytes, ParsedFeed]:
    """The raw bytes (for calendar-level properties) and ``group``'s events from ``source``,
    an http(s) URL or a file path relative to ``root``. Raises Unreadable.

    ``whole``: another site's whole calendar (`dctech parity`), not one group's feed: every
    event whatever its state, under the MAX_PARITY_* bounds of core/limits.py instead of a
    feed's; what is still left out is in the result's ``skipped`` and ``cut``. ``fetch``: how
    to fetch it (the probe's is public_only), the defaults when None."""
    settings, parser = fetch or FetchSettings(), FeedParser()
    reading = FEED
    if whole:
        settings = replace(settings, max_bytes=MAX_PARITY_BYTES)
        cpu = PARITY_PARSE_CPU_SECONDS
        parser = FeedParser(cpu_seconds=cpu, wall_seconds=2 * cpu, memory_mb=PARITY_PARSE_MEMORY_MB)
        reading = Reading(MAX_PARITY_EVENTS, MAX_PARITY_VEVENTS, area=False)
    result = fetch_all([FeedRequest(group.group_id, source)], settings=settings, root=root)
    fetched = result[group.group_id]
    if not fetched.ok:
        raise Unreadable(source, fetched.error or "the fetch failed")
    body = fetched.body or b""
    try:
        with parser:
            return body, parser.parse(body, group, site, today, reading)
    except FeedError as exc:
        # Nothing is stored here to keep: the collector's wording would mislead.
        raise Unreadable(source, str(exc).removesuffix(f": {KEPT}")) from exc
