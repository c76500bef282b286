"""One contract, every backend: the same tests run on SQLite, DynamoDB under moto and DynamoDB
Local; only the setup in store_backends differs."""

from __future__ import annotations

import random
from dataclasses import replace
from datetime import date
from itertools import islice

import pytest
from store_backends import (
    Backend,
    dynamodb_local_missing,
    dynamodb_local_server,
    local_backend,
    make_event,
    moto_backend,
    sqlite_backend,
)

from core.models import CANCELLED, FeedState
from core.query import EventFilter, list_events
from core.store import expressions as ex
from core.store.base import Move, Touch

LOCAL_MISSING = dynamodb_local_missing()
BACKENDS = [
    "sqlite",
    "moto",
    pytest.param(
        "dynamodb_local",
        marks=[
            pytest.mark.dynamodb_local,
            pytest.mark.skipif(LOCAL_MISSING is not None, reason=LOCAL_MISSING or ""),
        ],
    ),
]


@pytest.fixture(scope="session")
def dynamodb_local_endpoint(tmp_path_factory):
    with dynamodb_local_server(tmp_path_factory.mktemp("ddb") / "server.log") as endpoint:
        yield endpoint


@pytest.fixture(params=BACKENDS)
def backend(request, tmp_path, monkeypatch):
    if request.param == "sqlite":
        opened = sqlite_backend(tmp_path)
    elif request.param == "moto":
        opened = moto_backend()
    else:
        opened = local_backend(request.getfixturevalue("dynamodb_local_endpoint"), monkeypatch)
    with opened as b:
        yield b
        assert "Scan" not in b.calls, "a store must never scan"


@pytest.fixture
def store(backend: Backend):
    return backend.store


def starts(events):
    return [(e.start_datetime, e.event_id) for e in events]


def test_every_attribute_round_trips(store):
    full = make_event(
        "e1",
        "2026-12-01T18:30:00",
        description="Talks & pizza 🍕",
        location="1600 K St NW, Washington, DC",
        city="Washington",
        cost="$10",
        source_type="single_event",
        created_at="2026-11-01T12:00:00+00:00",
        updated_at="2026-11-30T12:00:00+00:00",
        submitted_by="Ada",
        submitter_link="https://example.org/ada",
        also_published_by=[
            {"group_id": "pyladies", "group_name": "PyLadies", "url": "https://x.org/1"}
        ],
        all_day=True,
        source_uid="uid-1@meetup.com",
        status=CANCELLED,
        state="VA",
        categories=["ai", "cloud"],
        first_seen="2026-11-01",
        first_import=True,
        own_copy=True,
    )
    assert all(v not in (None, "", 0, False, []) for v in full.to_dict().values()), "set them all"
    bare = make_event("e2", "2026-12-02T09:00:00", state=None, location_type="virtual")
    store.put_events([full, bare])

    got = store.get_events([full.key, bare.key])
    assert got == {"e1": full, "e2": bare}
    assert type(got["e1"].ttl) is int and type(got["e1"].all_day) is bool
    assert got["e2"].state is None and got["e2"].city is None and got["e2"].cost is None


def test_an_event_without_state_is_listed_in_the_all_partition(store):
    store.put_events([make_event("v", "2026-12-01T12:00:00", state=None)])
    assert [e.event_id for e in store.query_by_state("ALL", "2026-12-01T00:00:00")] == ["v"]
    assert list(store.query_by_state("DC", "2026-12-01T00:00:00")) == []
    assert next(store.query_by_state("ALL", "2026-12-01T00:00:00")).state is None


def test_query_by_state_is_ordered_and_half_open(store):
    events = [
        make_event("before", "2026-11-30T23:59:59"),
        make_event("first", "2026-12-01T00:00:00"),
        *(make_event(i, "2026-12-01T18:00:00") for i in ("t-c", "t-a", "t-d", "t-b")),
        make_event("late", "2026-12-02T09:00:00"),
        make_event("at-end", "2026-12-03T00:00:00"),
        make_event("other-state", "2026-12-01T12:00:00", state="MD"),
    ]
    store.put_events(events)  # ties written in reverse id order: the store must sort them

    window = list(store.query_by_state("DC", "2026-12-01T00:00:00", "2026-12-03T00:00:00"))
    assert starts(window) == [
        ("2026-12-01T00:00:00", "first"),
        *(("2026-12-01T18:00:00", i) for i in ("t-a", "t-b", "t-c", "t-d")),
        ("2026-12-02T09:00:00", "late"),
    ]
    open_ended = store.query_by_state("DC", "2026-12-02T00:00:00")
    assert [e.event_id for e in open_ended] == ["late", "at-end"]
    assert list(store.query_by_state("DC", "2026-12-03T00:00:00", "2026-12-01T00:00:00")) == []


