"""Signed, expiring tokens: the OAuth ``state`` and the forms' CSRF token.

A token is ``<payload>.<mac>``, both base64url: the payload is JSON with an expiry, the MAC an
HMAC-SHA256 under the session key, so the browser can carry it but not forge or alter it.
Single use is not a property of the token: the caller spends its nonce in the store.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
from collections.abc import Mapping

from core.errors import DctechError

MAX_TOKEN_CHARS = 1_000  # ours are ~200; a longer one is refused unread


class BadToken(DctechError):
    """A token that was altered, forged, expired or is not one of ours; ``reason`` says which."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(f"invalid token: {reason}")


def new_nonce() -> str:
    """256 random bits, URL-safe: a session id, a state's nonce, a browser binding."""
    return secrets.token_urlsafe(32)


def digest(value: str) -> str:
    """What the store keeps of a secret value (a session id): its SHA-256, never the value."""
    return hashlib.sha256(value.encode()).hexdigest()


def _mac(key: bytes, body: bytes, purpose: str) -> bytes:
    return hmac.new(key, purpose.encode() + b"\0" + body, hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(key: bytes, purpose: str, payload: Mapping[str, str | int], expires_at: int) -> str:
    """A token carrying ``payload`` until ``expires_at`` (epoch seconds), good only for
    ``purpose`` (a state is no CSRF token)."""
    body = json.dumps({**payload, "exp": expires_at}, separators=(",", ":")).encode()
    return f"{_b64(body)}.{_b64(_mac(key, body, purpose))}"


def verify(key: bytes, purpose: str, token: str, now_ts: int) -> dict[str, str | int]:
    """The payload of a token we signed for ``purpose`` that has not expired; else BadToken."""
    if not token or len(token) > MAX_TOKEN_CHARS or token.count(".") != 1:
        raise BadToken("malformed")
    body_text, mac_text = token.split(".")
    try:
        body, mac = _unb64(body_text), _unb64(mac_text)
    except ValueError:
        raise BadToken("malformed") from None
    if not hmac.compare_digest(mac, _mac(key, body, purpose)):
        raise BadToken("the signature does not match")
    payload = json.loads(body)
    if not isinstance(payload, dict) or not isinstance(payload.get("exp"), int):
        raise BadToken("malformed")
    if payload["exp"] <= now_ts:
        raise BadToken("expired")
    return payload


def form_token(key: bytes, session_id: str) -> str:
    """The CSRF token of a session's forms: derived from the session id, so no store read, and
    worthless to anyone who cannot read the (HttpOnly) session cookie."""
    return _b64(_mac(key, session_id.encode(), "form"))


def form_token_ok(key: bytes, session_id: str, given: str) -> bool:
    return bool(given) and hmac.compare_digest(given.encode(), form_token(key, session_id).encode())
