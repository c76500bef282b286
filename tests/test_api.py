"""GET /api/events through chalice.test.Client, against the embedded SQLite store and a
moto-backed DynamoDB table (the same tests, parametrized over both backends).

Expected answers come from `expected_ids`, a plain reading of the contract written here, not from
core.query, so the tests check the shared query as well as the HTTP layer."""

from __future__ import annotations

import base64
import json
import random
import re
from collections.abc import Iterator
from dataclasses import fields
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlencode

import pytest
import yaml
from chalice.config import Config
from chalice.local import LocalGateway
from chalice.test import Client
from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator, FormatChecker
from moto import mock_aws

import api.app as api_app
from core.limits import QUOTE_CHARS
from core.models import STATES, Event
from core.runtime import Clock, Runtime
from core.store.dynamodb import DynamoDBStore, create_table
from core.store.sqlite import SQLiteStore
from core.timeutil import day_start, to_epoch, ttl_for

TODAY = date(2026, 12, 1)
TZ = "America/New_York"
NOW_TS = to_epoch("2026-12-01T12:00:00", TZ)  # the clock is pinned to noon of TODAY
GROUPS = ("alpha", "beta", "gamma", "_single")
TOPICS = ((), ("ai",), ("data",), ("ai", "data"))  # "cloud": a known topic no event carries
STORED = {f.name for f in fields(Event)}


def event(event_id: str, start: str, end: str, **extra) -> Event:
    values = {
        "title": f"Event {event_id}",
        "group_id": "alpha",
        "group_name": "Alpha",
        "group_website": "https://alpha.example",
        "url": f"https://alpha.example/{event_id}",
        "state": "DC",
        "ttl": ttl_for(end, TZ),
        **extra,
    }
    values["group_name"] = values["group_id"].title()
    return Event(event_id=event_id, start_datetime=start, end_datetime=end, **values)


def dataset() -> list[Event]:
    """Edge cases by name, plus seeded random events (ties in start time included)."""
    events = [
        event("ended-yesterday", "2026-11-30T18:00:00", "2026-11-30T20:00:00"),
        event("conf-continuing", "2026-11-29T09:00:00", "2026-12-02T17:00:00", state="VA"),
        event("expired-ttl", "2026-12-03T18:00:00", "2026-12-03T20:00:00", ttl=NOW_TS - 1),
        event("tie-b", "2026-12-01T18:00:00", "2026-12-01T20:00:00", group_id="beta"),
        event("tie-a", "2026-12-01T18:00:00", "2026-12-01T20:00:00"),
        event(
            "online-noon",
            "2026-12-01T12:00:00",
            "2026-12-01T13:00:00",
            state=None,
            location_type="virtual",
            location="https://zoom.us/j/1",
        ),
        event(
            "allday-md",
            "2026-12-04T00:00:00",
            "2026-12-05T00:00:00",
            state="MD",
            all_day=True,
            group_id="gamma",
        ),
        event("no-state", "2026-12-02T10:00:00", "2026-12-02T11:00:00", state=None),
        event(
            "single-va",
            "2026-12-10T19:00:00",
            "2026-12-10T21:00:00",
            state="VA",
            group_id="_single",
            source_type="single_event",
            submitted_by="Ada",
        ),
        event("next-year", "2027-01-15T18:00:00", "2027-01-15T20:00:00", group_id="beta"),
    ]
    rng, topics = random.Random(4), random.Random(5)
    for n in range(60):
        day = TODAY + timedelta(days=rng.randint(-6, 45))
        hour = rng.choice((9, 12, 18, 18, 19))
        start = f"{day.isoformat()}T{hour:02d}:00:00"
        end_day = day + timedelta(days=rng.choice((0, 0, 0, 1, 3)))
        end = f"{end_day.isoformat()}T{hour + 2:02d}:00:00"
        virtual = rng.random() < 0.25
        events.append(
            event(
                f"r{n:02d}-{rng.getrandbits(32):08x}",
                start,
                end,
                state=None if virtual else rng.choice(("DC", "MD", "VA", None)),
                location_type="virtual" if virtual else "in_person",
                group_id=rng.choice(GROUPS),
                categories=list(topics.choice(TOPICS)),
            )
        )
    return events


EVENTS = dataset()


