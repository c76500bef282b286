"""Issue 14: /new/ lists upcoming events first seen in the last 14 days by the day they were
added (newest first), each card dated with its place, group and links; the home page says how
many were added this week; the newsletter opens with what is new since last week. All three
follow the one rule of core.lifecycle, read here plainly from the fixture events."""

from __future__ import annotations

from datetime import date, timedelta
from functools import partial
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from fixtures.events import SITE, TODAY, build_fixture_site, fixture_store, listed_events

from generator import pages, urls
from generator.days import week_id
from generator.new_pages import new_page


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site")
    build_fixture_site(out)
    return out


def soup(site: Path, url: str) -> BeautifulSoup:
    return BeautifulSoup((site / urls.output_file(url)).read_text(encoding="utf-8"), "html.parser")


def added_since(days: int) -> list:
    """Listed, first seen in the last ``days`` days, not a first import; in start order."""
    since = (TODAY - timedelta(days=days - 1)).isoformat()
    chosen = [e for e in listed_events().values() if e.first_seen >= since and not e.first_import]
    return sorted(chosen, key=lambda e: (e.start_datetime, e.event_id))


def test_new_lists_the_fortnights_additions_by_day_added_newest_first(site):
    page = soup(site, urls.new())
    headings = [h2.get_text() for h2 in page.main.find_all("h2")]
    expected = added_since(14)
    days = sorted({e.first_seen for e in expected}, reverse=True)
    assert len(days) >= 4
    assert headings == ["Added " + date.fromisoformat(d).strftime("%A, %B %-d") for d in days]
    for h2, day in zip(page.main.find_all("h2"), days, strict=True):
        assert h2["id"] == f"added-{day}"
        titles = [
            li.select_one(".p-name").get_text() for li in h2.find_next("ul").select("li.event")
        ]
        assert titles == [e.title for e in expected if e.first_seen == day]  # in start order
    listed = {li.select_one(".p-name").get_text() for li in page.select("li.event")}
    assert "Lunch & Learn: Observability" not in listed  # its group's first import
    assert "DC Winter Tech Summit" not in listed  # added a month ago
    assert "Civic Hack Weekend" not in listed  # stored before first_seen existed


def test_each_card_says_when_where_who_and_links_the_event(site):
    page = soup(site, urls.new())
    events = {e.title: e for e in added_since(14)}
    for card in page.select("li.event"):
        event = events[card.select_one(".p-name").get_text()]
        when = card.select_one("p.when").get_text()
        start = date.fromisoformat(event.start_date)
        assert when.startswith(start.strftime("%A, %B %-d")), when
        if start.year != TODAY.year:
            assert f", {start.year}," in when
        venue = event.location.split(",")[0]  # a card may show the place shortened
        assert venue in card.select_one("p.where").get_text()
        assert card.select_one("p.who").get_text()
        hrefs = {a["href"] for a in card.select("p.actions a")}
        assert {urls.event(event.event_id), urls.event_ics(event.event_id)} <= hrefs
    assert page.find("a", href=urls.new_atom())


def test_the_home_page_counts_this_weeks_additions_and_links_new(site):
    line = soup(site, urls.home()).select_one("p.new-this-week a")
    assert line["href"] == urls.new()
    assert line.get_text() == f"New this week: {len(added_since(7))} events"
    assert 0 < len(added_since(7)) < len(added_since(14))
    assert soup(site, urls.virtual()).select_one("p.new-this-week") is None


def test_nothing_new_says_so(tmp_path):
    store = fixture_store()
    build_fixture_site(tmp_path, store, today=TODAY + timedelta(days=60))
    page = soup(tmp_path, urls.new())
    assert page.select("li.event") == []
    assert "Nothing was added in the last 14 days" in page.select_one("p.empty").get_text()
    assert soup(tmp_path, urls.home()).select_one("p.new-this-week").get_text() == (
        "New this week: 0 events"
    )


def test_the_newsletter_opens_with_what_is_new_since_last_week(site):
    expected = [e.title for e in added_since(7)]
    html = soup(site, urls.newsletter_html())
    first = html.find("h2")
    assert first.get_text() == "New since last week"
    section = []
    for sibling in first.find_next_siblings():
        if sibling.name == "h2":
            break
        section.append(sibling.strong.get_text().removeprefix("[Cancelled] "))
    assert section == expected
    text = (site / "newsletter.txt").read_text(encoding="utf-8")
    head, _, rest = text.partition("NEW SINCE LAST WEEK\n")
    assert head.startswith("DC Tech Events: the week ahead") and rest
    block = rest.split("All new events:", 1)[0]
    items = [line[2:] for line in block.splitlines() if line.startswith("* ")]
    listed = [item.removeprefix("[CANCELLED] ") for item in items]
    assert listed == expected
    for event in added_since(7):
        assert urls.absolute(SITE, urls.event(event.event_id)) in block


def test_a_big_import_shows_the_most_recently_added_and_says_how_many(tmp_path, monkeypatch):
    """Past the listings' cap the page shows the newest additions only, as a listing shows its
    first events: thousands of cards on one page help nobody (and cost most of a build)."""
    monkeypatch.setattr(pages, "new_page", partial(new_page, cap=3))
    build_fixture_site(tmp_path)
    page = soup(tmp_path, urls.new())
    expected = sorted(added_since(14), key=lambda e: e.first_seen, reverse=True)  # stable
    assert len(expected) > 3
    titles = [li.select_one(".p-name").get_text() for li in page.select("li.event")]
    assert titles == [e.title for e in expected[:3]]
    assert f"{len(expected)} events" in page.select_one("p.intro").get_text()
    more = page.select_one("p.more")
    assert more.get_text(" ", strip=True).startswith(
        f"These are the 3 most recently added of {len(expected)}."
    )
    assert more.a["href"] == urls.week(week_id(TODAY))


def test_within_the_cap_nothing_is_left_out(site):
    assert soup(site, urls.new()).select_one("p.more") is None
