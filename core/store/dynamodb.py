"""The DynamoDB store: the EventStore of core/store/base.py on the table of core/store/schema.py.

Endpoint, region and credentials come from the usual AWS variables (``AWS_ENDPOINT_URL`` points
it at DynamoDB Local). The client is created on first use, never at import time, so the module
is safe to import under moto and in ``chalice package``. Listings are key-condition queries on
the GSIs; nothing here ever scans. Every request goes through ``DynamoDBStore._errors``, so
whatever boto3 or botocore raises leaves this module as a StoreError that says what to do.
"""

from __future__ import annotations

import heapq
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from itertools import groupby
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from core.models import Event, FeedState, Touch
from core.store import expressions as ex
from core.store.base import Move, StoreError
from core.store.dynamodb_errors import ConditionFailed, store_error
from core.store.schema import (
    DATE_INDEX,
    GROUP_INDEX,
    SORT_KEY,
    SPAN_INDEX,
    TTL_ATTRIBUTE,
    Index,
    create_table_request,
)
from core.timeutil import day_start, parse_local

# Feed health: one item per group under one partition key (sort key = group_id), read back with
# one key-condition Query. No top-level state/group_id attribute, so no GSI sees these items;
# one item per group keeps each far below DynamoDB's 400 KB item limit at any number of groups.
FEEDS_PARTITION = "_meta#feeds"
# Topic owners, the same way: one item per topic (sort key = slug) holding its owners' group_ids.
TOPICS_PARTITION = "_meta#topics"
# Moves, the same way: one item per old event_id (the sort key) naming the new one and the day.
MOVES_PARTITION = "_meta#moves"
GET_CHUNK = 100  # BatchGetItem limit
WRITE_CHUNK = 25  # BatchWriteItem limit
MAX_ATTEMPTS = 8  # for unprocessed batch items, with exponential backoff


