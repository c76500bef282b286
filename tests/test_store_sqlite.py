"""What only the SQLite store has: its query plans, its expiry and the upgrade of old files."""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest
from store_backends import make_event

from collector.run import collect
from core.models import SiteConfig
from core.store.sqlite import BY_GROUP, BY_STATE, EXPIRE, SQLiteStore

WINDOW = "2026-12-01T00:00:00"
# The schema before end_datetime and ttl were columns, as the previous release created it.
OLD_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    event_id TEXT NOT NULL,
    start_datetime TEXT NOT NULL,
    state TEXT NOT NULL,
    group_id TEXT NOT NULL,
    item TEXT NOT NULL,
    PRIMARY KEY (event_id, start_datetime)
);
CREATE INDEX IF NOT EXISTS date_index ON events (state, start_datetime, event_id);
CREATE INDEX IF NOT EXISTS group_index ON events (group_id, start_datetime, event_id);
CREATE TABLE IF NOT EXISTS feeds (group_id TEXT PRIMARY KEY, item TEXT NOT NULL);
"""
EVENTS = [
    make_event("over", "2026-11-29T09:00:00", end_datetime="2026-11-29T11:00:00", ttl=100),
    make_event("ends-at-window", "2026-11-30T00:00:00", end_datetime=WINDOW, ttl=200),
    make_event("running", "2026-11-29T10:00:00", end_datetime="2026-12-02T10:00:00", ttl=0),
    make_event("instant", WINDOW, end_datetime=WINDOW, ttl=300),
    make_event("later", "2026-12-03T09:00:00"),
]


@pytest.fixture
def store(tmp_path: Path):
    opened = SQLiteStore(str(tmp_path / "events.db"))
    yield opened
    opened.close()


def plan(db: sqlite3.Connection, sql: str, params: dict[str, object]) -> list[str]:
    return [row[3] for row in db.execute(f"EXPLAIN QUERY PLAN {sql}", params)]


def index_columns(db: sqlite3.Connection, index: str) -> list[str]:
    return [row[2] for row in db.execute(f"PRAGMA index_info({index})")]


def assert_current_schema(path: Path) -> None:
    """Listings walk one index in order (no sort) and can judge end_datetime from it alone."""
    db = sqlite3.connect(path)
    params = {"key": "DC", "start_from": "", "start_before": "\uffff", "ends_after": WINDOW}
    assert plan(db, BY_STATE, params) == [
        "SEARCH events USING INDEX date_index (state=? AND start_datetime>? AND start_datetime<?)"
    ]
    assert plan(db, BY_GROUP, params) == [
        "SEARCH events USING INDEX group_index"
        " (group_id=? AND start_datetime>? AND start_datetime<?)"
    ]
    assert plan(db, EXPIRE, {"now_ts": 0}) == ["SEARCH events USING INDEX ttl_index (ttl<?)"]
    assert index_columns(db, "date_index") == [
        "state",
        "start_datetime",
        "event_id",
        "end_datetime",
    ]
    assert index_columns(db, "group_index") == [
        "group_id",
        "start_datetime",
        "event_id",
        "end_datetime",
    ]
    db.close()


def test_listings_use_the_indexes_in_order(store):
    assert_current_schema(Path(store.path))


def test_ends_after_drops_every_event_over_by_the_window_start(store):
    store.put_events(EVENTS)
    hinted = store.query_by_state("DC", "2026-11-01T00:00:00", ends_after=WINDOW)
    assert [e.event_id for e in hinted] == ["running", "instant", "later"]
    by_group = store.query_by_group("dc-python", ends_after=WINDOW)
    assert [e.event_id for e in by_group] == ["running", "instant", "later"]


def test_expire_deletes_passed_ttls_and_keeps_items_without_one(store):
    store.put_events(EVENTS)
    assert store.expire(200) == 2
    assert set(store.get_events(e.key for e in EVENTS)) == {"running", "instant", "later"}
    assert store.expire(200) == 0
    assert store.expire(2_000_000_000) == 2  # "running" has no ttl (0): never expires
    assert set(store.get_events(e.key for e in EVENTS)) == {"running"}


def test_a_database_of_the_previous_schema_is_upgraded_in_place(tmp_path):
    path = tmp_path / "events.db"
    old = sqlite3.connect(path)
    old.executescript(OLD_SCHEMA)
    old.executemany(
        "INSERT INTO events VALUES (?, ?, ?, ?, ?)",
        [
            (e.event_id, e.start_datetime, e.state, e.group_id, json.dumps(e.to_dict()))
            for e in EVENTS
        ],
    )
    old.commit()
    old.close()

    store = SQLiteStore(str(path))
    assert store.get_events(e.key for e in EVENTS) == {e.event_id: e for e in EVENTS}
    hinted = store.query_by_state("DC", "2026-11-01T00:00:00", ends_after=WINDOW)
    assert [e.event_id for e in hinted] == ["running", "instant", "later"]
    assert store.expire(250) == 2  # ttl backfilled from the items
    store.close()

    assert_current_schema(path)
    reopened = SQLiteStore(str(path))  # an upgraded file opens as is
    assert set(reopened.get_events(e.key for e in EVENTS)) == {"running", "instant", "later"}
    reopened.close()


def test_a_collect_leaves_no_expired_item_behind(store):
    store.put_events(EVENTS)
    now = datetime.fromtimestamp(250, UTC)
    summary = collect(store, [], SiteConfig(), today=now.date(), now=now)
    assert set(store.get_events(e.key for e in EVENTS)) == {"running", "instant", "later"}
    assert summary.writes == 1, "only the feed health record: expiry is housekeeping"
