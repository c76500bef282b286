"""The group pages as a visitor sees them: a page per active group with its website, topics,
upcoming events by day (cross-posts included), its feed's health in plain words and subscribe
links; /groups/ linking each page and marking failing feeds. Health wording is checked for each
FeedState case, relative to the build's ``today``. HTML is parsed with BeautifulSoup."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from xml.etree import ElementTree

import pytest
from bs4 import BeautifulSoup
from fixtures.events import FEED_STATES, GROUPS, TODAY, build_fixture_site, fixture_store

from core.models import FeedState, Group
from generator.group_pages import ERROR_CHARS, feed_health

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}loc"
FEED = "https://example.org/events.ics"


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site")
    build_fixture_site(out)
    return out


def soup(site: Path, path: str) -> BeautifulSoup:
    return BeautifulSoup((site / path).read_text(encoding="utf-8"), "html.parser")


def facts(page: BeautifulSoup) -> dict[str, str]:
    """The group's facts list, term to text."""
    terms = page.select(".group-facts dt")
    return {dt.get_text(): dt.find_next_sibling("dd").get_text(" ", strip=True) for dt in terms}


def cards(page: BeautifulSoup) -> list[str]:
    return [li.h3.get_text(" ", strip=True) for li in page.select("li.event")]


def row(page: BeautifulSoup, name: str) -> BeautifulSoup:
    return next(li for li in page.select(".groups > li") if li.h2.get_text() == name)


def health(state: FeedState | None, ical: str | None = FEED, today: date = TODAY) -> str:
    result = feed_health(Group("g", "G", "https://example.org/", ical), state, today)
    assert result.failing == result.text.startswith("Feed failing")
    return result.text


def ok(day: str) -> FeedState:
    return FeedState("g", last_success_date=day, http_status=200)


def test_health_in_words_for_each_state_of_a_feed():
    assert health(None, ical=None) == "This group has no calendar feed"
    assert health(ok("2026-12-01"), ical=None) == "This group has no calendar feed"
    assert health(None) == "Not fetched yet"
    assert health(FeedState("g")) == "Not fetched yet"
    assert health(ok("2026-12-01")) == "Updated today"
    assert health(ok("2026-11-30")) == "Updated yesterday"
    assert health(ok("2026-11-28")) == "Last updated November 28"
    assert health(ok("2025-12-30")) == "Last updated December 30, 2025"
    failing = replace(ok("2026-11-28"), error="HTTP 404", failing_since="2026-12-02")
    assert health(failing, today=date(2026, 12, 3)) == "Feed failing since December 2: HTTP 404"
    assert health(replace(failing, failing_since="2025-12-31")) == (
        "Feed failing since December 31, 2025: HTTP 404"
    )
    # Stored before outages were dated: failing, no date.
    assert health(FeedState("g", error="connection refused")) == "Feed failing: connection refused"
    assert health(FeedState("g", failing_since="2026-11-29")) == "Feed failing since November 29"


def test_a_long_error_is_shortened_at_a_word():
    state = FeedState("g", error="not a calendar: " + "the server answered an HTML page " * 20)
    text = health(state)
    reason = text.removeprefix("Feed failing: ")
    assert reason.startswith("not a calendar: the server") and reason.endswith(" …")
    assert len(reason) <= ERROR_CHARS + 2


def test_dates_in_words_follow_the_builds_today_not_the_clock(tmp_path):
    build_fixture_site(tmp_path, today=TODAY + timedelta(days=1))
    assert facts(soup(tmp_path, "groups/pydc/index.html"))["Calendar feed"] == "Updated yesterday"
    dc_devops = facts(soup(tmp_path, "groups/dc-devops/index.html"))
    assert dc_devops["Calendar feed"] == "Last updated November 30"


def test_every_active_group_has_a_page_and_the_retired_one_none(site):
    for group in GROUPS:
        assert (site / f"groups/{group.group_id}/index.html").is_file() == group.active