def test_a_listing_holds_what_its_events_have_alike_once(store):
    """A listing of 30,000 events is a quarter smaller when each holds its group, dates and
    topics as the one string they share (core.models.SHARED)."""
    store.put_events([make_event(i, "2026-12-01T18:00:00") for i in ("a", "b")])
    first, second = store.query_by_state("DC", "2026-12-01T00:00:00")
    assert (first.event_id, second.event_id) == ("a", "b")
    for name in ("group_id", "group_name", "group_website", "state", "updated_at"):
        assert getattr(first, name) is getattr(second, name), name


def test_query_by_group_lists_the_primary_group_only(store):
    cross = [{"group_id": "pyladies", "group_name": "PyLadies", "url": "https://x.org"}]
    store.put_events(
        [
            make_event("p2", "2026-12-05T18:00:00", state=None),
            make_event("p1", "2026-12-01T18:00:00", also_published_by=cross),
            make_event("l1", "2026-12-02T18:00:00", group_id="pyladies"),
        ]
    )
    assert [e.event_id for e in store.query_by_group("dc-python")] == ["p1", "p2"]
    assert [e.event_id for e in store.query_by_group("pyladies")] == ["l1"]
    bounded = store.query_by_group("dc-python", "2026-12-02T00:00:00", "2026-12-06T00:00:00")
    assert [e.event_id for e in bounded] == ["p2"]
    assert list(store.query_by_group("dc-python", "", "2026-12-01T18:00:00")) == []


def test_pagination_returns_every_item_in_order(store):
    shuffled = [make_event(f"id{n:02d}", f"2026-12-{1 + n // 3:02d}T18:00:00") for n in range(11)]
    random.Random(7).shuffle(shuffled)
    store.put_events(shuffled)
    expected = sorted(starts(shuffled))
    assert starts(store.query_by_state("DC", "2026-12-01T00:00:00")) == expected
    assert starts(store.query_by_group("dc-python")) == expected


def test_batches_larger_than_one_request(store):
    events = [make_event(f"b{n:03d}", "2026-12-01T10:00:00") for n in range(110)]
    store.put_events(events)
    keys = [e.key for e in events] + [events[0].key, ("missing", "2026-12-01T10:00:00")]
    assert store.get_events(keys) == {e.event_id: e for e in events}
    store.delete_events([e.key for e in events[:60]])
    assert set(store.get_events(keys)) == {e.event_id for e in events[60:]}
    assert store.writes == 170


def test_touch_changes_only_the_bookkeeping_and_keeps_updated_at(store):
    """updated_at is when the content last changed (sitemap lastmod, Atom, render cache)."""
    event = make_event("e", "2026-12-01T18:00:00", created_at="2026-11-01", updated_at="2026-11-01")
    store.put_events([event])
    store.touch_events([Touch("e", event.start_datetime, "2026-12-01", 1_950_000_000)])
    touched = store.get_events([event.key])["e"]
    assert touched == replace(event, last_seen_date="2026-12-01", ttl=1_950_000_000)
    assert touched.updated_at == "2026-11-01"
    assert type(touched.ttl) is int


def test_touch_never_creates_an_item(store):
    gone = make_event("gone", "2026-12-01T18:00:00")
    store.put_events([gone])
    store.delete_events([gone.key])
    store.touch_events(
        [
            Touch("gone", gone.start_datetime, "2026-12-01", 1),
            Touch("never", "2026-12-02T18:00:00", "2026-12-01", 1),
        ]
    )
    assert store.get_events([gone.key, ("never", "2026-12-02T18:00:00")]) == {}
    assert list(store.query_by_state("DC", "")) == []


