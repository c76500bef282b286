"""Read one calendar, once, under the collector's bounds: for the commands that look at a feed
outside a collect (`dctech add-group` before a group exists, `dctech parity` beside the store).

The fetch is collector/fetch.py's (deadline, byte cap, retries) and the parse runs in
collector/sandbox.py's worker (CPU and memory limits), so a hostile URL costs here what it would
cost a collect.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from collector.fetch import FeedRequest, fetch_all
from collector.parse import FeedError, ParsedFeed
from collector.sandbox import KEPT, FeedParser
from core.errors import DctechError
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
) -> tuple[bytes, ParsedFeed]:
    """The raw bytes (for calendar-level properties) and ``group``'s events from ``source``,
    an http(s) URL or a file path relative to ``root``. Raises Unreadable."""
    result = fetch_all([FeedRequest(group.group_id, source)], root=root)
    fetched = result[group.group_id]
    if not fetched.ok:
        raise Unreadable(source, fetched.error or "the fetch failed")
    body = fetched.body or b""
    try:
        with FeedParser() as parser:
            return body, parser.parse(body, group, site, today)
    except FeedError as exc:
        # Nothing is stored here to keep: the collector's wording would mislead.
        raise Unreadable(source, str(exc).removesuffix(f": {KEPT}")) from exc
