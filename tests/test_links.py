"""Event URL resolution: URL property, then a Luma event link, then the group's own pages."""

from __future__ import annotations

import pytest

from collector.links import event_url, is_suppressed, luma_link
from core.models import Group

GROUP = Group("dcai", "DC AI", "https://example.org/dcai", fallback_url="https://example.org/ev")


@pytest.mark.parametrize(
    ("text", "link"),
    [
        (
            "Get up-to-date information at: https://luma.com/k8x2mq4z\n\nAddress:",
            "https://luma.com/k8x2mq4z",
        ),
        ("More at https://lu.ma/cf-jan27.", "https://lu.ma/cf-jan27"),
        (
            "https://luma.com/event/evt-Vr7TuW2sXq9Lk0b",
            "https://luma.com/event/evt-Vr7TuW2sXq9Lk0b",
        ),
        ("https://lu.ma/abc123?tk=x9", "https://lu.ma/abc123"),
        (
            "Calendar: https://lu.ma/calendar/cal-xyz then https://lu.ma/real1",
            "https://lu.ma/real1",
        ),
        ("Profile https://luma.com/user/usr-1 and https://luma.com/discover", None),
        ("https://lu.ma.evil.example/abc", None),
        ("no link at all", None),
    ],
)
def test_luma_event_links_are_found_and_luma_own_pages_are_not(text, link):
    assert luma_link(text) == link


def test_url_property_comes_first():
    url = event_url("https://www.meetup.com/x/events/1/", "https://lu.ma/abc", "", GROUP)
    assert url == "https://www.meetup.com/x/events/1/"


def test_luma_link_in_location_before_description_before_group_pages():
    assert (
        event_url("", "https://lu.ma/inloc", "https://lu.ma/indesc", GROUP) == "https://lu.ma/inloc"
    )
    assert event_url("", "Room 4", "see https://lu.ma/indesc", GROUP) == "https://lu.ma/indesc"
    assert event_url("", "Room 4", "nothing", GROUP) == "https://example.org/ev"


def test_website_when_there_is_no_fallback_url():
    group = Group("g", "G", "https://example.org/g")
    assert event_url("", "", "", group) == "https://example.org/g"


@pytest.mark.parametrize(
    "bad", ["javascript:alert(1)", "ftp://example.org/x", "/relative", "mailto:a@b"]
)
def test_only_http_urls_are_kept(bad):
    assert event_url(bad, "", "", GROUP) == "https://example.org/ev"


def test_suppressed_urls_are_compared_normalised():
    group = Group(
        "g", "G", "https://example.org/g", suppress_urls=("https://www.meetup.com/G/events/9/",)
    )
    assert is_suppressed("https://WWW.meetup.com/G/events/9/?utm_source=x#top", group)
    assert not is_suppressed("https://www.meetup.com/G/events/10/", group)
    assert not is_suppressed("", group)
