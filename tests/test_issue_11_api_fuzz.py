"""Issue 11: whatever a client sends, the API answers 200, 304 or the one JSON 400, never a 5xx.
Arbitrary query strings (real and random parameter names, any text, repeats, broken percent
escapes) and arbitrary cursors, forged ones with a valid checksum included, go to the app through
chalice.test.Client; every answer must be one the OpenAPI document describes."""

from __future__ import annotations

import base64
from urllib.parse import urlencode

import pytest
from hypothesis import example, given
from hypothesis import strategies as st
from test_api import OPENAPI, backend, body, client, conforms, examples, get
from test_issue_11_api_cursor import FINGERPRINT, forge, seal

import api.app as api_app

__all__ = ["backend", "client"]  # fixtures from test_api, requested by name

FUZZ = 300  # examples per property on SQLite (a quarter of it on moto)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=8,
)
START = OPENAPI["components"]["schemas"]["Event"]["properties"]["start_datetime"]["pattern"]
# Each cursor field mostly of the shape issued (so a forgery gets past the checks before it, down
# to the store's key conditions), else anything.
FIELDS = st.tuples(
    st.from_regex(START) | st.just("2026-12-01T18:00:00") | JSON,
    st.text(alphabet="0123456789abcdef-_Z", min_size=60, max_size=66) | st.just("tie-a") | JSON,
    st.just(FINGERPRINT) | JSON,
).map(list)
CURSORS = st.one_of(
    JSON.map(forge),
    FIELDS.map(forge),
    st.binary(max_size=300).map(seal),  # a valid checksum over any bytes
    st.binary(max_size=300).map(lambda raw: base64.urlsafe_b64encode(raw).decode()),
    st.text(alphabet="ABCxyz019-_=+/%. ", max_size=410),
    st.text(),
)
VALUES = st.one_of(
    st.sampled_from(
        ["DC", "virtual", "2026-12-02", "9999-12-31", "0001-01-01", "12", "+5", "", "ai", "AI"]
    ),
    st.integers().map(str),
    st.text(),
    CURSORS,
)
REAL = st.sampled_from(api_app.PARAMETERS)
QUERY = st.one_of(
    st.lists(st.tuples(REAL, VALUES), max_size=7, unique_by=lambda pair: pair[0]).map(urlencode),
    st.lists(st.tuples(REAL | st.text(), VALUES), max_size=8).map(urlencode),  # with repeats
    st.text(alphabet=st.characters(blacklist_characters="#")),  # raw: broken escapes, NULs...
)


def assert_answered(response) -> None:
    """200 or 304, or a 400 in the one documented error shape; never a 5xx."""
    assert response.status_code in (200, 304, 400), response.body
    if response.status_code == 304:
        assert response.body == b""
        return
    conforms(response)
    if response.status_code == 400:
        assert body(response)["error"]["message"]
        assert response.headers["Content-Type"] == "application/json; charset=utf-8"
        assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_any_query_string_is_answered_200_304_or_400(client, backend):
    @examples(backend, on_sqlite=FUZZ)
    @given(query=QUERY, if_none_match=st.none() | st.text())
    @example(query="end_date=9999-12-31", if_none_match=None)
    @example(query="start_date=0001-01-01", if_none_match=None)
    @example(query="start_date=0001-01-01&end_date=9999-12-31", if_none_match="*")
    @example(query="start_date=%D9%A2%D9%A0%D9%A2%D9%A6-12-01", if_none_match=None)
    @example(query="limit=%2B5&limit=-5", if_none_match=None)
    @example(query="limit=" + "9" * 1000, if_none_match=None)
    @example(query="state=&group_id=%00&" + "x" * 20_000 + "=1", if_none_match=None)
    @example(query="cursor=ab%3D%3D", if_none_match=None)
    @example(query="cursor=abcde", if_none_match=None)
    @example(query="cursor=%%%zz&%", if_none_match="W/")
    @example(query="\ud800=1", if_none_match=None)
    @example(query="category=ai&state=DC&limit=3", if_none_match=None)
    @example(query="category=%00&category=ai", if_none_match=None)
    def answered(query: str, if_none_match: str | None) -> None:
        headers = {} if if_none_match is None else {"If-None-Match": if_none_match}
        assert_answered(client.http.get(f"/api/events?{query}", headers=headers))

    answered()


def test_any_cursor_is_answered_200_or_400(client, backend):
    @examples(backend, on_sqlite=FUZZ)
    @given(cursor=CURSORS, limit=st.none() | st.integers(1, 500))
    @example(cursor=forge([1, 2, FINGERPRINT]), limit=None)
    @example(cursor=forge({"2026-12-01T18:00:00": 1, "tie-a": 2, FINGERPRINT: 3}), limit=None)
    @example(cursor=forge("abc"), limit=None)
    @example(cursor=seal(b"[" * 140 + b"]" * 140), limit=None)
    @example(cursor=seal(b"9" * 280), limit=None)
    @example(cursor=seal(b"\xff\xfe[]"), limit=None)
    def answered(cursor: str, limit: int | None) -> None:
        query = {"cursor": cursor} | ({} if limit is None else {"limit": limit})
        assert_answered(get(client, query))

    answered()


@pytest.mark.parametrize("limit", ["٣", "５", "१०", "٤٢"])
def test_other_scripts_digits_are_not_a_limit(client, limit):
    """``\\d`` matches them and int() reads them: only ASCII digits are documented."""
    response = get(client, {"limit": limit})
    assert response.status_code == 400
    assert body(response)["error"]["parameter"] == "limit"
