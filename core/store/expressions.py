"""What the DynamoDB store sends and reads back, as plain dicts: items in DynamoDB's typed form
and the expressions of its requests. No client here: the adapter (core/store/dynamodb.py)
makes the calls."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

from core.models import NO_STATE_PARTITION, Event, FeedState, Touch
from core.store.base import Move
from core.store.schema import (
    DATE_INDEX,
    PARTITION_KEY,
    SORT_KEY,
    SPAN_INDEX,
    TTL_ATTRIBUTE,
    Index,
)
from core.timeutil import day_start, parse_local

ONE_DAY = timedelta(days=1)
RECORD_PREFIX = "_record#"  # sessions, used nonces, rate-limit counters (EventStore records)
RECORD_SORT = "_record"
_SERIALIZER = TypeSerializer()
_DESERIALIZER = TypeDeserializer()


def key(partition: str, sort: str) -> dict[str, Any]:
    """A primary key: (event_id, start_datetime) for an event."""
    return {PARTITION_KEY: {"S": partition}, SORT_KEY: {"S": sort}}


def encode(event: Event) -> dict[str, Any]:
    """None-valued attributes are omitted; no state means the ALL partition of the DateIndex;
    an event running past the midnight after its start is in the SpanIndex too."""
    data = without_none(event.to_dict())
    data[DATE_INDEX.partition_key] = event.state or NO_STATE_PARTITION
    if event.end_datetime > day_start(parse_local(event.start_datetime).date() + ONE_DAY):
        data[SPAN_INDEX.partition_key] = data[DATE_INDEX.partition_key]
    return to_dynamo(data)


def decode(item: dict[str, Any], shared: dict[str, str] | None = None) -> Event:
    """The stored event; Event.from_dict leaves out the index-only span_state (``shared``:
    see there)."""
    data = from_dynamo(item)
    if data.get(DATE_INDEX.partition_key) == NO_STATE_PARTITION:
        data[DATE_INDEX.partition_key] = None
    return Event.from_dict(data, shared)


def without_none(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in data.items() if v is not None}


def to_dynamo(data: dict[str, Any]) -> dict[str, Any]:
    return {k: _SERIALIZER.serialize(v) for k, v in data.items()}


def from_dynamo(item: dict[str, Any]) -> dict[str, Any]:
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


def feed_item(partition: str, group_id: str, state: FeedState) -> dict[str, Any]:
    """A feed health record: the group's own key, the state one map attribute."""
    return key(partition, group_id) | {"feed": {"M": to_dynamo(without_none(state.to_dict()))}}


def feed_state(item: dict[str, Any]) -> FeedState:
    return FeedState.from_dict(from_dynamo(item["feed"]["M"]))


def topic_item(partition: str, slug: str, owners: Sequence[str]) -> dict[str, Any]:
    """A topic's owners: the topic's own key, the group_ids one list attribute."""
    return key(partition, slug) | {"owners": {"L": [{"S": gid} for gid in owners]}}


def topic_owners(item: dict[str, Any]) -> list[str]:
    return [owner["S"] for owner in item["owners"]["L"]]


def move_item(partition: str, old: str, move: Move) -> dict[str, Any]:
    """A move: the old event_id's own key; no index key attribute, so no GSI holds it."""
    return key(partition, old) | {"moved_to": {"S": move.new}, "moved_on": {"S": move.on}}


def move(item: dict[str, Any]) -> Move:
    return Move(item["moved_to"]["S"], item["moved_on"]["S"])


def record_key(name: str) -> dict[str, Any]:
    """A short-lived record's key: a partition of its own (spread, never hot) under a prefix no
    event id has. Its items carry none of the indexes' key attributes, so no GSI holds them."""
    return key(RECORD_PREFIX + name, RECORD_SORT)


def record_item(name: str, value: dict[str, str], expires_at: int) -> dict[str, Any]:
    return record_key(name) | {
        "value": {"M": {k: {"S": v} for k, v in value.items()}},
        "hits": {"N": "0"},
        TTL_ATTRIBUTE: {"N": str(expires_at)},
    }


def record_value(item: dict[str, Any] | None, now_ts: int) -> dict[str, str] | None:
    """The value of a record read back, None when absent or expired (DynamoDB's TTL deletes
    items up to days late)."""
    if not item or int(item[TTL_ATTRIBUTE]["N"]) <= now_ts:
        return None
    return {k: v["S"] for k, v in item["value"]["M"].items()}


def record_claim(name: str, expires_at: int, now_ts: int) -> dict[str, Any]:
    """PutItem parameters that succeed only where no live record is."""
    return {
        "Item": record_item(name, {}, expires_at),
        "ConditionExpression": f"attribute_not_exists({PARTITION_KEY}) OR #ttl <= :now",
        "ExpressionAttributeNames": {"#ttl": TTL_ATTRIBUTE},
        "ExpressionAttributeValues": {":now": {"N": str(now_ts)}},
    }


def record_hit(name: str, expires_at: int, now_ts: int) -> dict[str, Any]:
    """UpdateItem parameters adding one to a live (or new) counter, returning the count; an
    expired one fails the condition and is restarted by a claim-like put."""
    return {
        "Key": record_key(name),
        "UpdateExpression": "ADD hits :one SET #ttl = if_not_exists(#ttl, :ttl),"
        " #value = if_not_exists(#value, :empty)",
        "ConditionExpression": f"attribute_not_exists({PARTITION_KEY}) OR #ttl > :now",
        "ExpressionAttributeNames": {"#ttl": TTL_ATTRIBUTE, "#value": "value"},
        "ExpressionAttributeValues": {
            ":one": {"N": "1"},
            ":ttl": {"N": str(expires_at)},
            ":now": {"N": str(now_ts)},
            ":empty": {"M": {}},
        },
        "ReturnValues": "UPDATED_NEW",
    }


def touch_update(touch: Touch) -> dict[str, Any]:
    """UpdateItem parameters of a touch: two attributes, and only if the item still exists
    (an update would otherwise create it)."""
    return {
        "Key": key(touch.event_id, touch.start_datetime),
        "UpdateExpression": "SET last_seen_date = :d, #ttl = :t",
        "ConditionExpression": f"attribute_exists({PARTITION_KEY})",
        "ExpressionAttributeNames": {"#ttl": TTL_ATTRIBUTE},  # a reserved word
        "ExpressionAttributeValues": {
            ":d": {"S": touch.last_seen_date},
            ":t": {"N": str(touch.ttl)},
        },
    }


def partition_query(partition: str) -> dict[str, Any]:
    """Query parameters for every item of one table partition (feed health, topic owners)."""
    return {
        "KeyConditionExpression": f"{PARTITION_KEY} = :p",
        "ExpressionAttributeValues": {":p": {"S": partition}},
    }


def index_query(
    index: Index, value: str, start_from: str, start_before: str | None, ends_after: str | None
) -> dict[str, Any]:
    """Query parameters for one GSI partition and [start_from, start_before): index, key
    condition and, given ``ends_after``, a filter.

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
    params = {"IndexName": index.name, "KeyConditionExpression": condition}
    if ends_after and ends_after > start_from:  # otherwise every item in range passes
        params["FilterExpression"] = "#e >= :e"
    used = f"{condition} {params.get('FilterExpression', '')}"
    names = {"#k": index.partition_key, "#s": index.sort_key, "#e": "end_datetime"}
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
