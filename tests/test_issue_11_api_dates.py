"""Issue 11: the dates the API accepts are bounded (core.limits), so a client's date is a 400,
never the 500 an OverflowError in the window arithmetic gave; core.query itself copes with
date.min and date.max as defence in depth."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from test_api import LIST, NOW_TS, TODAY, backend, body, client, expected_ids, get, ids

from core.limits import EARLIEST_DATE, LATEST_DATE
from core.query import EventFilter, list_events

__all__ = ["backend", "client"]  # fixtures from test_api, requested by name

DAY = timedelta(days=1)


@pytest.mark.parametrize(
    "query",
    [
        {"end_date": "9999-12-31"},
        {"start_date": "0001-01-01"},
        {"start_date": "0001-01-01", "end_date": "9999-12-31"},
        {"start_date": (EARLIEST_DATE - DAY).isoformat()},
        {"end_date": (LATEST_DATE + DAY).isoformat()},
    ],
)
def test_a_date_outside_the_range_is_a_400_naming_the_parameter(client, query):
    response = get(client, query)
    assert response.status_code == 400, response.body
    error = body(response)["error"]
    assert error["code"] == "invalid_parameter"
    assert error["parameter"] in query
    assert error["message"] == (
        f"{error['parameter']} must be from {EARLIEST_DATE} to {LATEST_DATE},"
        f" not {query[error['parameter']]}"
    )


@pytest.mark.parametrize("name", ["start_date", "end_date"])
def test_the_range_is_inclusive_at_both_ends(client, name):
    """Exactly EARLIEST_DATE..LATEST_DATE: each end accepted, the day past it refused."""
    for inside, outside in ((EARLIEST_DATE, EARLIEST_DATE - DAY), (LATEST_DATE, LATEST_DATE + DAY)):
        query = {name: inside.isoformat(), "limit": 500}
        if name == "end_date":
            query["start_date"] = EARLIEST_DATE.isoformat()
        expected = expected_ids(
            **{k: date.fromisoformat(v) for k, v in query.items() if k != "limit"}
        )
        assert ids(get(client, query)) == expected
        assert get(client, {**query, name: outside.isoformat()}).status_code == 400


@pytest.mark.parametrize(
    ("flt", "expected"),
    [
        (EventFilter(start=date.min), {"start_date": date.min}),
        (EventFilter(start=date.min, end=date.max), {"start_date": date.min}),
        (EventFilter(start=TODAY, end=date.max), {}),
    ],
)
def test_the_shared_query_never_overflows_at_the_ends_of_time(backend, flt, expected):
    """An end of date.max is no bound at all: nothing starts after it."""
    listed = [e.event_id for e in list_events(backend, flt, now_ts=NOW_TS)]
    assert listed == expected_ids(**expected)


def test_the_documented_range_is_the_enforced_one():
    dates = {p["name"]: p for p in LIST["parameters"] if p["name"].endswith("_date")}
    assert len(dates) == 2
    for parameter in dates.values():
        assert f"from {EARLIEST_DATE} to {LATEST_DATE}" in parameter["description"]
    assert f"{EARLIEST_DATE} to {LATEST_DATE}" in " ".join(
        LIST["responses"]["400"]["description"].split()
    )
