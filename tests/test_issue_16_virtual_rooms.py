"""Issue 16, item 1, found in review: two groups' online events of one title at one time were
merged whatever meetings they linked, so two different Zoom calls (two "Virtual Coffee Chat"s)
were listed as one. A meeting link is where an online event happens: two different ones are
two events. A copy that only says "Online", or links an event page rather than a meeting, still
merges with one that links the meeting."""

from __future__ import annotations

import pytest
from test_crossposts import copy

from collector.match import same_event
from collector.merge import merge_cross_posts

MEETUP, LUMA = "https://www.meetup.com/pydc/events/420/", "https://lu.ma/coffee-chat"
TITLE = "Virtual Coffee Chat Hour"


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("https://us02web.zoom.us/j/81234567890?pwd=abc", "https://zoom.us/j/89876543210"),
        ("https://meet.google.com/abc-defg-hij", "https://meet.google.com/xyz-uvwx-rst"),
        ("Online: https://zoom.us/j/81234567890", "https://teams.microsoft.com/l/meetup-join/19"),
    ],
)
def test_two_meetings_at_one_time_are_two_events(a, b):
    pydc, novajs = copy("pydc", TITLE, a, MEETUP), copy("novajs", TITLE, b, LUMA)
    assert not same_event(pydc, novajs) and not same_event(novajs, pydc)
    assert len(merge_cross_posts([pydc, novajs]).events) == 2
    assert len(merge_cross_posts([novajs, pydc]).events) == 2


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("https://us02web.zoom.us/j/81234567890?pwd=abc", "https://zoom.us/j/81234567890"),
        ("Online event", "https://zoom.us/j/81234567890"),
        ("https://lu.ma/coffee-chat", "https://zoom.us/j/81234567890"),  # Luma hides the call
    ],
)
def test_one_meeting_or_a_copy_that_does_not_say_which_is_one_event(a, b):
    pydc, novajs = copy("pydc", TITLE, a, MEETUP), copy("novajs", TITLE, b, LUMA)
    assert pydc.location_type == novajs.location_type == "virtual"
    assert same_event(pydc, novajs) and same_event(novajs, pydc)
    assert len(merge_cross_posts([novajs, pydc]).events) == 1
