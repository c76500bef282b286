"""The shared listing query: it hands stores the ``ends_after`` hint, and stays exact whether a
store honours the hint or not."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date

import pytest
from store_backends import make_event

from core.models import NO_STATE_PARTITION, VIRTUAL, Event
from core.query import PARTITIONS, EventFilter, list_events
from core.store.sqlite import SQLiteStore

NOW_TS = 1_800_000_000
EVENTS = [
    make_event("over", "2026-11-20T09:00:00", end_datetime="2026-11-20T11:00:00"),
    make_event("month", "2026-11-10T00:00:00", end_datetime="2026-12-05T00:00:00", all_day=True),
    make_event("running", "2026-11-29T10:00:00", end_datetime="2026-12-02T10:00:00", state="MD"),
    make_event("ends-at-window", "2026-11-30T00:00:00", end_datetime="2026-12-01T00:00:00"),
    make_event("instant", "2026-12-01T00:00:00", end_datetime="2026-12-01T00:00:00", state=None),
    make_event("tie-b", "2026-12-01T18:00:00", group_id="nova-js"),
    make_event("tie-a", "2026-12-01T18:00:00", state="VA"),
    make_event("later", "2026-12-04T09:00:00"),
    make_event("webinar", "2026-12-02T12:00:00", state=None, location_type=VIRTUAL),
]
FILTERS = [
    EventFilter(start=date(2026, 12, 1)),
    EventFilter(start=date(2026, 12, 1), end=date(2026, 12, 1)),
    EventFilter(start=date(2026, 12, 1), state="DC"),
    EventFilter(start=date(2026, 12, 1), location_type=VIRTUAL),
    EventFilter(start=date(2026, 12, 1), group_id="dc-python"),
    EventFilter(start=date(2026, 12, 2), after=("2026-11-29T10:00:00", "running")),
    EventFilter(start=date(2026, 12, 1), after=("2026-12-01T18:00:00", "tie-a")),
]


class IgnoresHint:
    """A store taking the hint but returning everything: allowed, since it is only a hint.
    Records the hints, the DateIndex partitions asked for and each group partition's page
    hint."""

    def __init__(self, inner: SQLiteStore) -> None:
        self.inner = inner
        self.hints: list[str | None] = []
        self.partitions: list[str] = []
        self.group_hints: dict[str, int | None] = {}

    def query_by_state(
        self,
        partition: str,
        start_from: str,
        start_before: str | None = None,
        *,
        ends_after: str | None = None,
        page_hint: int | None = None,
    ) -> Iterator[Event]:
        self.hints.append(ends_after)
        self.partitions.append(partition)
        return self.inner.query_by_state(partition, start_from, start_before)

    def query_by_group(
        self,
        group_id: str,
        start_from: str = "",
        start_before: str | None = None,
        *,
        ends_after: str | None = None,
        page_hint: int | None = None,
    ) -> Iterator[Event]:
        self.hints.append(ends_after)
        self.group_hints[group_id] = page_hint
        return self.inner.query_by_group(group_id, start_from, start_before)

    def load_topic_owners(self) -> dict[str, list[str]]:
        return self.inner.load_topic_owners()


@pytest.fixture
def store(tmp_path):
    opened = SQLiteStore(str(tmp_path / "events.db"))
    opened.put_events(EVENTS)
    yield opened
    opened.close()


def ids(events: Iterator[Event]) -> list[str]:
    return [e.event_id for e in events]


def test_every_query_gets_the_window_start_as_hint(store):
    recording = IgnoresHint(store)
    list(list_events(recording, EventFilter(start=date(2026, 12, 1)), now_ts=NOW_TS))
    assert recording.hints == ["2026-12-01T00:00:00"] * len(PARTITIONS)
    recording.hints.clear()
    by_group = EventFilter(
        start=date(2026, 12, 3), group_id="dc-python", after=("2026-12-03T09:00:00", "x")
    )
    list(list_events(recording, by_group, now_ts=NOW_TS))
    assert recording.hints == ["2026-12-03T00:00:00"]


def test_a_listing_overlaps_the_window_exactly(store):
    listed = ids(list_events(store, EventFilter(start=date(2026, 12, 1)), now_ts=NOW_TS))
    assert listed == ["month", "running", "instant", "tie-a", "tie-b", "webinar", "later"]


def test_a_virtual_listing_reads_only_the_no_state_partition(store):
    recording = IgnoresHint(store)
    virtual = EventFilter(start=date(2026, 12, 1), location_type=VIRTUAL)
    assert ids(list_events(recording, virtual, now_ts=NOW_TS)) == ["webinar"]
    assert recording.partitions == [NO_STATE_PARTITION]
    recording.partitions.clear()
    everything = list_events(recording, EventFilter(start=date(2026, 12, 1)), now_ts=NOW_TS)
    assert [e.event_id for e in everything if e.location_type == VIRTUAL] == ["webinar"]
    assert recording.partitions == list(PARTITIONS)


@pytest.mark.parametrize("flt", FILTERS)
def test_the_hint_changes_nothing_listed(store, flt):
    assert ids(list_events(store, flt, now_ts=NOW_TS)) == ids(
        list_events(IgnoresHint(store), flt, now_ts=NOW_TS)
    )


def test_a_topic_listing_reads_exactly_its_owner_partitions(store):
    store.put_events([replace(e, categories=["ai"]) for e in EVENTS if e.event_id != "later"])
    store.save_topic_owners({"ai": ["dc-python", "nova-js"], "data": ["nova-js"]})
    recording = IgnoresHint(store)
    ai = EventFilter(start=date(2026, 12, 1), category="ai")
    assert ids(list_events(recording, ai, now_ts=NOW_TS)) == [
        "month",
        "running",
        "instant",
        "tie-a",
        "tie-b",
        "webinar",
    ]
    assert set(recording.group_hints) == {"dc-python", "nova-js"} and recording.partitions == []
    nothing = EventFilter(start=date(2026, 12, 1), category="cloud")  # a topic no event carries
    assert ids(list_events(recording, nothing, now_ts=NOW_TS)) == []
    in_group = EventFilter(start=date(2026, 12, 1), category="data", group_id="dc-python")
    assert ids(list_events(store, in_group, now_ts=NOW_TS)) == []


@pytest.mark.parametrize(
    ("owners", "want", "first_read"),
    [(1, 51, 51), (2, 51, 28), (4, 11, 5), (30, 51, 4), (30, 2, 2), (100, 501, 8)],
)
def test_each_owner_partition_first_reads_its_share_of_the_page(store, owners, want, first_read):
    """About want / owners plus a look-ahead of 2, never more than the page: thirty partitions
    do not each read a page."""
    groups = [f"group-{n:03d}" for n in range(owners)]
    store.save_topic_owners({"ai": groups})
    recording = IgnoresHint(store)
    flt = EventFilter(start=date(2026, 12, 1), category="ai")
    list(list_events(recording, flt, now_ts=NOW_TS, want=want))
    assert recording.group_hints == dict.fromkeys(groups, first_read)
