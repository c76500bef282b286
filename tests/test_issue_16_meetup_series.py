"""Issue 16, item 4 on Meetup: a series exported date by date. Meetup gives each date of a series
its own VEVENT and UID, so no ``UID#slot`` says they are one; a group's events with the same
title (words folded), local start time and place, three or more, typically less than a week
apart, are one series all the same, listed once a week and once in what is new, with a page of
all its dates. Two one-offs of one title, or one title at two places, stay apart.

The end-to-end feed is tests/fixtures/feeds/meetup_standup.ics, in Meetup's export shape: a
weekday stand-up (20 dates, one titled "Morning stand-up!"), a talk night a month apart and a
co-working evening at two libraries.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest
from bs4 import BeautifulSoup
from conftest import FIXTURES
from feed_server import CALENDAR, FeedServer
from test_issue_16_calm_listings import TODAY, days_from, event, view
from test_site_links import Site, broken_links

from collector.fetch import FetchSettings
from collector.run import collect
from core.models import Group, SiteConfig
from core.series import derived_uid
from core.store import open_store
from generator import urls
from generator.build import build_site
from generator.new_pages import news
from generator.series import find_series, series_key
from generator.writers import FolderWriter

SITE = SiteConfig()
FAST = FetchSettings(retries=0, connect_timeout=1, read_timeout=1, deadline=5)
GROUP_ID = "dc-remote-devs"
STANDUP = "Morning Stand-up"


def meetup(day: date, title: str = STANDUP, place: str = "Online event", at: str = "08:30"):
    """One date as Meetup exports it: its own UID, no slot."""
    start = f"{day.isoformat()}T{at}:00"
    uid = f"event_{day:%m%d}{at[:2]}@meetup.com"
    return view(event(start, uid, title=title, source_uid=uid, location=place))


def series_of(views) -> set[str]:
    repeats = find_series(views, root="")
    return {repeats.of[v.event.event_id].key for v in views if v.event.event_id in repeats.of}


def test_weekday_dates_alike_are_one_series_whatever_the_case_and_punctuation():
    weekdays = [d for d in days_from(TODAY, *range(28)) if d.weekday() < 5]
    views = [meetup(d, STANDUP if n % 3 else "MORNING stand-up!") for n, d in enumerate(weekdays)]
    repeats = find_series(views, root="")
    assert len(series_of(views)) == 1
    series = repeats.of[views[0].event.event_id]
    assert (series.label, series.dates) == ("Every weekday", 20)
    assert series.href == urls.series(series.key)


@pytest.mark.parametrize(
    "dates",
    [
        days_from(TODAY, 0, 1),  # two one-offs of one title: never a series
        days_from(TODAY, *range(0, 84, 7)),  # weekly: every date listed, as before
    ],
    ids=["two", "weekly"],
)
def test_too_few_or_weekly_are_no_series(dates):
    assert series_of([meetup(d) for d in dates]) == set()


def test_another_place_time_or_title_is_another_event():
    same = derived_uid(meetup(TODAY).event)
    assert derived_uid(meetup(TODAY + timedelta(days=1), "MORNING stand-up!").event) == same
    for other in (
        {"place": "MLK Memorial Library"},
        {"at": "18:30"},
        {"title": "Evening Stand-up"},
    ):
        assert derived_uid(meetup(TODAY, **other).event) != same, other
    assert derived_uid(replace(meetup(TODAY).event, group_id="other")) != same


def test_a_uid_series_keeps_its_key_and_page():
    """The page URL of a feed's own series is what it was: only one-offs are grouped anew."""
    google = [
        view(event(f"{d.isoformat()}T09:30:00", "7hq2c9f4k1m8r3t6v0x5z2b7d4@google.com"))
        for d in days_from(TODAY, *range(14))
    ]
    assert series_of(google) == {"3b321604741b21a4"}
    assert series_key(f"{GROUP_ID}\x1f7hq2c9f4k1m8r3t6v0x5z2b7d4@google.com") == "3b321604741b21a4"


