"""The parts of a place as feeds write it, and its short form for listings.

Feeds write a place as "Venue (Street, City, ST ZIP)" (Meetup), "Venue, Street, City, ST ZIP,
USA" (Luma, Google, Eventbrite) or as a bare street address. The venue is the name before the
address; the street address is a house number and a street. A run of parts written twice
("Arlington, VA, Arlington, VA", a feed joining its venue's address to its own) is written once
when the collector reads the place (``tidy``). Listings show the venue (or the street, when
there is no venue) and the city and state, the event page the whole text: a card has room for
"Capital One Hall, Tysons, VA", not for the ZIP code and the country.

Pure text rules; the collector's classification (collector/location.py) reads the city and
state, which come in here as they were stored.
"""

from __future__ import annotations

import re

from core.text import truncate

SHORT_PLACE_CHARS = 80  # a venue name longer than this is cut on listings
# fmt: off
STATE_NAMES = {
    "District of Columbia": "DC", "Alabama": "AL", "Alaska": "AK", "Arizona": "AZ",
    "Arkansas": "AR", "California": "CA", "Colorado": "CO", "Connecticut": "CT", "Delaware": "DE",
    "Florida": "FL", "Georgia": "GA", "Hawaii": "HI", "Idaho": "ID", "Illinois": "IL",
    "Indiana": "IN", "Iowa": "IA", "Kansas": "KS", "Kentucky": "KY", "Louisiana": "LA",
    "Maine": "ME", "Maryland": "MD", "Massachusetts": "MA", "Michigan": "MI", "Minnesota": "MN",
    "Mississippi": "MS", "Missouri": "MO", "Montana": "MT", "Nebraska": "NE", "Nevada": "NV",
    "New Hampshire": "NH", "New Jersey": "NJ", "New Mexico": "NM", "New York": "NY",
    "North Carolina": "NC", "North Dakota": "ND", "Ohio": "OH", "Oklahoma": "OK", "Oregon": "OR",
    "Pennsylvania": "PA", "Rhode Island": "RI", "South Carolina": "SC", "South Dakota": "SD",
    "Tennessee": "TN", "Texas": "TX", "Utah": "UT", "Vermont": "VT", "West Virginia": "WV",
    "Virginia": "VA", "Wisconsin": "WI", "Wyoming": "WY",
}  # "Washington" is left out: alone it is the city far more often than the state here
# fmt: on
_STATE_CODES = {name.casefold(): code.casefold() for name, code in STATE_NAMES.items()}

STREET = (
    r"\b(?:Ave|Avenue|St|Street|Rd|Road|Blvd|Boulevard|Dr|Drive|Pl|Place|Ter|Terrace|Way|Ln|Lane|"
    r"Pkwy|Parkway|Ct|Court|Cir|Circle|Sq|Square|Hwy|Highway|Pike)\b"
)
STREET_ADDRESS = re.compile(rf"\b\d+[A-Za-z]?\s+(?:[\w.'-]+\s+){{0,4}}{STREET}")
_PARTS = re.compile(r"\s*[,()]\s*")
_PLACEHOLDER = re.compile(
    r"(?:location|venue|place|address)?\s*(?:tbd|tba|to be (?:announced|determined)|n/?a|"
    r"see (?:description|details|event page))\.?",
    re.IGNORECASE,
)
# "Arlington, VA Arlington, VA"; a copy without a comma may be a name ("Sing Sing")
_TWICE = re.compile(r"([^,]+,.+?)(?:[\s,]+\1)+(\s+\d{5}(?:-\d{4})?)?", re.IGNORECASE)
_ZIP_TAIL = re.compile(r"\s*\b\d{5}(?:-\d{4})?$")
_UNIT_KINDS = {"room": "room", "rm": "room", "suite": "suite", "ste": "suite"}
_UNIT_KINDS |= {"floor": "floor", "level": "floor"}  # not "Fl": "FL 33101" is Florida's ZIP
_UNIT = re.compile(  # a unit is a number or a letter ("Room A", "Suite 200"), not "Level Up"
    rf"\b(?:({'|'.join(_UNIT_KINDS)})\.?\s*#?\s*(\d+[a-z]?|[a-z]-?\d*)"
    r"|(\d+)(?:st|nd|rd|th)\s+floor)\b",
    re.IGNORECASE,
)


def parts(location: str) -> list[str]:
    """The comma-separated parts, a parenthesised address read as more parts:
    "Hall (1 Main St, Tysons, VA)" -> ["Hall", "1 Main St", "Tysons", "VA"]."""
    return [part for part in _PARTS.split(" ".join(location.split())) if part]


def placeholder(location: str) -> bool:
    """No place yet: "", "TBD", "Location TBA", "To be announced", "See description"."""
    text = " ".join(location.split()).strip(" -:()[]")
    return not text or _PLACEHOLDER.fullmatch(text) is not None