def test_delete_removes_from_key_and_indexes(store):
    keep, drop = (
        make_event("keep", "2026-12-01T18:00:00"),
        make_event("drop", "2026-12-02T18:00:00"),
    )
    store.put_events([keep, drop])
    store.delete_events([drop.key, ("never-stored", "2026-12-03T18:00:00")])
    assert store.get_events([keep.key, drop.key]) == {"keep": keep}
    assert [e.event_id for e in store.query_by_state("DC", "2026-12-01T00:00:00")] == ["keep"]
    assert [e.event_id for e in store.query_by_group("dc-python")] == ["keep"]


def test_replacing_an_event_moves_it_between_state_partitions(store):
    event = make_event("e", "2026-12-01T18:00:00", state="MD")
    store.put_events([event])
    store.put_events([replace(event, state=None, location_type="virtual", title="Now online")])
    assert list(store.query_by_state("MD", "2026-12-01T00:00:00")) == []
    moved = list(store.query_by_state("ALL", "2026-12-01T00:00:00"))
    assert [(e.event_id, e.title, e.state) for e in moved] == [("e", "Now online", None)]


def test_the_last_version_of_a_key_in_one_put_wins(store):
    first = make_event("e", "2026-12-01T18:00:00")
    store.put_events(
        [first, replace(first, title="Renamed"), make_event("f", "2026-12-01T19:00:00")]
    )
    assert store.get_events([first.key])["e"].title == "Renamed"


def test_feed_states_round_trip_and_are_replaced_whole(store):
    assert store.load_feed_states() == {}
    ok = FeedState(
        "dc-python",
        last_attempt="2026-12-01T11:00:00Z",
        last_success="2026-12-01T11:00:00Z",
        last_success_date="2026-12-01",
        last_parsed_date="2026-12-01",
        http_status=200,
        etag='W/"abc"',
        last_modified="Mon, 30 Nov 2026 10:00:00 GMT",
        events_parsed=12,
        vevents_in_source=13,
        skipped={"skip_phrases": 2, "suppressed": 1},  # what the group's own rules dropped
    )
    failed = FeedState(
        "pyladies",
        last_attempt="2026-12-01T11:00:00Z",
        error="HTTP 500",
        failing_since="2026-11-28",  # the day the outage began, for the group's page
    )
    store.save_feed_states({"dc-python": ok, "pyladies": failed})
    assert store.load_feed_states() == {"dc-python": ok, "pyladies": failed}
    store.save_feed_states({"pyladies": failed})
    assert store.load_feed_states() == {"pyladies": failed}
    assert list(store.query_by_state("ALL", "")) == []  # bookkeeping is not an event


def test_topic_owners_round_trip_and_are_replaced_whole(backend):
    store = backend.store
    assert store.load_topic_owners() == {}
    owners = {"ai": ["_single", "dc-python", "nova-js"], "data": ["nova-js"], "cloud": ["a"]}
    store.save_topic_owners(owners)
    store.save_feed_states({"dc-python": FeedState("dc-python")})
    assert store.load_topic_owners() == owners
    assert list(store.load_feed_states()) == ["dc-python"]  # two records side by side
    store.save_topic_owners({"ai": ["dc-python"], "data": ["nova-js"]})
    assert store.load_topic_owners() == {"ai": ["dc-python"], "data": ["nova-js"]}
    assert list(store.query_by_state("ALL", "")) == []  # bookkeeping is not an event
    assert list(store.query_by_group("dc-python")) == []

    writes, requests = store.writes, len(backend.calls)
    store.save_topic_owners({"data": ["nova-js"], "ai": ["dc-python"]})
    assert store.writes == writes, "an unchanged record costs no write"
    assert "BatchWriteItem" not in backend.calls[requests:]
    store.save_topic_owners({})
    assert store.load_topic_owners() == {} and store.writes > writes


def test_a_topic_owner_record_at_a_hundred_times_the_groups(store):
    """26 topics over 3,000 groups, one topic owned by all of them: each DynamoDB item (one per
    topic) stays far below the 400 KB item limit."""
    owners = {f"topic-{t:02d}": [f"group-{g:04d}" for g in range(t, 3000, 26)] for t in range(25)}
    owners["everything"] = [f"group-{g:04d}" for g in range(3000)]
    store.save_topic_owners(owners)
    assert store.load_topic_owners() == owners


