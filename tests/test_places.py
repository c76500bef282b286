"""Tidy places: a doubled "City, ST" written once, an improbable city/state pair never listed
under the wrong state, and the short form listings show (core.places.short_place)."""

from __future__ import annotations

from datetime import date

import pytest

from collector.location import Place, classify
from collector.parse import parse_feed
from core.models import IN_PERSON, Group, SiteConfig
from core.places import short_place, tidy, units


@pytest.mark.parametrize(
    ("written", "tidied"),
    [
        ("Arlington, VA, Arlington, VA", "Arlington, VA"),
        ("Arlington, VA 22201, Arlington, VA", "Arlington, VA 22201"),
        ("Arlington, VA, Arlington, VA 22201, USA", "Arlington, VA 22201, USA"),
        (
            "Capital One Hall, 7750 Capital One Tower Rd, Tysons, VA, Tysons, VA 22102, USA",
            "Capital One Hall, 7750 Capital One Tower Rd, Tysons, VA 22102, USA",
        ),
        (
            "Ballston Quarter (4238 Wilson Blvd, Arlington, VA, Arlington, VA)",
            "Ballston Quarter (4238 Wilson Blvd, Arlington, VA)",
        ),
        (
            "The Eaton DC, The Eaton DC, 1201 K St NW, Washington, DC",
            "The Eaton DC, 1201 K St NW, Washington, DC",
        ),
        ("1201 K St NW, Washington, DC 20005", "1201 K St NW, Washington, DC 20005"),  # untouched
        ("Room 1, Room 2, Arlington, VA", "Room 1, Room 2, Arlington, VA"),
        ("Arlington, VA, USA, Arlington, VA, USA", "Arlington, VA, USA"),  # a run of three
        ("1 Main St, Arlington, VA, 1 Main St, Arlington, VA", "1 Main St, Arlington, VA"),
        (
            "Hall, 1 Main St, Tysons, VA, Hall, 1 Main St, Tysons, VA 22102",
            "Hall, 1 Main St, Tysons, VA 22102",
        ),
        ("Arlington, Virginia, Arlington, VA", "Arlington, Virginia"),  # a state's name, its code
        ("Arlington, VA, Arlington, Virginia 22201", "Arlington, Virginia 22201"),
        ("Virginia Room, Virginia, VA", "Virginia Room, Virginia, VA"),  # no run: a name twice
        ("Arlington, VA Arlington, VA", "Arlington, VA"),  # no comma between the copies
        ("1 Main St, Tysons, VA 1 main st, Tysons, VA", "1 Main St, Tysons, VA"),
        ("Arlington, VA Arlington, VA 22201", "Arlington, VA 22201"),
        ("Arlington, VA Arlington, VA Arlington, VA", "Arlington, VA"),
        ("Sing Sing, Arlington, VA", "Sing Sing, Arlington, VA"),  # a name is no copy
        ("Arlington, VA Arlington, VAX", "Arlington, VA Arlington, VAX"),
        ("", ""),
    ],
)
def test_a_doubled_place_is_written_once(written, tidied):
    assert tidy(written) == tidied


