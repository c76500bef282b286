"""Fetch every group's feed concurrently, politely and defensively.

A slow, huge, broken or hostile feed costs at most its deadline and becomes an error result for
its group: nothing here raises for one feed, and one feed never holds up the others.

A ``webcal://`` feed (calendar apps' subscribe links) is fetched over HTTPS, and over plain HTTP
only when the server does not speak TLS: the HTTPS port refuses, or what answers there is no
TLS (OpenSSL's "wrong version number" and the like), or the handshake fails or is cut short
(reset, closed) before any certificate is judged. The same host, path, deadline and host slot;
the result's ``note`` says so. A certificate that fails verification (untrusted, expired, for
another host) means the server does speak TLS: that is the feed's error, never a reason to fetch
the same feed in clear text. ``webcals://`` is HTTPS only.
"""

from __future__ import annotations

import ssl
import threading
import time
import traceback
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from itertools import zip_longest
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlsplit

import requests
import urllib3.exceptions
from urllib3.util.ssl_match_hostname import CertificateError

from collector.public import NotPublic, PublicOnly
from core.errors import DctechError
from core.text import FEED_SCHEMES, WEBCAL_SCHEMES

E = TypeVar("E", bound=BaseException)
USER_AGENT = "DCTechEvents/0.1 (+https://dctech.events)"
CHUNK = 64 * 1024


@dataclass(frozen=True)
class FetchSettings:
    max_workers: int = 32
    per_host: int = 24  # requests in flight to one host (meetup.com serves most groups)
    connect_timeout: float = 5.0
    read_timeout: float = 10.0  # silence between two reads
    deadline: float = 20.0  # the whole feed, retries included: a dripping server cannot hang us
    max_bytes: int = 10 * 1024 * 1024
    retries: int = 2  # on 5xx, 429, timeouts and dropped connections
    backoff: float = 0.5  # wait before the first retry; doubles each time
    retry_after_cap: float = 10.0  # longest Retry-After we honour
    max_redirects: int = 5
    user_agent: str = USER_AGENT
    public_only: bool = False  # refuse hosts with a non-public address (collector/public.py)
    exempt: frozenset[str] = frozenset()  # addresses public_only lets through: tests' 127.0.0.1


@dataclass
class FeedRequest:
    group_id: str
    source: str  # http(s) URL, or a path relative to ``root`` for a local feed
    etag: str | None = None
    last_modified: str | None = None


@dataclass
class FetchResult:
    group_id: str
    ok: bool
    not_modified: bool = False
    body: bytes | None = None
    http_status: int | None = None
    etag: str | None = None
    last_modified: str | None = None
    error: str | None = None  # short and human: "HTTP 500 (3 attempts)", "connection refused"
    note: str | None = None  # how it was reached when not as written: "over http:// (...)"


@dataclass
class _Failure(DctechError):
    """One failed attempt, caught in ``_fetch_url``: its message becomes the feed's error."""

    message: str
    retryable: bool = False  # a later attempt may succeed
    status: int | None = None
    retry_after: float | None = None
    no_tls: bool = False  # no TLS there (handshake failed, port refused): webcal:// tries http://

    def __post_init__(self) -> None:
        super().__init__(self.message)


def fetch_all(
    feeds: list[FeedRequest],
    *,
    settings: FetchSettings = FetchSettings(),
    root: Path = Path("."),
    on_result: Callable[[FetchResult], None] | None = None,
) -> dict[str, FetchResult]:
    """Fetch every feed; results keyed by group_id in request order, ``on_result`` as each ends."""
    local = threading.local()
    sessions: list[requests.Session] = []
    slots: dict[str, threading.BoundedSemaphore] = {}
    slots_lock = threading.Lock()

    def session() -> requests.Session:
        if not hasattr(local, "session"):
            local.session = requests.Session()
            local.session.headers.update(
                {"User-Agent": settings.user_agent, "Accept": "text/calendar, */*;q=0.5"}
            )
            local.session.max_redirects = settings.max_redirects
            if settings.public_only:
                adapter = PublicOnly(settings.exempt)
                local.session.mount("http://", adapter)
                local.session.mount("https://", adapter)
            sessions.append(local.session)
        return local.session

    @contextmanager
    def host_slot(host: str) -> Iterator[None]:
        with slots_lock:
            slot = slots.setdefault(host, threading.BoundedSemaphore(settings.per_host))
        with slot:
            yield

    def one(feed: FeedRequest) -> FetchResult:
        try:
            if urlsplit(feed.source).scheme.lower() in FEED_SCHEMES:
                return _fetch_url(feed, settings, session(), host_slot)
            return _read_local(feed, settings, root)
        except Exception as exc:  # a bug must still not cost the other feeds their results
            return FetchResult(feed.group_id, ok=False, error=f"unexpected error: {exc!r}")

    results: dict[str, FetchResult] = {}
    try:
        with ThreadPoolExecutor(settings.max_workers, thread_name_prefix="fetch") as pool:
            for future in as_completed([pool.submit(one, f) for f in _interleave_hosts(feeds)]):
                result = future.result()
                results[result.group_id] = result
                if on_result:
                    on_result(result)
    finally:
        for s in sessions:
            s.close()
    return {f.group_id: results[f.group_id] for f in feeds}