def test_moves_round_trip_beside_the_other_records_and_only_changes_are_written(backend):
    store = backend.store
    assert store.load_moves() == {}
    moves = {"old-a": Move("new-a", "2026-12-01"), "old-b": Move("new-b", "2026-11-20")}
    store.save_moves(moves)
    store.save_topic_owners({"ai": ["dc-python"]})
    store.save_feed_states({"dc-python": FeedState("dc-python")})
    assert store.load_moves() == moves
    assert store.load_topic_owners() == {"ai": ["dc-python"]}  # three records side by side
    assert list(store.load_feed_states()) == ["dc-python"]

    writes, requests = store.writes, len(backend.calls)
    store.save_moves(dict(moves))
    assert store.writes == writes, "an unchanged record costs no write"
    assert "BatchWriteItem" not in backend.calls[requests:]
    changed = {"old-a": Move("newer-a", "2026-12-02"), "old-c": Move("new-c", "2026-12-02")}
    store.save_moves(changed)
    assert store.load_moves() == changed
    assert store.writes == writes + 3, "one move replaced, one added, one deleted"


def test_moves_never_enter_a_listing_or_an_index(backend):
    store = backend.store
    store.put_events([make_event("new-a", "2026-12-01T18:00:00")])
    store.save_moves({"old-a": Move("new-a", "2026-12-01")})
    listed = {e.event_id for p in ("DC", "MD", "VA", "ALL") for e in store.query_by_state(p, "")}
    assert listed == {"new-a"}
    assert [e.event_id for e in store.query_by_group("dc-python")] == ["new-a"]
    assert store.get_events([("old-a", "2026-12-01T18:00:00")]) == {}
    if backend.name != "sqlite":  # the raw item carries no index key attribute at all
        client = store.client  # type: ignore[attr-defined]
        key = ex.key("_meta#moves", "old-a")
        item = client.get_item(TableName=store.table_name, Key=key)["Item"]
        assert not {"state", "group_id", "span_state"} & set(item)


def test_a_year_of_moves_is_read_with_one_query(backend):
    """3,000 moves (a busy year of retitles and reschedules): one DynamoDB Query reads them."""
    store = backend.store
    moves = {f"{n:064x}": Move(f"{n + 1:064x}", "2026-12-01") for n in range(3000)}
    store.save_moves(moves)
    requests = len(backend.calls)
    assert store.load_moves() == moves
    assert backend.calls[requests:] in ([], ["Query"])


def test_writes_counts_items_written_updated_or_deleted(store):
    events = [make_event(f"w{n}", "2026-12-01T18:00:00") for n in range(3)]
    store.put_events(events)
    assert store.writes == 3
    store.touch_events([Touch(e.event_id, e.start_datetime, "2026-12-01", 5) for e in events])
    store.delete_events([events[0].key])
    store.save_feed_states({"dc-python": FeedState("dc-python")})
    assert store.writes == 8
    store.get_events([e.key for e in events])
    list(store.query_by_state("DC", ""))
    store.load_feed_states()
    assert store.writes == 8


def test_list_events_merges_partitions_and_ignores_expired(store):
    now_ts = 1_800_000_000  # before make_event's ttl
    store.put_events(
        [
            make_event("va", "2026-12-01T09:00:00", state="VA"),
            make_event("dc", "2026-12-01T12:00:00"),
            make_event("virtual", "2026-12-01T12:00:00", state=None, location_type="virtual"),
            make_event("md", "2026-12-02T08:00:00", state="MD"),
            make_event("expired", "2026-12-01T10:00:00", ttl=now_ts - 1),
            make_event(
                "conference",
                "2026-11-28T00:00:00",
                end_datetime="2026-12-03T00:00:00",
                all_day=True,
            ),
            make_event("over", "2026-11-29T09:00:00", end_datetime="2026-11-29T17:00:00"),
            make_event("after", "2026-12-04T09:00:00"),
        ]
    )
    flt = EventFilter(start=date(2026, 12, 1), end=date(2026, 12, 3))
    listed = [e.event_id for e in list_events(store, flt, now_ts=now_ts)]
    assert listed == ["conference", "va", "dc", "virtual", "md"]
    dc_only = EventFilter(start=date(2026, 12, 1), state="DC")
    assert [e.event_id for e in list_events(store, dc_only, now_ts=now_ts)] == [
        "conference",
        "dc",
        "after",
    ]


