"""The embedded store: one SQLite database file, created on first use.

Items are kept as JSON documents beside the columns the access paths need; the two indexes
mirror DynamoDB's DateIndex and GroupIndex so the same queries are cheap on both backends, and
the ttl column lets ``expire`` do what DynamoDB's TTL does.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path

from core.models import NO_STATE_PARTITION, Event, FeedState, Touch
from core.store.base import Move, StoreError

TABLES = """
CREATE TABLE IF NOT EXISTS events (
    event_id TEXT NOT NULL,
    start_datetime TEXT NOT NULL,
    state TEXT NOT NULL,
    group_id TEXT NOT NULL,
    item TEXT NOT NULL,
    end_datetime TEXT NOT NULL,
    ttl INTEGER,
    PRIMARY KEY (event_id, start_datetime)
);
CREATE TABLE IF NOT EXISTS feeds (group_id TEXT PRIMARY KEY, item TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS topics (slug TEXT PRIMARY KEY, owners TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS moves (old TEXT PRIMARY KEY, new TEXT NOT NULL, day TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS records (
    key TEXT PRIMARY KEY, value TEXT NOT NULL, hits INTEGER NOT NULL, ttl INTEGER NOT NULL
);
"""
# end_datetime in the listing indexes lets SQLite skip events over before the window from the
# index alone, without reading (let alone decoding) their items.
INDEXES = """
CREATE INDEX IF NOT EXISTS date_index ON events (state, start_datetime, event_id, end_datetime);
CREATE INDEX IF NOT EXISTS group_index ON events (group_id, start_datetime, event_id, end_datetime);
CREATE INDEX IF NOT EXISTS ttl_index ON events (ttl);
"""
# Databases made before end_datetime and ttl were columns: add, backfill, rebuild the indexes.
UPGRADE = (
    "ALTER TABLE events ADD COLUMN end_datetime TEXT NOT NULL DEFAULT ''",
    "ALTER TABLE events ADD COLUMN ttl INTEGER",
    "UPDATE events SET end_datetime = json_extract(item, '$.end_datetime'),"
    " ttl = nullif(json_extract(item, '$.ttl'), 0)",
    "DROP INDEX IF EXISTS date_index",
    "DROP INDEX IF EXISTS group_index",
)
LISTING = """SELECT item FROM events INDEXED BY {index} WHERE {key} = :key
AND start_datetime >= :start_from AND start_datetime < :start_before
AND (start_datetime >= :ends_after OR end_datetime > :ends_after)
ORDER BY start_datetime, event_id"""
BY_STATE = LISTING.format(index="date_index", key="state")
BY_GROUP = LISTING.format(index="group_index", key="group_id")
EXPIRE = "DELETE FROM events WHERE ttl <= :now_ts"
EXPIRE_RECORDS = "DELETE FROM records WHERE ttl <= :now_ts"
# One statement each, so a claim or a hit is atomic between processes as well as threads.
CLAIM = """INSERT INTO records VALUES (:key, '{}', 0, :ttl)
ON CONFLICT (key) DO UPDATE SET value = '{}', hits = 0, ttl = :ttl WHERE records.ttl <= :now_ts"""
HIT = """INSERT INTO records VALUES (:key, '{}', 1, :ttl)
ON CONFLICT (key) DO UPDATE SET
    hits = CASE WHEN records.ttl <= :now_ts THEN 1 ELSE records.hits + 1 END,
    ttl = CASE WHEN records.ttl <= :now_ts THEN :ttl ELSE records.ttl END
RETURNING hits"""
HIGH = "\uffff"  # sorts after any start_datetime: an open upper bound


class SQLiteStore:
    def __init__(self, path: str, *, create: bool = True) -> None:
        """``create=False`` (commands that only read) refuses a missing file rather than making
        an empty store, so a mistyped path is an error instead of "0 events"."""
        self.path = path
        self.writes = 0
        if path != ":memory:":
            if not create and not Path(path).exists():
                raise StoreError(
                    f"no event store at {path}: run `dctech collect` first (or pass --store)"
                )
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.executescript(TABLES)
            if not self._is_current():
                self._upgrade()
            self._db.executescript(INDEXES)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open SQLite store {path!r}: {exc}") from exc

    def _is_current(self) -> bool:
        return any(
            row[1] == "end_datetime" for row in self._db.execute("PRAGMA table_info(events)")
        )

    def _upgrade(self) -> None:
        with self._db:
            self._db.execute("BEGIN IMMEDIATE")
            if not self._is_current():  # another process may have upgraded it meanwhile
                for statement in UPGRADE:
                    self._db.execute(statement)

    def _events(
        self, sql: str, key: str, start_from: str, start_before: str | None, ends_after: str | None
    ) -> Iterator[Event]:
        params = {
            "key": key,
            "start_from": start_from,
            "start_before": start_before or HIGH,
            "ends_after": ends_after or "",
        }
        shared: dict[str, str] = {}  # what these events have alike, held once
        for (item,) in self._db.execute(sql, params):
            yield _decode(item, shared)

    def query_by_state(
        self,
        partition: str,
        start_from: str,
        start_before: str | None = None,
        *,
        ends_after: str | None = None,
        page_hint: int | None = None,
    ) -> Iterator[Event]:
        return self._events(BY_STATE, partition, start_from, start_before, ends_after)

    def query_by_group(
        self,
        group_id: str,
        start_from: str = "",
        start_before: str | None = None,
        *,
        ends_after: str | None = None,
        page_hint: int | None = None,
    ) -> Iterator[Event]:
        return self._events(BY_GROUP, group_id, start_from, start_before, ends_after)

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
            (
                e.event_id,
                e.start_datetime,
                e.state or NO_STATE_PARTITION,
                e.group_id,
                _encode(e),
                e.end_datetime,
                e.ttl or None,
            )
            for e in events
        ]
        with self._db:
            self._db.execute("BEGIN")
            self._db.executemany(
                "INSERT OR REPLACE INTO events (event_id, start_datetime, state, group_id, item,"
                " end_datetime, ttl) VALUES (?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
        self.writes += len(rows)

    def touch_events(self, touches: Sequence[Touch]) -> None:
        with self._db:
            self._db.execute("BEGIN")
            self._db.executemany(
                "UPDATE events SET item = json_set(item, '$.last_seen_date', :seen, '$.ttl', :ttl),"
                " ttl = nullif(:ttl, 0)"
                " WHERE event_id = :event_id AND start_datetime = :start",
                [
                    {
                        "seen": t.last_seen_date,
                        "ttl": t.ttl,
                        "event_id": t.event_id,
                        "start": t.start_datetime,
                    }
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

    def expire(self, now_ts: int) -> int:
        """DynamoDB's TTL has no counterpart here: without this the file only grows, and every
        lookback query walks dead items."""
        self._db.execute(EXPIRE_RECORDS, {"now_ts": now_ts})
        return self._db.execute(EXPIRE, {"now_ts": now_ts}).rowcount

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

    def load_topic_owners(self) -> dict[str, list[str]]:
        return {
            slug: json.loads(owners)
            for slug, owners in self._db.execute("SELECT slug, owners FROM topics ORDER BY slug")
        }

    def save_topic_owners(self, owners: Mapping[str, Sequence[str]]) -> None:
        record = {slug: list(groups) for slug, groups in owners.items()}
        if record == self.load_topic_owners():
            return
        with self._db:
            self._db.execute("BEGIN")
            self._db.execute("DELETE FROM topics")
            self._db.executemany(
                "INSERT INTO topics VALUES (?, ?)",
                [(slug, json.dumps(groups)) for slug, groups in record.items()],
            )
        self.writes += 1

    def load_moves(self) -> dict[str, Move]:
        rows = self._db.execute("SELECT old, new, day FROM moves")
        return {old: Move(new, day) for old, new, day in rows}

    def save_moves(self, moves: Mapping[str, Move]) -> None:
        stored = self.load_moves()
        gone = [(old,) for old in stored.keys() - moves.keys()]
        changed = [(old, m.new, m.on) for old, m in moves.items() if stored.get(old) != m]
        if not gone and not changed:
            return
        with self._db:
            self._db.execute("BEGIN")
            self._db.executemany("DELETE FROM moves WHERE old = ?", gone)
            self._db.executemany("INSERT OR REPLACE INTO moves VALUES (?, ?, ?)", changed)
        self.writes += len(gone) + len(changed)

    def put_record(self, key: str, value: Mapping[str, str], expires_at: int) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO records VALUES (?, ?, 0, ?)",
            (key, json.dumps(dict(value)), expires_at),
        )
        self.writes += 1

    def get_record(self, key: str, now_ts: int) -> dict[str, str] | None:
        row = self._db.execute(
            "SELECT value FROM records WHERE key = ? AND ttl > ?", (key, now_ts)
        ).fetchone()
        return json.loads(row[0]) if row else None

    def delete_record(self, key: str) -> None:
        self._db.execute("DELETE FROM records WHERE key = ?", (key,))
        self.writes += 1

    def claim_record(self, key: str, expires_at: int, now_ts: int) -> bool:
        self.writes += 1
        claimed = self._db.execute(CLAIM, {"key": key, "ttl": expires_at, "now_ts": now_ts})
        return claimed.rowcount == 1

    def count_hit(self, key: str, expires_at: int, now_ts: int) -> int:
        self.writes += 1
        params = {"key": key, "ttl": expires_at, "now_ts": now_ts}
        ((hits,),) = self._db.execute(HIT, params).fetchall()  # all: the statement completes
        return int(hits)

    def close(self) -> None:
        self._db.close()


def _encode(event: Event) -> str:
    return json.dumps(event.to_dict(), ensure_ascii=False, separators=(",", ":"))


def _decode(item: str, shared: dict[str, str] | None = None) -> Event:
    return Event.from_dict(json.loads(item), shared)
