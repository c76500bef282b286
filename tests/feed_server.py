"""A real HTTP server on 127.0.0.1 for tests and benchmarks: feeds, and the ways feeds go wrong.

    with FeedServer() as server:
        url = server.route("/a.ics", body=ICS, etag='"v1"', latency=0.2)
        ...
        assert server.hits("/a.ics") == 1

Each path counts its requests and keeps their headers. The ``feed_server`` fixture below yields a
running server once conftest.py says ``pytest_plugins = ["feed_server"]``; until then a test
module defines the same three lines itself.
"""

from __future__ import annotations

import socket
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

CALENDAR = b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nEND:VCALENDAR\r\n"
HTML = b"<!DOCTYPE html><html><body><h1>Sign in to continue</h1></body></html>"


@dataclass
class Route:
    """How one path answers. Only ``body`` and ``content_type`` matter for a plain feed."""

    body: bytes = CALENDAR
    content_type: str = "text/calendar; charset=utf-8"
    status: int = 200
    etag: str | None = None  # a matching If-None-Match gets a 304
    last_modified: str | None = None  # so does an If-Modified-Since not older than this
    latency: float = 0.0  # seconds before the answer starts
    fail_first: int = 0  # the first N requests get `fail_status` instead
    fail_status: int = 503
    retry_after: str | None = None  # sent with every error status
    redirect_to: str | None = None  # a path or URL: answer 302 there
    drip: float = 0.0  # seconds between body bytes
    size: int = 0  # stream a generated calendar of this many bytes instead of `body`
    declare_length: bool = True  # False: no Content-Length, the end of the body is the close
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Seen:
    path: str
    headers: dict[str, str]


class FeedServer:
    """Threaded, keep-alive, many connections at once; routes may change while it runs.

    ``host`` may be any 127.x.y.z address: several servers on distinct addresses are distinct
    hosts to the fetcher's per-host limit.
    """

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self.routes: dict[str, Route] = {}
        self.seen: list[Seen] = []
        self.counts: Counter[str] = Counter()
        self.in_flight = 0
        self.max_in_flight = 0
        self._lock = threading.Lock()
        self._httpd = _Server((host, 0), _handler_for(self))
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __enter__(self) -> FeedServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def url(self, path: str, host: str | None = None) -> str:
        """``host`` names this server differently, e.g. "localhost" for 127.0.0.1."""
        return f"http://{host or self.host}:{self.port}{path}"

    def route(self, path: str, **behaviour: object) -> str:
        """Answer ``path`` as described by Route's fields; returns its URL."""
        self.routes[path] = Route(**behaviour)  # type: ignore[arg-type]
        return self.url(path)

    def hits(self, path: str) -> int:
        return self.counts[path]

    def headers(self, path: str) -> list[dict[str, str]]:
        """The headers of each request to ``path``, oldest first."""
        return [s.headers for s in self.seen if s.path == path]

    def reset_counts(self) -> None:
        with self._lock:
            self.seen.clear()
            self.counts.clear()
            self.max_in_flight = 0

    def _enter(self, path: str, headers: dict[str, str]) -> int:
        with self._lock:
            self.seen.append(Seen(path, headers))
            self.counts[path] += 1
            return self.counts[path]

    def _working(self, seconds: float) -> None:
        """Hold a request for its latency, counted in flight.

        The count ends before the first byte of the answer is sent: a client that has read its
        answer and started its next request is never counted twice.
        """
        with self._lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            time.sleep(seconds)
        finally:
            with self._lock:
                self.in_flight -= 1


def closed_port_url(path: str = "/feed.ics") -> str:
    """A URL on 127.0.0.1 where nothing listens: the connection is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}{path}"


@pytest.fixture
def feed_server() -> Iterator[FeedServer]:
    with FeedServer() as server:
        yield server


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024  # a benchmark opens hundreds of connections at once

    def handle_error(self, request: object, client_address: object) -> None:
        """Clients hanging up mid-body is what the hostile routes are for: stay quiet about it."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


def _handler_for(server: FeedServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:
            path = self.path.split("?")[0]
            count = server._enter(path, dict(self.headers.items()))
            self._answer(server.routes.get(path), count)

        def _answer(self, route: Route | None, count: int) -> None:
            if route is None:
                return self._send(404, b"not found", "text/plain")
            server._working(route.latency)
            extra = {"Retry-After": route.retry_after} if route.retry_after else {}
            if count <= route.fail_first:
                return self._send(route.fail_status, b"try later", "text/plain", extra)
            if route.status >= 400:
                return self._send(route.status, b"error", "text/plain", extra)
            if route.redirect_to:
                return self._send(302, b"", "text/plain", {"Location": route.redirect_to})
            validators = {"ETag": route.etag, "Last-Modified": route.last_modified}
            validators = {k: v for k, v in validators.items() if v}
            if self._not_modified(route):
                return self._send(304, b"", None, validators)
            self._send_body(route, validators | route.headers)

        def _not_modified(self, route: Route) -> bool:
            tag, since = self.headers.get("If-None-Match"), self.headers.get("If-Modified-Since")
            if tag and route.etag:
                return tag == "*" or route.etag in [t.strip() for t in tag.split(",")]
            if since and route.last_modified:
                try:
                    return parsedate_to_datetime(since) >= parsedate_to_datetime(
                        route.last_modified
                    )
                except (TypeError, ValueError):
                    return False
            return False

        def _send(
            self, status: int, body: bytes, ctype: str | None, headers: dict[str, str] | None = None
        ) -> None:
            self.send_response(status)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            if ctype:
                self.send_header("Content-Type", ctype)
            if status != 304:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def _send_body(self, route: Route, headers: dict[str, str]) -> None:
            chunks = _generated(route.size) if route.size else [route.body]
            self.send_response(route.status)
            self.send_header("Content-Type", route.content_type)
            for name, value in headers.items():
                self.send_header(name, value)
            if route.declare_length:
                self.send_header("Content-Length", str(route.size or len(route.body)))
            else:
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            for chunk in chunks:
                if route.drip:
                    for i in range(len(chunk)):
                        self.wfile.write(chunk[i : i + 1])
                        self.wfile.flush()
                        time.sleep(route.drip)
                else:
                    self.wfile.write(chunk)

    return Handler


def _generated(size: int) -> Iterator[bytes]:
    """``size`` bytes that open like a calendar, made as they are sent (never all in memory)."""
    yield CALENDAR[:17]
    line = b"X-FILLER:" + b"x" * 1013 + b"\r\n"
    left = size - 17
    block = line * 64
    while left > 0:
        yield block[:left]
        left -= len(block)