WINDOW = "2026-12-01T00:00:00"
LOOKBACK = "2026-11-01T00:00:00"


def window_events():
    """Around a window opening at WINDOW: what the ``ends_after`` hint may and may not drop."""
    return [
        make_event("over", "2026-11-29T09:00:00", end_datetime="2026-11-29T11:00:00"),
        make_event("running", "2026-11-29T10:00:00", end_datetime="2026-12-02T10:00:00"),
        make_event("ends-at-window", "2026-11-30T00:00:00", end_datetime=WINDOW, all_day=True),
        make_event("night", "2026-11-30T22:00:00", end_datetime="2026-12-01T01:00:00"),
        make_event("instant", WINDOW, end_datetime=WINDOW),
        make_event("tie-b", "2026-12-01T18:00:00"),
        make_event("tie-a", "2026-12-01T18:00:00"),
        make_event("later", "2026-12-03T09:00:00"),
    ]


def listing(store, index, start_from, start_before=None, **hint):
    if index == "state":
        return list(store.query_by_state("DC", start_from, start_before, **hint))
    return list(store.query_by_group("dc-python", start_from, start_before, **hint))


@pytest.mark.parametrize("index", ["state", "group"])
def test_ends_after_leaves_out_only_events_over_before_it(backend, index):
    store = backend.store
    store.put_events(window_events())
    everything = listing(store, index, LOOKBACK)
    hinted = listing(store, index, LOOKBACK, ends_after=WINDOW)

    ids = [e.event_id for e in hinted]
    # a store may keep the event ending exactly at the window start; it must drop "over"
    assert [i for i in ids if i != "ends-at-window"] == [
        "running",
        "night",
        "instant",
        "tie-a",
        "tie-b",
        "later",
    ]
    assert hinted == [e for e in everything if e.event_id in ids]
    bounded = listing(store, index, LOOKBACK, "2026-12-03T00:00:00", ends_after=WINDOW)
    assert [e.event_id for e in bounded if e.event_id != "ends-at-window"] == [
        "running",
        "night",
        "instant",
        "tie-a",
        "tie-b",
    ]
    # a range starting at or after the hint (a cursor past the window start) loses nothing
    assert listing(store, index, WINDOW, ends_after=LOOKBACK) == listing(store, index, WINDOW)
    resumed = listing(store, index, "2026-12-01T18:00:00", ends_after=WINDOW)
    assert [e.event_id for e in resumed] == ["tie-a", "tie-b", "later"]
    # a hint in the middle of a day: what started earlier that day and is still on stays
    midday = listing(store, index, LOOKBACK, ends_after="2026-12-01T00:30:00")
    assert [e.event_id for e in midday] == ["running", "night", "tie-a", "tie-b", "later"]
    # a range ending before the hint's day: only the events running past it
    before = listing(store, index, LOOKBACK, WINDOW, ends_after=WINDOW)
    assert [e.event_id for e in before if e.event_id != "ends-at-window"] == ["running", "night"]


@pytest.mark.parametrize("group_id", [None, "dc-python"])
def test_list_events_keeps_events_running_into_the_window(store, group_id):
    store.put_events(window_events())
    flt = EventFilter(start=date(2026, 12, 1), end=date(2026, 12, 1), group_id=group_id)
    now_ts = 1_800_000_000
    listed = list(list_events(store, flt, now_ts=now_ts))
    assert [e.event_id for e in listed] == ["running", "night", "instant", "tie-a", "tie-b"]
    pages, after = [], None
    while page := list(islice(list_events(store, replace(flt, after=after), now_ts=now_ts), 2)):
        pages.append([e.event_id for e in page])
        after = page[-1].start_datetime, page[-1].event_id
    expected = [["running", "night"], ["instant", "tie-a"], ["tie-b"]]
    assert pages == expected, "cursors resume exactly"


