"""From the URL a maintainer pastes to a group file: the pure half of `dctech add-group`.

A Meetup group page, a Luma calendar, a Google Calendar embed link or any iCal URL becomes the
feed to fetch and the page to list as the group's website; the name comes from the feed's
X-WR-CALNAME when it has one. Fetching and parsing are collector/probe.py's; writing the file is
the command's.
"""

from __future__ import annotations

import base64
import binascii
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlsplit

from collector.parse import ParsedFeed
from core.errors import DctechError
from core.limits import MAX_CONFIG_TEXT_CHARS
from core.models import VIRTUAL, Event
from core.text import clean_text, is_web_url

MAX_ID_CHARS = 50  # the longest id in _groups/ is 50 characters
MEETUP_HOSTS = frozenset({"meetup.com", "www.meetup.com"})
MEETUP_PAGE = "https://www.meetup.com/{}/"
LUMA_HOSTS = frozenset(
    {"lu.ma", "www.lu.ma", "luma.com", "www.luma.com", "api.lu.ma", "api.luma.com", "api2.luma.com"}
)
LUMA_CALENDAR = re.compile(r"\bcal-[A-Za-z0-9]+\b")
LUMA_FEED = "https://api.lu.ma/ics/get?entity=calendar&id={}"
GOOGLE_HOST = "calendar.google.com"
GOOGLE_FEED = "https://calendar.google.com/calendar/ical/{}/public/basic.ics"
GOOGLE_PAGE = "https://calendar.google.com/calendar/embed?src={}"
GOOGLE_ICAL_PATH = re.compile(r"^/calendar/ical/([^/]+)/public/")  # a private one stays as given
WEBCAL = re.compile(r"^webcals?://", re.IGNORECASE)
UNFOLD = re.compile(r"\r?\n[ \t]")
TEXT_ESCAPES = re.compile(r"\\([\\,;nN])")
SKIP_REASONS = {
    "invalid": "invalid (no start, bad dates or a bad rule)",
    "outside_window": "outside the window",
    "suppressed": "suppressed",
    "out_of_area": "outside the site's states",
    "over_limit": "over the per-feed limit",
    "past_cut": "not read past the per-feed limit's cut",
}


class NoFeed(DctechError):
    """The URL leads to no feed we can fetch; ``url`` is what was given."""

    def __init__(self, url: str, reason: str, hint: str | None = None) -> None:
        self.url, self.reason = url, reason
        super().__init__(f"{url}: {reason}", hint)


@dataclass(frozen=True)
class Source:
    """Where a group's events come from, worked out from the URL alone."""

    kind: str  # "meetup", "luma", "google" or "ical"
    feed: str  # the iCal URL to fetch
    page: str | None = None  # the group's own page, when the URL tells
    handle: str | None = None  # the group's name in the URL (Meetup's urlname), for its id


def web(url: str) -> str:
    """``url`` as a web page's address: a webcal:// or webcals:// link (calendar apps'
    subscribe scheme) is https:// underneath; any other URL as it is."""
    return WEBCAL.sub("https://", url)


def discover(given: str) -> Source:
    """The feed behind ``given``. A webcal:// link is read as https:// to recognise the
    service (whose feed is then its https:// one); another feed keeps it, as the fetcher takes
    it. Every page derived from it is https://."""
    given = given.strip()
    url = web(given)
    if not is_web_url(url):
        raise NoFeed(url, "not an http(s) URL", "give the group's page or its iCal feed URL")
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if name := _meetup_name(url):
        page = MEETUP_PAGE.format(name)
        return Source("meetup", f"{page}events/ical/", page, name)
    if host in LUMA_HOSTS:
        return _luma(url)
    if host == GOOGLE_HOST and (calendar := _google_calendar(parts.query, parts.path)):
        token = quote(calendar, safe="")
        return Source("google", GOOGLE_FEED.format(token), GOOGLE_PAGE.format(token))
    return Source("ical", given)


def _meetup_name(url: str) -> str | None:
    """The group's urlname in any meetup.com URL of it (page, events, feed)."""
    parts = urlsplit(url)
    if (parts.hostname or "").lower() not in MEETUP_HOSTS:
        return None
    return parts.path.strip("/").split("/")[0] or None


def _luma(url: str) -> Source:
    """Luma's feeds are keyed by the calendar's id (cal-...), which a page's slug does not
    reveal; a URL that carries the id (or is the feed itself) does."""
    calendar = LUMA_CALENDAR.search(url)
    page = f"https://lu.ma/calendar/{calendar.group()}" if calendar else None
    if urlsplit(url).path.startswith("/ics/"):
        return Source("luma", url, page)
    if calendar:
        return Source("luma", LUMA_FEED.format(calendar.group()), url)
    hint = "on the calendar's page choose Subscribe, copy its iCal link and pass that"
    raise NoFeed(url, "a Luma page's name does not tell its feed", hint)


