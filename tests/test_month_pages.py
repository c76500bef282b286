"""The month pages as a visitor sees them: a calendar grid (a real table, Monday first) whose days
link to their day on the week page with a count and the first titles, today marked, above the
month's events by day; prev/next; a page for the current month, the next ones and every month with
events; "Month" in the nav. HTML is parsed with BeautifulSoup."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path
from xml.etree import ElementTree

import pytest
from bs4 import BeautifulSoup
from fixtures.events import TODAY, build_fixture_site, fixture_store, load_events

from core.store.sqlite import SQLiteStore
from generator.month_pages import TITLE_CHARS, month_id

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}loc"
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site")
    build_fixture_site(out)
    return out


def soup(site: Path, path: str) -> BeautifulSoup:
    return BeautifulSoup((site / path).read_text(encoding="utf-8"), "html.parser")


def month(site: Path, mid: str) -> BeautifulSoup:
    return soup(site, f"month/{mid}/index.html")


def cells(page: BeautifulSoup) -> dict[int, BeautifulSoup]:
    """The grid's day cells by day of the month."""
    return {int(td.select_one(".num").get_text()): td for td in page.select("table td.day")}


def counts(page: BeautifulSoup) -> dict[int, int]:
    """Each day's event count as the grid shows it (days without a count left out)."""
    found = {}
    for day, td in cells(page).items():
        if count := td.select_one(".count"):  # ", 3 events": the comma is for screen readers
            found[day] = int("".join(c for c in count.get_text() if c.isdigit()))
    return found


def test_month_ids():
    assert month_id(date(2026, 12, 31)) == "2026-12" and month_id(date(2027, 1, 1)) == "2027-01"


def test_pages_for_this_month_the_next_three_and_every_month_with_events(site):
    assert sorted(p.name for p in (site / "month").iterdir()) == [
        "2026-12", "2027-01", "2027-02", "2027-03",
    ]  # fmt: skip
    later = fixture_store()
    conference = load_events()["spring-conference"]
    autumn = {"start_datetime": "2027-09-15T18:00:00", "end_datetime": "2027-09-15T21:00:00"}
    later.put_events([replace(conference, event_id="f" * 64, **autumn)])
    out = site.parent / "later"
    build_fixture_site(out, later)
    assert "2027-09" in {p.name for p in (out / "month").iterdir()}
    assert "2027-06" not in {p.name for p in (out / "month").iterdir()}


def test_the_grid_is_a_table_with_a_caption_and_weekday_headers_monday_first(site):
    table = month(site, "2026-12").find("table")
    assert table.caption.get_text() == "December 2026 at a glance"
    headers = table.thead.find_all("th")
    assert [th["scope"] for th in headers] == ["col"] * 7
    assert [th.abbr["title"] for th in headers] == WEEKDAYS
    rows = table.tbody.find_all("tr")
    assert len(rows) == 5 and all(len(tr.find_all("td")) == 7 for tr in rows)
    first = rows[0].find_all("td")
    assert "outside" in first[0]["class"] and first[1].select_one(".num").get_text() == "1"
    assert list(cells(month(site, "2026-12"))) == list(range(1, 32))


def test_days_with_events_link_to_their_day_on_the_week_page_with_counts(site):
    page = month(site, "2026-12")
    grid = cells(page)
    assert counts(page) == {1: 3, 2: 5, 3: 4, 4: 5, 5: 1, 8: 1}
    for day, td in grid.items():
        link = td.find("a")
        if day not in counts(page):
            assert link is None, f"December {day} has no events: no link"
            continue
        iso = f"2026-12-{day:02d}"
        week, anchor = link["href"].split("#")
        assert anchor == iso
        assert soup(site, week.strip("/") + "/index.html").find(id=iso), link["href"]
    assert grid[8].a["href"] == "/week/2026-W50/#2026-12-08"
    assert grid[1].a.get_text() == "1 December 2026, 3 events"  # what a screen reader says


def test_counts_match_the_list_below_the_grid(site):
    page = month(site, "2026-12")
    listed = {
        int(h["id"][-2:]): len(h.find_next_sibling("ul").select("li.event"))
        for h in page.main.find_all("h2")
    }
    assert listed == counts(page)
    assert page.select_one(".intro").get_text() == "15 upcoming events in December 2026."


