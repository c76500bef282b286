"""GET /api/events: the public JSON API, an AWS Chalice app; and the write path (sign-in with
GitHub, the submission forms, POST /api/submissions), a blueprint from ``api/write.py``.

Listings come from ``core.query.list_events``, the query the site generator uses, so the API and
the site always agree. This file is deployed at the root of its bundle, with ``core`` and the
``api`` package's write-path modules beside it (``package.py``, ``infra/build_lambda.py``).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import re
import shutil
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from itertools import islice
from typing import Any

from chalice import Chalice, CORSConfig, Response
from chalice.app import Request

from api import services, write
from api.probe import FeedProbe
from core.content import ContentError, scratch, with_content
from core.errors import DctechError
from core.limits import EARLIEST_DATE, LATEST_DATE, QUOTE_CHARS
from core.models import IN_PERSON, STATES, VIRTUAL, Event
from core.query import EventFilter, list_events
from core.runtime import Runtime, from_environment
from core.store import EventStore, StoreError
from core.text import quote, truncate

app = Chalice(app_name="dctech-events-api")
CORS = CORSConfig(allow_origin="*", max_age=86400)  # GET from any origin, no credentials
CORS_HEADERS = CORS.get_access_control_headers()

FILTERS = (
    "state",
    "location_type",
    "start_date",
    "end_date",
    "group_id",
    "category",
    "added_since",
)
PARAMETERS = (*FILTERS, "limit", "cursor")
LOCATION_TYPES = (IN_PERSON, VIRTUAL)
DEFAULT_LIMIT = 50
MAX_LIMIT = 500
# [0-9], never \d: \d also matches other scripts' digits ("٣"), which int() accepts.
DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
GROUP_ID = re.compile(r"[a-z0-9_-]{1,100}")
LIMIT = re.compile(r"[0-9]{1,6}")
CURSOR = re.compile(r"[A-Za-z0-9_-]{1,400}")
# What a cursor's decoded fields must look like. Real event ids are 64 hex digits (core.ids); the
# position only orders events, so any id-like token up to that length is safe to page from.
POSITION = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}")
EVENT_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
FINGERPRINT = re.compile(r"[0-9a-f]{12}")
# Cursors carry a checksum so a corrupted or edited one is refused instead of silently paging
# from the wrong place. It is not a secret: a forged cursor can only choose where a page starts.
CURSOR_KEY = b"dctech-events-cursor-v1"
CACHE_OK = "public, max-age=300"
CACHE_ERROR = "no-store"
JSON_TYPE = "application/json; charset=utf-8"

_runtime: Runtime | None = None  # what requests are answered from; see runtime()
log = logging.getLogger("dctech.api")
_content_read: float | None = None  # when its content was downloaded (time.monotonic)
API_CONTENT = ("_categories",)  # what the API reads of the content bucket
CONTENT_SECONDS = 15 * 60  # how long a warm container answers from one download


class ApiError(DctechError):
    """A request the API refuses; rendered as the one error shape."""

    def __init__(self, status: int, code: str, message: str, parameter: str | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.parameter = parameter


@dataclass(frozen=True)
class PageRequest:
    """A validated request: the shared filter, the page size and the filters' fingerprint
    (a cursor is only valid with the filters it was issued for)."""

    filter: EventFilter
    limit: int
    fingerprint: str


def configure(runtime: Runtime | None, probe: FeedProbe | None = None) -> None:
    """Answer from ``runtime``: `dctech serve` hands in its own (its store, its config.yaml)
    and reads submitted groups' feeds with ``probe``. None: build one from the environment at
    the next request, as in Lambda."""
    global _runtime, _content_read
    _runtime, _content_read = runtime, None
    services.use_probe(probe)


def runtime() -> Runtime:
    """The runtime requests are answered from: the configured one, else one built from the
    environment on first use. Kept for the process, and with it the store (one connection per
    Lambda container, not per request). With a content bucket its topics (the forms', the
    ``category`` filter's) are downloaded on first use and again once they are CONTENT_SECONDS
    old, so a content deploy reaches a warm container too; the previous copy is removed."""
    global _runtime, _content_read
    if _runtime is None:
        _runtime, _content_read = from_environment(), None
    clock = time.monotonic()
    if _runtime.content_bucket and (
        _content_read is None or clock - _content_read > CONTENT_SECONDS
    ):
        try:
            fresh = with_content(_runtime, folders=API_CONTENT)
        except ContentError as error:  # keep what was read, and try again in a while
            log.warning("content bucket: %s", error)
        else:
            if _content_read is not None:
                shutil.rmtree(scratch(_runtime, API_CONTENT), ignore_errors=True)
            _runtime = fresh
        _content_read = clock
    return _runtime


def parse_request(
    params: Mapping[str, Sequence[str]],
    today: date,
    topics: Callable[[], Sequence[str]] = tuple,
) -> PageRequest:
    """Validate the query string; ``today`` is the default start of the window, ``topics`` the
    known topic slugs (called only for a ``category``: other requests never read them)."""
    for name in params:
        if name not in PARAMETERS:
            raise ApiError(
                400,
                "unknown_parameter",
                f"unknown parameter {quote(name)}; accepted: {', '.join(PARAMETERS)}",
                name,
            )
    values: dict[str, str] = {}
    for name, given in params.items():
        if len(given) != 1:
            raise ApiError(400, "invalid_parameter", f"{name} must be given once", name)
        values[name] = given[0]

    state = _choice(values, "state", STATES)
    location_type = _choice(values, "location_type", LOCATION_TYPES)
    start = _date(values, "start_date") or today
    end = _date(values, "end_date")
    if end is not None and end < start:
        default = "" if "start_date" in values else " (default: today)"
        raise ApiError(
            400,
            "invalid_date_range",
            f"end_date {end} is before start_date {start}{default}",
            "end_date",
        )
    group_id = values.get("group_id")
    if group_id is not None and not GROUP_ID.fullmatch(group_id):
        raise ApiError(
            400,
            "invalid_parameter",
            "group_id must be 1-100 lowercase letters, digits, '-' or '_'",
            "group_id",
        )
    category = _choice(values, "category", topics()) if "category" in values else None
    added_since = _date(values, "added_since")
    limit = _limit(values)
    fingerprint = _fingerprint([values.get(n) for n in FILTERS])
    after = decode_cursor(values["cursor"], fingerprint) if "cursor" in values else None
    flt = EventFilter(
        start=start,
        end=end,
        state=state,
        location_type=location_type,
        group_id=group_id,
        category=category,
        added_since=added_since,
        after=after,
    )
    return PageRequest(flt, limit, fingerprint)


def _choice(values: Mapping[str, str], name: str, allowed: Sequence[str]) -> str | None:
    value = values.get(name)
    if value is not None and value not in allowed:
        raise ApiError(
            400, "invalid_parameter", f"{name} must be one of {', '.join(allowed)}", name
        )
    return value


def _date(values: Mapping[str, str], name: str) -> date | None:
    """The date ``name`` gives, within EARLIEST_DATE..LATEST_DATE: wider than any listing needs,
    and far enough from date.min/date.max that window arithmetic never overflows."""
    value = values.get(name)
    if value is None:
        return None
    try:
        day = date.fromisoformat(value) if DATE.fullmatch(value) else None
    except ValueError:
        day = None
    if day is None:
        raise ApiError(400, "invalid_parameter", f"{name} must be a date, YYYY-MM-DD", name)
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        raise ApiError(
            400,
            "invalid_parameter",
            f"{name} must be from {EARLIEST_DATE} to {LATEST_DATE}, not {value}",
            name,
        )
    return day


def _limit(values: Mapping[str, str]) -> int:
    value = values.get("limit")
    if value is None:
        return DEFAULT_LIMIT
    if not LIMIT.fullmatch(value) or not 1 <= int(value) <= MAX_LIMIT:
        raise ApiError(
            400, "invalid_parameter", f"limit must be an integer from 1 to {MAX_LIMIT}", "limit"
        )
    return int(value)


def _fingerprint(filters: list[str | None]) -> str:
    return hashlib.blake2b(json.dumps(filters).encode(), digest_size=6).hexdigest()


def _checksum(body: bytes) -> bytes:
    return hashlib.blake2b(body, key=CURSOR_KEY, digest_size=8).digest()


def encode_cursor(position: tuple[str, str], fingerprint: str) -> str:
    """An opaque token for "the page after this (start_datetime, event_id)"."""
    body = json.dumps([*position, fingerprint], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(_checksum(body) + body).rstrip(b"=").decode()


def decode_cursor(token: str, fingerprint: str) -> tuple[str, str]:
    """The position ``token`` resumes after. The checksum key is public, so a valid checksum
    proves nothing about the fields: each is checked for the type and shape it was issued with."""
    invalid = ApiError(
        400,
        "invalid_cursor",
        "cursor is malformed or was altered: pass a next_cursor exactly as it was given",
        "cursor",
    )
    if not CURSOR.fullmatch(token):
        raise invalid
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        mac, body = raw[:8], raw[8:]
        if not hmac.compare_digest(mac, _checksum(body)):
            raise invalid
        fields = json.loads(body)
    except ValueError as exc:  # bad base64, UTF-8 or JSON
        raise invalid from exc
    match fields:
        case [str(start), str(event_id), str(issued_for)] if (
            POSITION.fullmatch(start)
            and EVENT_ID.fullmatch(event_id)
            and FINGERPRINT.fullmatch(issued_for)
        ):
            if issued_for != fingerprint:
                raise ApiError(
                    400,
                    "invalid_cursor",
                    "cursor belongs to other filters: repeat the same filters with it",
                    "cursor",
                )
            return (start, event_id)
    raise invalid


def fetch_page(events_store: EventStore, page: PageRequest, now_ts: int) -> dict[str, Any]:
    """One page of the shared listing, reading one event past it to know whether more follow."""
    listing = list_events(events_store, page.filter, now_ts=now_ts, want=page.limit + 1)
    found: list[Event] = list(islice(listing, page.limit + 1))
    shown = found[: page.limit]
    cursor = None
    if len(found) > page.limit:
        last = shown[-1]
        cursor = encode_cursor((last.start_datetime, last.event_id), page.fingerprint)
    return {"events": [e.to_dict() for e in shown], "next_cursor": cursor}


def error_response(error: ApiError) -> Response:
    """The one JSON error shape; a stranger's parameter name is echoed only up to a length."""
    named = truncate(error.parameter, QUOTE_CHARS) if error.parameter else error.parameter
    body = {"error": {"code": error.code, "message": error.message, "parameter": named}}
    cache = CACHE_ERROR if error.status >= 500 else CACHE_OK
    return Response(
        # ASCII-escaped: it may echo a parameter name that is not valid Unicode (a lone
        # surrogate from the gateway's decoding), which no UTF-8 response could carry.
        body=json.dumps(body, separators=(",", ":")),
        status_code=error.status,
        headers={"Content-Type": JSON_TYPE, "Cache-Control": cache, **CORS_HEADERS},
    )


def _json(body: object) -> str:
    return json.dumps(body, ensure_ascii=False, separators=(",", ":"))


def _not_modified(request: Request, etag: str) -> bool:
    given = request.headers.get("if-none-match", "")
    tags = {t.strip().removeprefix("W/") for t in given.split(",")}
    return etag in tags or "*" in tags


@app.route("/api/events", methods=["GET"], cors=CORS)
def events() -> Response:
    request = app.current_request
    assert request is not None  # Chalice sets it before it calls a view
    query = request.query_params  # None without a query string
    params = {name: query.getlist(name) for name in query} if query else {}
    answering = runtime()
    today, now = answering.today_and_now()
    try:
        page = parse_request(params, today, lambda: answering.topics)
    except ApiError as error:
        return error_response(error)
    except DctechError as error:  # no topics to check `category` against: not the client's fault
        log.warning("topics: %s", error)
        return error_response(ApiError(503, "topics_unavailable", "topics cannot be read now"))
    try:
        events_store = answering.store()
    except StoreError as error:  # `dctech serve` before the first collect: the site still serves
        return error_response(ApiError(503, "store_unavailable", str(error)))
    body = _json(fetch_page(events_store, page, int(now.timestamp())))
    etag = '"' + hashlib.sha256(body.encode()).hexdigest()[:32] + '"'
    headers: dict[str, str | list[str]] = {"Cache-Control": CACHE_OK, "ETag": etag}
    if _not_modified(request, etag):
        return Response(body="", status_code=304, headers=headers)
    return Response(body=body, status_code=200, headers={"Content-Type": JSON_TYPE, **headers})


@app.route("/api/{name}", methods=["GET"], cors=CORS)
@app.route("/api/events/{name}", methods=["GET"], cors=CORS)
def not_found(name: str) -> Response:
    """Mistyped API paths get the API's error shape rather than API Gateway's 403."""
    return error_response(ApiError(404, "not_found", "no such resource: try GET /api/events"))


app.register_blueprint(write.blueprint)
services.connect(runtime)  # the write path answers from the same runtime


@app.middleware("http")
def one_error_shape(event: Request, get_response: Callable[[Request], Response]) -> Response:
    """Chalice's own errors (an uncaught exception, a method other than GET) in our shape.
    The exception itself is logged by Chalice; the client never sees a stack trace."""
    response = get_response(event)
    if not (isinstance(response.body, dict) and "Code" in response.body):
        return response  # ours already
    if response.status_code == 405:
        allow = response.headers.get("Allow", "GET")
        message = f"method not allowed here: use {allow}"
        replaced = error_response(ApiError(405, "method_not_allowed", message))
        replaced.headers["Allow"] = allow
        return replaced
    if response.status_code >= 500:
        return error_response(
            ApiError(500, "internal_error", "internal error: please try again later")
        )
    return response