def head(location: str, city: str | None = None, state: str | None = None) -> str | None:
    """What names the place before its city: the venue, else the street address; None when the
    text starts with the city or the state ("Arlington, VA 22201"). A street address inside the
    first part is cut off ("Capital One Hall 7750 Capital One Tower Rd ..." -> the hall)."""
    found = parts(location)
    if not found or placeholder(found[0]):
        return None
    first = found[0]
    street = STREET_ADDRESS.search(first)
    if street and street.start() > 0:
        first = first[: street.start()].rstrip(" -–—:,")
    if _is_area(first, city, state):
        return None
    return first


def venue(location: str, city: str | None = None, state: str | None = None) -> str | None:
    """The venue's name, or None when the place starts with a street address or its city."""
    first = head(location, city, state)
    return None if first is None or STREET_ADDRESS.match(first) else first


def street(location: str) -> str | None:
    """The first street address in the text ("7750 Capital One Tower Rd"), or None."""
    match = STREET_ADDRESS.search(location)
    return match.group() if match else None


def units(location: str) -> dict[str, str]:
    """The room, suite and floor the place names, by kind: "Capital One Hall, Room A" ->
    {"room": "a"}; "5th Floor" and "Floor 5" are both {"floor": "5"}. Two places naming the
    same kind of unit differently are two places, whatever else they share."""
    found: dict[str, str] = {}
    for kind, name, floor in _UNIT.findall(location):
        key, value = (_UNIT_KINDS[kind.casefold()], name.casefold()) if kind else ("floor", floor)
        found.setdefault(key, value)
    return found


def tidy(location: str) -> str:
    """The place with a repeated run of its comma-separated parts, of any length, written once:
    "Arlington, VA, Arlington, VA" -> "Arlington, VA", "1 Main St, Arlington, VA, 1 Main St,
    Arlington, VA" -> "1 Main St, Arlington, VA", also inside a longer address, the longest run
    first. The copy kept is the fuller one ("Tysons, VA, Tysons, VA 22102" keeps the ZIP code;
    "Arlington, Virginia, Arlington, VA" the state's name); text without a repeat comes back
    unchanged. A place written twice with no comma between is written once too."""
    if twice := _TWICE.fullmatch(location.strip()):  # the second copy may add a ZIP code
        return tidy(twice.group(1) + (twice.group(2) or ""))
    pieces = [piece.strip() for piece in location.split(",")]
    changed = False
    i = 0
    while i < len(pieces):
        for size in range((len(pieces) - i) // 2, 0, -1):
            first, second = pieces[i : i + size], pieces[i + size : i + 2 * size]
            if any(first) and _same_parts(first, second, size > 1):
                keep = first if len(", ".join(first)) > len(", ".join(second)) else second
                pieces[i : i + 2 * size] = keep
                changed = True
                break
        else:
            i += 1
    return ", ".join(pieces) if changed else location


def _same_parts(first: list[str], second: list[str], loose: bool) -> bool:
    """Equal but for case and, when ``loose``, a ZIP code, brackets and a state's name for its
    code ("VA 22102", "VA)", "Virginia")."""
    if loose:
        return [_part_key(p) for p in first] == [_part_key(p) for p in second]
    return [p.casefold() for p in first] == [p.casefold() for p in second]


def _part_key(part: str) -> str:
    key = _ZIP_TAIL.sub("", part.strip("()[] ")).casefold()
    return _STATE_CODES.get(key, key)


def short_place(
    location: str,
    city: str | None = None,
    state: str | None = None,
    limit: int = SHORT_PLACE_CHARS,
) -> str:
    """The place as a listing shows it: venue (or street) and city and state, without the ZIP
    code, the country or the rest of the address. "The Eaton DC, 1201 K St NW, Washington, DC
    20005, USA" -> "The Eaton DC, Washington, DC". A city already in the venue's name is not
    repeated ("Spark Baltimore, MD"); text with no recognisable parts comes back as it is.
    For in-person events: a virtual one's place is a link or "Online"."""
    location = " ".join(location.split())
    first = head(location, city, state)
    shown = [truncate(first, limit)] if first else []
    if city and not (first and _has_word(first, city)):
        shown.append(city)
    if state:
        shown.append(state)
    if not first and not city:  # nothing recognised beyond a state: keep the writer's text
        return truncate(location, limit)
    return ", ".join(shown)


def _is_area(text: str, city: str | None, state: str | None) -> bool:
    """True when ``text`` is only the city or the state, not a place in it."""
    names = [name for name in (city, state) if name]
    if city and state:
        names.append(f"{city} {state}")
    return _plain(text) in {_plain(name) for name in names}


def _plain(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.casefold()).split())


def _has_word(text: str, word: str) -> bool:
    return re.search(rf"\b{re.escape(word)}\b", text, re.IGNORECASE) is not None
