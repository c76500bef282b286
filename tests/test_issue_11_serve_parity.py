"""Issue 11: `dctech serve` answers /api/* exactly as the Lambda does. Real HTTP requests to the
preview server (with the real API handler) are compared with what the Chalice app itself answers
through chalice.test.Client: the method, every repeated parameter and the headers must reach it."""

from __future__ import annotations

import http.client
import threading
from collections.abc import Iterator
from urllib.parse import urlencode

import pytest
from chalice.config import Config
from chalice.local import LocalGateway
from chalice.test import Client
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_api_local import db, served

import api.app as api_app
from api.local import handle
from generator.preview import make_server

__all__ = ["db", "served"]  # fixtures from test_api_local, requested by name

Answer = tuple[int, dict[str, str], bytes]
HOME = b"<!doctype html><title>home</title>"


@pytest.fixture
def server(served, tmp_path) -> Iterator[int]:
    """`dctech serve` on a free port, as the CLI wires it: its port."""
    (tmp_path / "index.html").write_bytes(HOME)
    httpd = make_server(tmp_path, port=0, api_handler=handle)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield httpd.server_port
    httpd.shutdown()
    httpd.server_close()


def over_http(port: int, method: str, path: str, headers: dict | None = None, body=None) -> Answer:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request(method, path, body=body, headers=headers or {})
    response = connection.getresponse()
    answer = (response.status, dict(response.getheaders()), response.read())
    connection.close()
    return answer


def from_the_app(method: str, path: str, headers: dict | None = None) -> Answer:
    """The Lambda's answer: the app behind Chalice's API Gateway emulation."""
    if method == "OPTIONS":  # chalice.test.Client cannot read a preflight's empty body
        raw = LocalGateway(api_app.app, Config.create()).handle_request(method, path, {}, b"")
        return raw["statusCode"], raw["headers"], b""
    response = Client(api_app.app).http.request(method, path, headers=headers or {})
    return response.status_code, response.headers, response.body


def assert_same(served_answer: Answer, app_answer: Answer) -> None:
    """Same status and body; every header the app sets, set alike (the server adds Date...)."""
    (status, headers, body), (app_status, app_headers, app_body) = served_answer, app_answer
    assert (status, body) == (app_status, app_body)
    assert dict(app_headers).items() <= headers.items()


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE", "HEAD"])
def test_other_methods_get_the_json_405_with_allow(server, method):
    payload = None if method == "HEAD" else b'{"title": "spam"}'
    answer = over_http(server, method, "/api/events?state=DC", body=payload)
    expected = from_the_app(method, "/api/events?state=DC")
    if method == "HEAD":  # the same answer, without its body
        expected = (*expected[:2], b"")
    assert_same(answer, expected)
    assert answer[0] == 405 and answer[1]["Allow"] == "GET"
    assert answer[1]["Content-Type"] == "application/json; charset=utf-8"
    # The site's own paths answer as before: GET and HEAD, other methods http.server's 501.
    assert over_http(server, method, "/", body=payload)[0] == (200 if method == "HEAD" else 501)


def test_options_gets_the_cors_preflight_answer(server):
    answer = over_http(server, "OPTIONS", "/api/events", {"Origin": "https://example.org"})
    assert_same(answer, from_the_app("OPTIONS", "/api/events"))
    assert answer[0] == 200
    assert answer[1]["Access-Control-Allow-Methods"] == "GET,OPTIONS"
    assert answer[1]["Access-Control-Allow-Origin"] == "*"


@pytest.mark.parametrize(
    "query", ["state=DC&state=VA", "state=DC&state=DC", "limit=1&state=VA&limit=2"]
)
def test_a_repeated_parameter_is_a_400(server, query):
    answer = over_http(server, "GET", f"/api/events?{query}")
    assert_same(answer, from_the_app("GET", f"/api/events?{query}"))
    assert answer[0] == 400


def test_if_none_match_with_a_previous_etag_is_a_304(server):
    first = over_http(server, "GET", "/api/events?state=DC")
    etag = first[1]["ETag"]
    for validator in (etag, f"W/{etag}", f'"other", {etag}'):
        answer = over_http(server, "GET", "/api/events?state=DC", {"If-None-Match": validator})
        assert_same(answer, from_the_app("GET", "/api/events?state=DC", {"If-None-Match": etag}))
        assert answer[0] == 304 and answer[2] == b"" and answer[1]["ETag"] == etag
    stale = over_http(server, "GET", "/api/events?state=DC", {"If-None-Match": '"other"'})
    assert (stale[0], stale[2]) == (200, first[2])


NAMES = st.sampled_from(api_app.PARAMETERS) | st.text(max_size=12)
VALUES = st.sampled_from(["DC", "VA", "virtual", "2026-12-02", "1", "", "alpha"]) | st.text()


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(query=st.lists(st.tuples(NAMES, VALUES), max_size=5))
def test_any_query_gets_the_same_answer_as_from_the_app(server, query):
    path = f"/api/events?{urlencode(query)}"
    assert_same(over_http(server, "GET", path), from_the_app("GET", path))
