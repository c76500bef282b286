"""The one listing query shared by the site generator and the JSON API.

Every listing is answered by key-condition queries on the DateIndex (one per state partition) or
the GroupIndex (the group's partition, or a topic's owner partitions), merged in
(start_datetime, event_id) order. Expired items (ttl passed) are ignored here, so readers never
rely on TTL deletion having happened.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from core.lifecycle import added_since
from core.models import NO_STATE_PARTITION, STATES, VIRTUAL, Event
from core.store.base import EventStore
from core.timeutil import day_start

PARTITIONS = (*STATES, NO_STATE_PARTITION)
MAX_SPAN_DAYS = 31  # how far back to look for multi-day events still running in the window
LOOK_AHEAD = 2  # read past a group partition's share of the page: shares are rarely even


@dataclass(frozen=True)
class EventFilter:
    """What a listing asks for. ``end`` is inclusive; ``category`` a topic slug; ``added_since``
    keeps events first listed on that day or later (``core.lifecycle.added_since``: no index
    holds it, so it narrows what the window's queries read); ``after`` is a
    (start_datetime, event_id) position to resume after (API cursors)."""

    start: date
    end: date | None = None
    state: str | None = None
    location_type: str | None = None
    group_id: str | None = None
    category: str | None = None
    added_since: date | None = None
    after: tuple[str, str] | None = None

    def matches(self, event: Event, now_ts: int) -> bool:
        if event.ttl and event.ttl <= now_ts:
            return False
        window_start = day_start(self.start)
        if event.end_datetime <= window_start and event.start_datetime < window_start:
            return False
        if self.state and event.state != self.state:
            return False
        if self.location_type and event.location_type != self.location_type:
            return False
        if self.group_id and event.group_id != self.group_id:
            return False
        if self.category and self.category not in event.categories:
            return False
        if self.added_since and not added_since(event, self.added_since):
            return False
        return not (self.after and (event.start_datetime, event.event_id) <= self.after)


def _order(event: Event) -> tuple[str, str]:
    return (event.start_datetime, event.event_id)


def _partitions(flt: EventFilter) -> tuple[str, ...]:
    """The DateIndex partitions that can hold matches. Virtual events never have a state (the
    collector's classifier gives them none), so they all sit in the no-state partition."""
    if flt.state:
        return (flt.state,)
    if flt.location_type == VIRTUAL:
        return (NO_STATE_PARTITION,)
    return PARTITIONS


def _share(want: int | None, partitions: int) -> int | None:
    """How much of a page to read first from each of ``partitions`` group partitions: about its
    share plus LOOK_AHEAD, never more than the page. A partition holding more of the page is
    read on (the store reads twice as much each time), so thirty owner partitions of a topic
    do not each read a whole page."""
    if not want:
        return want
    return min(want, math.ceil(want / max(partitions, 1)) + LOOK_AHEAD)


def _streams(
    store: EventStore,
    flt: EventFilter,
    window: tuple[str, str | None],
    ends_after: str,
    want: int | None,
) -> list[Iterator[Event]]:
    """One Query stream per partition that can hold matches: the group's GroupIndex partition;
    a topic's owner partitions (the collector's record, so owners of cross-posts and single
    events are read too), each sized to its share of the page; else the DateIndex partitions."""
    if flt.group_id:
        groups = [flt.group_id]
    elif flt.category:
        groups = store.load_topic_owners().get(flt.category, [])
    else:
        return [
            store.query_by_state(p, *window, ends_after=ends_after, page_hint=want)
            for p in _partitions(flt)
        ]
    hint = _share(want, len(groups))
    return [store.query_by_group(g, *window, ends_after=ends_after, page_hint=hint) for g in groups]


def list_events(
    store: EventStore, flt: EventFilter, *, now_ts: int, want: int | None = None
) -> Iterator[Event]:
    """Events overlapping [flt.start, flt.end] that match every filter, in start order.

    The lookback reaches MAX_SPAN_DAYS back for multi-day events still running at the window
    start; ``ends_after`` lets the store skip the ones already over instead of handing us
    every one of them to decode and drop. ``want``: how many the caller will take at most (a
    page), so a store need not read a whole page of its own per partition (a group partition
    of a topic reads only its share first)."""
    window_start = day_start(flt.start)
    # Clamped at date.min/date.max rather than overflowing: nothing lies beyond them.
    lookback = min(MAX_SPAN_DAYS, (flt.start - date.min).days)
    start_from = day_start(flt.start - timedelta(days=lookback))
    if flt.after:
        start_from = max(start_from, flt.after[0])
    start_before = None
    if flt.end and flt.end < date.max:
        start_before = day_start(flt.end + timedelta(days=1))
    if want and flt.after:
        want += 1  # key conditions are inclusive: the cursor's own event is read again
    streams = _streams(store, flt, (start_from, start_before), window_start, want)
    for event in heapq.merge(*streams, key=_order):
        if flt.matches(event, now_ts):
            yield event
