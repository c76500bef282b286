"""What a build does with the files earlier builds published and this one no longer produces, so
that no URL the site ever published stops working within a year (pure, no I/O).

The writer's manifest (``generator.manifest``) says what earlier builds published. For each such
file this build does not produce, ``decide`` picks one fate:

- **rendered again**: the page of an event that has ended but is still stored (the store keeps an
  item RECENT_DAYS past its end), now saying "This event has ended". Listings, feeds and the
  sitemap never show it: they are planned from the upcoming events only;
- **a redirect**: the page of an event the collector moved to a new event_id (retitled or
  rescheduled: the store's moves, ``core.store.base.Move``) points to the page at the end of its
  chain of moves; its ``.ics`` becomes the new event's calendar while that one is upcoming, so an
  old "add to calendar" link never adds the old time;
- **an empty calendar**: a feed of a group, topic or place the site no longer lists. Calendar
  apps subscribed to it then drop its events, where a stale copy would keep them for good;
- **kept as it is**, with the reason the manifest records: an ended event's page once its item
  has expired, and its ``.ics``; past weeks and months; old fingerprinted assets that kept pages
  still link; the pages of a group, topic or place no longer listed;
- **let go**: a file kept as it is, last produced more than KEEP_DAYS ago; the files of an
  earlier search shard (no one links them: only the shard's own entry file, which a browser or
  cache may hold a little while) after SEARCH_KEEP_DAYS.

Week and month pages from this week or month on are never kept with stale events: one published
before is produced again by its family, empty if need be (``future_weeks``, ``future_months``).
The files the archive itself writes carry a marker in their manifest digest (``marked``: ENDED,
REDIRECT, EMPTIED before what the file was made from), so a later build knows what they are once
what they were made from is gone, and skips rendering them again while it is unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from datetime import date, timedelta

from core.models import SiteConfig
from core.query import EventFilter
from core.store.base import MOVES_KEPT_DAYS, Move
from generator import urls
from generator.days import week_id
from generator.manifest import Entry
from generator.month_pages import month_id
from generator.outputs import Page

KEEP_DAYS = MOVES_KEPT_DAYS  # a move is remembered as long as the page it redirects is kept
RECENT_DAYS = 7  # an item is stored until this long after it ends (core.timeutil.ttl_for)
SEARCH_KEEP_DAYS = 7
SEARCH_INDEX = urls.output_file(urls.search_bundles()).removesuffix(urls.INDEX)  # its folder
ENDED, REDIRECT, EMPTIED = "archive:ended", "archive:redirect", "archive:emptied"
_MARK = "\0"  # stands for a key, to read a family's file pattern off its URL function

# The page families whose files the archive tells apart, by the URL function that names them.
FAMILIES: dict[str, Callable[[str], str]] = {
    "event": urls.event,
    "event_ics": urls.event_ics,
    "week": urls.week,
    "month": urls.month,
    "group": urls.group,
    "topic": urls.topic,
    "location": urls.location,
    "asset": urls.static,
}
REASONS = {
    "event": "event no longer listed",
    "event_ics": "event no longer listed",
    "week": "past week",
    "month": "past month",
    "group": "group no longer listed",
    "topic": "topic no longer listed",
    "location": "place no longer listed",
    "asset": "asset of kept pages",
}
MARKED = {ENDED: "event ended", REDIRECT: "event moved", EMPTIED: "feed emptied"}


def marked(mark: str, key: str = "") -> str:
    """The manifest digest of a file the archive made: what it is, then what it was made from."""
    return f"{mark}#{key}"


def mark_of(entry: Entry) -> str | None:
    """What the archive made a file as (ENDED, REDIRECT, EMPTIED), None if it did not make it."""
    mark = (entry.digest or "").partition("#")[0]
    return mark if mark in MARKED else None


def _pattern(url: Callable[[str], str]) -> tuple[str, str]:
    """The file name around a family's key: ``urls.week`` -> (``week/``, ``/index.html``)."""
    head, _, tail = urls.output_file(url(_MARK)).partition(_MARK)
    return head, tail


PATTERNS = {name: _pattern(url) for name, url in FAMILIES.items()}


def family(path: str) -> tuple[str, str] | None:
    """The family and key of an output file (``week/2026-W49/index.html`` -> week, 2026-W49)."""
    for name in PATTERNS:
        if key := _key(path, name):
            return name, key
    return None


def _key(path: str, name: str) -> str | None:
    """The key of ``path`` in the family ``name``, None when it is not one of its files."""
    head, tail = PATTERNS[name]
    key = path[len(head) : len(path) - len(tail)]
    if path.startswith(head) and path.endswith(tail) and key and "/" not in key:
        return key
    return None