def test_titles_first_three_then_how_many_more_and_cancelled_marked(site):
    grid = cells(month(site, "2026-12"))
    assert [li.get_text() for li in grid[2].select(".titles li")] == [
        "DevFest Capital Region",
        "Security Bootcamp",
        "Lunch & Learn: Observability",
        "+2 more",
    ]
    cancelled = grid[3].select_one(".titles li.cancelled")
    assert cancelled.get_text() == "Cancelled: Intro to Rust (cancelled)"
    assert cancelled.select_one(".visually-hidden").get_text() == "Cancelled: "


def test_long_titles_are_cut_in_the_grid_and_whole_in_the_list(tmp_path):
    store = fixture_store()
    long = "A Very Long Title About Distributed Systems, Consensus and the Art of Waiting"
    store.put_events([replace(load_events()["virtual-series"], title=long)])
    build_fixture_site(tmp_path, store)
    page = month(tmp_path, "2026-12")
    shown = cells(page)[8].select_one(".titles li").get_text()
    assert shown.endswith(" …") and len(shown) <= TITLE_CHARS + 2 and long.startswith(shown[:-2])
    assert long in [h3.get_text(" ", strip=True) for h3 in page.select("li.event h3")]


def test_today_is_marked_once_and_only_on_this_months_page(site):
    page = month(site, "2026-12")
    marked = page.find_all(attrs={"aria-current": "date"})
    assert len(marked) == 1 and marked[0] is cells(page)[1]
    assert "today" in marked[0]["class"]
    assert month(site, "2027-01").find(attrs={"aria-current": "date"}) is None


def test_days_before_today_are_shown_plainly(tmp_path):
    today = date(2026, 12, 4)
    build_fixture_site(tmp_path, today=today)
    grid = cells(month(tmp_path, "2026-12"))
    for day in (1, 2, 3):
        assert grid[day].find("a") is None and "past" in grid[day]["class"]
    assert grid[4].a["href"] == "/week/2026-W49/#2026-12-04"
    assert grid[4].get("aria-current") == "date" and "past" not in grid[4]["class"]


def test_an_empty_current_month_still_has_its_page_and_grid(tmp_path):
    build_fixture_site(tmp_path, SQLiteStore(":memory:"))
    page = month(tmp_path, "2026-12")
    assert len(cells(page)) == 31 and page.table.find("a") is None
    assert cells(page)[1]["aria-current"] == "date"
    assert "No upcoming events in December 2026" in page.select_one("p.empty").get_text()
    assert page.find("script") is None  # no JSON-LD without events


def test_prev_and_next_link_the_neighbouring_months(site):
    def pager(mid: str) -> list[tuple[str, str, str]]:
        nav = month(site, mid).find("nav", attrs={"aria-label": "Other months"})
        return [(a["rel"][0], a.get_text(strip=True), a["href"]) for a in nav.find_all("a")]

    assert pager("2026-12") == [("next", "January 2027 →", "/month/2027-01/")]
    assert pager("2027-01") == [
        ("prev", "← December 2026", "/month/2026-12/"),
        ("next", "February 2027 →", "/month/2027-02/"),
    ]
    assert pager("2027-03") == [("prev", "← February 2027", "/month/2027-02/")]


def test_month_in_the_nav_links_this_month_and_is_current_on_month_pages(site):
    home = soup(site, "index.html").find("nav", attrs={"aria-label": "Main"})
    assert home.find("a", string="Month")["href"] == "/month/2026-12/"
    assert home.find("a", string="Month").get("aria-current") is None
    for mid in ("2026-12", "2027-03"):
        nav = month(site, mid).find("nav", attrs={"aria-label": "Main"})
        current = nav.find("a", attrs={"aria-current": "page"})
        assert (current.get_text(), current["href"]) == ("Month", "/month/2026-12/")


def test_the_nav_follows_the_builds_today(tmp_path):
    build_fixture_site(tmp_path, today=date(2027, 1, 15))
    nav = soup(tmp_path, "index.html").find("nav", attrs={"aria-label": "Main"})
    assert nav.find("a", string="Month")["href"] == "/month/2027-01/"
    assert not (tmp_path / "month/2026-12").exists()


def test_the_sitemap_lists_the_month_pages(site):
    locs = {loc.text for loc in ElementTree.parse(site / "sitemap.xml").iter(SITEMAP)}
    assert {f"https://dctech.events/month/2027-0{m}/" for m in (1, 2, 3)} <= locs
    assert f"https://dctech.events/month/{month_id(TODAY)}/" in locs
