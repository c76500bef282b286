"""What only the DynamoDB store has: the table it creates, its requests, its errors (moto)."""

from __future__ import annotations

from datetime import date
from itertools import islice
from typing import Any

import boto3
import pytest
from botocore.exceptions import NoRegionError
from moto import mock_aws
from store_backends import TABLE, make_event, moto_backend

import core.store.dynamodb as dynamodb
from core.models import FeedState
from core.query import EventFilter, list_events
from core.store import schema
from core.store.base import StoreError, Touch
from core.store.dynamodb import DynamoDBStore, create_table


@pytest.fixture
def moto():
    with moto_backend() as backend:
        yield backend


def test_create_table_makes_the_schema_and_is_idempotent():
    with mock_aws():
        assert create_table(TABLE) is True
        assert create_table(TABLE) is False  # already there, with the same schema
        client = boto3.client("dynamodb")
        table = client.describe_table(TableName=TABLE)["Table"]
        ttl = client.describe_time_to_live(TableName=TABLE)["TimeToLiveDescription"]
    wanted = schema.create_table_request(TABLE)
    assert table["KeySchema"] == wanted["KeySchema"]
    assert table["BillingModeSummary"]["BillingMode"] == wanted["BillingMode"]
    assert sorted(table["AttributeDefinitions"], key=str) == sorted(
        wanted["AttributeDefinitions"], key=str
    )
    assert [
        {k: i[k] for k in ("IndexName", "KeySchema", "Projection")}
        for i in table["GlobalSecondaryIndexes"]
    ] == wanted["GlobalSecondaryIndexes"]
    assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": schema.TTL_ATTRIBUTE}


def test_a_table_with_another_schema_is_an_error_not_already_there():
    with mock_aws():
        client = boto3.client("dynamodb")
        request = schema.create_table_request(TABLE)
        keys_only = [
            i | {"Projection": {"ProjectionType": "KEYS_ONLY"}}
            for i in request["GlobalSecondaryIndexes"]
        ]
        client.create_table(**request | {"GlobalSecondaryIndexes": keys_only})
        with pytest.raises(StoreError, match=r"another GlobalSecondaryIndexes than core/store/"):
            create_table(TABLE)
        client.delete_table(TableName=TABLE)
        client.create_table(**request)
        client.update_time_to_live(
            TableName=TABLE, TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires"}
        )
        with pytest.raises(StoreError, match=r"another TimeToLive than"):
            create_table(TABLE)


def test_a_missing_table_says_how_to_create_it():
    with mock_aws():
        store = DynamoDBStore("NoSuchTable")
        create = r"create it with `dctech store create --store dynamodb://NoSuchTable`"
        with pytest.raises(StoreError, match=create):
            list(store.query_by_state("DC", "2026-12-01T00:00:00"))
        with pytest.raises(StoreError, match="'NoSuchTable' not found at https://dynamodb"):
            store.put_events([make_event("e", "2026-12-01T18:00:00")])


def test_the_client_is_created_on_first_use_only(monkeypatch, tmp_path):
    for name in ("AWS_DEFAULT_REGION", "AWS_REGION"):
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    store = DynamoDBStore(TABLE)  # no region anywhere: fine until a request is made
    with pytest.raises(StoreError, match="no AWS region for DynamoDB: set AWS_REGION") as error:
        list(store.query_by_state("DC", ""))
    assert isinstance(error.value.__cause__, NoRegionError)


def test_an_unchanged_event_costs_one_small_update(moto):
    event = make_event("e", "2026-12-01T18:00:00")
    moto.store.put_events([event])
    moto.calls.clear()
    moto.store.touch_events([Touch("e", event.start_datetime, "2026-12-01", 1_950_000_000)])
    assert moto.calls == ["UpdateItem"]
    assert moto.store.writes == 2


def test_items_omit_none_and_put_stateless_events_in_all(moto):
    moto.store.put_events([make_event("e", "2026-12-01T18:00:00", state=None)])
    item = moto.store.client.get_item(
        TableName=TABLE,
        Key={"event_id": {"S": "e"}, "start_datetime": {"S": "2026-12-01T18:00:00"}},
    )["Item"]
    assert item["state"] == {"S": "ALL"}
    assert item["ttl"] == {"N": "1900000000"}
    assert not {"city", "cost", "submitted_by", "submitter_link"} & set(item)