def _interleave_hosts(feeds: list[FeedRequest]) -> list[FeedRequest]:
    """Round-robin over hosts, so workers waiting on one busy host do not starve the others."""
    by_host: dict[str, list[FeedRequest]] = {}
    for feed in feeds:
        by_host.setdefault(urlsplit(feed.source).hostname or "", []).append(feed)
    return [f for batch in zip_longest(*by_host.values()) for f in batch if f is not None]


def _read_local(feed: FeedRequest, settings: FetchSettings, root: Path) -> FetchResult:
    if urlsplit(feed.source).scheme:
        return _error(feed, f"unsupported URL scheme: {urlsplit(feed.source).scheme}")
    path = root / feed.source
    try:
        if path.stat().st_size > settings.max_bytes:
            return _error(feed, _too_large(settings))
        body = path.read_bytes()
    except FileNotFoundError:
        return _error(feed, f"file not found: {feed.source}")
    except OSError as exc:
        return _error(feed, f"cannot read {feed.source}: {exc.strerror or exc}")
    if not _is_calendar(body):
        return _error(feed, "not a calendar")
    return FetchResult(feed.group_id, ok=True, body=body)


def _fetch_url(
    feed: FeedRequest,
    settings: FetchSettings,
    session: requests.Session,
    host_slot: Callable[[str], AbstractContextManager[None]],
) -> FetchResult:
    deadline: float | None = None  # starts with the first request: queueing is not its fault
    url, fallback = _https_first(feed.source)
    note: str | None = None
    attempts = 0
    while True:
        attempts += 1
        try:
            with host_slot(urlsplit(url).hostname or ""):
                deadline = deadline or time.monotonic() + settings.deadline
                result = _attempt(feed, url, settings, session, deadline)
                result.note = note
                return result
        except _Failure as failure:
            assert deadline is not None  # set before the attempt that failed
            if fallback and failure.no_tls:  # not a retry: the same deadline, a fresh count
                note = f"over http:// (https:// failed: {failure.message})"
                url, fallback, attempts = fallback, None, 0
                continue
            wait = _retry_wait(failure, attempts, settings, deadline)
            if wait is None:
                tries = f" ({attempts} attempts)" if attempts > 1 else ""
                reached = f" {note}" if note else ""
                return _error(feed, failure.message + tries + reached, failure.status, note)
            time.sleep(wait)


def _https_first(source: str) -> tuple[str, str | None]:
    """The URL to fetch and, for a webcal:// link, its plain-HTTP fallback."""
    scheme, rest = source.split(":", 1)
    if scheme.lower() not in WEBCAL_SCHEMES:
        return source, None
    return f"https:{rest}", (f"http:{rest}" if scheme.lower() == "webcal" else None)


def _retry_wait(
    failure: _Failure, attempts: int, settings: FetchSettings, deadline: float
) -> float | None:
    """Seconds to wait before the next attempt, or None to give up."""
    if not failure.retryable or attempts > settings.retries:
        return None
    wait = settings.backoff * 2 ** (attempts - 1)
    if failure.retry_after is not None:
        wait = max(wait, min(failure.retry_after, settings.retry_after_cap))
    return wait if time.monotonic() + wait < deadline else None


