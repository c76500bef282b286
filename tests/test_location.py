"""Location text -> virtual or in person, city and state."""

from __future__ import annotations

import pytest

from collector.location import Place, classify
from core.models import IN_PERSON, VIRTUAL


@pytest.mark.parametrize(
    ("location", "city", "state"),
    [
        ("Washington, DC", "Washington", "DC"),
        ("Venue (1 Virginia Ave NW, Washington, D.C.)", "Washington", "DC"),
        ("MLK Memorial Library (901 G St NW, Washington, DC)", "Washington", "DC"),
        ("District of Columbia", "Washington", "DC"),
        ("WeWork, DC 20001", "Washington", "DC"),
        ("1100 13th St NW, Washington, DC 20005, USA", "Washington", "DC"),
        (
            "WeWork Wharf, 800 Maine Ave SW, Washington, DC, 20024, United States",
            "Washington",
            "DC",
        ),
        ("Arlington, VA 22201", "Arlington", "VA"),
        ("Capital One Hall (7750 Capital One Tower Rd, Tysons, VA)", "Tysons", "VA"),
        ("Clarendon Ballroom, 3185 Wilson Blvd, Arlington, Virginia, 22201", "Arlington", "VA"),
        ("123 Main St Arlington VA 22201", "Arlington", "VA"),
        ("Silver Spring, Maryland 20910", "Silver Spring", "MD"),
        ("Spark Baltimore (8 Market Pl, Baltimore, MD)", "Baltimore", "MD"),
        ("Bethesda", "Bethesda", "MD"),
        ("Room 101, 12100 Sunset Hills Rd, Reston", "Reston", "VA"),
        ("901 G Street Northwest, 20001 Washington, United States", "Washington", "DC"),
        ("Penn Quarter, 20004", "Washington", "DC"),
        ("Some Hall, 20814", None, "MD"),
        ("Some Hall, 22102", None, "VA"),
        ("Civic Hall (124 E 14th St, New York, NY 10003)", "New York", "NY"),
        ("Indy Hall, 399 Market St, Philadelphia, Pennsylvania", "Philadelphia", "PA"),
        ("West Virginia University, Morgantown, West Virginia", "Morgantown", "WV"),
        ("Meet in the lobby", None, None),
        ("IN the lobby", None, None),
        ("Georgia Ave NW", None, None),
        ("TBD", None, None),
        ("", None, None),
    ],
)
def test_in_person_city_and_state(location, city, state):
    assert classify(location, "") == Place(IN_PERSON, city, state)


@pytest.mark.parametrize(
    "location",
    [
        "Online event",
        "Online",
        "Virtual",
        "Zoom",
        "Microsoft Teams Meeting",
        "Google Meet",
        "Webex",
        "Livestream on YouTube",
        "Crowdcast",
        "https://zoom.us/j/123456789",
        "https://luma.com/event/evt-Vr7TuW2sXq9Lk0b",
        "Virtual - Washington DC chapter",
    ],
)
def test_virtual_venues(location):
    assert classify(location, "") == Place(VIRTUAL)


def test_hybrid_with_a_street_address_is_in_person():
    place = classify("Hybrid: 1440 G St NW, Washington, DC 20005 + Zoom", "")
    assert place == Place(IN_PERSON, "Washington", "DC")


def test_map_link_is_not_virtual():
    assert classify("https://maps.app.goo.gl/xyz", "").location_type == IN_PERSON


def test_empty_location_uses_a_meeting_link_in_the_description():
    assert classify("", "Join at https://us02web.zoom.us/j/8123").location_type == VIRTUAL
    assert classify("", "Join us in person or on Zoom").location_type == IN_PERSON
    assert classify("Room 4", "https://zoom.us/j/1").location_type == IN_PERSON
