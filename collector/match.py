"""Whether two groups' copies of an event at the same start are one event (collector/merge.py
applies it).

Titles are compared normalised (core/words.py: compatibility forms, case, invisible characters,
punctuation and spacing ignored; equal titles may differ in where their spaces fall: "Hack-a-thon"
and "Hackathon"), less what a reposter adds: a trailing " at <venue>" naming a copy's place, a
trailing " - <group>", " | <group>", " by <group>" or "(<group>)" and a leading
"<group>: " naming a copy's group. Two copies whose titles each name their own, different group
("Happy Hour - PyDC", "Happy Hour - NoVA JS") are two events unless their places agree.

Equal titles are one event unless the places differ. One title a prefix of the other is one
event only when the shorter has at least MIN_PREFIX_CHARS characters, the rest of the longer
names no separate session ("Python Night" / "Python Night: Advanced", "Part 2", "Track B"), and
the copies share their place (or a title names it) or their link (see ``same_page``). A title
shorter than that needs the same evidence even when equal ("Hack Night" is a common name).
Places differ when their states, their rooms, suites or floors (both name one, and differently:
"Capital One Hall, Room A" and "..., Room B"), their street addresses or their venue names
differ; a place given as a link or "Online" differs from a street address, and two meeting
links (Zoom, Teams, Meet...) to different meetings are two places. A copy without a place (or
"TBD") is never "different", and never "the same".
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum
from functools import lru_cache
from urllib.parse import urlsplit

from collector.location import MEETING_LINK
from core.ids import normalise_url
from core.models import VIRTUAL, Event, Group
from core.places import placeholder, street, units, venue
from core.words import contains_phrase, fold, normalise

MIN_PREFIX_CHARS = 12  # "python night": long enough that a shared start is no accident
# a title that adds one of these (or a number) names another session of the same evening
# fmt: off
SESSION_WORDS = frozenset({
    "part", "pt", "session", "sessions", "track", "room", "level", "advanced", "beginner",
    "beginners", "intermediate", "intro", "introduction", "basics", "day", "round", "module",
    "lesson", "lab", "chapter", "vol", "volume", "ii", "iii", "iv", "vi", "vii", "viii", "ix",
})
# fmt: on
PLATFORMS = frozenset(
    {"meetup.com", "luma.com", "eventbrite.com", "facebook.com", "google.com", "sites.google.com"}
    | {"linkedin.com", "zoom.us", "teams.microsoft.com", "youtube.com", "github.io"}
)  # hosts many organisations share: a host in common says nothing there, only the same page
HOST_ALIASES = {"lu.ma": "luma.com", "calendar.google.com": "google.com"}
_GROUP_TAIL = r"\s+(?:[-–—|•·~@]|by|hosted by|presented by|with)\s+|\s*\|\s*|\s*[(\[]"
_PLACE_TAIL = r"\s+(?:at|@|[-–—|•·])\s+|\s*[(\[]"
_TAIL_SEPARATORS = {
    "group": re.compile(_GROUP_TAIL),
    "place": re.compile(_PLACE_TAIL),
}
_YEAR = re.compile(r"20\d\d")
_MEETING = re.compile(MEETING_LINK.pattern + r"[^\s,;<>()]*", re.IGNORECASE)
_LEAD = re.compile(r"(.+?)\s*(?::|\||\s[-–—])\s+(.+)")


class Places(Enum):
    SAME = "same"
    DIFFERENT = "different"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Title:
    """A title as compared: its normalised words less what named a group or a place."""

    words: str
    groups: frozenset[str]  # the group names it named (and lost)
    placed: bool  # it ended with the name of a copy's place (and lost it)


def core_title(title: str, groups: Iterable[str], places: Iterable[str]) -> Title:
    """The title less a leading group name and trailing group or venue names. ``groups`` and
    ``places`` are normalised: the copies' group names and ids, and their locations."""
    names, where = set(groups) - {""}, [p for p in places if p]
    text = _folded(title)
    named: set[str] = set()
    placed = False
    lead = _lead(text)
    if lead and lead[0] in names:
        named.add(lead[0])
        text = lead[1]
    for _ in range(3):  # "Cloud Night at Capital One Hall - PyDC": two tails, then none
        cut = _tail(text, names, where)
        if cut is None:
            break
        kind, tail, text = cut
        named |= {tail} if kind == "group" else set()
        placed = placed or kind == "place"
    return Title(normalise(text), frozenset(named), placed)