def _attempt(
    feed: FeedRequest, url: str, settings: FetchSettings, session: requests.Session, deadline: float
) -> FetchResult:
    remaining = deadline - time.monotonic()
    if remaining <= 0:  # a retry that waited too long for its host slot
        raise _Failure(f"timed out after {settings.deadline:g} s")
    headers = {}
    if feed.etag:
        headers["If-None-Match"] = feed.etag
    if feed.last_modified:
        headers["If-Modified-Since"] = feed.last_modified
    timeout = (min(settings.connect_timeout, remaining), min(settings.read_timeout, remaining))
    try:
        with session.get(url, headers=headers, timeout=timeout, stream=True) as resp:
            status = resp.status_code
            etag, modified = resp.headers.get("ETag"), resp.headers.get("Last-Modified")
            if status == 304:
                return FetchResult(
                    feed.group_id,
                    ok=True,
                    not_modified=True,
                    http_status=304,
                    etag=etag or feed.etag,
                    last_modified=modified or feed.last_modified,
                )
            if not 200 <= status < 300:
                raise _Failure(
                    f"HTTP {status}",
                    retryable=status >= 500 or status == 429,
                    status=status,
                    retry_after=_retry_after(resp),
                )
            body = _read_body(resp, settings, deadline)
    except (requests.RequestException, urllib3.exceptions.HTTPError) as exc:
        raise _describe(exc, settings, timeout[1] < settings.read_timeout) from exc
    if not _is_calendar(body):
        kind = resp.headers.get("Content-Type", "").split(";")[0].strip() or "no content type"
        raise _Failure(f"not a calendar (got {kind})", status=status)
    return FetchResult(
        feed.group_id, ok=True, body=body, http_status=status, etag=etag, last_modified=modified
    )


def _read_body(resp: requests.Response, settings: FetchSettings, deadline: float) -> bytes:
    """Read what has arrived, one socket read at a time, checking size and deadline as we go."""
    if int(resp.headers.get("Content-Length") or 0) > settings.max_bytes:
        raise _Failure(_too_large(settings), status=resp.status_code)
    chunks, size = [], 0
    while chunk := resp.raw.read1(CHUNK, decode_content=True):
        size += len(chunk)
        if size > settings.max_bytes:
            raise _Failure(_too_large(settings), status=resp.status_code)
        if time.monotonic() > deadline:
            raise _Failure(f"timed out after {settings.deadline:g} s", status=resp.status_code)
        chunks.append(chunk)
    return b"".join(chunks)


def _describe(exc: Exception, settings: FetchSettings, near_deadline: bool) -> _Failure:
    """A short, human reason for a transport failure, and whether trying again may help."""
    if isinstance(exc, requests.TooManyRedirects):
        urls = [r.url for r in exc.response.history] if exc.response is not None else []
        looped = len(set(urls)) < len(urls)
        too_many = f"more than {settings.max_redirects} redirects"
        return _Failure("redirect loop" if looped else too_many)
    if isinstance(exc, requests.ConnectTimeout):
        return _Failure(f"could not connect within {settings.connect_timeout:g} s", retryable=True)
    if isinstance(exc, requests.ReadTimeout | urllib3.exceptions.ReadTimeoutError):
        limit = settings.deadline if near_deadline else settings.read_timeout
        return _Failure(f"timed out after {limit:g} s", retryable=True)
    if (refused := _cause(exc, NotPublic)) is not None:
        return _Failure(str(refused))
    if isinstance(exc, requests.exceptions.SSLError):
        return _tls_failure(exc)
    if _reset_in_handshake(exc):
        return _Failure("connection reset during the TLS handshake", retryable=True, no_tls=True)
    if isinstance(exc, requests.exceptions.InvalidSchema):
        return _Failure("unsupported URL scheme")
    if isinstance(exc, requests.exceptions.InvalidURL):
        return _Failure("invalid URL")
    if _caused_by(exc, ConnectionRefusedError):
        return _Failure("connection refused", retryable=True, no_tls=True)
    if _caused_by(exc, urllib3.exceptions.NameResolutionError):
        return _Failure("host not found")
    if isinstance(exc, urllib3.exceptions.DecodeError | requests.exceptions.ContentDecodingError):
        return _Failure("could not decode the compressed body")
    if isinstance(exc, urllib3.exceptions.ProtocolError):
        return _Failure("connection dropped mid-response", retryable=True)
    return _Failure("connection failed", retryable=True)


