"""Which URL an event links to, and whether the group asked us to ignore it.

Order: the URL property; a Luma event link in LOCATION or DESCRIPTION (Luma's
feeds carry no URL property); the group's fallback_url; its website. Only http(s) URLs are kept,
so a ``javascript:`` URL never reaches a page.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

from core.ids import normalise_url
from core.models import Group
from core.text import is_web_url

# lu.ma/<slug>, luma.com/<slug> and luma.com/event/evt-...; other first path segments are
# Luma's own pages (calendars, profiles, sign-in...), not events.
LUMA_LINK = re.compile(
    r"https?://(?:www\.)?(?:lu\.ma|luma\.com)/(?:event/)?[A-Za-z0-9][A-Za-z0-9_-]*(?![\w/-])"
)
LUMA_PAGES = frozenset(
    {
        "calendar",
        "cal",
        "user",
        "u",
        "discover",
        "home",
        "signin",
        "login",
        "create",
        "explore",
        "pricing",
        "help",
        "settings",
        "ics",
        "embed",
    }
)


def luma_link(text: str) -> str | None:
    """The first Luma event link in ``text``."""
    for match in LUMA_LINK.finditer(text):
        first_segment = urlsplit(match.group()).path.strip("/").split("/")[0]
        if first_segment.lower() not in LUMA_PAGES:
            return match.group()
    return None


def event_url(url_property: str, location: str, description: str, group: Group) -> str:
    """The first usable link, in the documented order; "" only if the group has none."""
    candidates = (
        url_property.strip(),
        luma_link(location) or luma_link(description) or "",
        (group.fallback_url or "").strip(),
        group.website.strip(),
    )
    return next((url for url in candidates if is_web_url(url)), "")


def is_suppressed(url: str, group: Group) -> bool:
    """True when the group's ``suppress_urls`` lists this event (compared normalised)."""
    target = normalise_url(url)
    return bool(target) and any(normalise_url(u) == target for u in group.suppress_urls)
