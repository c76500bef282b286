"""The feed fetcher against a real HTTP server on 127.0.0.1: every way a feed can go wrong ends
as an error result for that group alone, quickly."""

from __future__ import annotations

import gzip
import time

import pytest
from feed_server import CALENDAR, HTML, FeedServer, closed_port_url

import collector.fetch as fetch
from collector.fetch import USER_AGENT, FeedRequest, FetchResult, FetchSettings, fetch_all

FAST = FetchSettings(connect_timeout=1, read_timeout=1, deadline=3, backoff=0.01)
LAST_MODIFIED = "Wed, 21 Oct 2026 07:28:00 GMT"


@pytest.fixture
def feed_server():
    with FeedServer() as server:
        yield server


def fetch_one(source: str, settings: FetchSettings = FAST, **kwargs: object) -> FetchResult:
    return fetch_all([FeedRequest("g", source, **kwargs)], settings=settings)["g"]  # type: ignore[arg-type]


def test_a_feed_comes_back_with_its_validators_and_our_user_agent(feed_server: FeedServer):
    url = feed_server.route("/a.ics", etag='"v1"', last_modified=LAST_MODIFIED)

    result = fetch_one(url)

    assert result == FetchResult(
        "g", ok=True, body=CALENDAR, http_status=200, etag='"v1"', last_modified=LAST_MODIFIED
    )
    (headers,) = feed_server.headers("/a.ics")
    assert headers["User-Agent"] == USER_AGENT == "DCTechEvents/0.1 (+https://dctech.events)"
    assert "If-None-Match" not in headers and "If-Modified-Since" not in headers


def test_an_unchanged_feed_answers_304_to_either_validator(feed_server: FeedServer):
    url = feed_server.route("/a.ics", etag='"v1"', last_modified=LAST_MODIFIED)

    by_etag = fetch_one(url, etag='"v1"')
    by_date = fetch_one(url, last_modified=LAST_MODIFIED)

    for result in (by_etag, by_date):
        assert (result.ok, result.not_modified, result.body, result.http_status) == (
            True,
            True,
            None,
            304,
        )
        assert result.etag == '"v1"' and result.last_modified == LAST_MODIFIED
    first, second = feed_server.headers("/a.ics")
    assert first["If-None-Match"] == '"v1"' and second["If-Modified-Since"] == LAST_MODIFIED


def test_a_changed_feed_is_fetched_in_full_with_its_new_etag(feed_server: FeedServer):
    url = feed_server.route("/a.ics", etag='"v2"')

    result = fetch_one(url, etag='"v1"')

    assert (result.not_modified, result.body, result.etag) == (False, CALENDAR, '"v2"')


def test_a_503_is_retried_until_the_feed_answers(feed_server: FeedServer):
    url = feed_server.route("/a.ics", fail_first=2, fail_status=503)

    result = fetch_one(url)

    assert result.ok and result.body == CALENDAR
    assert feed_server.hits("/a.ics") == 3


def test_retry_after_is_honoured_up_to_the_cap(feed_server: FeedServer):
    url = feed_server.route("/a.ics", fail_first=1, fail_status=429, retry_after="60")
    settings = FetchSettings(backoff=0.01, retry_after_cap=0.3)

    started = time.monotonic()
    result = fetch_one(url, settings)

    assert result.ok
    assert 0.3 <= time.monotonic() - started < 1.5


def test_a_500_forever_gives_up_after_the_retries(feed_server: FeedServer):
    url = feed_server.route("/a.ics", status=500)

    result = fetch_one(url)

    assert (result.ok, result.http_status, result.error) == (False, 500, "HTTP 500 (3 attempts)")
    assert feed_server.hits("/a.ics") == 3


def test_a_404_is_not_retried(feed_server: FeedServer):
    result = fetch_one(feed_server.url("/gone.ics"))

    assert (result.ok, result.http_status, result.error) == (False, 404, "HTTP 404")
    assert feed_server.hits("/gone.ics") == 1


def test_a_server_dripping_bytes_is_cut_off_at_the_deadline(feed_server: FeedServer):
    url = feed_server.route("/drip.ics", body=CALENDAR * 10, drip=0.02)  # 14 s in full
    settings = FetchSettings(read_timeout=1, deadline=0.5, backoff=0.01)

    started = time.monotonic()
    result = fetch_one(url, settings)

    assert (result.ok, result.error) == (False, "timed out after 0.5 s")
    assert time.monotonic() - started < 1.5


def test_a_silent_server_times_out_and_is_retried(feed_server: FeedServer):
    url = feed_server.route("/slow.ics", latency=3)
    settings = FetchSettings(read_timeout=0.2, deadline=2, backoff=0.01)

    started = time.monotonic()
    result = fetch_one(url, settings)

    assert (result.ok, result.error) == (False, "timed out after 0.2 s (3 attempts)")
    assert feed_server.hits("/slow.ics") == 3
    assert time.monotonic() - started < 1.5


@pytest.mark.parametrize("declare_length", [True, False])
def test_a_20_mb_feed_is_refused(feed_server: FeedServer, declare_length: bool):
    url = feed_server.route("/huge.ics", size=20 * 2**20, declare_length=declare_length)

    started = time.monotonic()
    result = fetch_one(url)

    assert (result.ok, result.body, result.error) == (False, None, "larger than 10 MB")
    assert time.monotonic() - started < 3


def test_a_redirect_is_followed_but_a_loop_is_an_error(feed_server: FeedServer):
    moved = feed_server.route("/old.ics", redirect_to="/a.ics")
    feed_server.route("/a.ics")
    loop = feed_server.route("/loop.ics", redirect_to="/loop.ics")

    assert fetch_one(moved).body == CALENDAR
    assert fetch_one(loop).error == "redirect loop"
    assert feed_server.hits("/loop.ics") == 1 + FAST.max_redirects


