"""Issue 14: GET /api/events?added_since=YYYY-MM-DD lists what the calendar first listed on that
day or later (core.lifecycle.added_since, the /new/ page's rule), combined with every other
filter and with paging; a bad date is the same 400 as start_date's; every event carries
first_seen and first_import, as the OpenAPI document says."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, timedelta

import pytest
from chalice.test import Client
from moto import mock_aws
from test_api import TODAY, body, conforms, event, get, ids

import api.app as api_app
from core.limits import EARLIEST_DATE, LATEST_DATE
from core.models import Event
from core.runtime import Clock, Runtime
from core.store.dynamodb import DynamoDBStore, create_table
from core.store.sqlite import SQLiteStore


def dataset() -> list[Event]:
    """Upcoming events first listed over the last three weeks; some from a first import, some
    stored before first_seen existed."""
    rng = random.Random(14)
    events = []
    for n in range(40):
        day = TODAY + timedelta(days=rng.randint(-1, 30))
        seen = TODAY - timedelta(days=rng.randint(0, 20))
        events.append(
            replace(
                event(f"n{n:02d}", f"{day}T18:00:00", f"{day}T20:00:00"),
                group_id=rng.choice(("alpha", "beta")),
                state=rng.choice(("DC", "VA")),
                first_seen="" if n % 9 == 0 else seen.isoformat(),
                first_import=n % 7 == 0,
            )
        )
    return events


EVENTS = dataset()
RANGE = f"added_since must be from {EARLIEST_DATE} to {LATEST_DATE}, not "


def expected(since: date, start: date = TODAY, **equal: str) -> list[str]:
    """The contract read plainly: on from ``start``, first listed on ``since`` or later, not a
    first import, matching each ``equal`` attribute; in start order."""
    chosen = [
        e
        for e in EVENTS
        if e.end_datetime > f"{start}T00:00:00"
        and e.first_seen
        and e.first_seen >= since.isoformat()
        and not e.first_import
        and all(getattr(e, k) == v for k, v in equal.items())
    ]
    return [e.event_id for e in sorted(chosen, key=lambda e: (e.start_datetime, e.event_id))]


@pytest.fixture(scope="module", params=["sqlite", "dynamodb"])
def client(request, tmp_path_factory) -> Iterator[Client]:
    if request.param == "sqlite":
        yield from _serving(SQLiteStore(str(tmp_path_factory.mktemp("api") / "events.db")))
        return
    with mock_aws():
        create_table("DCTechEvents")
        yield from _serving(DynamoDBStore("DCTechEvents"))


def _serving(store) -> Iterator[Client]:
    store.put_events(EVENTS)
    mp = pytest.MonkeyPatch()
    mp.setattr(api_app, "_runtime", Runtime(opened=store, clock=Clock(TODAY)))
    try:
        yield Client(api_app.app)
    finally:
        mp.undo()


@pytest.mark.parametrize(
    "query",
    [
        {"added_since": "2026-11-24"},
        {"added_since": "2026-12-01"},
        {"added_since": "2026-11-10"},
        {"added_since": "2026-11-24", "state": "VA"},
        {"added_since": "2026-11-24", "group_id": "beta"},
        {"added_since": "2026-11-20", "start_date": "2026-12-10"},
    ],
)
def test_added_since_lists_what_was_first_listed_since_with_the_other_filters(client, query):
    criteria = {k: v for k, v in query.items() if k in ("state", "group_id")}
    start = date.fromisoformat(query.get("start_date", TODAY.isoformat()))
    want = expected(date.fromisoformat(query["added_since"]), start, **criteria)
    assert want, "the case must list something"
    got = ids(get(client, {**query, "limit": 500}))
    assert got == want
    assert len(got) < len(ids(get(client, {"limit": 500, "start_date": start.isoformat()})))


def test_added_since_pages_with_its_cursor(client):
    want = expected(date(2026, 11, 15))
    pages, cursor = [], None
    while True:
        query = {"added_since": "2026-11-15", "limit": 4} | ({"cursor": cursor} if cursor else {})
        response = get(client, query)
        pages.append(ids(response))
        cursor = body(response)["next_cursor"]
        if cursor is None:
            break
    assert len(pages) > 2 and [i for p in pages for i in p] == want
    first = body(get(client, {"added_since": "2026-11-15", "limit": 4}))["next_cursor"]
    other = get(client, {"added_since": "2026-11-16", "limit": 4, "cursor": first})
    assert body(other)["error"]["code"] == "invalid_cursor"  # a cursor keeps its filters


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("2026-13-01", "added_since must be a date, YYYY-MM-DD"),
        ("last week", "added_since must be a date, YYYY-MM-DD"),
        ("２０２６-11-01", "added_since must be a date, YYYY-MM-DD"),
        ((EARLIEST_DATE - timedelta(days=1)).isoformat(), RANGE + "1999-12-31"),
        ((LATEST_DATE + timedelta(days=1)).isoformat(), RANGE + "2100-01-01"),
    ],
)
def test_a_bad_added_since_is_the_one_400_shape(client, value, message):
    response = get(client, {"added_since": value})
    assert response.status_code == 400
    conforms(response)
    assert body(response)["error"] == {
        "code": "invalid_parameter",
        "message": message,
        "parameter": "added_since",
    }
    twice = client.http.get("/api/events?added_since=2026-11-01&added_since=2026-11-02")
    assert body(twice)["error"]["parameter"] == "added_since"


def test_every_event_carries_first_seen_and_first_import_as_documented(client):
    response = get(client, {"limit": 500, "added_since": "2026-11-01"})
    conforms(response)
    listed = body(response)["events"]
    stored = {e.event_id: e for e in EVENTS}
    assert listed and all(
        (e["first_seen"], e["first_import"])
        == (stored[e["event_id"]].first_seen, stored[e["event_id"]].first_import)
        for e in listed
    )
    everything = body(get(client, {"limit": 500}))["events"]
    assert {e["first_seen"] for e in everything} >= {""}  # the legacy ones too
    conforms(get(client, {"limit": 500}))
