"""The /feeds/ page: every calendar and Atom feed the build publishes, each calendar with its
subscribe links (calendar app by webcal://, Google Calendar, Outlook.com, the file), linked from
every page's footer."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from bs4 import BeautifulSoup
from fixtures.events import SITE, build_fixture_site

from generator import urls

BASE = SITE.base_url


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site")
    build_fixture_site(out)
    return out


@pytest.fixture(scope="module")
def page(site) -> BeautifulSoup:
    return BeautifulSoup((site / "feeds/index.html").read_text(encoding="utf-8"), "html.parser")


def published(site: Path, suffix: str) -> set[str]:
    """The feeds a build wrote, by URL; an event's own .ics is no feed to subscribe to."""
    found = {"/" + str(p.relative_to(site)) for p in site.rglob(f"*{suffix}")}
    return {url for url in found if not url.startswith("/events/")}


def test_the_page_lists_every_calendar_and_atom_feed_the_site_publishes(site, page):
    main = page.main
    ics = {a["href"] for a in main.find_all("a", string=".ics file")}
    atom = {a["href"] for a in main.find_all("a", string="Atom feed")}
    assert ics == published(site, ".ics") and len(ics) > 10
    assert atom == published(site, ".atom") and len(atom) > 10


def test_every_calendar_has_its_four_ways_to_subscribe(page):
    rows = page.select("ul.feeds > li")
    assert rows
    for row in rows:
        links = {a.get_text(): a["href"] for a in row.select("p.subscribe a")}
        ics = links[".ics file"]
        https = BASE + ics
        assert links["calendar app"] == "webcal://" + https.split("://", 1)[1]
        google = urlsplit(links["Google Calendar"])
        assert (google.netloc, parse_qs(google.query)["cid"]) == (
            "calendar.google.com",
            [links["calendar app"]],
        )
        outlook = urlsplit(links["Outlook.com"])
        assert (outlook.netloc, outlook.path) == ("outlook.live.com", "/calendar/0/addfromweb")
        query = parse_qs(outlook.query)
        assert query["url"] == [https]  # Outlook.com takes the https:// address
        assert query["name"][0].startswith(SITE.site_name + ": ")
        name = row.h3.get_text(strip=True)
        assert query["name"] == [f"{SITE.site_name}: {name}"]


def test_rows_are_grouped_by_what_they_narrow(page):
    sections = [h2.get_text() for h2 in page.main.find_all("h2")]
    assert sections == ["Everything", "By state", "By topic", "By group"]
    everything = page.main.find("h2").find_next("ul").select("li h3")
    assert [h3.get_text() for h3 in everything] == ["All events", "Virtual events"]


def test_every_page_links_the_feeds_page_from_its_footer(site):
    for path in sorted(site.rglob("*.html")):
        if path.name == "newsletter.html":
            continue  # the email has no site chrome
        soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
        footer = soup.find("footer")
        assert footer and footer.find("a", href=urls.feeds()), path