def _google_calendar(query: str, path: str = "") -> str | None:
    """The calendar id of an embed link (``src=``), a shared link (``cid=``, base64) or the
    feed itself (``/calendar/ical/<id>/public/basic.ics``, what Google's webcal:// link is)."""
    if feed := GOOGLE_ICAL_PATH.match(path):
        return unquote(feed[1])
    params = parse_qs(query)
    if params.get("src"):
        return params["src"][0]
    for cid in params.get("cid", [])[:1]:
        try:
            decoded = base64.urlsafe_b64decode(cid + "=" * (-len(cid) % 4)).decode()
        except (binascii.Error, UnicodeDecodeError):
            decoded = ""
        return decoded if "@" in decoded else cid
    return None


def calendar_property(body: bytes, name: str) -> str | None:
    """A calendar-level text property (X-WR-CALNAME, X-ORIGINAL-URL): read from the lines
    before the first event, unescaped and cleaned; None when absent or blank."""
    head = UNFOLD.sub("", body.split(b"BEGIN:VEVENT", 1)[0].decode("utf-8", errors="replace"))
    line = rf"^{re.escape(name)}(?:;[^:\r\n]*)?:(.*?)\r?$"  # NAME;PARAMS:value
    match = re.search(line, head, re.IGNORECASE | re.MULTILINE)
    if not match:
        return None
    value = TEXT_ESCAPES.sub(lambda m: " " if m[1] in "nN" else m[1], match[1])
    return " ".join(clean_text(value, MAX_CONFIG_TEXT_CHARS).split()) or None


def group_name(body: bytes, source: Source) -> str:
    """The feed's own name (Meetup's "Events - DC Python" is DC Python), else the URL's."""
    name = calendar_property(body, "X-WR-CALNAME")
    if name:
        return name.removeprefix("Events - ")
    return (source.handle or "").replace("-", " ").replace("_", " ") or _host(source.feed)


def website(body: bytes, source: Source) -> str:
    """The group's page: the one in the URL; else the feed's X-ORIGINAL-URL when it names
    another place (Meetup's names the group's feed there: its page is the group's); else the
    feed's site."""
    if source.page:
        return source.page
    original = web(calendar_property(body, "X-ORIGINAL-URL") or "")
    if is_web_url(original) and original != web(source.feed):
        name = _meetup_name(original)
        return MEETUP_PAGE.format(name) if name else original
    parts = urlsplit(web(source.feed))
    return f"{parts.scheme}://{parts.netloc}/"


def feed_key(url: str) -> str:
    """What makes two feed URLs one feed: https:// for webcal://, webcals:// and http://, the
    host in lower case, no trailing slash. The path and query keep their case."""
    parts = urlsplit(web(url.strip()))
    try:
        port = parts.port
    except ValueError:  # not a port: compared as written
        return url.strip()
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return url.strip()  # a path in the repository
    netloc = parts.hostname.lower() + (f":{port}" if port else "")
    path = parts.path.rstrip("/")
    return f"https://{netloc}{path}" + (f"?{parts.query}" if parts.query else "")


def group_id(name: str, source: Source) -> str:
    """A valid group id (core.config.GROUP_ID): the Meetup urlname, else the name's slug, else
    the host's."""
    for text in (source.handle or "", name, _host(source.feed)):
        ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
        slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
        if slug:
            return slug[:MAX_ID_CHARS].rstrip("-")
    return "group"


def group_file(name: str, page: str, feed: str, categories: list[str]) -> dict[str, Any]:
    """The new `_groups/<id>.yaml`, in the order of the README's example; topics left to the
    reviewer when none were given."""
    return {"name": name, "website": page, "ical": feed, "categories": categories}


def describe(feed: ParsedFeed, window_days: int, shown: int = 3) -> list[str]:
    """What a maintainer checks before adding a group: how many events, the next few, where
    they are, and what was left out and why."""
    lines = [f"{len(feed.events)} events in the next {window_days} days"]
    for event in feed.events[:shown]:
        start = event.start_datetime[:10] if event.all_day else event.start_datetime[:16]
        lines.append(f"  {start.replace('T', ' ')}  {event.title}  ({_where(event)})")
    places = Counter(_where(e) for e in feed.events)
    if places:
        lines.append("states: " + ", ".join(f"{p} {n}" for p, n in places.most_common()))
    if feed.skipped:
        reasons = (f"{n} {SKIP_REASONS.get(r, r)}" for r, n in sorted(feed.skipped.items()))
        lines.append("skipped: " + ", ".join(reasons))
    lines += [f"cut: {cut}" for cut in feed.cut]
    return lines


def _where(event: Event) -> str:
    return "virtual" if event.location_type == VIRTUAL else event.state or "no state"


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").removeprefix("www.")