def test_feed_states_are_one_item_per_group_outside_every_index(moto):
    states = {g: FeedState(g, http_status=200) for g in ("a", "b", "c")}
    moto.store.save_feed_states(states)
    assert moto.calls == ["Query", "BatchWriteItem"]  # what exists, then one batch
    moto.calls.clear()
    assert moto.store.load_feed_states() == states
    assert moto.calls == ["Query"]  # one key-condition query reads them all
    key = {"event_id": {"S": dynamodb.FEEDS_PARTITION}, "start_datetime": {"S": "b"}}
    item = moto.store.client.get_item(TableName=TABLE, Key=key)["Item"]
    assert not {"state", "group_id", "ttl"} & set(item)
    moto.store.save_feed_states({"a": states["a"]})  # a replacement drops groups no longer given
    assert moto.store.load_feed_states() == {"a": states["a"]}


def test_queries_read_pages_lazily(moto):
    moto.store.put_events([make_event(f"e{n}", f"2026-12-0{n + 1}T18:00:00") for n in range(5)])
    moto.calls.clear()
    listing = moto.store.query_by_state("DC", "2026-12-01T00:00:00")
    assert moto.calls == []
    next(listing)
    assert moto.calls == ["Query"]
    assert len(list(listing)) == 4
    assert moto.calls == ["Query"] * 3  # pages of 2


def stored_item(store: DynamoDBStore, event) -> dict[str, Any]:
    key = {"event_id": {"S": event.event_id}, "start_datetime": {"S": event.start_datetime}}
    return store.client.get_item(TableName=TABLE, Key=key)["Item"]


def test_only_events_running_past_a_midnight_are_in_the_span_index(moto):
    events = {
        "evening": make_event("evening", "2026-12-01T18:00:00"),
        "all-day": make_event(
            "all-day", "2026-12-01T00:00:00", end_datetime="2026-12-02T00:00:00", all_day=True
        ),
        "late-night": make_event(
            "late-night", "2026-12-01T22:00:00", end_datetime="2026-12-02T01:00:00", state=None
        ),
        "conference": make_event(
            "conference", "2026-12-01T09:00:00", end_datetime="2026-12-03T17:00:00", state="VA"
        ),
    }
    moto.store.put_events(list(events.values()))
    spans = {k: stored_item(moto.store, e).get("span_state") for k, e in events.items()}
    assert spans == {
        "evening": None,
        "all-day": None,
        "late-night": {"S": "ALL"},
        "conference": {"S": "VA"},
    }
    assert "span_state" not in vars(next(moto.store.query_by_state("VA", "")))  # index-only


def test_a_hinted_listing_reads_running_events_not_the_lookback():
    """Thirty days of events long over before the window, three still running into it: the
    store reads the three from the SpanIndex and the window itself, never the thirty."""
    over = [make_event(f"over{n:02d}", f"2026-11-{n + 1:02d}T18:00:00") for n in range(30)]
    running = [
        make_event("night", "2026-11-30T22:00:00", end_datetime="2026-12-01T01:00:00"),
        make_event("summit", "2026-11-28T09:00:00", end_datetime="2026-12-02T17:00:00"),
        make_event("month", "2026-11-02T00:00:00", end_datetime="2026-12-05T00:00:00"),
    ]
    window = [make_event(f"w{n}", f"2026-12-0{n + 1}T18:00:00") for n in range(3)]
    with moto_backend(page_size=None) as backend:
        backend.store.put_events(over + running + window)
        backend.calls.clear()
        replies: list[dict[str, Any]] = []
        backend.store.client.meta.events.register(
            "after-call.dynamodb.Query", lambda parsed, **_: replies.append(parsed)
        )
        listed = backend.store.query_by_state(
            "DC", "2026-11-01T00:00:00", ends_after="2026-12-01T00:00:00"
        )
        ids = [e.event_id for e in listed]
    assert ids == ["month", "summit", "night", "w0", "w1", "w2"]
    assert backend.calls == ["Query", "Query"]  # SpanIndex, then DateIndex from the window
    assert sum(r["ScannedCount"] for r in replies) == len(running) + len(window)