def test_a_date_rolling_into_the_window_of_an_old_series_is_no_news():
    """Meetup shows a series' next dates only: each day one more comes, first seen that day.
    A series is news when it was first listed, not each time a date rolls in."""
    weekdays = [d for d in days_from(TODAY, *range(28)) if d.weekday() < 5]
    old = [
        replace(v, event=replace(v.event, first_seen="2026-10-01")) for v in map(meetup, weekdays)
    ]
    rolled = meetup(date(2026, 12, 29))
    rolled = replace(rolled, event=replace(rolled.event, first_seen=TODAY.isoformat()))
    views = [*old, rolled]
    assert news(views, TODAY, find_series(views, root="")) == []
    fresh = [replace(v, event=replace(v.event, first_seen=TODAY.isoformat())) for v in views]
    (entry,) = news(fresh, TODAY, find_series(fresh, root=""))
    assert entry.view.event.start_date == TODAY.isoformat()  # the next date stands for it
    assert entry.series.label == "Every weekday"


# --- end to end: the Meetup feed collected and built --------------------------------------------


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("meetup")
    store = open_store(f"sqlite:///{folder}/events.db")
    feed = (FIXTURES / "feeds/meetup_standup.ics").read_bytes()
    with FeedServer() as server:
        url = server.route("/ical/", body=CALENDAR)
        group = Group(GROUP_ID, "DC Remote Devs", "https://www.meetup.com/dc-remote-devs/", url)
        for day, body in ((TODAY - timedelta(days=1), CALENDAR), (TODAY, feed)):
            server.route("/ical/", body=body)
            now = datetime.combine(day, time(11), UTC)
            assert collect(store, [group], SITE, today=day, now=now, settings=FAST).failed == []
    out = folder / "site"
    now_ts = int(datetime.combine(TODAY, time(17), UTC).timestamp())
    build_site(store, FolderWriter(out), site=SITE, groups=[group], today=TODAY, now_ts=now_ts)
    store.close()
    return out


def soup(site: Path, path: str) -> BeautifulSoup:
    return BeautifulSoup((site / urls.output_file(path)).read_text(encoding="utf-8"), "html.parser")


def cards(page: BeautifulSoup, title: str) -> list:
    return [li for li in page.select("li.event") if li.select_one(".p-name").text == title]


def test_the_meetup_standup_is_listed_once_a_week_with_its_dates(site):
    page = soup(site, urls.virtual())
    standups = cards(page, STANDUP)
    assert [li.find_previous("h2")["id"] for li in standups] == [
        "2026-12-01", "2026-12-07", "2026-12-14", "2026-12-21", "2026-12-28",
    ]  # fmt: skip
    repeats = standups[0].select_one(".repeats")
    assert repeats.text.startswith("Every weekday · All 20 dates")
    series = soup(site, repeats.a["href"])
    assert series.h1.text == STANDUP
    dates = series.select("ul.series-dates li")
    assert len(dates) == 20
    assert all((site / urls.output_file(li.a["href"])).is_file() for li in dates)
    assert "Morning stand-up!" in series.select_one("ul.series-dates").text  # the retitled date


def test_one_offs_alike_stay_apart_and_what_is_new_shows_the_standup_once(site):
    home = soup(site, urls.home())
    assert len(cards(home, "Remote Devs Talk Night")) == 2
    assert len(cards(home, "Co-working Evening")) == 3
    assert home.select_one(".repeats") is None
    new = soup(site, urls.new())
    assert len(cards(new, STANDUP)) == 1
    assert cards(new, STANDUP)[0].select_one(".repeats").text.startswith("Every weekday")
    assert home.select_one("p.new-this-week").text == "New this week: 6 events"


def test_every_link_of_the_meetup_site_resolves(site):
    broken, checked = broken_links(Site(site, SITE.base_url))
    assert checked > 100
    assert broken == []
