"""GET /api/events?category=: every stored event carrying the topic, whoever owns it.

A cross-posted event is stored once, owned by one group, so the groups that list a topic are not
enough: here pydc (ai) cross-posts a meetup that novajs (software-development) owns, and a single
event has a topic of its own. The collector keeps each topic's owner partitions; the API reads
exactly those GroupIndex partitions, merged in order. Checked on SQLite and DynamoDB (moto), over
several collects (a failed feed, an event retired, a group removed), and with thirty owner
partitions, each read first for its share of the page only.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlencode

import pytest
from chalice.test import Client
from conftest import FIXTURES
from feed_server import FeedServer
from store_backends import make_event, moto_backend, sqlite_backend
from test_api_dynamodb import Traffic

import api.app as api_app
from collector.fetch import FetchSettings
from collector.run import collect
from core.config import SingleEvent
from core.models import Group, SiteConfig
from core.query import LOOK_AHEAD
from core.runtime import Clock, Runtime

TODAY = date(2026, 12, 1)
# Loopback feeds, but generous: on a loaded CI machine a 2 s deadline dropped a whole group.
FAST = FetchSettings(retries=0, connect_timeout=5, read_timeout=5, deadline=10)
TOPICS = ("ai", "software-development", "data")  # data: a known topic no event carries
SUMMIT = SingleEvent(
    title="DC AI Summit",
    date=date(2026, 12, 5),
    source_file="summit.yaml",
    location="901 G St NW, Washington, DC",
    categories=("ai",),
)


class Site:
    """Two groups and a single event, collected day by day into ``store``; the API answers from
    the same store with the clock at noon of the day collected last."""

    def __init__(self, store, feed_server, monkeypatch) -> None:
        self.store = store
        self.server = feed_server
        self.monkeypatch = monkeypatch
        self.client = Client(api_app.app)
        self.serve("pydc", "pydc_v1.ics")
        self.serve("novajs", "novajs.ics")
        self.groups = [
            Group(
                "pydc", "Python DC", "https://pydc.example/", self.url("pydc"), categories=("ai",)
            ),
            Group(
                "novajs",
                "NoVA JS",
                "https://novajs.example/",
                self.url("novajs"),
                categories=("software-development",),
            ),
        ]

    def url(self, gid: str) -> str:
        return self.server.url(f"/{gid}.ics")

    def serve(self, gid: str, fixture: str | None) -> None:
        """The group's feed answers ``fixture``, or HTTP 500 for None."""
        if fixture is None:
            self.server.route(f"/{gid}.ics", status=500)
        else:
            self.server.route(f"/{gid}.ics", body=(FIXTURES / "collect" / fixture).read_bytes())

    def collect(self, day: date, singles=(SUMMIT,)) -> None:
        now = datetime.combine(day, time(17), UTC)
        collect(
            self.store,
            self.groups,
            SiteConfig(),
            today=day,
            now=now,
            settings=FAST,
            single_events=singles,
        )
        self.monkeypatch.setattr(api_app, "_runtime", Runtime(opened=self.store, clock=Clock(day)))

    def listing(self, **query: str) -> list[dict]:
        """Every page of the query (small pages, following cursors), flattened."""
        events, cursor = [], None
        while True:
            page_query = {**query, "limit": "2", **({"cursor": cursor} if cursor else {})}
            response = self.client.http.get(f"/api/events?{urlencode(page_query)}")
            assert response.status_code == 200, response.body
            page = json.loads(response.body)
            events += page["events"]
            cursor = page["next_cursor"]
            if cursor is None:
                return events

    def titles(self, **query: str) -> list[str]:
        return [e["title"] for e in self.listing(**query)]

    def assert_every_topic_complete(self) -> None:
        """The contract, read plainly: a topic lists exactly the events carrying it."""
        everything = self.listing()
        for slug in TOPICS:
            carrying = [e["event_id"] for e in everything if slug in e["categories"]]
            assert [e["event_id"] for e in self.listing(category=slug)] == carrying, slug


@pytest.fixture(params=["sqlite", "moto"])
def site(request, tmp_path, feed_server, monkeypatch):
    opened = sqlite_backend(tmp_path) if request.param == "sqlite" else moto_backend()
    with opened as backend:
        yield Site(backend.store, feed_server, monkeypatch)


