"""`webcal://` feed links: accepted as a group's `ical` only, fetched over HTTPS and over plain
HTTP when the server does not speak TLS, within the feed's one deadline and host slot; never
when it does (a certificate that fails verification is the feed's error). The TLS servers here
are the loopback feed server behind a certificate made at test time (tests/tls.py)."""

from __future__ import annotations

import json
import shutil
import time

import pytest
from conftest import REPO
from feed_server import CALENDAR, FeedServer, closed_port_url
from tls import reset_in_handshake_url, tls_server

import dctech
from collector.fetch import FeedRequest, FetchResult, FetchSettings, fetch_all
from core.config import ConfigError, load_group, load_single_event, validate_all

FAST = FetchSettings(connect_timeout=1, read_timeout=1, deadline=3, backoff=0.01)
NO_TLS = "over http:// (https:// failed: the server does not speak TLS)"  # plain HTTP there


def webcal(url: str, scheme: str = "webcal") -> str:
    return url.replace("http://", f"{scheme}://", 1)


def fetch_one(source: str, settings: FetchSettings = FAST) -> FetchResult:
    return fetch_all([FeedRequest("g", source)], settings=settings)["g"]


@pytest.mark.parametrize(
    "ical",
    ["webcal://calendar.google.com/calendar/ical/x%40group.calendar.google.com/public/basic.ics",
     "webcals://p12-caldav.icloud.com/published/2/abc", "WEBCAL://outlook.live.com/owa/c.ics"],
)  # fmt: skip
def test_a_group_may_name_its_feed_by_a_webcal_link(tmp_path, ical):
    (tmp_path / "g.yaml").write_text(f"name: G\nwebsite: https://example.org/\nical: {ical}\n")
    assert load_group(tmp_path / "g.yaml").ical == ical


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("website: webcal://example.org/\nical: https://example.org/a.ics", "website"),
        ("website: https://example.org/\nfallback_url: webcal://example.org/", "fallback_url"),
        ("website: https://example.org/\nsubmitter_link: webcal://example.org/", "submitter_link"),
    ],
)
def test_webcal_is_refused_everywhere_else_in_a_group(tmp_path, text, key):
    (tmp_path / "g.yaml").write_text(f"name: G\n{text}\n")
    with pytest.raises(ConfigError) as caught:
        load_group(tmp_path / "g.yaml")
    assert caught.value.field == key and "must be an http(s) URL, got 'webcal:" in str(caught.value)


def test_webcal_is_refused_as_an_events_link_and_a_bad_ical_names_every_kind(tmp_path):
    (tmp_path / "e.yaml").write_text("title: T\ndate: '2026-12-01'\nurl: webcal://example.org/\n")
    with pytest.raises(ConfigError, match="key 'url': must be an http"):
        load_single_event(tmp_path / "e.yaml")
    (tmp_path / "g.yaml").write_text("name: G\nwebsite: https://example.org/\nical: webcal:x\n")
    with pytest.raises(ConfigError) as caught:
        load_group(tmp_path / "g.yaml")
    assert "must be an http(s) or webcal:// URL or a path relative to the repository" in str(
        caught.value
    )


def test_check_takes_a_webcal_feed_for_a_url_not_a_missing_local_file(tmp_path):
    (tmp_path / "_groups").mkdir()
    (tmp_path / "_groups" / "g.yaml").write_text(
        "name: G\nwebsite: https://example.org/\nical: webcal://example.org/g.ics\n"
    )
    assert validate_all(tmp_path) == []


def test_a_webcal_feed_falls_back_to_http_when_the_server_has_no_tls(feed_server: FeedServer):
    url = feed_server.route("/x.ics", etag='"v1"')

    result = fetch_one(webcal(url))

    assert result == FetchResult(
        "g", ok=True, body=CALENDAR, http_status=200, etag='"v1"', note=NO_TLS
    )
    assert feed_server.hits("/x.ics") == 1  # the TLS attempt never reached a request


