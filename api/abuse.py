"""Abuse limits on the write path: body size, rate limits per user and per address, and the
honeypot. Each refusal is a `Refused` with its HTTP status, rendered as a page or as JSON.

Counters are store records (core/store/base.py) keyed by the window they count, so a window's
counter simply expires with it.
"""

from __future__ import annotations

import hmac
from collections.abc import Mapping

from core.errors import DctechError
from core.limits import MAX_SUBMISSION_BYTES
from core.store.base import EventStore

HONEYPOT = "website_url"  # a field hidden from people; a bot that fills every field fills it
# CloudFront adds this header, with the origin secret, to every request it forwards to the API
# (infra/stacks/website.py): it overwrites one a client sent, and a client calling API Gateway
# directly cannot know the value.
ORIGIN_HEADER = "x-origin-verify"


class Refused(DctechError):
    """A write request we will not serve; ``status`` and ``code`` for the answer."""

    def __init__(self, status: int, code: str, message: str, retry_after: int | None = None):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.retry_after = retry_after


def check_size(headers: Mapping[str, str], body: bytes) -> None:
    """Refuse a body over the cap, by its declared length first (nothing more is read)."""
    declared = headers.get("content-length", "")
    length = int(declared) if declared.isdigit() else len(body)
    if max(length, len(body)) > MAX_SUBMISSION_BYTES:
        raise Refused(
            413,
            "too_large",
            f"the submission is larger than {MAX_SUBMISSION_BYTES // 1024} KB: shorten it",
        )


def check_honeypot(form: Mapping[str, list[str]]) -> None:
    if any(value.strip() for value in form.get(HONEYPOT, [])):
        raise Refused(400, "rejected", "the submission was rejected: leave the hidden field empty")


def rate_limit(
    store: EventStore, who: str, limit: int, window_seconds: int, now_ts: int, what: str
) -> None:
    """Count one request for ``who`` (e.g. ``submit#user#ada``) in the current window; past
    ``limit`` a 429 that says when to come back."""
    window = now_ts // window_seconds
    ends = (window + 1) * window_seconds
    hits = store.count_hit(f"rate#{who}#{window}", ends, now_ts)
    if hits > limit:
        raise Refused(
            429,
            "rate_limited",
            f"too many {what}: at most {limit} per {_span(window_seconds)}; try again later",
            retry_after=ends - now_ts,
        )


def client_address(
    headers: Mapping[str, str], source_ip: str | None, origin_secret: str | None
) -> str:
    """The visitor's address: CloudFront's viewer address (it overwrites any the client sent)
    when the request proves it came through CloudFront, else the connection's. API Gateway is
    public, so an unproven viewer address is anyone's choice and ignored."""
    viewer = headers.get("cloudfront-viewer-address", "")
    proof = headers.get(ORIGIN_HEADER, "").encode()
    if viewer and origin_secret and hmac.compare_digest(proof, origin_secret.encode()):
        return viewer.rsplit(":", 1)[0].strip("[]")
    return source_ip or "unknown"


def _span(seconds: int) -> str:
    return "hour" if seconds == 3600 else "day" if seconds == 86400 else f"{seconds} s"
