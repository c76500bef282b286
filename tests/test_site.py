"""The built site as a visitor and a crawler see it: the page set, what each page shows, links,
metadata and structure. HTML is parsed with BeautifulSoup."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit
from xml.etree import ElementTree

import pytest
from bs4 import BeautifulSoup
from fixtures.events import GROUPS, build_fixture_site, listed_events, load_events

from core.models import SiteConfig
from core.store.sqlite import SQLiteStore

EVENTS = load_events()


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site")
    build_fixture_site(out)
    return out


def soup(site: Path, path: str) -> BeautifulSoup:
    return BeautifulSoup((site / path).read_text(encoding="utf-8"), "html.parser")


def html_pages(site: Path) -> list[str]:
    return sorted(str(p.relative_to(site)) for p in site.rglob("*.html"))


def cards(page: BeautifulSoup) -> list[str]:
    return [li.h3.get_text(" ", strip=True) for li in page.select("li.event")]


def test_every_page_of_the_contract_exists(site):
    expected = [
        "index.html", "virtual/index.html", "locations/index.html", "locations/DC/index.html",
        "locations/MD/index.html", "locations/VA/index.html", "groups/index.html",
        "events.ics", "virtual/events.ics", "locations/DC/events.ics", "locations/MD/events.ics",
        "locations/VA/events.ics", "sitemap.xml", "newsletter.html", "newsletter.txt",
        "404.html", "robots.txt",
    ]  # fmt: skip
    for path in expected:
        assert (site / path).is_file(), path
    for group in GROUPS:
        assert (site / f"groups/{group.group_id}/events.ics").is_file() == group.active
    for event in listed_events().values():
        assert (site / f"events/{event.event_id}.ics").is_file()
    for name in ("expired", "last-week"):
        assert not (site / f"events/{EVENTS[name].event_id}.ics").exists()
    assert len(list((site / "static").glob("site.*.css"))) == 1


def test_week_pages_for_every_week_with_events_and_the_next_twelve_linked_in_order(site):
    weeks = sorted(p.name for p in (site / "week").iterdir())
    assert weeks[:13] == [f"2026-W{n}" for n in range(49, 54)] + [
        f"2027-W0{n}" for n in range(1, 9)
    ]
    assert weeks[13:] == ["2027-W11"]  # the spring conference, far ahead
    for index, week in enumerate(weeks):
        page = soup(site, f"week/{week}/index.html")
        prev, nxt = page.find("a", rel="prev"), page.find("a", rel="next")
        assert (prev["href"] if prev else None) == (f"/week/{weeks[index - 1]}/" if index else None)
        expected_next = f"/week/{weeks[index + 1]}/" if index + 1 < len(weeks) else None
        assert (nxt["href"] if nxt else None) == expected_next
    assert "No events are listed" in soup(site, "week/2027-W05/index.html").main.get_text()


def test_home_lists_in_person_events_by_day_with_headings_first(site):
    page = soup(site, "index.html")
    headings = page.main.find_all("h2")
    assert [h["id"] for h in headings] == [
        "2026-12-01", "2026-12-02", "2026-12-03", "2026-12-04", "2026-12-05", "2027-03-15",
    ]  # fmt: skip
    first = headings[0]
    assert first.a["href"] == "/week/2026-W49/#2026-12-01"
    assert first.get_text() == "Tuesday, December 1"
    assert headings[-1].get_text() == "Monday, March 15, 2027"
    assert first.find_next_sibling("ul")["class"] == ["events"]  # the date comes before its events
    titles = " ".join(cards(page))
    assert "Lunch & Learn" not in titles and "Remote Data Engineering" not in titles
    assert "Regional Meetup Somewhere" in titles  # in person, state unknown: on the home page only
    assert "Old Expired Meetup" not in titles and "Last Week" not in titles


def test_multi_day_events_appear_on_every_day_marked_continuing(site):
    page = soup(site, "index.html")
    devfest = [li for li in page.select("li.event") if "DevFest" in li.h3.get_text()]
    assert [li.select_one(".when").get_text() for li in devfest] == [
        "All day, until Friday, December 4",
        "Continuing, until Friday, December 4",
        "Continuing, until Friday, December 4",
    ]


def test_event_card_shows_group_cost_location_and_cross_posts(site):
    page = soup(site, "index.html")
    by_title = {li.h3.get_text(" ", strip=True): li for li in page.select("li.event")}
    pydc = by_title["Python Night: Typing in Practice"]
    assert pydc.h3.a["href"] == "https://events.example.org/pydc-december"
    assert pydc.select_one(".who a")["href"] == "https://www.meetup.com/pydc/"
    assert pydc.select_one(".cost").get_text() == "Free"
    assert "1776 I St NW" in pydc.select_one(".where").get_text()
    devfest = by_title["DevFest Capital Region"]
    assert devfest.select_one(".also").get_text() == (
        "Also published by DC DevOps, NoVA Data Science and Python Users Group DC"
    )
    workshop = by_title["Accessibility Workshop"]
    assert workshop.select_one(".who").get_text() == "Submitted by Jane Doe"
    assert workshop.select_one(".who a")["href"] == "https://janedoe.example.org"


def test_cancelled_events_are_marked(site):
    page = soup(site, "index.html")
    cancelled = page.select("li.event.cancelled")
    assert [li.h3.get_text(" ", strip=True) for li in cancelled] == [
        "Cancelled Intro to Rust (cancelled)"
    ]
    assert cancelled[0].select_one(".badge").get_text() == "Cancelled"


def test_per_event_calendar_links(site):
    page = soup(site, "index.html")
    pydc = next(li for li in page.select("li.event") if "Python Night" in li.h3.get_text())
    page_link, google, ics = pydc.select(".actions a")
    assert page_link["href"] == f"/events/{EVENTS['pydc-december'].event_id}/"
    query = parse_qs(urlsplit(google["href"]).query)
    assert google["href"].startswith("https://calendar.google.com/calendar/render?")
    assert query["action"] == ["TEMPLATE"] and query["text"] == ["Python Night: Typing in Practice"]
    assert query["dates"] == ["20261201T233000Z/20261202T013000Z"]  # 6:30 pm EST in UTC
    assert ics["href"] == f"/events/{EVENTS['pydc-december'].event_id}.ics"
    summit = next(li for li in page.select("li.event") if "Winter Tech" in li.h3.get_text())
    dates = parse_qs(urlsplit(summit.select(".actions a")[1]["href"]).query)["dates"]
    assert dates == ["20261201/20261202"]  # all day: exclusive end


def test_feeds_offered_with_webcal_and_google_subscribe_links(site):
    for path, feed in [
        ("index.html", "events.ics"),
        ("virtual/index.html", "virtual/events.ics"),
        ("locations/DC/index.html", "locations/DC/events.ics"),
    ]:
        links = [a["href"] for a in soup(site, path).select(".subscribe a")]
        cid = quote(f"webcal://dctech.events/{feed}", safe="")
        google = f"https://calendar.google.com/calendar/render?cid={cid}"
        assert links == [f"webcal://dctech.events/{feed}", google, f"/{feed}"], path
    groups = soup(site, "groups/index.html")
    assert "webcal://dctech.events/groups/pydc/events.ics" in {
        a["href"] for a in groups.select(".subscribe a")
    }


def test_virtual_and_state_pages_show_only_their_events(site):
    assert cards(soup(site, "virtual/index.html")) == [
        "Lunch & Learn: Observability",
        "Remote Data Engineering Hour",
    ]
    va = cards(soup(site, "locations/VA/index.html"))
    assert set(va) == {"DevFest Capital Region", "Security Bootcamp", "Data Viz Meetup"}
    md = soup(site, "locations/MD/index.html")
    assert set(cards(md)) == {"Civic Hack Weekend", "Late Night Hack", "Spring Cloud Conference"}


def test_locations_page_counts_and_groups_page_lists_active_groups(site):
    text = soup(site, "locations/index.html").main.get_text(" ", strip=True)
    assert "Washington, DC 7 upcoming events" in text
    assert "Virginia 3 upcoming events" in text and "Virtual 2 upcoming events" in text
    groups = soup(site, "groups/index.html")
    names = [h.get_text() for h in groups.select(".groups h2")]
    assert names == sorted(names, key=str.casefold) and "Retired Group" not in names
    quiet = next(li for li in groups.select(".groups > li") if "Quiet" in li.h2.get_text())
    assert "0 upcoming events" in quiet.get_text()
    pydc = next(li for li in groups.select(".groups > li") if "Python" in li.h2.get_text())
    assert "3 upcoming events" in pydc.get_text()  # two of its own and DevFest, cross-posted


def test_only_http_links_anywhere_and_the_javascript_url_is_no_link(site):
    allowed = ("https://", "http://", "/", "#", "webcal://")
    for path in html_pages(site):
        for tag in soup(site, path).find_all(href=True):
            assert tag["href"].startswith(allowed), (path, tag["href"])
        assert "javascript:" not in (site / path).read_text()
    page = soup(site, "index.html")
    viz = next(li for li in page.select("li.event") if "Data Viz" in li.h3.get_text())
    assert viz.h3.a is None
    assert [a["href"] for a in viz.select(".description a[href]")] == ["https://d3js.org"]
    assert viz.select(".description script, .description img") == []


def test_json_ld_describes_the_listed_events_and_cannot_break_out(site):
    page = soup(site, "index.html")
    scripts = page.find_all("script")
    assert len(scripts) == 1 and scripts[0]["type"] == "application/ld+json"
    raw = (site / "index.html").read_text()
    assert raw.count("</script>") == 1
    graph = json.loads(scripts[0].string)["@graph"]
    by_name = {e["name"]: e for e in graph}
    assert "Rock & Roll </script><script>alert(1)</script> Night" in by_name
    pydc = by_name["Python Night: Typing in Practice"]
    assert pydc["startDate"] == "2026-12-01T18:30:00-05:00"
    assert pydc["organizer"]["name"] == "Python Users Group DC"
    assert (
        by_name["Intro to Rust (cancelled)"]["eventStatus"] == "https://schema.org/EventCancelled"
    )
    assert by_name["DevFest Capital Region"]["endDate"] == "2026-12-04"
    assert len(graph) == len({e["name"] for e in graph})  # multi-day events once


def test_hostile_titles_and_locations_are_escaped(site):
    raw = (site / "index.html").read_text()
    assert "Rock &amp; Roll &lt;/script&gt;&lt;script&gt;alert(1)&lt;/script&gt; Night" in raw
    assert "The &#34;Venue&#34; &lt;Annex&gt;" in raw


def test_every_page_has_one_h1_landmarks_skip_link_and_metadata(site):
    for path in html_pages(site):
        if path == "newsletter.html":
            continue
        page = soup(site, path)
        assert len(page.find_all("h1")) == 1, path
        assert page.html["lang"] == "en"
        assert page.find("header") and page.find("nav") and page.find("footer")
        assert page.find("main")["id"] == "main"
        assert page.find("a", class_="skip")["href"] == "#main"
        assert page.find("meta", attrs={"name": "viewport"})
        assert page.find("link", rel="stylesheet")["href"].startswith("/static/site.")
    home = soup(site, "index.html")
    assert home.find("link", rel="canonical")["href"] == "https://dctech.events/"
    week = soup(site, "week/2026-W49/index.html")
    assert week.find("meta", property="og:url")["content"] == "https://dctech.events/week/2026-W49/"
    assert week.find("meta", property="og:title")["content"].startswith("Tech events, week of")
    assert soup(site, "404.html").find("meta", attrs={"name": "robots"})["content"] == "noindex"


def test_navigation_marks_the_current_page(site):
    nav = soup(site, "locations/VA/index.html").find("nav", attrs={"aria-label": "Main"})
    assert [a.get_text() for a in nav.find_all("a")] == [
        "In-person",
        "Virtual",
        "DC",
        "VA",
        "MD",
        "Month",
        "Topics",
        "Groups",
    ]
    assert nav.find("a", attrs={"aria-current": "page"}).get_text() == "VA"


def test_sitemap_lists_the_pages(site):
    sitemap = ElementTree.parse(site / "sitemap.xml").getroot()
    namespace = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    locs = [loc.text for loc in sitemap.iter(f"{namespace}loc")]
    assert "https://dctech.events/" in locs and "https://dctech.events/week/2027-W11/" in locs
    assert len(locs) == len([p for p in html_pages(site) if p.endswith("index.html")])
    assert "Sitemap: https://dctech.events/sitemap.xml" in (site / "robots.txt").read_text()


def test_newsletter_covers_the_coming_week_in_html_and_text(site):
    text = (site / "newsletter.txt").read_text()
    assert text.index("TUESDAY, DECEMBER 1") < text.index("SATURDAY, DECEMBER 5")
    assert "Remote Data Engineering Hour" not in text  # December 8: next week's
    assert "* [CANCELLED] Intro to Rust (cancelled)" in text
    assert 'The "Venue" <Annex>' in text and "&lt;" not in text  # plain text, not HTML
    html = soup(site, "newsletter.html")
    assert html.find("link", rel="stylesheet") is None  # email clients: inline styles only
    links = {a["href"] for a in html.find_all("a")}
    assert "https://dctech.events/week/2026-W49/#2026-12-01" in links
    assert all(href.startswith("https://") for href in links)


def test_empty_states_point_to_the_groups_page(tmp_path):
    build_fixture_site(tmp_path, SQLiteStore(":memory:"))
    for path in ("index.html", "virtual/index.html", "locations/MD/index.html"):
        empty = soup(tmp_path, path).select_one("p.empty")
        assert "No upcoming" in empty.get_text() and empty.a["href"] == "/groups/"
    assert soup(tmp_path, "index.html").find("script") is None  # no JSON-LD without events


def test_a_site_under_a_path_prefixes_its_links(tmp_path):
    build_fixture_site(tmp_path, site=SiteConfig(base_url="https://example.org/dc"))
    page = soup(tmp_path, "index.html")
    assert page.find("link", rel="stylesheet")["href"].startswith("/dc/static/site.")
    assert page.find("link", rel="canonical")["href"] == "https://example.org/dc/"
    assert page.main.h2.a["href"] == "/dc/week/2026-W49/#2026-12-01"
    assert "webcal://example.org/dc/events.ics" in {a["href"] for a in page.select(".subscribe a")}
