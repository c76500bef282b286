"""The DynamoDB store: the table, GSIs and TTL of ARCHITECTURE.md, reached through boto3.

Endpoint, region and credentials come from the usual AWS variables (``AWS_ENDPOINT_URL`` points
it at DynamoDB Local). The client is created on first use, never at import time, so the module
is safe to import under moto and in ``chalice package``. Listings are key-condition queries on
the GSIs; nothing here ever scans.
"""

from __future__ import annotations

import heapq
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import suppress
from datetime import timedelta
from decimal import Decimal
from itertools import groupby
from typing import Any

import boto3
from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.config import Config

from core.models import NO_STATE_PARTITION, Event, FeedState
from core.store.base import StoreError, Touch
from core.timeutil import day_start, parse_local

DATE_INDEX = "DateIndex"
GROUP_INDEX = "GroupIndex"
# A sparse DateIndex of the events that run past the midnight after their start (conferences,
# hackathons, late nights): partition ``span_state`` (the event's DateIndex partition, set on
# those items only), sorted by start. A listing finds the events still running when its window
# opens here, instead of reading every event of the lookback days, most of them long over.
SPAN_INDEX = "SpanIndex"
SPAN_ATTRIBUTE = "span_state"
# Feed health: one item per group under one partition key (sort key = group_id), read back with
# one key-condition Query. No top-level state/group_id attribute, so no GSI sees these items;
# one item per group keeps each far below DynamoDB's 400 KB item limit at any number of groups.
FEEDS_PARTITION = "_meta#feeds"
GET_CHUNK = 100  # BatchGetItem limit
WRITE_CHUNK = 25  # BatchWriteItem limit
MAX_ATTEMPTS = 8  # for unprocessed batch items, with exponential backoff
ONE_DAY = timedelta(days=1)
_SERIALIZER = TypeSerializer()
_DESERIALIZER = TypeDeserializer()


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

    def _call(self, operation: str, **params: Any) -> dict[str, Any]:
        """One API call, with a missing table turned into a StoreError that says what to do."""
        client = self.client
        try:
            return getattr(client, operation)(**params)
        except client.exceptions.ResourceNotFoundException as exc:
            raise StoreError(
                f"DynamoDB table {self.table_name!r} does not exist at"
                f" {client.meta.endpoint_url}: create it with"
                f" `python -m core.store.dynamodb {self.table_name}` or deploy the infra stack"
            ) from exc

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
        raise StoreError(f"DynamoDB left items unprocessed after {MAX_ATTEMPTS} attempts")

    def _query(
        self,
        index: str,
        name: str,
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
        params = {"TableName": self.table_name, "IndexName": index}
        params |= _query_conditions(name, value, start_from, start_before, ends_after)
        items = self._pages(params, page_hint)
        events = (e for e in items if start_before is None or e.start_datetime < start_before)
        for _, run in groupby(events, key=lambda e: e.start_datetime):
            yield from sorted(run, key=lambda e: e.event_id)

    def _pages(self, params: dict[str, Any], page_hint: int | None) -> Iterator[Event]:
        """Query pages: the first sized to the hint (plus the one item of look-ahead that closes
        a run of equal starts), each further one twice the last (the caller's own filters may
        drop some); without a hint DynamoDB's 1 MB pages."""
        limit = page_hint + 1 if page_hint else None
        while True:
            if limit or self.page_size:
                params["Limit"] = min(n for n in (limit, self.page_size) if n)
            page = self._call("query", **params)
            yield from map(_decode, page["Items"])
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
        main = self._query(
            DATE_INDEX, "state", partition, split, start_before, ends_after, page_hint
        )
        if split == start_from:
            return main
        running = self._query(
            SPAN_INDEX, SPAN_ATTRIBUTE, partition, start_from, split, ends_after, None
        )
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
        return self._query(
            GROUP_INDEX, "group_id", group_id, start_from, start_before, ends_after, page_hint
        )

    def get_events(self, keys: Iterable[tuple[str, str]]) -> dict[str, Event]:
        found: dict[str, Event] = {}
        unique = [_key(*k) for k in dict.fromkeys(keys)]  # BatchGetItem rejects duplicates
        for i in range(0, len(unique), GET_CHUNK):
            chunk = {"Keys": unique[i : i + GET_CHUNK], "ConsistentRead": True}
            for reply in self._batch("batch_get_item", chunk, "UnprocessedKeys"):
                for event in map(_decode, reply["Responses"].get(self.table_name, [])):
                    found[event.event_id] = event
        return found

    def put_events(self, events: Sequence[Event]) -> None:
        latest = {e.key: e for e in events}  # one request per key: the last version wins
        self._write([{"PutRequest": {"Item": _encode(e)}} for e in latest.values()])

    def delete_events(self, keys: Sequence[tuple[str, str]]) -> None:
        self._write([{"DeleteRequest": {"Key": _key(*k)}} for k in dict.fromkeys(keys)])

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
            with suppress(self.client.exceptions.ConditionalCheckFailedException):
                self._call(
                    "update_item",
                    TableName=self.table_name,
                    Key=_key(t.event_id, t.start_datetime),
                    UpdateExpression="SET last_seen_date = :d, #ttl = :t, updated_at = :u",
                    ConditionExpression="attribute_exists(event_id)",
                    ExpressionAttributeNames={"#ttl": "ttl"},
                    ExpressionAttributeValues={
                        ":d": {"S": t.last_seen_date},
                        ":t": {"N": str(t.ttl)},
                        ":u": {"S": t.updated_at},
                    },
                )
            self.writes += 1

    def load_feed_states(self) -> dict[str, FeedState]:
        return {
            item["start_datetime"]["S"]: FeedState.from_dict(_from_dynamo(item["feed"]["M"]))
            for item in self._feed_items()
        }

    def save_feed_states(self, states: Mapping[str, FeedState]) -> None:
        """Replace the records: write every given group's, delete those no longer given."""
        stale = {item["start_datetime"]["S"] for item in self._feed_items()} - set(states)
        self._write(
            [{"DeleteRequest": {"Key": _key(FEEDS_PARTITION, gid)}} for gid in sorted(stale)]
            + [
                {
                    "PutRequest": {
                        "Item": _key(FEEDS_PARTITION, gid)
                        | {"feed": {"M": _to_dynamo(_without_none(state.to_dict()))}}
                    }
                }
                for gid, state in states.items()
            ]
        )

    def _feed_items(self) -> Iterator[dict[str, Any]]:
        params: dict[str, Any] = {
            "TableName": self.table_name,
            "KeyConditionExpression": "event_id = :p",
            "ExpressionAttributeValues": {":p": {"S": FEEDS_PARTITION}},
            "ConsistentRead": True,
        }
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


def create_table(table_name: str, *, client: Any = None) -> None:
    """Create the table as ARCHITECTURE.md describes, if missing; wait for it; enable TTL.

    Idempotent: for tests and for developers running against DynamoDB Local (production tables
    come from the infra stack).
    """
    client = client or boto3.client("dynamodb")
    with suppress(client.exceptions.ResourceInUseException):  # already there
        client.create_table(
            TableName=table_name,
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[
                {"AttributeName": name, "AttributeType": "S"}
                for name in ("event_id", "start_datetime", "state", "group_id", SPAN_ATTRIBUTE)
            ],
            KeySchema=_key_schema("event_id"),
            GlobalSecondaryIndexes=[
                {
                    "IndexName": index,
                    "KeySchema": _key_schema(partition),
                    "Projection": {"ProjectionType": "ALL"},
                }
                for index, partition in (
                    (DATE_INDEX, "state"),
                    (GROUP_INDEX, "group_id"),
                    (SPAN_INDEX, SPAN_ATTRIBUTE),
                )
            ],
        )
    client.get_waiter("table_exists").wait(
        TableName=table_name, WaiterConfig={"Delay": 2, "MaxAttempts": 60}
    )
    ttl = client.describe_time_to_live(TableName=table_name)["TimeToLiveDescription"]
    if ttl.get("TimeToLiveStatus") not in ("ENABLED", "ENABLING"):
        client.update_time_to_live(
            TableName=table_name,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": "ttl"},
        )


def _key_schema(partition: str) -> list[dict[str, str]]:
    return [
        {"AttributeName": partition, "KeyType": "HASH"},
        {"AttributeName": "start_datetime", "KeyType": "RANGE"},
    ]


def _key(event_id: str, start_datetime: str) -> dict[str, Any]:
    return {"event_id": {"S": event_id}, "start_datetime": {"S": start_datetime}}


def _encode(event: Event) -> dict[str, Any]:
    """None-valued attributes are omitted; no state means the ALL partition of the DateIndex;
    an event running past the midnight after its start is in the SpanIndex too."""
    data = _without_none(event.to_dict())
    data["state"] = event.state or NO_STATE_PARTITION
    if event.end_datetime > day_start(parse_local(event.start_datetime).date() + ONE_DAY):
        data[SPAN_ATTRIBUTE] = data["state"]
    return _to_dynamo(data)


def _decode(item: dict[str, Any]) -> Event:
    """The stored event; Event.from_dict leaves out the index-only span_state."""
    data = _from_dynamo(item)
    if data.get("state") == NO_STATE_PARTITION:
        data["state"] = None
    return Event.from_dict(data)


def _without_none(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if v is not None}


def _to_dynamo(data: dict[str, Any]) -> dict[str, Any]:
    return {k: _SERIALIZER.serialize(v) for k, v in data.items()}


def _from_dynamo(item: dict[str, Any]) -> dict[str, Any]:
    return {k: _plain(_DESERIALIZER.deserialize(v)) for k, v in item.items()}


def _plain(value: Any) -> Any:
    """Numbers come back as Decimal; ours are all ints (TypeSerializer refuses floats)."""
    if isinstance(value, Decimal):
        return int(value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _query_conditions(
    name: str, value: str, start_from: str, start_before: str | None, ends_after: str | None
) -> dict[str, Any]:
    """Key condition (and filter) of a Query for one GSI partition and [start_from, start_before).

    DynamoDB has no half-open range, so BETWEEN includes start_before: the caller drops it.
    The ``ends_after`` hint becomes a filter on end_datetime alone, since a filter may not name
    the index's sort key. ``end_datetime >= :e`` keeps everything that starts at or after it
    (the collector stores end >= start; zero-length events included) in ONE Query per
    partition; splitting the range in two Queries would filter exactly but double the requests.
    Filtered items still cost read capacity; they are just not sent and decoded.
    """
    condition = (
        "#k = :k"
        + {
            (True, True): " AND #s BETWEEN :a AND :b",
            (True, False): " AND #s >= :a",
            (False, True): " AND #s < :b",
            (False, False): "",
        }[(bool(start_from), start_before is not None)]
    )
    params = {"KeyConditionExpression": condition}
    if ends_after and ends_after > start_from:  # otherwise every item in range passes
        params["FilterExpression"] = "#e >= :e"
    used = " ".join(params.values())
    names = {"#k": name, "#s": "start_datetime", "#e": "end_datetime"}
    values = {
        ":k": {"S": value},
        ":a": {"S": start_from},
        ":b": {"S": start_before},
        ":e": {"S": ends_after},
    }
    return params | {  # DynamoDB rejects names and values the expressions do not use
        "ExpressionAttributeNames": {k: v for k, v in names.items() if k in used},
        "ExpressionAttributeValues": {k: v for k, v in values.items() if k in used},
    }


if __name__ == "__main__":
    import sys

    create_table(sys.argv[1] if len(sys.argv) > 1 else "DCTechEvents")