def _tail(text: str, names: set[str], where: list[str]) -> tuple[str, str, str] | None:
    """(kind, the tail, what is left) for the last separator ending the title with a group's
    name or a place's, or None."""
    for kind, start, tail in _tails(text):
        if kind == "group" and tail in names:
            return kind, tail, text[:start]
        if kind == "place" and len(tail) >= 3 and any(contains_phrase(p, tail) for p in where):
            return kind, tail, text[:start]
    return None


@lru_cache(maxsize=8192)
def _folded(title: str) -> str:
    return " ".join(fold(title).split())


@lru_cache(maxsize=8192)
def _lead(text: str) -> tuple[str, str] | None:
    """A leading "<name>: " ("PyDC: Cloud Night"): the name normalised, and the rest."""
    match = _LEAD.fullmatch(text)
    return (normalise(match[1]), match[2]) if match else None


@lru_cache(maxsize=8192)
def _tails(text: str) -> tuple[tuple[str, int, str], ...]:
    """Every way the title may end in a name: (kind, where it starts, the name normalised),
    group names first, each kind from its last separator back. A pair of copies only looks up
    which of them names one of its groups or places."""
    found = []
    for kind, separator in _TAIL_SEPARATORS.items():
        for match in reversed(list(separator.finditer(text))):
            tail = normalise(text[match.end() :])
            if match.start() > 0 and tail:
                found.append((kind, match.start(), tail))
    return tuple(found)


def places(a: Event, b: Event) -> Places:
    """Whether two copies say they happen at the same place, a different one, or cannot tell."""
    if _no_place(a.location) or _no_place(b.location):
        return Places.UNKNOWN
    if (a.location_type == VIRTUAL) != (b.location_type == VIRTUAL):
        return Places.DIFFERENT
    if a.location_type == VIRTUAL:
        rooms = _meeting(a.location), _meeting(b.location)
        return Places.DIFFERENT if None not in rooms and rooms[0] != rooms[1] else Places.UNKNOWN
    if a.state and b.state and a.state != b.state:
        return Places.DIFFERENT
    units_a, units_b = _units(a.location), _units(b.location)
    if any(units_a[kind] != units_b[kind] for kind in units_a.keys() & units_b.keys()):
        return Places.DIFFERENT  # Room A and Room B of one building
    (street_a, venue_a), (street_b, venue_b) = (_keys(e.location, e.city, e.state) for e in (a, b))
    if street_a and street_b:
        return Places.SAME if street_a == street_b else Places.DIFFERENT
    for name, other in ((venue_a, b), (venue_b, a)):
        if name and contains_phrase(normalise(other.location), name):
            return Places.SAME
    return Places.DIFFERENT if venue_a and venue_b else Places.UNKNOWN


@lru_cache(maxsize=8192)
def _meeting(location: str) -> tuple[str, str] | None:
    """The meeting an online place links to, as its platform and path ("zoom.us", "/j/812..."
    of "https://us02web.zoom.us/j/812...?pwd=x"), or None: "Online", an event page's link."""
    found = _MEETING.search(location)
    if found is None:
        return None
    link = urlsplit(found.group())
    return ".".join((link.hostname or "").split(".")[-2:]), link.path.rstrip("/").casefold()


_no_place = lru_cache(maxsize=8192)(placeholder)
_units = lru_cache(maxsize=8192)(units)


@lru_cache(maxsize=8192)
def _keys(location: str, city: str | None, state: str | None) -> tuple[str | None, str]:
    """The street key (house number and the street's first word: "901 G St NW" and "901 G
    Street" agree) and the venue's name, normalised."""
    found = street(location)
    street_key = " ".join(normalise(found).split()[:2]) if found else None
    return street_key, normalise(venue(location, city, state) or "")


