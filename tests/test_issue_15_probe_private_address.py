"""Issue 15: the submission probe fetches a stranger's URL, so it must not reach what only the
Lambda can: the runtime API on 127.0.0.1:9001, cloud metadata on 169.254.169.254, a private
network. Every spelling of a non-public address is refused before any connection (literal,
decimal, octal, IPv6, a name whose DNS answer is private, a redirect hop), a public one is
connected to as checked (pinned: a second DNS answer is never asked for) with TLS still on the
name, and the refusal reaches the pull request's probe report, not a 5xx.

No test reaches the internet: names resolve through a patched ``socket.getaddrinfo`` and a
"public" address is connected to the loopback feed server instead."""

from __future__ import annotations

import socket
from dataclasses import dataclass, field
from datetime import date

import pytest
import urllib3.util.connection
from fake_github import FakeGitHub
from feed_server import CALENDAR, FeedServer
from tls import tls_server
from write_path import Browser, configured

from collector.fetch import FeedRequest, FetchSettings, fetch_all
from collector.lambda_handler import handler, probe
from collector.public import is_public
from core.runtime import Clock, Runtime, from_environment

REAL_GETADDRINFO = socket.getaddrinfo
REAL_CONNECT = urllib3.util.connection.create_connection
PUBLIC = "93.184.216.34"
NAME = "feeds.example.org"
REFUSED = "is not a public address"
PRIVATE = [
    "127.0.0.1",
    "127.0.0.2",
    "10.1.2.3",
    "172.16.0.1",
    "172.31.255.254",
    "192.168.1.1",
    "169.254.169.254",
    "0.0.0.0",
    "100.64.0.1",
    "::1",
    "::",
    "fc00::1",
    "fd12:3456::1",
    "fe80::1",
    "::ffff:127.0.0.1",
    "::ffff:169.254.169.254",
    "192.0.0.8",  # the IETF block: global to Python 3.11.7
    "224.0.0.1",  # multicast
    "ff02::1",
    "64:ff9b::a00:1",  # NAT64 of 10.0.0.1
    "2002:a00:1::1",  # 6to4 of 10.0.0.1
    "::a00:1",  # IPv4-compatible
]


@dataclass
class Resolver:
    """The names a patched resolver knows: name -> its addresses, one list per lookup (the
    last repeats); ``asked`` is every host looked up. Any other host must be a numeric address:
    nothing asks real DNS."""

    known: dict[str, list[list[str]]] = field(default_factory=dict)
    asked: list[str] = field(default_factory=list)

    def __setitem__(self, name: str, lookups: list[list[str]]) -> None:
        self.known[name] = lookups

    def getaddrinfo(self, host, port, family=0, type=0, proto=0, flags=0):
        self.asked.append(host)
        if host in self.known:
            lookups = self.known[host]
            addresses = lookups.pop(0) if len(lookups) > 1 else lookups[0]
            return [_answer(a, port) for a in addresses]
        return REAL_GETADDRINFO(host, port, family, type, proto, flags | socket.AI_NUMERICHOST)


@pytest.fixture
def answers(monkeypatch):
    resolver = Resolver()
    monkeypatch.setattr(socket, "getaddrinfo", resolver.getaddrinfo)
    return resolver


def _answer(address: str, port) -> tuple:
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    where = (address, port, 0, 0) if family == socket.AF_INET6 else (address, port)
    return (family, socket.SOCK_STREAM, 6, "", where)


@pytest.fixture
def connects(monkeypatch):
    """Where urllib3 opened connections; a connection to PUBLIC goes to ``connects.server``
    (the loopback feed server) instead, any other must go where it was asked."""

    class Seen(list):
        server: FeedServer | None = None

    seen = Seen()

    def create_connection(address, *args, **kwargs):
        seen.append(address)
        if address[0] == PUBLIC:
            assert seen.server is not None, "a public address reached with no server to stand in"
            address = (seen.server.host, seen.server.port)
        return REAL_CONNECT(address, *args, **kwargs)

    monkeypatch.setattr(urllib3.util.connection, "create_connection", create_connection)
    return seen


