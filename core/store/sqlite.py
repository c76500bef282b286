"""The embedded store: one SQLite database file, created on first use.

Items are kept as JSON documents beside the columns the access paths need; the two indexes
mirror DynamoDB's DateIndex and GroupIndex so the same queries are cheap on both backends.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path

from core.models import NO_STATE_PARTITION, Event, FeedState
from core.store.base import StoreError, Touch

SCHEMA = """
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
HIGH = "\uffff"  # sorts after any start_datetime: an open upper bound


class SQLiteStore:
    def __init__(self, path: str) -> None:
        self.path = path
        self.writes = 0
        if path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.executescript(SCHEMA)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open SQLite store {path!r}: {exc}") from exc

    def _events(self, sql: str, params: Sequence[object]) -> Iterator[Event]:
        for (item,) in self._db.execute(sql, params):
            yield _decode(item)

    def query_by_state(
        self, partition: str, start_from: str, start_before: str | None = None
    ) -> Iterator[Event]:
        return self._events(
            "SELECT item FROM events INDEXED BY date_index WHERE state = ?"
            " AND start_datetime >= ? AND start_datetime < ? ORDER BY start_datetime, event_id",
            (partition, start_from, start_before or HIGH),
        )

    def query_by_group(
        self, group_id: str, start_from: str = "", start_before: str | None = None
    ) -> Iterator[Event]:
        return self._events(
            "SELECT item FROM events INDEXED BY group_index WHERE group_id = ?"
            " AND start_datetime >= ? AND start_datetime < ? ORDER BY start_datetime, event_id",
            (group_id, start_from, start_before or HIGH),
        )

    def get_events(self, keys: Iterable[tuple[str, str]]) -> dict[str, Event]:
        found: dict[str, Event] = {}
        for event_id, start in keys:
            row = self._db.execute(
                "SELECT item FROM events WHERE event_id = ? AND start_datetime = ?",
                (event_id, start),
            ).fetchone()
            if row:
                found[event_id] = _decode(row[0])
        return found

    def put_events(self, events: Sequence[Event]) -> None:
        rows = [
            (e.event_id, e.start_datetime, e.state or NO_STATE_PARTITION, e.group_id, _encode(e))
            for e in events
        ]
        with self._db:
            self._db.execute("BEGIN")
            self._db.executemany("INSERT OR REPLACE INTO events VALUES (?, ?, ?, ?, ?)", rows)
        self.writes += len(rows)

    def touch_events(self, touches: Sequence[Touch]) -> None:
        with self._db:
            self._db.execute("BEGIN")
            self._db.executemany(
                "UPDATE events SET item = json_set(item, '$.last_seen_date', ?, '$.ttl', ?,"
                " '$.updated_at', ?) WHERE event_id = ? AND start_datetime = ?",
                [
                    (t.last_seen_date, t.ttl, t.updated_at, t.event_id, t.start_datetime)
                    for t in touches
                ],
            )
        self.writes += len(touches)

    def delete_events(self, keys: Sequence[tuple[str, str]]) -> None:
        with self._db:
            self._db.execute("BEGIN")
            self._db.executemany(
                "DELETE FROM events WHERE event_id = ? AND start_datetime = ?", list(keys)
            )
        self.writes += len(keys)

    def load_feed_states(self) -> dict[str, FeedState]:
        return {
            gid: FeedState.from_dict(json.loads(item))
            for gid, item in self._db.execute("SELECT group_id, item FROM feeds")
        }

    def save_feed_states(self, states: Mapping[str, FeedState]) -> None:
        with self._db:
            self._db.execute("BEGIN")
            self._db.execute("DELETE FROM feeds")
            self._db.executemany(
                "INSERT INTO feeds VALUES (?, ?)",
                [(gid, json.dumps(s.to_dict())) for gid, s in states.items()],
            )
        self.writes += 1

    def close(self) -> None:
        self._db.close()


def _encode(event: Event) -> str:
    return json.dumps(event.to_dict(), ensure_ascii=False, separators=(",", ":"))


def _decode(item: str) -> Event:
    return Event.from_dict(json.loads(item))