# OpenSSL's reasons for a handshake that found no TLS server (plain HTTP, another protocol) or
# failed before a certificate was judged; 3.2 says "record layer failure" where 3.0 said
# "wrong version number"
NO_TLS_REASONS = frozenset(
    {
        "WRONG_VERSION_NUMBER",
        "RECORD_LAYER_FAILURE",
        "UNKNOWN_PROTOCOL",
        "PACKET_LENGTH_TOO_LONG",
        "HTTP_REQUEST",
        "SSLV3_ALERT_HANDSHAKE_FAILURE",
    }
)


def _tls_failure(exc: BaseException) -> _Failure:
    """An HTTPS attempt's TLS failure, and whether the server does not speak TLS (only then may
    a webcal:// feed be fetched over plain HTTP)."""
    verify = _cause(exc, ssl.SSLCertVerificationError)
    if verify is not None:
        reason = verify.verify_message or verify.reason or "not trusted"
        return _Failure(f"TLS certificate rejected: {reason}".rstrip("."))
    if _cause(exc, CertificateError) is not None:  # urllib3's own hostname check
        return _Failure("TLS certificate rejected: it is for another host")
    closed = _cause(exc, ssl.SSLEOFError) or _cause(exc, ssl.SSLZeroReturnError)
    if closed is not None:
        return _Failure("the server closed the connection in the TLS handshake", no_tls=True)
    error = _cause(exc, ssl.SSLError)
    reason = (error.reason or "") if error is not None else ""
    if reason in NO_TLS_REASONS:
        if reason == "SSLV3_ALERT_HANDSHAKE_FAILURE":
            return _Failure("the TLS handshake failed", no_tls=True)
        return _Failure("the server does not speak TLS", no_tls=True)
    detail = reason.lower().replace("_", " ") or "handshake failed"
    return _Failure(f"TLS error ({detail})")


def _reset_in_handshake(exc: BaseException) -> bool:
    """A connection reset while the TLS handshake ran (its traceback passes do_handshake): what
    a server that takes the connection but not TLS may do."""
    reset = _cause(exc, ConnectionResetError)
    frames = traceback.extract_tb(reset.__traceback__) if reset is not None else []
    return any(frame.name == "do_handshake" for frame in frames)


def _cause(exc: BaseException, kind: type[E]) -> E | None:
    """The first exception of ``kind`` down the chain (see _caused_by), or None."""
    seen: BaseException | None = exc
    for _ in range(10):
        if seen is None:
            return None
        if isinstance(seen, kind):
            return seen
        found = next((a for a in seen.args if isinstance(a, kind)), None)
        if found is not None:
            return found
        nested = next((a for a in seen.args if isinstance(a, BaseException)), None)
        reason = getattr(seen, "reason", None)
        seen = (
            seen.__cause__
            or seen.__context__
            or (reason if isinstance(reason, BaseException) else None)
            or nested
        )
    return None


def _caused_by(exc: BaseException, kind: type[BaseException]) -> bool:
    """requests wraps urllib3 which wraps the OS error: look down the chain."""
    seen: BaseException | None = exc
    for _ in range(10):
        if seen is None:
            return False
        if isinstance(seen, kind) or any(isinstance(a, kind) for a in seen.args):
            return True
        seen = seen.__cause__ or seen.__context__ or getattr(seen, "reason", None)
    return False


def _retry_after(resp: requests.Response) -> float | None:
    value = resp.headers.get("Retry-After", "").strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    when = when if when.tzinfo else when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _is_calendar(body: bytes) -> bool:
    """HTML error pages served with 200 are common; a real feed opens with BEGIN:VCALENDAR."""
    return body.removeprefix(b"\xef\xbb\xbf").lstrip()[:15].upper() == b"BEGIN:VCALENDAR"


def _too_large(settings: FetchSettings) -> str:
    return f"larger than {settings.max_bytes / 2**20:g} MB"


def _error(
    feed: FeedRequest, error: str, status: int | None = None, note: str | None = None
) -> FetchResult:
    return FetchResult(feed.group_id, ok=False, http_status=status, error=error, note=note)