def test_a_feed_with_a_doubled_place_is_stored_tidy():
    body = (
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Meetup//RemoteApi//EN\r\nBEGIN:VEVENT\r\n"
        b"UID:event_1@meetup.com\r\nDTSTART:20261208T233000Z\r\nDTEND:20261209T013000Z\r\n"
        b"SUMMARY:Cloud Night\r\n"
        b"LOCATION:Clarendon Ballroom\\, Arlington\\, VA\\, Arlington\\, VA\r\n"
        b"URL:https://www.meetup.com/aws-dc/events/1/\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    group = Group("aws-dc", "AWS DC", "https://www.meetup.com/aws-dc/")
    (event,) = parse_feed(body, group, SiteConfig(), date(2026, 12, 1)).events
    assert (event.location, event.city, event.state) == (
        "Clarendon Ballroom, Arlington, VA",
        "Arlington",
        "VA",
    )


@pytest.mark.parametrize(
    ("location", "city", "state"),
    [
        ("Arlington, DC", "Arlington", "VA"),  # Arlington is in Virginia among DC, MD, VA
        ("Clarendon Ballroom, 3185 Wilson Blvd, Arlington, DC", "Arlington", "VA"),
        ("Bethesda, VA", "Bethesda", "MD"),
        ("Bethesda Library, 7400 Arlington Rd, Bethesda, VA", "Bethesda", "MD"),
        ("Silver Spring, DC 20910", "Silver Spring", "MD"),  # city and ZIP agree
        ("Tysons, MD", "Tysons", "VA"),
        ("Arlington, DC 22201", "Arlington", "VA"),
        ("Arlington, DC 20001", "Washington", "DC"),  # the ZIP confirms DC: "Arlington" no town
        ("Washington, VA", "Washington", None),  # also a town in Virginia: no state, not DC
        ("Washington, MD", "Washington", None),
        ("Washington, VA 22747", "Washington", "VA"),  # that town's ZIP
        ("Arlington, TX", "Arlington", "TX"),  # outside the area: as written
        ("2400 Columbia Pike, Arlington, VA", "Arlington", "VA"),
        ("1 Columbia Rd NW, Washington, DC", "Washington", "DC"),  # Columbia: a DC street too
        ("Columbia, MD", "Columbia", "MD"),
        ("Chevy Chase, DC", "Washington", "DC"),  # a DC neighbourhood as well as an MD town
        ("Manassas, MD", "Manassas", "VA"),  # the DC area's other towns are known too
        ("Springfield, MD", "Springfield", "VA"),
        ("Sterling, MD 20164", "Sterling", "VA"),
        ("Germantown, VA", "Germantown", "MD"),
        ("Largo, VA", "Largo", "MD"),
        ("Vienna, MD", "Vienna", "MD"),  # a town in both states: as written
        ("Vienna, VA", "Vienna", "VA"),
        ("Vienna, MD 22180", "Vienna", "VA"),  # unless a ZIP code says which
        ("Laurel, VA", "Laurel", "VA"),
        ("Frederick, MD", "Frederick", "MD"),
        ("Centreville, MD", "Centreville", "MD"),
        ("Vienna Community Center", None, None),  # no state guessed from such a name alone
        ("Reston Town Center", "Reston", "VA"),  # a known city alone gives its state
    ],
)
def test_an_improbable_city_and_state_is_never_listed_under_the_wrong_state(location, city, state):
    assert classify(location, "") == Place(IN_PERSON, city, state)


@pytest.mark.parametrize(
    ("location", "short"),
    [
        (
            "Capital One Hall (7750 Capital One Tower Rd, Tysons, VA)",
            "Capital One Hall, Tysons, VA",
        ),
        ("The Eaton DC, 1201 K St NW, Washington, DC 20005, USA", "The Eaton DC, Washington, DC"),
        ("1100 13th St NW, Washington, DC 20005, USA", "1100 13th St NW, Washington, DC"),
        ("Bethesda Library, 7400 Arlington Rd, Bethesda, MD 20814, USA", "Bethesda Library, MD"),
        ("Spark Baltimore (8 Market Pl, Baltimore, MD)", "Spark Baltimore, MD"),
        (
            "Capital One Hall 7750 Capital One Tower Rd Tysons VA 22102",
            "Capital One Hall, Tysons, VA",
        ),
        ("Arlington, VA 22201", "Arlington, VA"),
        ("Washington, D.C.", "Washington, DC"),
        ("Washington DC", "Washington, DC"),
        ("Room 101, 12100 Sunset Hills Rd, Reston", "Room 101, Reston, VA"),
        ("TBD", "TBD"),
        ("Location TBA, Arlington, VA", "Arlington, VA"),
        ("Meet in the lobby", "Meet in the lobby"),
        ("", ""),
    ],
)
def test_listings_show_the_venue_and_city_without_the_address(location, short):
    place = classify(location, "")
    assert short_place(location, place.city, place.state) == short


def test_a_long_venue_name_is_cut_on_listings():
    name = "The Very Long Name Of A Conference Centre " * 4
    shown = short_place(f"{name}, 1 Main St, Reston, VA", "Reston", "VA", limit=40)
    assert shown.endswith("…, Reston, VA") and len(shown) == 40 + len(", Reston, VA")


@pytest.mark.parametrize(
    ("location", "found"),
    [
        ("Capital One Hall, Room A (7750 Capital One Tower Rd, Tysons, VA)", {"room": "a"}),
        ("Capital One Hall, Rm. A, Tysons, VA", {"room": "a"}),
        ("WeWork (1775 Tysons Blvd, 5th Floor, Tysons, VA)", {"floor": "5"}),
        ("WeWork, 1775 Tysons Blvd, Floor 5, Level 2", {"floor": "5"}),  # the first of a kind
        ("1600 K St NW Suite #300, Room 2, Washington, DC", {"suite": "300", "room": "2"}),
        ("Level Up Lounge, Arlington, VA", {}),  # a name, not a level
        ("The Board Room, Washington, DC", {}),
        ("Miami, FL 33101", {}),  # Florida, not a floor
    ],
)
def test_the_room_suite_and_floor_a_place_names(location, found):
    assert units(location) == found