def test_a_page_hint_sizes_the_first_query_and_doubles_after(moto):
    store = DynamoDBStore(TABLE, client=moto.store.client)
    store.put_events([make_event(f"e{n:02d}", f"2026-12-{n + 1:02d}T18:00:00") for n in range(20)])
    limits: list[int | None] = []
    store.client.meta.events.register(
        "before-parameter-build.dynamodb.Query",
        lambda params, **_: limits.append(params.get("Limit")),
    )
    listing = store.query_by_state("DC", "2026-12-01T00:00:00", page_hint=3)
    assert [e.event_id for e in islice(listing, 3)] == ["e00", "e01", "e02"]
    assert limits == [4]  # and a fourth item, to know the third's run of equal starts is over
    assert len(list(listing)) == 17
    assert limits == [4, 8, 16]  # the last page ends the partition
    limits.clear()
    assert len(list(store.query_by_state("DC", "2026-12-01T00:00:00"))) == 20
    assert limits == [None]  # no hint: DynamoDB's own 1 MB pages


def test_listings_never_scan(moto):
    store = moto.store
    store.put_events([make_event("e", "2026-12-01T18:00:00")])
    store.touch_events([Touch("e", "2026-12-01T18:00:00", "2026-12-01", 1)])
    store.get_events([("e", "2026-12-01T18:00:00")])
    list(list_events(store, EventFilter(start=date(2026, 12, 1)), now_ts=0))
    list(list_events(store, EventFilter(start=date(2026, 12, 1), group_id="x"), now_ts=0))
    store.save_feed_states({})
    store.load_feed_states()
    store.delete_events([("e", "2026-12-01T18:00:00")])
    assert "Query" in moto.calls
    assert set(moto.calls) <= {
        "Query",
        "GetItem",
        "PutItem",
        "UpdateItem",
        "BatchGetItem",
        "BatchWriteItem",
    }


class Throttled:
    """A client whose first ``throttled`` batch calls process only their first request."""

    def __init__(self, client: Any, throttled: int) -> None:
        self._client = client
        self.throttled = throttled

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def batch_write_item(self, RequestItems):
        ((table, requests),) = RequestItems.items()
        if self.throttled <= 0:
            return self._client.batch_write_item(RequestItems=RequestItems)
        self.throttled -= 1
        self._client.batch_write_item(RequestItems={table: requests[:1]})
        return {"UnprocessedItems": {table: requests[1:]} if requests[1:] else {}}

    def batch_get_item(self, RequestItems):
        ((table, request),) = RequestItems.items()
        if self.throttled <= 0:
            return self._client.batch_get_item(RequestItems=RequestItems)
        self.throttled -= 1
        first = self._client.batch_get_item(RequestItems={table: {"Keys": request["Keys"][:1]}})
        rest = {table: {"Keys": request["Keys"][1:]}} if request["Keys"][1:] else {}
        return {"Responses": first["Responses"], "UnprocessedKeys": rest}


def test_unprocessed_batch_items_are_retried(moto, monkeypatch):
    sleeps: list[float] = []
    monkeypatch.setattr(dynamodb.time, "sleep", sleeps.append)
    client = Throttled(moto.store.client, throttled=3)
    store = DynamoDBStore(TABLE, client=client)
    events = [make_event(f"e{n:02d}", "2026-12-01T18:00:00") for n in range(30)]
    store.put_events(events)
    assert store.writes == 30
    client.throttled = 2
    assert store.get_events([e.key for e in events]) == {e.event_id: e for e in events}
    assert sleeps == [0.05, 0.1, 0.2, 0.05, 0.1]


def test_a_batch_that_never_gets_through_is_an_error(moto, monkeypatch):
    monkeypatch.setattr(dynamodb.time, "sleep", lambda _: None)
    store = DynamoDBStore(TABLE, client=Throttled(moto.store.client, throttled=100))
    with pytest.raises(StoreError, match="unprocessed"):
        store.put_events([make_event(f"e{n}", "2026-12-01T18:00:00") for n in range(20)])