def test_an_html_page_served_with_200_is_not_a_calendar(feed_server: FeedServer):
    url = feed_server.route("/login", body=HTML, content_type="text/html; charset=utf-8")

    result = fetch_one(url)

    assert (result.ok, result.http_status) == (False, 200)
    assert result.error == "not a calendar (got text/html)"


def test_a_bom_leading_blank_lines_lowercase_and_gzip_are_still_a_calendar(
    feed_server: FeedServer,
):
    body = b"\xef\xbb\xbf\r\n  begin:vcalendar\r\nEND:VCALENDAR\r\n"
    url = feed_server.route(
        "/a.ics", body=gzip.compress(body), headers={"Content-Encoding": "gzip"}
    )

    assert fetch_one(url).body == body


def test_a_gzip_bomb_is_cut_off_at_the_size_limit(feed_server: FeedServer):
    bomb = gzip.compress(CALENDAR[:17] + b" " * 64 * 2**20, compresslevel=1)  # 64 MB from 0.3 MB
    url = feed_server.route("/bomb.ics", body=bomb, headers={"Content-Encoding": "gzip"})

    assert fetch_one(url).error == "larger than 10 MB"


@pytest.mark.parametrize("source", ["file:///etc/passwd", "ftp://example.org/a.ics"])
def test_only_http_and_https_urls_are_fetched(source: str):
    scheme = source.split(":")[0]
    assert fetch_one(source).error == f"unsupported URL scheme: {scheme}"


def test_a_redirect_to_another_scheme_is_refused(feed_server: FeedServer):
    url = feed_server.route("/a.ics", redirect_to="file:///etc/passwd")

    assert fetch_one(url).error == "unsupported URL scheme"


def test_a_local_feed_is_read_relative_to_the_root(tmp_path):
    (tmp_path / "feeds").mkdir()
    (tmp_path / "feeds" / "ours.ics").write_bytes(CALENDAR)
    (tmp_path / "feeds" / "page.html").write_bytes(HTML)
    feeds = [
        FeedRequest("ours", "feeds/ours.ics"),
        FeedRequest("missing", "feeds/missing.ics"),
        FeedRequest("page", "feeds/page.html"),
    ]

    results = fetch_all(feeds, settings=FAST, root=tmp_path)

    assert results["ours"] == FetchResult("ours", ok=True, body=CALENDAR)
    assert results["missing"].error == "file not found: feeds/missing.ics"
    assert results["page"].error == "not a calendar"


def test_a_refused_connection_is_retried_then_reported():
    result = fetch_one(closed_port_url())

    assert (result.ok, result.http_status) == (False, None)
    assert result.error == "connection refused (3 attempts)"


def test_requests_in_flight_to_one_host_stay_under_the_limit(feed_server: FeedServer):
    paths = [f"/{i}.ics" for i in range(12)]
    for path in paths:
        feed_server.route(path, latency=0.1)
    settings = FetchSettings(max_workers=12, per_host=3)

    one_host = [FeedRequest(p, feed_server.url(p)) for p in paths]
    fetch_all(one_host, settings=settings)
    assert feed_server.max_in_flight == 3

    feed_server.reset_counts()
    two_hosts = [
        FeedRequest(p, feed_server.url(p, host))
        for p in paths[:6]
        for host in ("127.0.0.1", "localhost")
    ]
    fetch_all(two_hosts, settings=settings)
    assert feed_server.max_in_flight == 6


def test_many_slow_feeds_are_fetched_concurrently(feed_server: FeedServer):
    feeds = [FeedRequest(str(i), feed_server.route(f"/{i}.ics", latency=0.2)) for i in range(40)]

    started = time.monotonic()
    results = fetch_all(feeds, settings=FetchSettings(max_workers=20, per_host=20))

    assert all(r.ok for r in results.values())
    assert time.monotonic() - started < 1.2  # 8 s one at a time


def test_one_bad_feed_does_not_touch_the_others(feed_server: FeedServer, tmp_path):
    feeds = [
        FeedRequest("good", feed_server.route("/good.ics")),
        FeedRequest("broken", feed_server.route("/broken.ics", status=500)),
        FeedRequest("html", feed_server.route("/html", body=HTML, content_type="text/html")),
        FeedRequest("refused", closed_port_url()),
        FeedRequest("drip", feed_server.route("/drip.ics", body=CALENDAR * 10, drip=0.02)),
        FeedRequest("also-good", feed_server.route("/also-good.ics", latency=0.1)),
    ]
    seen: list[str] = []

    settings = FetchSettings(read_timeout=1, deadline=0.5, backoff=0.01)
    results = fetch_all(feeds, settings=settings, on_result=lambda r: seen.append(r.group_id))

    assert list(results) == [f.group_id for f in feeds]
    assert sorted(seen) == sorted(results)
    assert {g for g, r in results.items() if r.ok} == {"good", "also-good"}
    assert results["good"].body == results["also-good"].body == CALENDAR
    assert all(r.error for r in results.values() if not r.ok)


def test_an_unexpected_exception_becomes_that_feeds_error(monkeypatch, feed_server: FeedServer):
    def boom(*args: object) -> FetchResult:
        raise RuntimeError("boom")

    monkeypatch.setattr(fetch, "_read_local", boom)
    results = fetch_all(
        [FeedRequest("local", "feeds/a.ics"), FeedRequest("web", feed_server.route("/a.ics"))],
        settings=FAST,
    )

    assert results["local"].error == "unexpected error: RuntimeError('boom')"
    assert results["web"].ok