def same_page(a: str, b: str) -> bool:
    """The two links point at the same event page, or at one organisation's own site. A shared
    platform (Meetup, Luma, Eventbrite...) counts only for the same page on it."""
    if a and normalise_url(a) == normalise_url(b):
        return True
    host_a, host_b = _host(a), _host(b)
    if not host_a or host_a != host_b:
        return False
    if host_a not in PLATFORMS:
        return True
    return _path(a) == _path(b)


def on_site(url: str, website: str) -> bool:
    """The link is a page of the site (meetup.com/pydc/events/311/ of meetup.com/pydc/), not the
    site itself. On a shared platform the site must be a page of its own (a Meetup group's), not
    the platform: every Luma event is on lu.ma, whoever posted it."""
    host = _host(url)
    if not host or host != _host(website):
        return False
    path, site = _path(url), _path(website)
    if host in PLATFORMS and not site:
        return False
    return path != site and (path + "/").startswith(site + "/")


def own_copy(url: str, organiser: str, group: Group) -> bool:
    """The group's own copy of an event, not a co-host's or a reposter's: the VEVENT's
    ORGANIZER names the group (Luma sends ``CN="DC AI Builders"``; a Luma link is on a shared
    platform, never on the group's site), or the link is a page of its website or fallback."""
    if normalise(organiser) in {normalise(group.name), normalise(group.group_id)} - {""}:
        return True
    return any(on_site(url, site) for site in (group.website, group.fallback_url or "") if site)


def keys(event: Event) -> set[str]:
    """The words a copy's title may start with once compared: its first, and the first after a
    leading "<group>: ". Two copies that match share one (``same_event`` needs it)."""
    text = _folded(event.title)
    lead = _lead(text)
    found = [normalise(text)] + ([normalise(lead[1])] if lead else [])
    return {words.split()[0] for words in found if words}


def _host(url: str) -> str:
    host = (urlsplit(url).hostname or "").removeprefix("www.")
    return HOST_ALIASES.get(host, host)


def _path(url: str) -> str:
    return urlsplit(url).path.rstrip("/").casefold()


def same_event(a: Event, b: Event) -> bool:
    """Two copies from different groups with the same start: one event by the rules above."""
    where = places(a, b)
    if where is Places.DIFFERENT:
        return False
    names = [{normalise(e.group_name), normalise(e.group_id)} - {""} for e in (a, b)]
    locations = [normalise(e.location) for e in (a, b)]
    title_a, title_b = (core_title(e.title, names[0] | names[1], locations) for e in (a, b))
    if not (title_a.words and title_b.words):
        return False
    if _each_names_itself(title_a, title_b, names) and where is not Places.SAME:
        return False  # "Happy Hour - PyDC" and "Happy Hour - NoVA JS": two groups' own
    evidence = where is Places.SAME or title_a.placed or title_b.placed or same_page(a.url, b.url)
    if title_a.words.replace(" ", "") == title_b.words.replace(" ", ""):  # "hack a thon"
        return evidence or len(title_a.words) >= MIN_PREFIX_CHARS
    short, long = sorted((title_a.words, title_b.words), key=len)
    if len(short) < MIN_PREFIX_CHARS or not long.startswith(short + " "):
        return False
    if any(_names_a_session(word) for word in long[len(short) :].split()):
        return False
    return evidence


def _names_a_session(word: str) -> bool:
    """A word naming another session: "part", "track", "ii", "2", "3pm"; a year does not
    ("Summit 2026")."""
    return word in SESSION_WORDS or (any(ch.isdigit() for ch in word) and not _YEAR.fullmatch(word))


def _each_names_itself(a: Title, b: Title, names: list[set[str]]) -> bool:
    return bool(a.groups and b.groups) and (
        a.groups <= names[0] - names[1] and b.groups <= names[1] - names[0]
    )