@pytest.fixture(scope="module", params=["sqlite", "moto"])
def collected_once(request, tmp_path_factory) -> Iterator[Site]:
    """One collect of TODAY per backend, shared by the tests that only read it."""
    opened = (
        sqlite_backend(tmp_path_factory.mktemp("site"))
        if request.param == "sqlite"
        else moto_backend(table="SharedSite")
    )
    with FeedServer() as server, pytest.MonkeyPatch.context() as mp, opened as backend:
        site = Site(backend.store, server, mp)
        site.collect(TODAY)
        yield site


@pytest.fixture
def collected(collected_once, monkeypatch) -> Site:
    """The shared collect, with the API answering from its store for this test."""
    runtime = Runtime(opened=collected_once.store, clock=Clock(TODAY))
    monkeypatch.setattr(api_app, "_runtime", runtime)
    return collected_once


def test_a_topic_lists_cross_posts_owned_by_other_topics_groups_and_single_events(collected):
    site = collected
    by_title = {e["title"]: e for e in site.listing()}
    cross_post = by_title["Python Night: Typing in Practice"]
    assert cross_post["group_id"] == "novajs"  # owned outside the topic it carries
    assert cross_post["categories"] == ["ai", "software-development"]
    assert site.titles(category="ai") == [
        "Python Night: Typing in Practice",
        "DC AI Summit",
        "Hack Night",
        "Holiday Social",
    ]
    assert by_title["DC AI Summit"]["group_id"] == "_single"
    assert site.titles(category="software-development") == [
        "Python Night: Typing in Practice",
        "NoVA JS: Signals Deep Dive",
    ]
    assert site.titles(category="data") == []
    assert site.store.load_topic_owners() == {
        "ai": ["_single", "novajs", "pydc"],
        "software-development": ["novajs"],
    }
    site.assert_every_topic_complete()


@pytest.mark.parametrize(
    ("query", "titles"),
    [
        ({"state": "VA"}, ["Hack Night"]),
        ({"state": "DC"}, ["Python Night: Typing in Practice", "DC AI Summit", "Holiday Social"]),
        ({"location_type": "virtual"}, []),
        ({"location_type": "in_person", "state": "VA"}, ["Hack Night"]),
        ({"group_id": "novajs"}, ["Python Night: Typing in Practice"]),
        ({"group_id": "_single"}, ["DC AI Summit"]),
        ({"group_id": "pydc", "state": "DC"}, ["Holiday Social"]),
        ({"start_date": "2026-12-05", "end_date": "2026-12-10"}, ["DC AI Summit", "Hack Night"]),
        ({"start_date": "2026-12-11"}, ["Holiday Social"]),
        ({"end_date": "2026-12-04", "state": "DC"}, ["Python Night: Typing in Practice"]),
    ],
)
def test_a_topic_combines_with_every_other_filter(collected, query, titles):
    assert collected.titles(category="ai", **query) == titles


def test_the_owner_record_follows_what_is_stored(site):
    site.collect(TODAY)
    # pydc's feed fails: its events stay listed (its partition is read again, not dropped); the
    # meetup it cross-posts stays credited to it, with its topic (a failed co-host is not
    # dropped); the single event is gone from _single_events but in its grace day
    site.serve("pydc", None)
    site.collect(TODAY + timedelta(days=1), singles=())
    assert site.store.load_topic_owners() == {
        "ai": ["_single", "novajs", "pydc"],
        "software-development": ["novajs"],
    }
    assert site.titles(category="ai") == [
        "Python Night: Typing in Practice",
        "DC AI Summit",
        "Hack Night",
        "Holiday Social",
    ]
    site.assert_every_topic_complete()
    # two days later the single event is retired, and its partition leaves the topic
    site.collect(TODAY + timedelta(days=3), singles=())
    assert site.store.load_topic_owners()["ai"] == ["pydc"]
    # pydc leaves the catalogue: its stored events stay listed until they expire, and the record
    # keeps its partition (named by the last record, so read again)
    site.groups = site.groups[1:]
    site.collect(TODAY + timedelta(days=4), singles=())
    assert site.store.load_topic_owners()["ai"] == ["pydc"]
    assert site.titles(category="ai") == ["Hack Night", "Holiday Social"]
    site.assert_every_topic_complete()
    # once nothing of pydc's carries a topic any more, the record drops it
    site.store.delete_events([e.key for e in site.store.query_by_group("pydc")])
    site.collect(TODAY + timedelta(days=5), singles=())
    assert site.store.load_topic_owners() == {"software-development": ["novajs"]}
    assert site.titles(category="ai") == []