class DynamoDBStore:
    def __init__(self, table_name: str, *, page_size: int | None = None, client: Any = None):
        """``page_size`` caps items per Query page (tests use it to cross page boundaries)."""
        self.table_name = table_name
        self.page_size = page_size
        self.writes = 0
        self._client = client

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = boto3.client("dynamodb", config=Config(retries={"mode": "standard"}))
        return self._client

    @contextmanager
    def _errors(self) -> Iterator[Any]:
        """Yield the client; a boto3/botocore error meanwhile (making the client included)
        becomes the StoreError of core/store/dynamodb_errors.py, the original as its cause."""
        try:
            yield self.client
        except (BotoCoreError, ClientError) as exc:
            endpoint = self._client.meta.endpoint_url if self._client else None
            raise store_error(exc, self.table_name, endpoint) from exc

    def _call(self, operation: str, **params: Any) -> dict[str, Any]:
        """One API call, through ``_errors``."""
        with self._errors() as client:
            return getattr(client, operation)(**params)

    def _batch(self, operation: str, chunk: Any, unprocessed: str) -> list[dict[str, Any]]:
        """One batch call, resending what comes back unprocessed (throttling) with exponential
        backoff; returns every reply."""
        replies = []
        pending = {self.table_name: chunk}
        for attempt in range(MAX_ATTEMPTS):
            replies.append(self._call(operation, RequestItems=pending))
            pending = replies[-1].get(unprocessed) or {}
            if not pending:
                return replies
            time.sleep(min(0.05 * 2**attempt, 2.0))
        raise StoreError(
            f"DynamoDB table {self.table_name!r} left items of {operation} unprocessed after"
            f" {MAX_ATTEMPTS} attempts (throttled): retry later; if it persists, check the"
            " throttle alarm and the account's DynamoDB quotas"
        )

    def _query(
        self,
        index: Index,
        value: str,
        start_from: str,
        start_before: str | None,
        ends_after: str | None,
        page_hint: int | None,
    ) -> Iterator[Event]:
        """One GSI partition, start_from <= start_datetime < start_before, lazily over pages,
        in (start_datetime, event_id) order: the GSI orders by start_datetime only, so each run
        of equal starts is sorted (groupby lets a run straddle pages)."""
        if start_before is not None and start_from >= start_before:
            return
        params = {"TableName": self.table_name}
        params |= ex.index_query(index, value, start_from, start_before, ends_after)
        items = self._pages(params, page_hint)
        events = (e for e in items if start_before is None or e.start_datetime < start_before)
        for _, run in groupby(events, key=lambda e: e.start_datetime):
            yield from sorted(run, key=lambda e: e.event_id)

    def _pages(self, params: dict[str, Any], page_hint: int | None) -> Iterator[Event]:
        """Query pages: the first sized to the hint (plus the one item of look-ahead that closes
        a run of equal starts), each further one twice the last (the caller's own filters may
        drop some); without a hint DynamoDB's 1 MB pages."""
        limit = page_hint + 1 if page_hint else None
        shared: dict[str, str] = {}  # what these events have alike, held once
        while True:
            if limit or self.page_size:
                params["Limit"] = min(n for n in (limit, self.page_size) if n)
            page = self._call("query", **params)
            yield from (ex.decode(item, shared) for item in page["Items"])
            if "LastEvaluatedKey" not in page:
                return
            params["ExclusiveStartKey"] = page["LastEvaluatedKey"]
            limit = limit and limit * 2

    def query_by_state(
        self,
        partition: str,
        start_from: str,
        start_before: str | None = None,
        *,
        ends_after: str | None = None,
        page_hint: int | None = None,
    ) -> Iterator[Event]:
        """With an ``ends_after`` hint, the days before its own are read from the SpanIndex:
        an event that started on an earlier day and ends after the hint runs past a midnight.
        Two small Queries instead of one that reads every event of those days."""
        split = start_from
        if ends_after:
            split = max(start_from, day_start(parse_local(ends_after).date()))
        if start_before is not None:
            split = min(split, start_before)
        main = self._query(DATE_INDEX, partition, split, start_before, ends_after, page_hint)
        if split == start_from:
            return main
        running = self._query(SPAN_INDEX, partition, start_from, split, ends_after, None)
        return heapq.merge(running, main, key=lambda e: (e.start_datetime, e.event_id))

    def query_by_group(
        self,
        group_id: str,
        start_from: str = "",
        start_before: str | None = None,
        *,
        ends_after: str | None = None,
        page_hint: int | None = None,
    ) -> Iterator[Event]:
        return self._query(GROUP_INDEX, group_id, start_from, start_before, ends_after, page_hint)

    def get_events(self, keys: Iterable[tuple[str, str]]) -> dict[str, Event]:
        found: dict[str, Event] = {}
        unique = [ex.key(*k) for k in dict.fromkeys(keys)]  # BatchGetItem rejects duplicates
        for i in range(0, len(unique), GET_CHUNK):
            chunk = {"Keys": unique[i : i + GET_CHUNK], "ConsistentRead": True}
            for reply in self._batch("batch_get_item", chunk, "UnprocessedKeys"):
                for event in map(ex.decode, reply["Responses"].get(self.table_name, [])):
                    found[event.event_id] = event
        return found

    def put_events(self, events: Sequence[Event]) -> None:
        latest = {e.key: e for e in events}  # one request per key: the last version wins
        self._write([{"PutRequest": {"Item": ex.encode(e)}} for e in latest.values()])

    def delete_events(self, keys: Sequence[tuple[str, str]]) -> None:
        self._write([{"DeleteRequest": {"Key": ex.key(*k)}} for k in dict.fromkeys(keys)])

    def _write(self, requests: list[dict[str, Any]]) -> None:
        for i in range(0, len(requests), WRITE_CHUNK):
            chunk = requests[i : i + WRITE_CHUNK]
            self._batch("batch_write_item", chunk, "UnprocessedItems")
            self.writes += len(chunk)

    def expire(self, now_ts: int) -> int:
        """Nothing to do: the table's TTL deletes expired items, and readers ignore them until
        it has."""
        return 0

    def touch_events(self, touches: Sequence[Touch]) -> None:
        """One small conditional UpdateItem each; a touch never resurrects a deleted item."""
        for t in touches:
            with suppress(ConditionFailed):  # deleted meanwhile: nothing to refresh
                self._call("update_item", TableName=self.table_name, **ex.touch_update(t))
            self.writes += 1

    def load_feed_states(self) -> dict[str, FeedState]:
        return {item[SORT_KEY]["S"]: ex.feed_state(item) for item in self._items(FEEDS_PARTITION)}

    def save_feed_states(self, states: Mapping[str, FeedState]) -> None:
        """Replace the records: write every given group's, delete those no longer given."""
        stale = {item[SORT_KEY]["S"] for item in self._items(FEEDS_PARTITION)} - set(states)
        self._write(
            [{"DeleteRequest": {"Key": ex.key(FEEDS_PARTITION, gid)}} for gid in sorted(stale)]
            + [
                {"PutRequest": {"Item": ex.feed_item(FEEDS_PARTITION, gid, state)}}
                for gid, state in states.items()
            ]
        )

    def load_topic_owners(self) -> dict[str, list[str]]:
        """One Query of a few small items (one per topic): a ``category=`` page's first read."""
        items = self._items(TOPICS_PARTITION)
        return {item[SORT_KEY]["S"]: ex.topic_owners(item) for item in items}

    def save_topic_owners(self, owners: Mapping[str, Sequence[str]]) -> None:
        """Write only the topics whose owners changed and delete those no longer given: on a
        typical day nothing."""
        stored = self.load_topic_owners()
        self._write(
            [
                {"DeleteRequest": {"Key": ex.key(TOPICS_PARTITION, slug)}}
                for slug in sorted(stored.keys() - owners.keys())
            ]
            + [
                {"PutRequest": {"Item": ex.topic_item(TOPICS_PARTITION, slug, groups)}}
                for slug, groups in owners.items()
                if stored.get(slug) != list(groups)
            ]
        )

    def load_moves(self) -> dict[str, Move]:
        """One Query (a year of moves is a few thousand small items: a page or two)."""
        return {item[SORT_KEY]["S"]: ex.move(item) for item in self._items(MOVES_PARTITION)}

    def save_moves(self, moves: Mapping[str, Move]) -> None:
        """Write only the moves that are new or changed, delete those no longer given."""
        stored = self.load_moves()
        self._write(
            [
                {"DeleteRequest": {"Key": ex.key(MOVES_PARTITION, old)}}
                for old in sorted(stored.keys() - moves.keys())
            ]
            + [
                {"PutRequest": {"Item": ex.move_item(MOVES_PARTITION, old, move)}}
                for old, move in moves.items()
                if stored.get(old) != move
            ]
        )

    def put_record(self, key: str, value: Mapping[str, str], expires_at: int) -> None:
        item = ex.record_item(key, dict(value), expires_at)
        self._call("put_item", TableName=self.table_name, Item=item)
        self.writes += 1

    def get_record(self, key: str, now_ts: int) -> dict[str, str] | None:
        reply = self._call(
            "get_item", TableName=self.table_name, Key=ex.record_key(key), ConsistentRead=True
        )
        return ex.record_value(reply.get("Item"), now_ts)

    def delete_record(self, key: str) -> None:
        self._call("delete_item", TableName=self.table_name, Key=ex.record_key(key))
        self.writes += 1

    def claim_record(self, key: str, expires_at: int, now_ts: int) -> bool:
        self.writes += 1
        try:
            self._call(
                "put_item", TableName=self.table_name, **ex.record_claim(key, expires_at, now_ts)
            )
        except ConditionFailed:
            return False
        return True

    def count_hit(self, key: str, expires_at: int, now_ts: int) -> int:
        self.writes += 1
        try:
            reply = self._call(
                "update_item", TableName=self.table_name, **ex.record_hit(key, expires_at, now_ts)
            )
        except ConditionFailed:  # expired, not yet deleted: this hit starts a new count
            item = ex.record_item(key, {}, expires_at) | {"hits": {"N": "1"}}
            self._call("put_item", TableName=self.table_name, Item=item)
            return 1
        return int(reply["Attributes"]["hits"]["N"])

    def _items(self, partition: str) -> Iterator[dict[str, Any]]:
        """Every item of one bookkeeping partition, consistently: a record is read back to
        decide what to write."""
        params = {"TableName": self.table_name, "ConsistentRead": True}
        params |= ex.partition_query(partition)
        while True:
            page = self._call("query", **params)
            yield from page["Items"]
            if "LastEvaluatedKey" not in page:
                return
            params["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None


def create_table(table_name: str, *, client: Any = None) -> bool:
    """Create the table of core/store/schema.py if missing, wait until it is ACTIVE, enable TTL.

    True if this call created it, False if it was there already with the same schema; one with
    another schema is a StoreError. For ``dctech store create``, tests and DynamoDB Local
    (production tables come from the infra stack).
    """
    request = create_table_request(table_name)
    with DynamoDBStore(table_name, client=client)._errors() as client:
        try:
            client.create_table(**request)
            created = True
        except client.exceptions.ResourceInUseException:  # there already, or being created
            created = False
        client.get_waiter("table_exists").wait(
            TableName=table_name, WaiterConfig={"Delay": 2, "MaxAttempts": 60}
        )
        ttl = client.describe_time_to_live(TableName=table_name)["TimeToLiveDescription"]
        differences = _differences(client.describe_table(TableName=table_name)["Table"], ttl)
        if differences:
            raise StoreError(
                f"DynamoDB table {table_name!r} at {client.meta.endpoint_url} already exists"
                f" with another {', '.join(differences)} than core/store/schema.py defines:"
                " delete it (or use another table name) and run `dctech store create` again"
            )
        if ttl.get("TimeToLiveStatus") not in ("ENABLED", "ENABLING"):
            client.update_time_to_live(
                TableName=table_name,
                TimeToLiveSpecification={"Enabled": True, "AttributeName": TTL_ATTRIBUTE},
            )
    return created


def _differences(table: Mapping[str, Any], ttl: Mapping[str, Any]) -> list[str]:
    """Where a DescribeTable (and DescribeTimeToLive) reply departs from the schema. DynamoDB
    lists attributes and indexes in an order of its own, so they compare as mappings."""

    def shape(table: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "KeySchema": table["KeySchema"],
            "AttributeDefinitions": {
                a["AttributeName"]: a["AttributeType"] for a in table["AttributeDefinitions"]
            },
            "GlobalSecondaryIndexes": {
                i["IndexName"]: (i["KeySchema"], i["Projection"])
                for i in table.get("GlobalSecondaryIndexes", [])
            },
        }

    found, wanted = shape(table), shape(create_table_request(table["TableName"]))
    differences = [part for part in wanted if found[part] != wanted[part]]
    enabled = ttl.get("TimeToLiveStatus") in ("ENABLED", "ENABLING")
    if enabled and ttl.get("AttributeName") != TTL_ATTRIBUTE:
        differences.append("TimeToLive")
    return differences
