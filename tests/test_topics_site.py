"""The topic pages as a visitor, a calendar app and a crawler see them: /topics/ with every
topic's description and upcoming count, a page per topic listing its events by day (virtual ones
marked) with its feed and subscribe links, topic badges on every event card, the nav entry and
the sitemap. HTML is parsed with BeautifulSoup, feeds with icalendar."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote
from xml.etree import ElementTree

import icalendar
import pytest
from bs4 import BeautifulSoup
from fixtures.events import CATEGORIES, build_fixture_site, listed_events

from core.models import Category

LISTED = listed_events()
NAMES = {c.slug: c.name for c in CATEGORIES}
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}loc"


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site")
    build_fixture_site(out)
    return out


def soup(site: Path, path: str) -> BeautifulSoup:
    return BeautifulSoup((site / path).read_text(encoding="utf-8"), "html.parser")


def on_topic(slug: str) -> set[str]:
    """The titles of the listed fixture events stored with this topic."""
    return {e.title for e in LISTED.values() if slug in e.categories}


def test_the_index_lists_every_topic_with_its_description_count_and_link(site):
    rows = soup(site, "topics/index.html").select(".topic-index > li")
    by_name = sorted(CATEGORIES, key=lambda c: c.name.casefold())
    assert [li.h2.a["href"] for li in rows] == [f"/topics/{c.slug}/" for c in by_name]
    assert [li.h2.get_text() for li in rows] == [c.name for c in by_name]
    assert [li.p.get_text() for li in rows] == [c.description for c in by_name]
    assert {li.h2.get_text(): li.select("p")[1].get_text() for li in rows} == {
        "Cloud & DevOps": "4 upcoming events",
        "Data & Analytics": "3 upcoming events",
        "Gaming": "0 upcoming events",  # no events: listed anyway
        "Programming Languages": "3 upcoming events",  # the two that ended are not counted
        "UX & Design": "1 upcoming event",
    }


def test_a_topic_page_lists_its_events_by_day_in_person_and_virtual_with_virtual_marked(site):
    page = soup(site, "topics/cloud/index.html")
    assert page.h1.get_text() == "Cloud & DevOps"
    assert page.select_one(".intro").get_text() == "Cloud platforms, containers and operations."
    headings = page.main.find_all("h2")
    assert [h["id"] for h in headings] == ["2026-12-02", "2026-12-03", "2026-12-04", "2027-03-15"]
    assert headings[0].a["href"] == "/week/2026-W49/#2026-12-02"
    first_day = headings[0].find_next_sibling("ul").select("li.event h3")
    assert [h3.get_text() for h3 in first_day] == [
        "DevFest Capital Region",
        "Lunch & Learn: Observability",  # virtual and in person on one day, in time order
        "Beta Testers Social",
    ]
    cards = {li.h3.get_text(): li for li in page.select("li.event")}
    assert set(cards) == on_topic("cloud")
    marked = {title for title, li in cards.items() if li.select_one(".where .tag.virtual")}
    assert marked == {"Lunch & Learn: Observability"}
    assert cards["Lunch & Learn: Observability"].select_one(".where").get_text() == "Virtual Online"
    for slug in NAMES:
        titles = {
            li.h3.get_text() for li in soup(site, f"topics/{slug}/index.html").select("li.event")
        }
        assert titles == on_topic(slug), slug
    assert {"Remote Data Engineering Hour", "Data Viz Meetup"} <= on_topic("data")


def test_a_topic_with_no_upcoming_events_has_its_page(site):
    page = soup(site, "topics/gaming/index.html")
    assert page.h1.get_text() == "Gaming" and page.select("li.event") == []
    assert "No upcoming events" in page.select_one("p.empty").get_text()
    assert page.find("script") is None  # no JSON-LD without events


def test_each_topic_feed_holds_exactly_its_events(site):
    for slug, name in NAMES.items():
        calendar = icalendar.Calendar.from_ical((site / f"topics/{slug}/events.ics").read_bytes())
        assert calendar["X-WR-CALNAME"] == f"DC Tech Events: {name}"
        uids = {str(e["UID"]) for e in calendar.walk("VEVENT")}
        assert uids == {e.event_id for e in LISTED.values() if slug in e.categories}, slug
    assert (site / "topics/gaming/events.ics").read_bytes().count(b"BEGIN:VEVENT") == 0


def test_topic_feeds_are_offered_with_webcal_and_google_subscribe_links(site):
    feed = "dctech.events/topics/cloud/events.ics"
    google = "https://calendar.google.com/calendar/render?cid=" + quote(f"webcal://{feed}", safe="")
    expected = [f"webcal://{feed}", google, "/topics/cloud/events.ics"]
    page = soup(site, "topics/cloud/index.html")
    assert [a["href"] for a in page.select(".subscribe a")] == expected
    assert "Subscribe to the Cloud & DevOps topic" in page.select_one(".subscribe").get_text()
    index = soup(site, "topics/index.html")
    cloud = next(li for li in index.select(".topic-index > li") if "Cloud" in li.h2.get_text())
    assert [a["href"] for a in cloud.select(".subscribe a")] == expected


def test_badges_on_every_listing_name_their_topic_and_link_to_its_page(site):
    badges = 0
    for file in sorted(site.rglob("*.html")):
        for tag in BeautifulSoup(file.read_text(encoding="utf-8"), "html.parser").select(
            "li.event .topics a.tag"
        ):
            slug = tag["href"].removeprefix("/topics/").removesuffix("/")
            assert tag["href"] == f"/topics/{slug}/" and tag.get_text() == NAMES[slug], file
            assert (site / f"topics/{slug}/index.html").is_file()
            badges += 1
    assert badges > 40  # home, weeks, states, virtual and topic pages all carry them
    home = {
        li.h3.get_text(" ", strip=True): li for li in soup(site, "index.html").select("li.event")
    }
    devfest = [a.get_text() for a in home["DevFest Capital Region"].select(".topics a")]
    assert devfest == ["Cloud & DevOps", "Data & Analytics", "Programming Languages"]
    assert home["Accessibility Workshop"].select_one(".topics a")["href"] == "/topics/ux-design/"
    assert home["DC Winter Tech Summit"].select_one(".topics") is None  # no topics: no list


def test_a_topic_the_catalogue_no_longer_knows_gets_no_badge_and_no_page(site):
    assert LISTED["late-night"].categories == ["makers"]
    late = next(
        li
        for li in soup(site, "locations/MD/index.html").select("li.event")
        if li.h3.get_text() == "Late Night Hack"
    )
    assert late.select_one(".topics") is None and "makers" not in str(late)
    assert not (site / "topics/makers").exists()


def test_the_nav_has_topics_and_marks_it_on_topic_pages(site):
    for path in ("topics/index.html", "topics/cloud/index.html", "topics/gaming/index.html"):
        nav = soup(site, path).find("nav", attrs={"aria-label": "Main"})
        current = nav.find("a", attrs={"aria-current": "page"})
        assert (current.get_text(), current["href"]) == ("Topics", "/topics/"), path
    home_nav = soup(site, "index.html").find("nav", attrs={"aria-label": "Main"})
    assert home_nav.find("a", string="Topics")["href"] == "/topics/"


def test_the_sitemap_lists_the_topic_pages(site):
    locs = {loc.text for loc in ElementTree.parse(site / "sitemap.xml").iter(SITEMAP)}
    expected = {"https://dctech.events/topics/"}
    expected |= {f"https://dctech.events/topics/{slug}/" for slug in NAMES}
    assert expected <= locs


def test_untrusted_topic_names_and_descriptions_are_escaped(tmp_path):
    name = 'Cloud <script>alert(1)</script> & "Ops"'
    description = "Ops <img src=x onerror=alert(1)> & more"
    build_fixture_site(tmp_path, categories=[Category("cloud", name, description)])
    for path in ("topics/index.html", "topics/cloud/index.html", "index.html"):
        raw = (tmp_path / path).read_text(encoding="utf-8")
        assert "<script>alert" not in raw and "<img" not in raw, path
        assert "Cloud &lt;script&gt;alert(1)&lt;/script&gt; &amp; &#34;Ops&#34;" in raw, path
    page = soup(tmp_path, "topics/cloud/index.html")
    assert page.h1.get_text() == name and page.select_one(".intro").get_text() == description
    assert page.find("meta", attrs={"name": "description"})["content"] == description
    assert {a.get_text() for a in soup(tmp_path, "index.html").select(".topics a")} == {name}
    calendar = icalendar.Calendar.from_ical((tmp_path / "topics/cloud/events.ics").read_bytes())
    assert calendar["X-WR-CALNAME"] == f"DC Tech Events: {name}"


def test_without_topics_the_index_says_so_and_cards_carry_no_badges(tmp_path):
    build_fixture_site(tmp_path, categories=[])
    page = soup(tmp_path, "topics/index.html")
    assert page.select_one("p.empty").get_text() == "No topics are listed yet."
    assert soup(tmp_path, "index.html").select(".topics") == []
    assert sorted(p.name for p in (tmp_path / "topics").iterdir()) == ["index.html"]