def topic_owners(events: list[Event]) -> dict[str, list[str]]:
    """The record the collector keeps: each topic's owner partitions."""
    slugs = sorted({slug for e in events for slug in e.categories})
    return {s: sorted({e.group_id for e in events if s in e.categories}) for s in slugs}


def expected_ids(
    *,
    start_date: date = TODAY,
    end_date: date | None = None,
    state: str | None = None,
    location_type: str | None = None,
    group_id: str | None = None,
    category: str | None = None,
) -> list[str]:
    """The contract: not expired, overlapping the window, matching every filter, in start order."""
    window_start = day_start(start_date)
    window_end = day_start(end_date + timedelta(days=1)) if end_date else "9999"
    chosen = [
        e
        for e in EVENTS
        if e.ttl > NOW_TS
        and e.start_datetime < window_end
        and (e.start_datetime >= window_start or e.end_datetime > window_start)
        and state in (None, e.state)
        and location_type in (None, e.location_type)
        and group_id in (None, e.group_id)
        and (category is None or category in e.categories)
    ]
    return [e.event_id for e in sorted(chosen, key=lambda e: (e.start_datetime, e.event_id))]


# --- backends -----------------------------------------------------------------------------------


@pytest.fixture(scope="module", params=["sqlite", "dynamodb"])
def backend(request, tmp_path_factory) -> Iterator[object]:
    """The dataset in one store, installed as the app's store, with the clock pinned."""
    if request.param == "sqlite":
        store = SQLiteStore(str(tmp_path_factory.mktemp("api") / "events.db"))
        yield from _installed(store)
        return
    with mock_aws():
        create_table("DCTechEvents")
        yield from _installed(DynamoDBStore("DCTechEvents"))


def _installed(store) -> Iterator[object]:
    store.put_events(EVENTS)
    store.save_topic_owners(topic_owners(EVENTS))
    mp = pytest.MonkeyPatch()
    mp.setattr(api_app, "_runtime", Runtime(opened=store, clock=Clock(TODAY)))
    try:
        yield store
    finally:
        mp.undo()


@pytest.fixture(scope="module")
def client(backend) -> Client:
    return Client(api_app.app)


def get(client: Client, query: dict | None = None, headers: dict | None = None):
    path = "/api/events" + (f"?{urlencode(query)}" if query else "")
    return client.http.get(path, headers=headers or {})


def body(response) -> dict:
    return json.loads(response.body)


def ids(response) -> list[str]:
    assert response.status_code == 200, response.body
    return [e["event_id"] for e in body(response)["events"]]


def all_pages(client: Client, query: dict) -> list[list[str]]:
    pages, cursor = [], None
    while True:
        response = get(client, {**query, **({"cursor": cursor} if cursor else {})})
        pages.append(ids(response))
        cursor = body(response)["next_cursor"]
        if cursor is None:
            return pages
        assert len(pages) < 100, "cursor never ends"


# --- listing ------------------------------------------------------------------------------------


def test_default_lists_today_onward_with_every_stored_attribute(client):
    response = get(client, {"limit": 500})
    listed = body(response)["events"]
    assert [e["event_id"] for e in listed] == expected_ids()
    assert {"conf-continuing", "online-noon", "tie-a", "tie-b"} <= set(expected_ids())
    assert not {"ended-yesterday", "expired-ttl"} & set(expected_ids())
    assert all(set(e) == STORED for e in listed)
    single = next(e for e in listed if e["event_id"] == "single-va")
    assert single == EVENTS[8].to_dict()
    assert body(response)["next_cursor"] is None


def test_default_page_is_fifty(client):
    assert len(expected_ids()) > 50
    assert ids(get(client)) == expected_ids()[:50]


@pytest.mark.parametrize(
    "query",
    [
        {"state": "DC"},
        {"state": "MD"},
        {"state": "VA"},
        {"location_type": "virtual"},
        {"location_type": "in_person", "state": "VA"},
        {"group_id": "beta"},
        {"group_id": "_single"},
        {"group_id": "gamma", "state": "MD", "location_type": "in_person"},
        {"group_id": "no-such-group"},
        {"start_date": "2026-12-02"},
        {"start_date": "2026-12-02", "end_date": "2026-12-02"},
        {"start_date": "2026-11-25", "end_date": "2026-11-30"},
        {"end_date": "2026-12-04", "state": "DC"},
        {"start_date": "2027-01-15", "group_id": "beta"},
        {"category": "ai"},
        {"category": "data", "state": "DC"},
        {"category": "ai", "location_type": "virtual"},
        {"category": "ai", "group_id": "_single"},
        {"category": "data", "start_date": "2026-12-10", "end_date": "2026-12-20"},
        {"category": "cloud"},
    ],
)
def test_filters(client, query):
    criteria = {k: date.fromisoformat(v) if k.endswith("_date") else v for k, v in query.items()}
    assert ids(get(client, {**query, "limit": 500})) == expected_ids(**criteria)