# --- many owner partitions ----------------------------------------------------------------------

OWNERS = [f"group-{n:02d}" for n in range(30)]


def many_owner_events() -> list:
    """Thirty owner partitions of "ai": one busy (about half the topic's events), the rest with
    a few each, many starting at the same moment across partitions, some of "data" or none."""
    rng = random.Random(30)
    events = []
    for n in range(100):
        group = OWNERS[0] if n < 40 else OWNERS[n % 30]
        day = TODAY + timedelta(days=rng.randint(-2, 20))
        start = f"{day.isoformat()}T{rng.choice((12, 18, 18, 19)):02d}:00:00"
        # the busy group's events and every group's first are "ai"
        topics = [["ai"], ["ai", "data"]] + ([["data"], []] if n >= 70 else [])
        events.append(
            make_event(
                f"e{n:03d}-{rng.getrandbits(24):06x}",
                start,
                group_id=group,
                state=rng.choice(("DC", "MD", "VA", None)),
                categories=rng.choice(topics),
            )
        )
    return events


MANY = many_owner_events()


def expected(query: dict[str, str]) -> list[str]:
    window = TODAY.isoformat()
    chosen = [
        e
        for e in MANY
        if query["category"] in e.categories
        and e.end_datetime > window
        and query.get("state") in (None, e.state)
    ]
    return [e.event_id for e in sorted(chosen, key=lambda e: (e.start_datetime, e.event_id))]


@pytest.fixture(scope="module", params=[None, 3], ids=["1MB-pages", "3-item-pages"])
def many(request):
    """The thirty partitions, stored once per page size; the tests only read them."""
    with moto_backend(page_size=request.param, table="ManyOwners") as backend:
        store = backend.store
        store.put_events(MANY)
        store.save_topic_owners(
            {
                slug: sorted({e.group_id for e in MANY if slug in e.categories})
                for slug in ("ai", "data")
            }
        )
        yield store


@pytest.fixture
def many_client(many, monkeypatch) -> Iterator[tuple[Client, Traffic, int | None]]:
    """The API answering from the thirty partitions, and the store's requests it makes."""
    monkeypatch.setattr(api_app, "_runtime", Runtime(opened=many, clock=Clock(TODAY)))
    traffic = Traffic(many)
    yield Client(api_app.app), traffic, many.page_size
    traffic.stop(many)


@pytest.mark.parametrize(
    "query",
    [
        {"category": "ai", "limit": "10"},
        {"category": "ai", "limit": "5"},  # many pages, each partition read for a small share
        {"category": "data", "state": "DC", "limit": "4"},
        {"category": "ai", "limit": "50"},
    ],
    ids=urlencode,
)
def test_thirty_owner_partitions_page_in_order_each_read_for_its_share(many_client, query):
    client, traffic, page_size = many_client
    listed, cursor, pages = [], None, 0
    while True:
        traffic.calls.clear()
        page_query = {**query, **({"cursor": cursor} if cursor else {})}
        response = client.http.get(f"/api/events?{urlencode(page_query)}")
        assert response.status_code == 200, response.body
        page = json.loads(response.body)
        listed += [e["event_id"] for e in page["events"]]
        assert {op for op, _, _ in traffic.calls} == {"Query"}
        record = [params for _, params, _ in traffic.calls if "IndexName" not in params]
        assert len(record) == 1, "the owner record: one Query of the table"
        traffic.calls = [call for call in traffic.calls if "IndexName" in call[1]]
        partitions = traffic.by_partition()
        assert {index for index, _ in partitions} == {"GroupIndex"}
        assert len(partitions) == len(
            {e.group_id for e in MANY if query["category"] in e.categories}
        )
        want = int(query["limit"]) + 1 + (1 if cursor else 0)
        share = min(want, math.ceil(want / len(partitions)) + LOOK_AHEAD)
        for (first, _), *more in partitions.values():
            assert "ExclusiveStartKey" not in first
            if page_size is None:
                assert first["Limit"] == share + 1  # the store's one item of look-ahead
                limits = [params["Limit"] for params, _ in more]
                assert limits == [(share + 1) * 2 ** (n + 1) for n in range(len(more))]
        pages += 1
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert listed == expected(query), "complete, in order, no duplicates across pages"
    assert pages == max(1, math.ceil(len(listed) / int(query["limit"])))
