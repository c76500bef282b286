"""The event_id rule: SHA-256 of normalised (url, title, start date, start time)."""

from __future__ import annotations

import hashlib
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

TRACKING_PARAMS = frozenset(
    {"fbclid", "gclid", "mc_cid", "mc_eid", "ref", "ref_src", "igshid", "_hsenc", "_hsmi", "si"}
)


def normalise_url(url: str) -> str:
    """Trim and drop tracking parameters (utm_*, fbclid...) and the fragment."""
    url = (url or "").strip()
    if not url:
        return ""
    parts = urlsplit(url)
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not k.lower().startswith("utm_") and k.lower() not in TRACKING_PARAMS
    ]
    return urlunsplit(
        (parts.scheme.lower(), parts.netloc.lower(), parts.path, urlencode(query), "")
    )


def make_event_id(url: str, title: str, start_datetime: str) -> str:
    """Stable id: the same event cross-posted by two groups gets the same id."""
    date, _, time = start_datetime.partition("T")
    material = "\x1f".join(
        (normalise_url(url), " ".join(title.split()), date.strip(), time.strip())
    )
    return hashlib.sha256(material.encode("utf-8")).hexdigest()