def test_continuing_multi_day_event_is_listed_on_each_day_it_spans(client):
    for day in ("2026-11-29", "2026-12-01", "2026-12-02"):
        assert "conf-continuing" in ids(get(client, {"start_date": day, "end_date": day}))
    assert "conf-continuing" not in ids(get(client, {"start_date": "2026-12-03"}))


def test_cursor_pages_partition_the_listing(client):
    for query in (
        {"limit": 7},
        {"limit": 3, "state": "DC"},
        {"limit": 1, "group_id": "beta"},
        {"limit": 2, "category": "ai"},
    ):
        pages = all_pages(client, query)
        assert all(pages) and all(len(p) == query["limit"] for p in pages[:-1])
        flat = [i for p in pages for i in p]
        assert flat == expected_ids(**{k: v for k, v in query.items() if k != "limit"})


def test_a_page_that_ends_the_listing_has_no_cursor(client):
    exact = len(expected_ids(state="MD"))
    response = get(client, {"state": "MD", "limit": exact})
    assert len(ids(response)) == exact and body(response)["next_cursor"] is None


# --- validation and errors ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("query", "code", "parameter"),
    [
        ({"state": "NY"}, "invalid_parameter", "state"),
        ({"state": "dc"}, "invalid_parameter", "state"),
        ({"state": ""}, "invalid_parameter", "state"),
        ({"location_type": "hybrid"}, "invalid_parameter", "location_type"),
        ({"start_date": "2026-13-01"}, "invalid_parameter", "start_date"),
        ({"start_date": "20261201"}, "invalid_parameter", "start_date"),
        ({"end_date": "tomorrow"}, "invalid_parameter", "end_date"),
        ({"start_date": "2026-12-05", "end_date": "2026-12-04"}, "invalid_date_range", "end_date"),
        ({"end_date": "2026-11-30"}, "invalid_date_range", "end_date"),
        ({"limit": "0"}, "invalid_parameter", "limit"),
        ({"limit": "501"}, "invalid_parameter", "limit"),
        ({"limit": "-1"}, "invalid_parameter", "limit"),
        ({"limit": "ten"}, "invalid_parameter", "limit"),
        ({"group_id": "Bad Group!"}, "invalid_parameter", "group_id"),
        ({"category": "no-such-topic"}, "invalid_parameter", "category"),
        ({"category": "AI"}, "invalid_parameter", "category"),
        ({"category": ""}, "invalid_parameter", "category"),
        ({"cursor": "not a cursor"}, "invalid_cursor", "cursor"),
        ({"cursor": "abc"}, "invalid_cursor", "cursor"),
        ({"page": "2"}, "unknown_parameter", "page"),
        ({"State": "DC"}, "unknown_parameter", "State"),
    ],
)
def test_bad_parameters_get_400_in_the_one_error_shape(client, query, code, parameter):
    response = get(client, query)
    assert response.status_code == 400
    error = body(response)["error"]
    assert set(body(response)) == {"error"} and set(error) == {"code", "message", "parameter"}
    assert (error["code"], error["parameter"]) == (code, parameter)
    assert isinstance(error["message"], str) and error["message"]
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_a_huge_parameter_name_is_echoed_cut(client):
    """Issue 11: a 9 KB unknown name came back whole in ``parameter``."""
    response = get(client, {"x" * 9000: "1"})
    error = body(response)["error"]
    assert (response.status_code, error["code"]) == (400, "unknown_parameter")
    assert error["parameter"] == "x" * (QUOTE_CHARS - 1) + "…"
    assert len(response.body) < 1000


def test_error_shape_is_pinned(client):
    response = get(client, {"limit": "501"})
    assert body(response) == {
        "error": {
            "code": "invalid_parameter",
            "message": "limit must be an integer from 1 to 500",
            "parameter": "limit",
        }
    }
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"