@dataclass(frozen=True)
class Archive:
    """The fate of every file earlier builds published that this one does not produce."""

    ended: tuple[str, ...] = ()  # event_ids whose page is rendered again, marked ended
    redirects: Mapping[str, str] = field(default_factory=dict)  # old event_id -> target's
    copies: Mapping[str, str] = field(default_factory=dict)  # old event_id -> whose .ics it gets
    emptied: tuple[str, ...] = ()  # feeds written as an empty calendar
    kept: Mapping[str, str] = field(default_factory=dict)  # path -> why it stays as it is
    gone: tuple[str, ...] = ()  # let go: the writer deletes them


def recent_past(today: date) -> EventFilter:
    """The listing of the events that may have ended since the last builds and are still stored
    (DateIndex queries, as every listing)."""
    return EventFilter(start=today - timedelta(days=RECENT_DAYS), end=today - timedelta(days=1))


def redirect_page(old: str, target: str, title: str | None) -> Page:
    """The page at a moved event's old address: a refresh to ``target``'s page, which is also
    its canonical URL (so search engines move the old address's standing to it), and a link to
    follow by hand; ``title`` names it when known."""
    return Page(
        urls.event(old), "redirect.html", {"nav": "", "target": urls.event(target), "title": title}
    )


def emptied_name(site: SiteConfig) -> str:
    """What an emptied feed calls itself in a subscriber's calendar app."""
    return f"{site.site_name}: no longer updated"


def _future(previous: Iterable[str], name: str, first: str) -> set[str]:
    keys = (_key(path, name) for path in previous)
    return {key for key in keys if key and key >= first}


def future_weeks(previous: Iterable[str], today: date) -> set[str]:
    """The weeks from this one on whose page an earlier build published."""
    return _future(previous, "week", week_id(today))


def future_months(previous: Iterable[str], today: date) -> set[str]:
    """The months from this one on whose page an earlier build published."""
    return _future(previous, "month", month_id(today))


def decide(
    previous: Mapping[str, Entry],
    produced: AbstractSet[str],
    *,
    today: date,
    upcoming: Collection[str],
    ended: Collection[str],
    moves: Mapping[str, Move],
) -> Archive:
    """The fate of each file in ``previous`` (the manifest) that is not in ``produced``.
    ``upcoming``: the event_ids this build gives a page and an ``.ics``; ``ended``: those of
    stored events that are over (from ``recent_past``); ``moves``: the store's record of moved
    events. A writer building one part of the site sees only that part's files, so where an
    event's page is comes from these, not from ``produced``."""

    def has_page(event_id: str) -> bool:
        """Will the event's own page (not a redirect) be published after this build?"""
        if event_id in upcoming or event_id in ended:
            return True
        entry = previous.get(urls.output_file(urls.event(event_id)))  # kept, in this part
        return entry is not None and event_id not in moves and mark_of(entry) != REDIRECT

    again, emptied, gone = [], [], []
    redirects, copies, kept = {}, {}, {}
    for path in sorted(previous.keys() - produced):
        entry = previous[path]
        name, key = family(path) or ("", "")
        if name == "event" and key in ended:
            again.append(key)
        elif name == "event" and (target := destination(key, moves, has_page)):
            redirects[key] = target
        elif name == "event_ics" and (target := destination(key, moves, upcoming.__contains__)):
            copies[key] = target
        elif path.endswith(urls.FEED) and mark_of(entry) != EMPTIED:
            emptied.append(path)
        elif entry.since and (today - date.fromisoformat(entry.since)).days > _days(path):
            gone.append(path)
        else:
            kept[path] = _reason(path, entry, ended, moves)
    return Archive(tuple(again), redirects, copies, tuple(emptied), kept, tuple(gone))


def _days(path: str) -> int:
    """How long a file is kept as it is after it was last produced."""
    return SEARCH_KEEP_DAYS if path.startswith(SEARCH_INDEX) else KEEP_DAYS


def _reason(path: str, entry: Entry, ended: Collection[str], moves: Mapping[str, Move]) -> str:
    """Why a file stays as it is: the reason it was first kept for, else what the archive made
    it (its marker), else what became of its event, else what it is."""
    if entry.kept:
        return entry.kept
    if mark := mark_of(entry):
        return MARKED[mark]
    if path.startswith(SEARCH_INDEX):
        return "earlier search index"
    name, key = family(path) or ("", "")
    if name in ("event", "event_ics") and key in ended:
        return MARKED[ENDED]
    if name in ("event", "event_ics") and key in moves:
        return MARKED[REDIRECT]
    return REASONS.get(name, "no longer produced")


def destination(
    event_id: str, moves: Mapping[str, Move], exists: Callable[[str], bool]
) -> str | None:
    """Where a moved event's links lead: the last event along its chain of moves (A -> B -> C)
    for which ``exists``; None when there is none. A cycle (moved back) ends the chain."""
    found, seen = None, {event_id}
    move = moves.get(event_id)
    while move is not None and move.new not in seen:
        seen.add(move.new)
        if exists(move.new):
            found = move.new
        move = moves.get(move.new)
    return found
