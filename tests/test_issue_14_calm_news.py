"""Issue 14 with issue 16, item 4: what is new shows a series once. A group's Google Calendar
(tests/fixtures/feeds/daily_standup.ics: a daily stand-up, 90 dates in the window) gains a daily
stand-up and a conference on the same day; /new/, the home page's "New this week" and every
Atom feed show the stand-up once, labelled and linking all its dates, so the conference is not
pushed out of the feeds' 50 entries. The .ics feeds keep every date (tested in
test_issue_16_calm_listings.py).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from html import unescape
from pathlib import Path
from zoneinfo import ZoneInfo

import feedparser
import pytest
from bs4 import BeautifulSoup
from conftest import FIXTURES
from feed_server import CALENDAR, FeedServer

from collector.fetch import FetchSettings
from collector.run import collect
from core.models import Category, Group, SiteConfig
from core.store import open_store
from generator import urls
from generator.build import build_site
from generator.writers import FolderWriter

TODAY = date(2026, 12, 1)
SITE = SiteConfig()
TZ = ZoneInfo(SITE.timezone)
FAST = FetchSettings(retries=0, connect_timeout=1, read_timeout=1, deadline=5)
GROUP_ID = "dc-remote-devs"
TOPIC = Category("cloud", "Cloud", "Cloud computing.")
STANDUP = "Remote Devs Daily Stand-up"
CONFERENCE = "Remote Work Summit 2027"
CONFERENCE_EVENT = """BEGIN:VEVENT
DTSTART;TZID=America/New_York:20270114T090000
DTEND;TZID=America/New_York:20270114T170000
DTSTAMP:20261128T101500Z
UID:4k8n2q6t0w4z8c2f6i0l4o8r2u@google.com
CREATED:20261130T140000Z
DESCRIPTION:A day of talks on working well apart.
LAST-MODIFIED:20261130T140000Z
LOCATION:Walter E. Washington Convention Center\\, 801 Mt Vernon Pl NW\\, Washingto
 n\\, DC 20001\\, USA
SEQUENCE:0
STATUS:CONFIRMED
SUMMARY:Remote Work Summit 2027
TRANSP:OPAQUE
END:VEVENT
"""


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """Collected on November 30 from an empty calendar (so what comes next is news, not a
    first import), then on December 1 with the stand-up and the conference."""
    folder = tmp_path_factory.mktemp("news")
    store = open_store(f"sqlite:///{folder}/events.db")
    feed = (FIXTURES / "feeds/daily_standup.ics").read_text(encoding="utf-8")
    feed = feed.replace("END:VCALENDAR", CONFERENCE_EVENT.replace("\n", "\r\n") + "END:VCALENDAR")
    with FeedServer() as server:
        url = server.route("/remote-devs.ics", body=CALENDAR)
        website = "https://remotedevs.example.org/"
        group = Group(GROUP_ID, "DC Remote Devs", website, url, categories=("cloud",))
        for day, body in ((TODAY - timedelta(days=1), CALENDAR), (TODAY, feed.encode())):
            server.route("/remote-devs.ics", body=body)
            now = datetime.combine(day, time(11), UTC)
            assert collect(store, [group], SITE, today=day, now=now, settings=FAST).failed == []
    now_ts = int(datetime.combine(TODAY, time(12), TZ).timestamp())
    out = folder / "site"
    build_site(
        store, FolderWriter(out), site=SITE, groups=[group], categories=[TOPIC], today=TODAY,
        now_ts=now_ts,
    )  # fmt: skip
    store.close()
    return out


def soup(site: Path, path: str) -> BeautifulSoup:
    return BeautifulSoup((site / urls.output_file(path)).read_text(encoding="utf-8"), "html.parser")


def titles(page: BeautifulSoup) -> list[str]:
    return [li.select_one(".p-name").text for li in page.select("li.event")]


def test_new_shows_the_daily_standup_once_with_its_label_and_all_its_dates(site):
    page = soup(site, urls.new())
    standups = [li for li in page.select("li.event") if li.select_one(".p-name").text == STANDUP]
    assert len(standups) == 1  # not 90
    assert standups[0].select_one("p.when").text.startswith("Tuesday, December 1")  # the next
    repeats = standups[0].select_one(".repeats")
    assert repeats.text.startswith("Repeats daily · All 90 dates")
    series = soup(site, repeats.a["href"])
    assert series.h1.text == STANDUP and len(series.select("ul.series-dates li")) == 90
    assert CONFERENCE in titles(page)
    assert f"{len(titles(page))} events" in page.select_one("p.intro").text


def test_the_home_page_counts_the_series_once(site):
    line = soup(site, urls.home()).select_one("p.new-this-week a")
    assert line.text == f"New this week: {len(titles(soup(site, urls.new())))} events"
    assert line.text == "New this week: 4 events"  # the stand-up, the office hours, 2 more


def test_a_new_weekly_series_is_one_card_too(site):
    (card,) = soup(site, urls.new()).select("li.event:has(.p-name:-soup-contains('Office Hours'))")
    assert card.select_one(".repeats").text == "Weekly · 13 dates"  # no page: every date listed
    assert card.select_one(".repeats a") is None


FEEDS = [urls.new_atom(), urls.group_atom(GROUP_ID), urls.topic_atom("cloud")]


@pytest.mark.parametrize("feed", [*FEEDS, urls.location_atom("DC")])
def test_every_feed_it_belongs_to_has_the_conference_and_the_standup_once(site, feed):
    parsed = feedparser.parse((site / urls.output_file(feed)).read_bytes())
    assert not parsed.bozo
    names = [e.title for e in parsed.entries]
    assert CONFERENCE in names
    if feed == urls.location_atom("DC"):  # the stand-up is virtual: in no state's feed
        assert names == [CONFERENCE]
        return
    assert names.count(STANDUP) == 1
    standup = next(e for e in parsed.entries if e.title == STANDUP)
    summary = BeautifulSoup(unescape(standup.summary), "html.parser")
    link = summary.a
    assert link.text == "Repeats daily: all 90 dates"
    assert link["href"].startswith(SITE.base_url + "/series/")
    assert (site / urls.output_file(link["href"].removeprefix(SITE.base_url))).is_file()
