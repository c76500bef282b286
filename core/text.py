"""Text hygiene for strangers' strings: control and bidi-override characters out, length capped,
and the one test of which of them are web links.

RFC 5545 forbids control characters in text values, NUL breaks C libraries and terminals, and
the right-to-left override (U+202E) lets a title display as something other than it is. Newlines
are kept only where a field may span lines (descriptions); tabs become spaces.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from core.limits import QUOTE_CHARS

ELLIPSIS = "…"
# C0 controls but tab and newline, DEL, C1 controls, bidi marks, embeddings/overrides, isolates
_UNSAFE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_LINE_BREAKS = re.compile(r"\r\n?|[\n\u2028\u2029\x85]")


def clean_text(value: str, limit: int | None = None, *, multiline: bool = False) -> str:
    """``value`` without unsafe characters, tabs as spaces, at most ``limit`` characters (the
    last one an ellipsis when cut). Single-line text has its line breaks turned into spaces."""
    value = _LINE_BREAKS.sub("\n" if multiline else " ", value)
    value = _UNSAFE.sub("", value).replace("\t", " ")
    return truncate(value, limit) if limit is not None else value


def truncate(value: str, limit: int) -> str:
    """At most ``limit`` characters, ending in an ellipsis when anything was cut."""
    if len(value) <= limit:
        return value
    return value[: max(limit - 1, 0)].rstrip() + ELLIPSIS


def quote(value: object, limit: int = QUOTE_CHARS) -> str:
    """A short, safe ``repr`` of a value for an error message: never the whole of a huge one."""
    text = repr(value)
    if len(text) <= limit:
        return text
    return f"{text[: limit - 1]}{ELLIPSIS} ({len(text):,} characters)"


WEB_SCHEMES = ("http", "https")
WEBCAL_SCHEMES = ("webcal", "webcals")  # calendar apps' "subscribe" links: HTTP(S) underneath
FEED_SCHEMES = WEB_SCHEMES + WEBCAL_SCHEMES


def is_web_url(value: str, schemes: tuple[str, ...] = WEB_SCHEMES) -> bool:
    """An absolute http(s) URL with a host and no whitespace, control or bidi characters: the
    only kind a config may name, an event may link to and a page may show as a link (so a
    ``javascript:`` URL never becomes one). The scheme is case-insensitive; nothing is trimmed.
    ``schemes=FEED_SCHEMES`` also takes the webcal:// links organisers paste as a group's feed
    (fetched over HTTPS: collector/fetch.py), and nowhere else."""
    if _UNSAFE.search(value) or any(ch.isspace() for ch in value):
        return False
    try:
        parts = urlsplit(value)
        return parts.scheme in schemes and bool(parts.hostname)
    except ValueError:  # an unclosed or invalid [IPv6] host
        return False