def guarded(url: str, exempt: frozenset[str] = frozenset()):
    settings = FetchSettings(public_only=True, exempt=exempt, retries=0, connect_timeout=1)
    return fetch_all([FeedRequest("g", url)], settings=settings)["g"]


@pytest.mark.parametrize("address", PRIVATE)
def test_no_private_address_is_public(address):
    assert not is_public(address)


@pytest.mark.parametrize("address", [PUBLIC, "8.8.8.8", "2606:4700:4700::1111"])
def test_a_global_address_is_public(address):
    assert is_public(address)


@pytest.mark.parametrize("address", PRIVATE)
def test_a_name_resolving_to_a_private_address_is_refused_before_connecting(
    answers, connects, address
):
    answers[NAME] = [[address]]
    result = guarded(f"http://{NAME}/feed.ics")
    assert not result.ok and REFUSED in (result.error or "")
    assert f"{address} (of {NAME})" in (result.error or "")
    assert connects == []


def test_one_private_answer_among_public_ones_is_enough_to_refuse(answers, connects):
    answers[NAME] = [[PUBLIC, "10.0.0.7"]]
    result = guarded(f"http://{NAME}/feed.ics")
    assert not result.ok and "10.0.0.7 (of feeds.example.org) is not a public address" in (
        result.error or ""
    )
    assert connects == []


@pytest.mark.parametrize(
    "host",
    [
        "127.0.0.1",
        "2130706433",  # 127.0.0.1 as one decimal number
        "0177.0.0.1",  # octal
        "0x7f.1",
        "127.1",
        "0.0.0.0",
        "[::1]",
        "[::ffff:127.0.0.1]",
    ],
)
def test_every_spelling_of_the_loopback_is_refused(answers, connects, feed_server, host):
    url = f"http://{host}:{feed_server.port}/feed.ics"
    result = guarded(url)
    assert not result.ok and REFUSED in (result.error or "")
    assert connects == [] and feed_server.hits("/feed.ics") == 0


@pytest.mark.parametrize("scheme", ["webcal", "webcals", "https"])
def test_a_webcal_link_to_a_private_address_is_refused_and_never_falls_back(
    answers, connects, feed_server, scheme
):
    answers[NAME] = [["127.0.0.1"]]
    result = guarded(f"{scheme}://{NAME}:{feed_server.port}/feed.ics")
    assert (result.ok, result.note) == (False, None) and REFUSED in (result.error or "")
    assert connects == [] and feed_server.hits("/feed.ics") == 0


def test_a_redirect_from_an_allowed_host_to_a_private_one_is_refused(answers):
    with FeedServer() as allowed, FeedServer("127.0.0.2") as private:
        private.route("/secret.ics")
        allowed.route("/feed.ics", redirect_to=private.url("/secret.ics"))
        result = guarded(allowed.url("/feed.ics"), exempt=frozenset({"127.0.0.1"}))
        assert allowed.hits("/feed.ics") == 1 and private.hits("/secret.ics") == 0
    assert not result.ok
    assert result.error == (
        "the feed's address 127.0.0.2 is not a public address: give a feed URL on the public"
        " internet"
    )


def test_a_public_address_is_connected_to_as_checked_and_asked_for_once(
    answers, connects, feed_server
):
    """DNS answers public, then (rebinding) loopback: the connection goes to the public
    address the check saw, and the name is looked up once."""
    connects.server = feed_server
    feed_server.route("/feed.ics")
    answers[NAME] = [[PUBLIC], ["127.0.0.1"]]
    result = guarded(f"http://{NAME}/feed.ics")
    assert (result.ok, result.body) == (True, CALENDAR)
    assert connects == [(PUBLIC, 80)]
    assert answers.asked.count(NAME) == 1
    assert feed_server.seen[0].headers["Host"] == NAME


