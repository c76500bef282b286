"""Where an event happens: virtual or in person, and its city and state when the text says so.

Pure text rules, no geocoding. Feeds write addresses as "Venue, Street, City, ST 12345", so the
state that appears last wins ("1 Virginia Ave, Washington, DC" is DC). State codes count only in
that address shape and in capitals ("Meet in the lobby" is not Indiana); full state names count
unless they name a street (most US states have an avenue in DC). A DC/MD/VA ZIP code, then a
well-known DC-area city name, are the fallbacks.

Feeds also get places wrong, and the rules repair what can be repaired without guessing: a
repeated "City, ST" ("Arlington, VA, Arlington, VA") is written once (core.places.tidy), and a
DC-area city given another DC-area state ("Arlington, DC", "Bethesda, VA") is put in its own
state, or in none when the city's name is not unique to one of them ("Washington, VA": a town
of that name exists there). A ZIP code agreeing with one of the two settles it.

The known cities are the DC area's towns whose name is one state's there (Manassas, Sterling,
Springfield... in Virginia; Germantown, Bowie, Largo... in Maryland), so "Manassas,
MD" is listed in Virginia. A name that is a town in both Maryland and Virginia (``IN_BOTH``:
Vienna, Laurel, Columbia, Frederick, Centreville) is no known city: its state is kept as written
but for DC, where it is no town (or, given a DC/MD/VA ZIP code, the ZIP code's), and none is
guessed from the name alone, so no rule invents a wrong state. "Chevy Chase" is not a known
city either: a DC neighbourhood as well as an MD town.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from core.models import IN_PERSON, STATES, VIRTUAL
from core.places import STATE_NAMES as NAMES
from core.places import STREET, STREET_ADDRESS


@dataclass(frozen=True)
class Place:
    location_type: str
    city: str | None = None
    state: str | None = None


STATE_CODES = (
    "AL|AK|AZ|AR|CA|CO|CT|DE|DC|FL|GA|HI|ID|IL|IN|IA|KS|KY|LA|ME|MD|MA|MI|MN|MS|MO|MT|NE|NV|NH|"
    "NJ|NM|NY|NC|ND|OH|OK|OR|PA|RI|SC|SD|TN|TX|UT|VT|VA|WA|WV|WI|WY|PR"
)
# fmt: off
CITIES = {
    "Washington": "DC",
    "Arlington": "VA", "Alexandria": "VA", "Reston": "VA", "Tysons": "VA", "McLean": "VA",
    "Falls Church": "VA", "Fairfax": "VA", "Herndon": "VA", "Ashburn": "VA", "Chantilly": "VA",
    "Leesburg": "VA", "Rosslyn": "VA", "Ballston": "VA", "Crystal City": "VA", "Manassas": "VA",
    "Manassas Park": "VA", "Sterling": "VA", "Woodbridge": "VA", "Springfield": "VA",
    "Burke": "VA", "Annandale": "VA", "Dulles": "VA", "Lorton": "VA",
    "Bethesda": "MD", "Silver Spring": "MD", "Rockville": "MD", "Gaithersburg": "MD",
    "Germantown": "MD", "College Park": "MD", "Greenbelt": "MD", "Hyattsville": "MD",
    "Takoma Park": "MD", "Bowie": "MD", "Largo": "MD", "Upper Marlboro": "MD", "Landover": "MD",
    "Lanham": "MD", "Beltsville": "MD", "Wheaton": "MD", "Oxon Hill": "MD", "Annapolis": "MD",
    "Baltimore": "MD", "National Harbor": "MD",
}
# towns of one name in both MD and VA: not known cities (no state is guessed from the name)
IN_BOTH = frozenset({"Vienna", "Laurel", "Columbia", "Frederick", "Centreville"})
# fmt: on
AMBIGUOUS_CITIES = frozenset({"Washington"})  # Washington, VA is a town (Rappahannock County)
ZIP_RANGES = (
    ((20001, 20099), "DC"),
    ((20201, 20599), "DC"),
    ((20600, 21999), "MD"),
    ((22000, 24699), "VA"),
)

STATE_PATTERNS = (
    # ", VA" / ", VA 22201" ending the address or one of its parts
    re.compile(
        rf",\s*({STATE_CODES})(?:\s+\d{{5}}(?:-\d{{4}})?)?(?=\s*(?:$|[,;)\]]|USA?\b|United))"
    ),
    re.compile(rf"\b({STATE_CODES})\s+\d{{5}}(?:-\d{{4}})?\b"),  # "DC 20001"
    re.compile(r"\bWashington,?\s*(D\.?\s?C)\b\.?"),  # "Washington DC", "Washington, D.C."
    re.compile(
        r"\b(" + "|".join(sorted(NAMES, key=len, reverse=True)) + rf")\b(?!\s+{STREET})",
        re.IGNORECASE,
    ),
)
ZIP = re.compile(r"\b(\d{5})(?:-\d{4})?(?=\s*(?:$|[,;)\]]))")
CITY = re.compile(r"\b(" + "|".join(sorted(CITIES, key=len, reverse=True)) + r")\b")
CITY_SHAPE = re.compile(r"[A-Z][A-Za-z'.-]*(?:[ -][A-Z][A-Za-z'.-]*){0,3}")

ONLINE = re.compile(
    r"\b(?:online|virtual|zoom|microsoft teams|teams meeting|google meet|webex|livestream|"
    r"live stream|crowdcast|streamyard|youtube live|twitch|discord|gotomeeting|gotowebinar|"
    r"jitsi|hopin|webinar)\b",
    re.IGNORECASE,
)
MEETING_LINK = re.compile(
    r"https?://(?:[\w-]+\.)*(?:zoom\.us|teams\.microsoft\.com|meet\.google\.com|webex\.com|"
    r"crowdcast\.io|streamyard\.com|twitch\.tv|meet\.jit\.si)/",
    re.IGNORECASE,
)
URL = re.compile(r"^(?:https?://|www\.)\S+$", re.IGNORECASE)
MAP_LINK = re.compile(
    r"maps\.google\.|google\.[a-z.]+/maps|goo\.gl/maps|maps\.app\.goo\.gl|"
    r"maps\.apple\.com",
    re.IGNORECASE,
)


def classify(location: str, description: str) -> Place:
    """Virtual or in person; for in-person events the city and state, None when unknown."""
    location = " ".join(location.split())
    if _is_virtual(location, description):
        return Place(VIRTUAL)
    return Place(IN_PERSON, *_city_state(location))


def _is_virtual(location: str, description: str) -> bool:
    """A URL (not a map), or an online venue without a street address: a hybrid event with a
    real address is listed as in person. With no location, a meeting link in the description."""
    if not location:
        return bool(MEETING_LINK.search(description))
    if URL.match(location):
        return not MAP_LINK.search(location)
    return bool(ONLINE.search(location)) and not (
        STREET_ADDRESS.search(location) or ZIP.search(location)
    )


def _city_state(text: str) -> tuple[str | None, str | None]:
    matches = [m for pattern in STATE_PATTERNS for m in pattern.finditer(text)]
    if matches:
        last = max(matches, key=lambda m: m.start(1))
        state = _state_of(last.group(1))
        city = _city_before(text[: last.start(1)], text, state)
        return _probable(city, state, _zip_state(text), text)
    zip_state = _zip_state(text)
    if zip_state:
        return _known_city(text, zip_state), zip_state
    cities = CITY.findall(text)
    if cities:
        return cities[-1], CITIES[cities[-1]]
    return None, None


def _zip_state(text: str) -> str | None:
    """The DC-area state of the last DC, MD or VA ZIP code in the text."""
    for zip_match in reversed(list(ZIP.finditer(text))):
        number = int(zip_match.group(1))
        for (low, high), state in ZIP_RANGES:
            if low <= number <= high:
                return state
    return None


def _probable(
    city: str | None, state: str, zip_state: str | None, text: str
) -> tuple[str | None, str | None]:
    """A known DC-area city given another DC-area state ("Arlington, DC") is in its own state;
    a ZIP code of the state written confirms that state instead (the city part was no town),
    and a city whose name is not unique to one state loses the state rather than get a wrong
    one ("Vienna, DC": a town in MD and in VA). Anything else is kept as written ("Arlington,
    TX" is in Texas)."""
    if city in IN_BOTH and zip_state in {"MD", "VA"}:
        return city, zip_state
    if city in IN_BOTH and state == "DC":  # a town of MD and of VA, not of DC: which is unknown
        return ("Washington", "DC") if zip_state == "DC" else (city, None)
    home = CITIES.get(city or "")
    if home is None or home == state or state not in STATES:
        return city, state
    if zip_state == state:
        return (city if city in AMBIGUOUS_CITIES else _known_city(text, state)), state
    if zip_state == home or city not in AMBIGUOUS_CITIES:
        return city, home
    return city, None


def _state_of(found: str) -> str:
    """A code ("VA", "D.C", "D. C") or a full state name in any case."""
    code = found.replace(".", "").replace(" ", "")
    if len(code) == 2:
        return code
    return next(code for name, code in NAMES.items() if name.lower() == found.lower())


def _city_before(before: str, text: str, state: str) -> str | None:
    """The address part just before the state ("Arlington" in "..., Arlington, VA 22201").
    DC is all one city: the part before "DC" counts only when it is a town elsewhere
    ("Arlington, DC", "Vienna, DC", for ``_probable`` to repair)."""
    parts = [p.strip() for p in before.split(",") if p.strip()]
    named = None
    if parts and CITY_SHAPE.fullmatch(parts[-1]) and not re.search(STREET, parts[-1]):
        named = parts[-1]
    if state == "DC":
        known = named in IN_BOTH or CITIES.get(named or "", "DC") != "DC"
        return named if known else "Washington"
    return named or _known_city(text, state)


def _known_city(text: str, state: str) -> str | None:
    """A DC-area city named anywhere in the text, or Washington for DC."""
    cities = [c for c in CITY.findall(text) if CITIES[c] == state]
    if cities:
        return cities[-1]
    return "Washington" if state == "DC" else None