def test_a_404_over_the_fallback_is_the_feeds_error_not_retried(feed_server: FeedServer):
    url = feed_server.route("/gone.ics", status=404)

    result = fetch_one(webcal(url))

    assert (result.ok, result.http_status, result.note) == (False, 404, NO_TLS)
    assert result.error == f"HTTP 404 {NO_TLS}"
    assert feed_server.hits("/gone.ics") == 1


def test_a_refused_https_port_falls_back_and_a_refused_http_one_is_retried():
    result = fetch_one(webcal(closed_port_url()))

    assert result.error == (
        "connection refused (3 attempts) over http:// (https:// failed: connection refused)"
    )


@pytest.mark.parametrize("scheme", ["http", "https", "webcals"])
def test_only_webcal_falls_back(feed_server: FeedServer, scheme: str):
    url = feed_server.route("/x.ics").replace("http://", f"{scheme}://")
    refused = closed_port_url().replace("http://", f"{scheme}://")

    served, closed = fetch_one(url), fetch_one(refused)

    assert closed.note is None and "over http://" not in (closed.error or "")
    if scheme == "http":
        assert served.ok and served.note is None
    else:  # HTTPS only: the plain-HTTP server is a TLS error
        assert (served.ok, served.error, served.note) == (
            False,
            "the server does not speak TLS",
            None,
        )
        assert feed_server.hits("/x.ics") == 0


def test_the_deadline_covers_the_https_attempt_and_the_fallback(feed_server: FeedServer):
    url = feed_server.route("/slow.ics", latency=3)
    settings = FetchSettings(connect_timeout=1, read_timeout=5, deadline=1, retries=0)

    began = time.monotonic()
    result = fetch_one(webcal(url), settings)

    assert time.monotonic() - began < 2
    assert result.error == f"timed out after 1 s {NO_TLS}"


def test_the_per_host_limit_holds_across_the_fallback(feed_server: FeedServer):
    feeds = [
        FeedRequest(f"g{i}", webcal(feed_server.route(f"/{i}.ics", latency=0.1))) for i in range(8)
    ]
    settings = FetchSettings(max_workers=8, per_host=2)

    results = fetch_all(feeds, settings=settings)

    assert all(r.ok and r.note == NO_TLS for r in results.values())
    assert feed_server.max_in_flight <= 2


def test_collect_reports_a_failed_fallback_in_its_progress_line_and_in_feeds(
    tmp_path, feed_server, capsys
):
    feed_server.route("/gone.ics", status=404)
    (tmp_path / "_groups").mkdir()
    (tmp_path / "_groups" / "gone.yaml").write_text(
        f"name: Gone\nwebsite: https://example.org/\nical: {webcal(feed_server.url('/gone.ics'))}\n"
    )
    shutil.copy(REPO / "config.yaml", tmp_path / "config.yaml")
    common = ["--store", f"sqlite:///{tmp_path}/s.db", "--config", str(tmp_path / "config.yaml")]

    assert dctech.main(["collect", *common, "--groups", str(tmp_path / "_groups")]) == 0
    assert f"FAILED: HTTP 404 {NO_TLS}" in capsys.readouterr().out
    assert dctech.main(["feeds", *common, "--format", "json"]) == 0
    (state,) = json.loads(capsys.readouterr().out)
    assert (state["error"], state["http_status"]) == (f"HTTP 404 {NO_TLS}", 404)


@pytest.fixture
def trusted(monkeypatch):
    """Make requests trust a certificate tls_server made."""

    def trust(cert) -> None:
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert))

    return trust


def test_a_self_signed_certificate_is_the_feeds_error_never_a_fallback(tmp_path):
    with tls_server(tmp_path, ["127.0.0.1"]) as (server, _cert):
        result = fetch_one(webcal(server.url("/x.ics")))
        assert server.hits("/x.ics") == 0
    assert (result.ok, result.note) == (False, None)
    assert result.error == "TLS certificate rejected: self-signed certificate"