def test_tls_names_and_verifies_the_host_not_the_pinned_address(
    tmp_path, monkeypatch, answers, connects
):
    with tls_server(tmp_path, [NAME]) as (server, cert):
        monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert))
        server.route("/x.ics")
        connects.server = server
        answers[NAME] = [[PUBLIC]]
        result = guarded(f"https://{NAME}:{server.port}/x.ics")
        assert server.hits("/x.ics") == 1
    assert (result.ok, result.body) == (True, CALENDAR)
    assert connects == [(PUBLIC, server.port)]


def probed(url: str, runtime: Runtime) -> dict:
    return probe({"url": url}, runtime=runtime)


def test_the_probe_refuses_the_loopback_by_default(feed_server):
    url = feed_server.route("/feed.ics")
    answer = probed(url, Runtime())
    assert REFUSED in answer["error"] and feed_server.hits("/feed.ics") == 0


def test_production_settings_never_allow_the_loopback():
    environ = {"DCTECH_PROBE_FUNCTION": "probe", "DCTECH_GITHUB_CLIENT_ID": "x"}
    assert from_environment(environ).loopback_feeds is False


def test_the_tests_allowance_lets_only_127_0_0_1_through(feed_server):
    runtime = Runtime(loopback_feeds=True)
    url = feed_server.route("/feed.ics")
    assert "error" not in probed(url, runtime)
    with FeedServer("127.0.0.2") as other:
        other.route("/feed.ics")
        assert REFUSED in probed(other.url("/feed.ics"), runtime)["error"]
        assert other.hits("/feed.ics") == 0


@pytest.mark.parametrize("allowance", [False, True])
def test_a_submitted_private_feed_is_refused_in_the_pull_request_not_a_5xx(tmp_path, allowance):
    fake = FakeGitHub()

    def reads(request: dict) -> dict:  # the probe Lambda's reading, on the runtime below
        return probe(request, runtime=runtime)

    with (
        FeedServer("127.0.0.2") as private,
        configured(tmp_path, fake, probe=reads, loopback=allowance) as runtime,
    ):
        url = private.route("/latest/meta-data.ics")
        browser = Browser(fake)
        browser.sign_in("/submit-group/")
        form = {
            "kind": "group",
            "csrf_token": browser.csrf("/submit-group/"),
            "name": "Rust DC",
            "website": "https://rust-dc.example/",
            "ical": url,
            "categories": ["programming-languages"],
        }
        assert browser.post_form("/api/submissions", form).status_code == 201
        assert private.hits("/latest/meta-data.ics") == 0
    (pull,) = fake.pulls
    assert "the feed's address 127.0.0.2 is not a public address" in pull["body"]


@pytest.mark.parametrize("loopback", [False, True])
def test_the_collector_lambda_reads_public_feeds_only(tmp_path, feed_server, loopback):
    """The daily collect fetches reviewed feeds, but a feed's host may later redirect or
    resolve inside: the Lambda fetches public addresses only, and only a test's runtime lets
    its loopback feed server through."""
    url = feed_server.route("/pydc.ics", body=CALENDAR)
    groups = tmp_path / "_groups"
    groups.mkdir()
    (groups / "pydc.yaml").write_text(
        f"name: Python DC\nwebsite: https://pydc.example/\nical: {url}\n"
    )
    empty = tmp_path / "empty"
    empty.mkdir()
    runtime = Runtime(
        store_url=f"sqlite:///{tmp_path / 'events.db'}",
        clock=Clock(date(2026, 12, 1)),
        groups_dir=groups,
        single_events_dir=empty,
        recurring_events_dir=empty,
        overrides_dir=empty,
        loopback_feeds=loopback,
    )
    summary = handler({}, runtime=runtime)
    if loopback:
        assert summary["groups_ok"] == 1 and feed_server.hits("/pydc.ics") == 1
    else:
        assert REFUSED in summary["failures"]["pydc"]
        assert feed_server.hits("/pydc.ics") == 0  # refused before any connection