def test_expire_deletes_only_items_whose_ttl_has_passed(backend):
    store = backend.store
    now = 1_950_000_000  # ahead of the real clock: DynamoDB Local's own TTL leaves these alone
    events = [
        make_event("expired", "2026-11-01T18:00:00", ttl=now - 1),
        make_event("at-now", "2026-11-02T18:00:00", ttl=now),
        make_event("live", "2026-11-03T18:00:00", ttl=now + 1),
        make_event("touched", "2026-11-04T18:00:00", ttl=now - 1),
    ]
    store.put_events(events)
    store.touch_events([Touch("touched", events[3].start_datetime, "2026-12-01", now + 1)])
    writes, requests = store.writes, len(backend.calls)

    removed = store.expire(now)

    left = set(store.get_events([e.key for e in events]))
    # SQLite deletes at once; DynamoDB leaves it to the table's TTL and issues nothing
    assert left in ({"live", "touched"}, {e.event_id for e in events})
    assert removed == len(events) - len(left)
    assert backend.calls[requests:] in ([], ["BatchGetItem"])
    assert store.writes == writes, "housekeeping, like TTL deletion, is not a write request"
    listed = list_events(store, EventFilter(start=date(2026, 10, 1)), now_ts=now)
    assert [e.event_id for e in listed] == ["live", "touched"]


# --- short-lived records: sessions, used nonces, rate-limit counters (the API's) ---
NOW = 1_950_000_000  # ahead of the real clock: DynamoDB Local's own TTL leaves these alone


def test_a_record_round_trips_until_it_expires(store):
    store.put_record("session#abc", {"login": "ada", "token": "t0k"}, NOW + 60)
    assert store.get_record("session#abc", NOW) == {"login": "ada", "token": "t0k"}
    assert store.get_record("session#abc", NOW + 60) is None, "expired: absent to readers"
    assert store.get_record("session#other", NOW) is None
    store.put_record("session#abc", {"login": "bob"}, NOW + 60)
    assert store.get_record("session#abc", NOW) == {"login": "bob"}, "replaced whole"
    store.delete_record("session#abc")
    store.delete_record("session#abc")  # absent: no error
    assert store.get_record("session#abc", NOW) is None


def test_a_claim_succeeds_once_until_the_record_expires(store):
    assert store.claim_record("nonce#n1", NOW + 600, NOW) is True
    assert store.claim_record("nonce#n1", NOW + 600, NOW + 1) is False, "single use"
    assert store.claim_record("nonce#n2", NOW + 600, NOW) is True
    assert store.claim_record("nonce#n1", NOW + 1200, NOW + 600) is True, "an expired one"


def test_counters_count_and_restart_after_expiry(store):
    hits = [store.count_hit("rate#ip#1.2.3.4", NOW + 3600, NOW + i) for i in range(3)]
    assert hits == [1, 2, 3]
    assert store.count_hit("rate#user#ada", NOW + 3600, NOW) == 1, "counters are separate"
    assert store.count_hit("rate#ip#1.2.3.4", NOW + 7200, NOW + 3600) == 1, "expired: restarts"
    assert store.count_hit("rate#ip#1.2.3.4", NOW + 7200, NOW + 3601) == 2


def test_records_never_enter_a_listing_or_an_index(backend):
    store = backend.store
    store.put_events([make_event("e1", "2026-12-01T18:00:00")])
    store.put_record("session#s", {"token": "secret"}, NOW + 60)
    store.claim_record("nonce#n", NOW + 60, NOW)
    store.count_hit("rate#ip#x", NOW + 60, NOW)
    listed = {
        e.event_id
        for partition in ("DC", "MD", "VA", "ALL")
        for e in store.query_by_state(partition, "")
    }
    assert listed == {"e1"}
    assert [e.event_id for e in store.query_by_group("dc-python")] == ["e1"]
    if backend.name != "sqlite":  # the raw items carry no index key attribute at all
        client = store.client  # type: ignore[attr-defined]
        for name in ("session#s", "nonce#n", "rate#ip#x"):
            item = client.get_item(TableName=store.table_name, Key=ex.record_key(name))["Item"]
            assert not {"state", "group_id", "span_state"} & set(item)


def test_expire_deletes_expired_records_where_the_backend_deletes(backend):
    """SQLite deletes them at the end of a collect; DynamoDB leaves it to the table's TTL."""
    store = backend.store
    store.put_record("session#old", {"a": "b"}, NOW - 1)
    store.put_record("session#new", {"a": "b"}, NOW + 60)
    store.expire(NOW)
    kept = store.get_record("session#old", NOW - 10)  # read as of a time it was still live
    assert kept == (None if backend.name == "sqlite" else {"a": "b"})
    assert store.get_record("session#new", NOW) == {"a": "b"}
