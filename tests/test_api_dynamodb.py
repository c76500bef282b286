"""The API's DynamoDB traffic, counted per request with botocore event hooks under moto: only
key-condition Queries (never a Scan), one first-page Query per partition the filters need, further
Queries only to follow a partition's LastEvaluatedKey, and partitions read lazily (a small page
does not drain the table)."""

from __future__ import annotations

import json
import random
from collections import defaultdict
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

import pytest
from chalice.test import Client
from moto import mock_aws
from store_backends import make_event

import api.app as api_app
from core.models import NO_STATE_PARTITION
from core.query import MAX_SPAN_DAYS
from core.runtime import Clock, Runtime
from core.store.dynamodb import DynamoDBStore, create_table

TODAY = date(2026, 12, 1)
TABLE = "DCTechEvents"
GROUPS = ("dc-python", "nova-js", "baltimore-ai")


def dataset() -> list:
    rng = random.Random(11)
    events = []
    for n in range(60):
        day = TODAY + timedelta(days=rng.randint(-3, 30))
        virtual = rng.random() < 0.25
        events.append(
            make_event(
                f"ev{n:02d}",
                f"{day.isoformat()}T{rng.choice((10, 18, 19))}:00:00",
                state=None if virtual else rng.choice(("DC", "MD", "VA")),
                location_type="virtual" if virtual else "in_person",
                group_id=rng.choice(GROUPS),
            )
        )
    return events


EVENTS = dataset()


class Traffic:
    """Every DynamoDB request the store makes: (operation, API parameters, parsed reply)."""

    def __init__(self, store: DynamoDBStore) -> None:
        self.calls: list[tuple[str, dict[str, Any], dict[str, Any]]] = []
        events = store.client.meta.events
        events.register("before-parameter-build.dynamodb", self._before)
        events.register("after-call.dynamodb", self._after)

    def stop(self, store: DynamoDBStore) -> None:
        events = store.client.meta.events
        events.unregister("before-parameter-build.dynamodb", self._before)
        events.unregister("after-call.dynamodb", self._after)

    def _before(self, model: Any, params: dict[str, Any], **_: Any) -> None:
        self.calls.append((model.name, dict(params), {}))

    def _after(self, model: Any, parsed: dict[str, Any], **_: Any) -> None:
        self.calls[-1][2].update(parsed)

    def by_partition(self) -> dict[tuple[str, str], list[tuple[dict, dict]]]:
        pages = defaultdict(list)
        for _, params, reply in self.calls:
            key = params["ExpressionAttributeValues"][":k"]["S"]
            pages[(params["IndexName"], key)].append((params, reply))
        return dict(pages)


@pytest.fixture(params=[None, 3], ids=["1MB-pages", "3-item-pages"])
def served(request, monkeypatch):
    with mock_aws():
        create_table(TABLE)
        store = DynamoDBStore(TABLE, page_size=request.param)
        store.put_events(EVENTS)
        traffic = Traffic(store)
        monkeypatch.setattr(api_app, "_runtime", Runtime(opened=store, clock=Clock(TODAY)))
        yield Client(api_app.app), traffic, request.param
        store.close()


def expected_partitions(query: dict[str, str]) -> set[tuple[str, str]]:
    """Each DateIndex partition with its SpanIndex twin (the events still running when the
    window opens), or the group's GroupIndex partition."""
    if "group_id" in query:
        return {("GroupIndex", query["group_id"])}
    if "state" in query:
        states = {query["state"]}
    elif query.get("location_type") == "virtual":  # virtual events never have a state
        states = {NO_STATE_PARTITION}
    else:
        states = {"DC", "MD", "VA", NO_STATE_PARTITION}
    return {(index, s) for index in ("DateIndex", "SpanIndex") for s in states}


QUERIES = [
    {},
    {"state": "VA"},
    {"state": "DC", "limit": "2"},
    {"location_type": "virtual"},
    {"group_id": "nova-js"},
    {"group_id": "dc-python", "state": "MD", "location_type": "in_person"},
    {"start_date": "2026-12-10", "end_date": "2026-12-12"},
    {"limit": "500"},
]


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: urlencode(q) or "default")
def test_each_request_queries_each_needed_partition_once_and_never_scans(served, query):
    client, traffic, page_size = served
    cursor = None
    for _ in range(3):  # the first pages of the listing, following cursors
        traffic.calls.clear()
        page_query = {**query, **({"cursor": cursor} if cursor else {})}
        response = client.http.get(f"/api/events?{urlencode(page_query)}")
        assert response.status_code == 200, response.body
        assert {op for op, _, _ in traffic.calls} <= {"Query"}, "listings are Queries only"
        partitions = traffic.by_partition()
        assert set(partitions) <= expected_partitions(query)
        for pages in partitions.values():
            (first, _), *more = pages
            assert "ExclusiveStartKey" not in first  # one fresh Query per partition...
            for (params, _), (_, previous) in zip(more, pages, strict=False):
                # ...and further pages only to continue where DynamoDB stopped
                assert params["ExclusiveStartKey"] == previous["LastEvaluatedKey"]
        if page_size is None:  # the first read of each partition is sized to the page
            want = int(query.get("limit", 50)) + 1 + (1 if cursor else 0)
            for (index, _), ((first, _), *more) in partitions.items():
                assert first.get("Limit") == (None if index == "SpanIndex" else want + 1)
                assert len(more) <= 1, "one more page at most, when a run of equal starts spills"
        cursor = json.loads(response.body)["next_cursor"]
        if cursor is None:
            break


@pytest.mark.parametrize("served", [3], indirect=True)
def test_a_small_page_reads_only_what_it_needs(served):
    client, traffic, page_size = served
    client.http.get("/api/events?state=DC&limit=2")
    read = sum(reply["Count"] for _, _, reply in traffic.calls)
    lookback_start = (TODAY - timedelta(days=MAX_SPAN_DAYS)).isoformat()
    in_partition = [e for e in EVENTS if e.state == "DC" and e.start_datetime >= lookback_start]
    started_before = [e for e in in_partition if e.start_datetime < TODAY.isoformat()]
    assert read <= len(started_before) + 2 + 1 + page_size
    assert read < len(in_partition)