def test_a_group_page_shows_its_events_with_cross_posts_website_topics_and_feed(site):
    page = soup(site, "groups/pydc/index.html")
    assert page.h1.get_text() == "Python Users Group DC"
    assert cards(page) == [
        "Python Night: Typing in Practice",
        "DevFest Capital Region",  # owned by cloud-dc, cross-posted by pydc: all its days
        "alpha Builders Meetup",
        "DevFest Capital Region",
        "DevFest Capital Region",
    ]
    headings = page.main.find_all("h2")
    assert [h["id"] for h in headings] == ["2026-12-01", "2026-12-02", "2026-12-03", "2026-12-04"]
    assert headings[0].a["href"] == "/week/2026-W49/#2026-12-01"
    assert facts(page) == {
        "Website": "www.meetup.com/pydc",
        "Topics": "Programming Languages",
        "Calendar feed": "Updated today",
    }
    website = page.select_one(".group-facts dd a")
    assert website["href"] == "https://www.meetup.com/pydc/"
    badge = page.select_one(".group-facts .topics a.tag")
    assert badge["href"] == "/topics/programming-languages/"
    subscribe = [a["href"] for a in page.select(".subscribe a")]
    assert subscribe[0] == "webcal://dctech.events/groups/pydc/events.ics"
    assert subscribe[-1] == "/groups/pydc/events.ics"
    nav = page.find("nav", attrs={"aria-label": "Main"})
    assert nav.find("a", attrs={"aria-current": "page"}).get_text() == "Groups"
    assert page.find("link", rel="canonical")["href"] == "https://dctech.events/groups/pydc/"


def test_feed_health_on_each_fixture_groups_page(site):
    wording = {
        group.group_id: facts(soup(site, f"groups/{group.group_id}/index.html"))["Calendar feed"]
        for group in GROUPS
        if group.active
    }
    assert wording == {
        "pydc": "Updated today",
        "dc-devops": "Updated yesterday",
        "nova-data": "Last updated November 28",
        "md-code": "Feed failing since November 29: HTTP 404",
        "civic-tech": "Updated today",
        "cloud-dc": "Not fetched yet",
        "women-who-code": "Updated today",
        "quiet-group": "This group has no calendar feed",
    }
    failing = soup(site, "groups/md-code/index.html")
    assert failing.select_one("dd.health.failing") is not None
    assert cards(failing)[:1] == ["Civic Hack Weekend"]  # a failed fetch keeps what was listed
    assert soup(site, "groups/pydc/index.html").select_one(".failing") is None


def test_what_a_limit_cut_is_said_and_only_when_something_was(site):
    civic = facts(soup(site, "groups/civic-tech/index.html"))
    assert civic["Cut at a limit"] == FEED_STATES["civic-tech"].cut[0]
    assert "Cut at a limit" not in facts(soup(site, "groups/pydc/index.html"))


def test_an_empty_group_page_says_so(site):
    page = soup(site, "groups/quiet-group/index.html")
    assert cards(page) == []
    assert "No upcoming events from this group" in page.select_one("p.empty").get_text()
    assert "Topics" not in facts(page)


def test_only_an_http_website_becomes_a_link(tmp_path):
    sneaky = Group("sneaky", "Sneaky", "javascript:alert(1)", ical=FEED)
    build_fixture_site(tmp_path, groups=[*GROUPS, sneaky])
    page = soup(tmp_path, "groups/sneaky/index.html")
    assert "Website" not in facts(page)
    assert "javascript:" not in (tmp_path / "groups/sneaky/index.html").read_text()
    assert row(soup(tmp_path, "groups/index.html"), "Sneaky").select(".website") == []


def test_the_index_links_each_page_keeps_the_website_and_shows_topics(site):
    page = soup(site, "groups/index.html")
    pydc = row(page, "Python Users Group DC")
    assert pydc.h2.a["href"] == "/groups/pydc/"
    assert pydc.select_one(".website a")["href"] == "https://www.meetup.com/pydc/"
    assert [a.get_text() for a in pydc.select(".topics a.tag")] == ["Programming Languages"]
    assert "3 upcoming events" in pydc.get_text()
    assert row(page, "Maryland Coders").select_one(".health.failing").get_text() == (
        "Feed failing since November 29: HTTP 404"
    )
    assert "2 upcoming events" in row(page, "Maryland Coders").get_text()
    assert row(page, "Python Users Group DC").select(".health") == []


def test_the_index_marks_a_failing_feed_instead_of_zero_events(tmp_path):
    store = fixture_store()
    quiet = Group("quiet-group", "A Quiet Group", "https://quiet.example.org/", ical=FEED)
    down = FeedState("quiet-group", error="host not found", failing_since="2026-11-20")
    store.save_feed_states(FEED_STATES | {"quiet-group": down})
    groups = [g for g in GROUPS if g.group_id != "quiet-group"] + [quiet]
    build_fixture_site(tmp_path, store, groups=groups)
    text = row(soup(tmp_path, "groups/index.html"), "A Quiet Group").get_text(" ", strip=True)
    assert "Feed failing since November 20: host not found" in text
    assert "upcoming event" not in text


def test_the_sitemap_lists_every_group_page(site):
    locs = {loc.text for loc in ElementTree.parse(site / "sitemap.xml").iter(SITEMAP)}
    pages = {f"https://dctech.events/groups/{g.group_id}/" for g in GROUPS if g.active}
    assert pages <= locs and "https://dctech.events/groups/retired/" not in locs