@pytest.mark.parametrize(
    ("host", "said"),
    [
        ("localhost", "Hostname mismatch, certificate is not valid for 'localhost'"),
        ("127.0.0.1", "IP address mismatch, certificate is not valid for '127.0.0.1'"),
    ],
)
def test_a_certificate_for_another_host_is_the_feeds_error_never_a_fallback(
    tmp_path, trusted, host, said
):
    with tls_server(tmp_path, ["elsewhere.example"]) as (server, cert):
        trusted(cert)
        result = fetch_one(webcal(server.url("/x.ics", host=host)))
    assert (result.ok, result.note) == (False, None)
    assert result.error == f"TLS certificate rejected: {said}"


@pytest.mark.parametrize("scheme", ["webcal", "webcals"])
def test_a_server_speaking_tls_is_fetched_over_https_with_no_note(tmp_path, trusted, scheme):
    with tls_server(tmp_path, ["127.0.0.1", "localhost"]) as (server, cert):
        trusted(cert)
        server.route("/x.ics", etag='"v1"')
        result = fetch_one(webcal(server.url("/x.ics"), scheme))
        assert server.hits("/x.ics") == 1
    assert result == FetchResult("g", ok=True, body=CALENDAR, http_status=200, etag='"v1"')


def test_a_connection_reset_in_the_handshake_is_no_tls_and_falls_back():
    with reset_in_handshake_url() as url:
        result = fetch_one(webcal(url))
        https_only = fetch_one(url.replace("http://", "https://"))
    reset = "connection reset during the TLS handshake"
    assert result.note == f"over http:// (https:// failed: {reset})"
    assert result.error.endswith(f" {result.note}")  # the same port resets plain HTTP too
    assert (https_only.error, https_only.note) == (f"{reset} (3 attempts)", None)


def test_collect_and_feeds_say_a_feed_is_fetched_in_clear_text(tmp_path, feed_server, capsys):
    feed_server.route("/ok.ics")
    (tmp_path / "_groups").mkdir()
    (tmp_path / "_groups" / "clear.yaml").write_text(
        f"name: Clear\nwebsite: https://example.org/\nical: {webcal(feed_server.url('/ok.ics'))}\n"
    )
    (tmp_path / "_groups" / "plain.yaml").write_text(
        f"name: Plain\nwebsite: https://example.org/\nical: {feed_server.url('/ok.ics')}\n"
    )
    shutil.copy(REPO / "config.yaml", tmp_path / "config.yaml")
    common = ["--store", f"sqlite:///{tmp_path}/s.db", "--config", str(tmp_path / "config.yaml")]

    assert dctech.main(["collect", *common, "--groups", str(tmp_path / "_groups")]) == 0
    out = capsys.readouterr().out
    assert f"fetched (HTTP 200) {NO_TLS}" in out  # the progress line
    (row,) = [line for line in out.splitlines() if line.startswith("clear ")]
    assert row.split(None, 3)[1:] == ["ok", "0", f"fetched {NO_TLS}"]
    assert [line for line in out.splitlines() if line.startswith("plain ")] == [
        "plain  ok              0"
    ]
    assert (
        "note: 1 webcal:// feed(s) fetched over http://, in clear text, their servers not"
        " speaking TLS: clear" in out
    )
    assert dctech.main(["feeds", *common]) == 0
    (row,) = [line for line in capsys.readouterr().out.splitlines() if line.startswith("clear ")]
    assert row.endswith(f"  fetched {NO_TLS}")
    assert dctech.main(["feeds", *common, "--format", "json"]) == 0
    notes = {s["group_id"]: s["note"] for s in json.loads(capsys.readouterr().out)}
    assert notes == {"clear": NO_TLS, "plain": None}
