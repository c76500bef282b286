"""Issue 16, item 3, found in review: a town of both Maryland and Virginia given DC ("Vienna,
DC") was listed in DC, though DC has no town of that name: the wrong state. It is listed with
no state now, or with the state a ZIP code gives."""

from __future__ import annotations

import pytest

from collector.location import Place, classify
from core.models import IN_PERSON


@pytest.mark.parametrize(
    ("location", "city", "state"),
    [
        ("Vienna, DC", "Vienna", None),
        ("Community Hall, 1 Main St, Laurel, DC", "Laurel", None),
        ("Columbia, DC", "Columbia", None),
        ("Vienna, DC 22180", "Vienna", "VA"),  # a Virginia ZIP code says which
        ("Laurel, DC 20707", "Laurel", "MD"),
        ("Vienna, DC 20001", "Washington", "DC"),  # a DC ZIP code: "Vienna" was no town
        ("Vienna, MD", "Vienna", "MD"),  # written in one of its states: as written
    ],
)
def test_a_town_of_maryland_and_virginia_given_dc_is_not_listed_in_dc(location, city, state):
    assert classify(location, "") == Place(IN_PERSON, city, state)
