"""The small interface every event store implements (SQLite embedded, DynamoDB).

Access paths mirror the DynamoDB design: the primary key (event_id, start_datetime), the
DateIndex (partition ``state``: DC/MD/VA/ALL, sorted by start_datetime) and the GroupIndex
(partition ``group_id``, sorted by start_datetime). There is deliberately no "list everything":
stores never scan. Stores do not filter expired items (``ttl`` in the past); ``core.query`` does.

``ends_after`` on the two queries is a hint: a store MAY leave out events that start before it
and end at or before it (over before a window opens), so a listing need not read and decode the
lookback for multi-day events in full. ``page_hint`` is another: about how many events the
caller expects to take, so a store may read that many first instead of a whole page. Callers
still check every event they get.

Beside events a store keeps three small records the collector writes: feed health, each
topic's owner partitions (which GroupIndex partitions a ``category=`` listing must read), and the
moves (an event retitled or rescheduled under a new event_id: the site redirects its old page,
see ``Move``), each in a key family no index ever sees. And the API's short-lived records
(sign-in sessions, used sign-in nonces, rate-limit counters): each one item under its own key,
with an expiry, in a key family no index ever sees. A record past its
expiry is absent to every reader, whether or not the backend has deleted it yet.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from core.errors import DctechError
from core.models import Event, FeedState, Touch  # Touch: still importable from here

MOVES_KEPT_DAYS = 365  # as long as the site keeps a page no build produces (generator.archive)


@dataclass(frozen=True)
class Move:
    """Where an event went when the collector stored it under a new event_id (same group and
    source_uid, new title or start): the item under the old id is deleted at once, so this is
    all that is left to redirect the old id's page to the new one."""

    new: str  # the event_id it moved to
    on: str  # the collect's today (YYYY-MM-DD) when it moved; dropped MOVES_KEPT_DAYS later


class EventStore(Protocol):
    writes: int  # write requests issued (items written, updated or deleted), for benchmarks

    def query_by_state(
        self,
        partition: str,
        start_from: str,
        start_before: str | None = None,
        *,
        ends_after: str | None = None,
        page_hint: int | None = None,
    ) -> Iterator[Event]:
        """DateIndex: events of one partition with start_from <= start_datetime < start_before,
        in (start_datetime, event_id) order."""

    def query_by_group(
        self,
        group_id: str,
        start_from: str = "",
        start_before: str | None = None,
        *,
        ends_after: str | None = None,
        page_hint: int | None = None,
    ) -> Iterator[Event]:
        """GroupIndex: the group's events (primary group only), in start order."""

    def get_events(self, keys: Iterable[tuple[str, str]]) -> dict[str, Event]:
        """Batch get by primary key; returns {event_id: Event} for those that exist."""

    def put_events(self, events: Sequence[Event]) -> None:
        """Create or wholly replace items."""

    def touch_events(self, touches: Sequence[Touch]) -> None:
        """Partial update of last_seen_date and ttl only (cheap daily refresh; updated_at stays
        the time its content last changed)."""

    def delete_events(self, keys: Sequence[tuple[str, str]]) -> None:
        """Remove items by primary key."""

    def expire(self, now_ts: int) -> int:
        """Delete items whose ttl is set and <= now_ts, as DynamoDB's TTL would; returns how many
        went. Not counted in ``writes``: TTL deletion is free housekeeping, not a write request."""

    def load_feed_states(self) -> dict[str, FeedState]:
        """All feed health records, by group_id."""

    def save_feed_states(self, states: Mapping[str, FeedState]) -> None:
        """Replace the feed health records."""

    def load_topic_owners(self) -> dict[str, list[str]]:
        """Topic slug -> the group_ids (GroupIndex partitions) owning stored events that carry
        it, sorted: cross-posted events are owned by one group, so the groups listing a topic
        are not enough to find its events."""

    def save_topic_owners(self, owners: Mapping[str, Sequence[str]]) -> None:
        """Replace the topic owner record; a record equal to the stored one costs no write."""

    def load_moves(self) -> dict[str, Move]:
        """Old event_id -> where it moved, in one read (one Query in DynamoDB)."""

    def save_moves(self, moves: Mapping[str, Move]) -> None:
        """Replace the moves record, writing only the moves that changed and deleting those no
        longer given (the collector bounds it: a year of moves)."""

    def put_record(self, key: str, value: Mapping[str, str], expires_at: int) -> None:
        """Create or replace the record ``key`` holding ``value``, gone at ``expires_at``
        (epoch seconds)."""

    def get_record(self, key: str, now_ts: int) -> dict[str, str] | None:
        """The record's value, None when there is none or it has expired by ``now_ts``."""

    def delete_record(self, key: str) -> None:
        """Remove the record; removing an absent one is no error."""

    def claim_record(self, key: str, expires_at: int, now_ts: int) -> bool:
        """Create the empty record ``key`` unless a live one exists, atomically: True for the
        one caller that created it (a single-use nonce is spent), False for any other."""

    def count_hit(self, key: str, expires_at: int, now_ts: int) -> int:
        """Add one to the counter ``key`` and return its new value, atomically; an absent or
        expired counter starts again at 1 and lives until ``expires_at``."""

    def close(self) -> None: ...


class StoreError(DctechError):
    """A store URL or backend problem, with a message that says what to do."""