def test_repeated_parameter_is_refused(client):
    response = client.http.get("/api/events?state=DC&state=VA")
    assert response.status_code == 400
    assert body(response)["error"]["parameter"] == "state"


def test_tampered_cursor_is_refused(client):
    cursor = body(get(client, {"limit": 2}))["next_cursor"]
    raw = bytearray(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    raw[-5] ^= 1  # one bit of the position
    tampered = base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()
    response = get(client, {"limit": 2, "cursor": tampered})
    assert response.status_code == 400
    assert body(response)["error"]["code"] == "invalid_cursor"


@pytest.mark.parametrize(
    ("issued", "other"),
    [({"state": "DC"}, {"state": "VA"}), ({"category": "ai"}, {"category": "data"})],
)
def test_cursor_only_works_with_the_filters_it_came_from(client, issued, other):
    cursor = body(get(client, {"limit": 2, **issued}))["next_cursor"]
    assert get(client, {"limit": 5, **issued, "cursor": cursor}).status_code == 200
    for query in (other, {}):
        response = get(client, {"limit": 2, **query, "cursor": cursor})
        assert response.status_code == 400
        assert body(response)["error"] == {
            "code": "invalid_cursor",
            "message": "cursor belongs to other filters: repeat the same filters with it",
            "parameter": "cursor",
        }


def test_an_unknown_category_names_the_known_ones(client):
    error = body(get(client, {"category": "ml"}))["error"]
    known = sorted(p.stem for p in (Path(__file__).parent.parent / "_categories").glob("*.yaml"))
    assert error["message"] == f"category must be one of {', '.join(known)}"


def test_internal_error_is_500_in_the_same_shape_without_a_stack_trace(client, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("secret detail /srv/db")

    monkeypatch.setattr(api_app, "list_events", broken)
    response = get(client)
    assert response.status_code == 500
    assert body(response) == {
        "error": {
            "code": "internal_error",
            "message": "internal error: please try again later",
            "parameter": None,
        }
    }
    assert b"secret" not in response.body and b"Traceback" not in response.body
    assert response.headers["Cache-Control"] == "no-store"


@pytest.mark.parametrize("path", ["/api/event", "/api/events/abc", "/api/groups"])
def test_other_api_paths_are_404_in_the_same_shape(client, path):
    response = client.http.get(path)
    assert response.status_code == 404
    assert body(response)["error"]["code"] == "not_found"
    assert body(response)["error"]["parameter"] is None


def test_other_methods_are_405_in_the_same_shape(client):
    response = client.http.post("/api/events")
    assert response.status_code == 405
    assert body(response)["error"]["code"] == "method_not_allowed"
    assert response.headers["Allow"] == "GET"


# --- HTTP caching and CORS ----------------------------------------------------------------------


def test_cache_headers_etag_and_cors(client):
    response = get(client, {"state": "DC"})
    assert response.headers["Cache-Control"] == "public, max-age=300"
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    etag = response.headers["ETag"]
    assert etag.startswith('"') and etag.endswith('"')
    assert get(client, {"state": "DC"}).headers["ETag"] == etag
    assert get(client, {"state": "VA"}).headers["ETag"] != etag


def test_if_none_match_gives_304_without_a_body(client):
    etag = get(client, {"state": "DC"}).headers["ETag"]
    for validator in (etag, f"W/{etag}", f'"other", {etag}'):
        response = get(client, {"state": "DC"}, headers={"If-None-Match": validator})
        assert response.status_code == 304
        assert response.body == b""
        assert response.headers["ETag"] == etag
    assert get(client, {"state": "DC"}, headers={"If-None-Match": '"other"'}).status_code == 200


def test_cors_preflight_allows_get_from_anywhere():
    # chalice.test.Client cannot read a preflight's empty body: ask its gateway directly.
    gateway = LocalGateway(api_app.app, Config.create())
    response = gateway.handle_request("OPTIONS", "/api/events", {}, b"")
    assert response["statusCode"] == 200
    assert response["headers"]["Access-Control-Allow-Methods"] == "GET,OPTIONS"
    assert response["headers"]["Access-Control-Allow-Origin"] == "*"


# --- properties ---------------------------------------------------------------------------------

DAYS = st.dates(min_value=date(2026, 11, 22), max_value=date(2027, 1, 20))


@st.composite
def filters(draw) -> dict[str, str]:
    query: dict[str, str] = {}
    for name, choices in (
        ("state", ("DC", "MD", "VA")),
        ("location_type", ("virtual", "in_person")),
        ("group_id", (*GROUPS, "nobody")),
        ("category", ("ai", "data", "cloud")),
    ):
        if draw(st.booleans()):
            query[name] = draw(st.sampled_from(choices))
    start = draw(st.one_of(st.none(), DAYS))
    if start:
        query["start_date"] = start.isoformat()
    if draw(st.booleans()):
        end = draw(DAYS.filter(lambda d: d >= (start or TODAY)))
        query["end_date"] = end.isoformat()
    query["limit"] = str(draw(st.integers(1, 12)))
    return query


def examples(store: object, on_sqlite: int) -> settings:
    """Hypothesis settings for a property run against ``store``.

    moto answers a Query in milliseconds where SQLite takes a tenth of one, so the DynamoDB
    variant draws a quarter as many examples; the store contract suite (also run on DynamoDB
    Local) holds both backends to the same answers.
    """
    count = on_sqlite if isinstance(store, SQLiteStore) else max(10, on_sqlite // 4)
    return settings(max_examples=count, deadline=None)


def test_any_valid_filters_page_through_exactly_the_matching_events(client, backend):
    @examples(backend, on_sqlite=40)
    @given(query=filters())
    def pages_through(query: dict[str, str]) -> None:
        pages = all_pages(client, query)
        flat = [i for p in pages for i in p]
        criteria = {
            k: date.fromisoformat(v) if k.endswith("_date") else v
            for k, v in query.items()
            if k != "limit"
        }
        assert flat == expected_ids(**criteria)  # every filter honoured, in order, complete
        assert len(flat) == len(set(flat))  # no duplicates across pages
        by_id = {e.event_id: e for e in EVENTS}
        positions = [(by_id[i].start_datetime, i) for i in flat]
        assert positions == sorted(positions)

    pages_through()


# --- OpenAPI ------------------------------------------------------------------------------------

OPENAPI = yaml.safe_load(
    (Path(api_app.__file__).parent / "openapi.yaml").read_text(encoding="utf-8")
)
LIST = OPENAPI["paths"]["/api/events"]["get"]


def conforms(response, operation: dict = LIST) -> None:
    """The response's status is documented and its body matches the documented schema."""
    declared = operation["responses"][str(response.status_code)]
    schema = {**OPENAPI, **declared["content"]["application/json"]["schema"]}
    Draft202012Validator(schema, format_checker=FormatChecker()).validate(body(response))


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"limit": 3},
        {"state": "VA", "limit": 500},
        {"group_id": "_single"},
        {"category": "ai", "limit": 5},
        {"category": "nope"},
        {"limit": 0},
        {"page": 1},
        {"end_date": "2026-01-01"},
        {"cursor": "x"},
    ],
)
def test_responses_match_the_openapi_document(client, query):
    response = get(client, query)
    conforms(response)
    if response.status_code == 200:
        assert body(response)["events"] or query.get("group_id")


def test_error_responses_match_the_openapi_document(client, monkeypatch):
    conforms(client.http.post("/api/events"))
    conforms(client.http.get("/api/nothing"), OPENAPI["paths"]["/api/{path}"]["get"])
    monkeypatch.setattr(api_app, "list_events", None)
    conforms(get(client))


def test_openapi_parameters_are_the_ones_the_app_accepts():
    params = {p["name"]: p["schema"] for p in LIST["parameters"] if p["in"] == "query"}
    assert tuple(params) == api_app.PARAMETERS
    assert params["state"]["enum"] == list(STATES)
    assert params["location_type"]["enum"] == list(api_app.LOCATION_TYPES)
    assert (params["limit"]["minimum"], params["limit"]["maximum"]) == (1, api_app.MAX_LIMIT)
    assert params["limit"]["default"] == api_app.DEFAULT_LIMIT
    topic = re.compile(params["category"]["pattern"])
    assert all(topic.fullmatch(slug) for slug in Runtime().topics)
    event_schema = OPENAPI["components"]["schemas"]["Event"]
    assert set(event_schema["required"]) == set(event_schema["properties"]) == STORED
