"""Issue 16, item 4: calm listings. A series that repeats more often than weekly is shown on
listing pages once a week, labelled from how often it repeats and linking a page of all its
dates; the newsletter shows it once; the .ics feeds and the API keep every occurrence. And item
3's short place on listings, the whole address on the event page.

The end-to-end case is the issue's own: a group's Google Calendar (tests/fixtures/feeds/
daily_standup.ics) with a daily stand-up (90 occurrences in the window, one moved), weekly office
hours and one in-person meetup, served from 127.0.0.1, collected into SQLite and built.
"""

from __future__ import annotations

import json
import threading
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import icalendar
import pytest
from bs4 import BeautifulSoup
from chalice.test import Client
from conftest import FIXTURES
from feed_server import CALENDAR, FeedServer
from test_browser import FLAGS
from test_site_links import Site, broken_links

import api.app as api_app
from collector.fetch import FetchSettings
from collector.run import collect
from core.models import CANCELLED, VIRTUAL, Event, Group, SiteConfig
from core.runtime import Clock, Runtime
from core.series import series_uid
from core.store import open_store
from generator import urls
from generator.build import build_site
from generator.days import calm, lay_out
from generator.outputs import listing
from generator.series import find_series, repeat_label
from generator.views import make_view
from generator.writers import FolderWriter

TODAY = date(2026, 12, 1)  # a Tuesday, ISO week 2026-W49
SITE = SiteConfig()
TZ = ZoneInfo(SITE.timezone)
FAST = FetchSettings(retries=0, connect_timeout=1, read_timeout=1, deadline=5)
STANDUP = "Remote Devs Daily Stand-up"
OFFICE_HOURS = "Remote Devs Office Hours"
MEETUP = "Remote Devs Meet in Person"
WEEKS = 13  # ISO weeks 2026-W49 to 2027-W08: the 90 days from Tuesday, December 1


def days_from(first: date, *offsets: int) -> list[date]:
    return [first + timedelta(days=n) for n in offsets]


# --- how often a series repeats, read from its dates --------------------------------------------


def test_a_daily_series_repeats_daily_even_with_a_date_left_out():
    daily = days_from(TODAY, *range(90))
    assert repeat_label(daily) == "Repeats daily"
    assert repeat_label([d for d in daily if d != date(2026, 12, 25)]) == "Repeats daily"


def test_a_series_on_working_days_only_is_every_weekday():
    weekdays = [d for d in days_from(TODAY, *range(60)) if d.weekday() < 5]
    assert repeat_label(weekdays) == "Every weekday"


def test_twice_and_three_times_a_week_are_counted():
    tue_thu = [d for d in days_from(TODAY, *range(56)) if d.weekday() in (1, 3)]
    mon_wed_fri = [d for d in days_from(TODAY, *range(56)) if d.weekday() in (0, 2, 4)]
    assert repeat_label(tue_thu) == "Twice a week"
    assert repeat_label(mon_wed_fri) == "3 times a week"


@pytest.mark.parametrize(
    "dates",
    [
        days_from(TODAY, *range(0, 84, 7)),  # weekly
        days_from(TODAY, 0, 2, 14, 16, 28, 30),  # Tuesday and Thursday every other week
        days_from(TODAY, 0, 9, 11, 30, 44, 45, 71),  # irregular, twice in a week now and then
        days_from(TODAY, 2, 3, 4),  # a three-day conference
        days_from(TODAY, 0, 1, 7),  # weekly, with one extra date
        [],
    ],
    ids=["weekly", "fortnightly-pair", "irregular", "conference", "weekly-plus-one", "none"],
)
def test_weekly_or_rarer_series_are_not_collapsed(dates):
    assert repeat_label(dates) is None


# --- which events are one series ----------------------------------------------------------------


def event(start: str, uid: str, title: str = STANDUP, **attrs) -> Event:
    fields = {
        "event_id": f"{attrs.get('group_id', 'dc-remote-devs')}/{uid}@{start}",
        "start_datetime": start,
        "end_datetime": start[:11] + "23:00:00",
        "title": title,
        "group_id": "dc-remote-devs",
        "group_name": "DC Remote Devs",
        "group_website": "https://remotedevs.example.org/",
        "source_uid": f"{uid}#{start[:10]}T14:30:00Z",
        "location": "Online",
        "location_type": VIRTUAL,
    }
    return Event(**fields | attrs)


def view(e: Event):
    return make_view(e, site=SITE, tz=TZ, root="", today=TODAY, topics={}, image="")


def series_views(uid: str, dates: list[date], **attrs) -> list:
    return [view(event(f"{d.isoformat()}T09:30:00", uid, **attrs)) for d in dates]


@pytest.mark.parametrize(
    ("source_uid", "group"),
    [
        ("7hq2c9f4@google.com#2026-12-01T14:30:00Z", "dc-remote-devs\x1f7hq2c9f4@google.com"),
        ("all-day@example.org#2026-12-01", "dc-remote-devs\x1fall-day@example.org"),
        ("recurring:hack.yaml#2026-12-01T23:30:00Z", "dc-remote-devs\x1frecurring:hack.yaml"),
        ("event_312345678@meetup.com", None),  # a one-off
        ("odd#uid@example.org", None),  # a "#" that is not an occurrence's slot
        ("#2026-12-01T14:30:00Z", None),
    ],
)  # fmt: skip
def test_an_occurrence_belongs_to_its_uid_within_its_group(source_uid, group):
    assert series_uid(event("2026-12-01T09:30:00", "x", source_uid=source_uid)) == group


def test_the_same_uid_in_two_groups_is_two_series():
    dates = days_from(TODAY, *range(21))
    views = series_views("s", dates) + series_views("s", dates, group_id="other")
    repeats = find_series(views, root="/dc")
    keys = {repeats.of[v.event.event_id].key for v in views}
    assert len(keys) == 2
    assert all(s.href == f"/dc/series/{s.key}/" for s in repeats.of.values())
    assert find_series(views, root="/dc") == repeats  # the keys are stable


# --- a listing shows a frequent series once a week ----------------------------------------------


def calm_page(views, repeats):
    days = lay_out(views, root="", today=TODAY, repeats=repeats)
    return listing("/", "home", days, None, title="t", heading="h", intro="i")


def shown(page) -> list[tuple[str, str]]:
    return [(d.anchor, e.view.title) for d in page.context["days"] for e in d.entries]


def test_each_week_shows_its_first_date_and_other_events_stay():
    standup = series_views("standup", days_from(TODAY, *range(21)))  # Tue 1 to Mon 21
    talk = view(event("2026-12-03T18:00:00", "talk", title="A talk", source_uid="talk"))
    views = sorted([*standup, talk], key=lambda v: v.event.start_datetime)
    repeats = find_series(views, root="")
    assert shown(calm_page(views, repeats)) == [
        ("2026-12-01", STANDUP),
        ("2026-12-03", "A talk"),
        ("2026-12-07", STANDUP),
        ("2026-12-14", STANDUP),
        ("2026-12-21", STANDUP),
    ]
    entry = calm_page(views, repeats).context["days"][0].entries[0]
    assert (entry.series.label, entry.series.dates) == ("Repeats daily", 21)


def test_a_cancelled_date_does_not_stand_for_its_week():
    standup = series_views("standup", days_from(TODAY, *range(13)))  # two weeks
    monday = standup[6]  # Monday, December 7
    standup[6] = view(replace(monday.event, status=CANCELLED))
    repeats = find_series(standup, root="")
    days = calm_page(standup, repeats).context["days"]
    assert [d.anchor for d in days] == ["2026-12-01", "2026-12-08"]


def test_a_day_whose_only_date_the_week_page_leaves_out_links_the_week_page_itself():
    """A month page shows the series on the first date of a week it has (the week's first may
    be in the month before); that day's heading must not link an anchor the week page lacks."""
    standup = series_views("standup", days_from(date(2026, 12, 28), *range(14)))
    repeats = find_series(standup, root="")
    days = lay_out(standup, root="", today=TODAY, repeats=repeats)
    january = calm([d for d in days if d.day.month == 1])
    assert [d.anchor for d in january] == ["2027-01-01", "2027-01-04"]
    assert january[0].week_href == urls.week("2026-W53")  # Monday, December 28 stands for it
    assert january[1].week_href == urls.week_day("2027-W01", "2027-01-04")


def test_the_newsletter_rule_shows_a_series_once_in_all():
    standup = series_views("standup", days_from(TODAY, *range(21)))
    repeats = find_series(standup, root="")
    days = calm(lay_out(standup, root="", today=TODAY, repeats=repeats), once=True)
    assert [d.anchor for d in days] == ["2026-12-01"]


# --- end to end: the daily stand-up collected and built -----------------------------------------

GROUP_ID = "dc-remote-devs"


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """Collected on Monday, November 30 from an empty calendar (the group's first fetch, so
    nothing it brings later is a "first import"), then on December 1 from the fixture feed."""
    folder = tmp_path_factory.mktemp("calm")
    store = open_store(f"sqlite:///{folder}/events.db")
    feed = (FIXTURES / "feeds/daily_standup.ics").read_bytes()
    with FeedServer() as server:
        url = server.route("/remote-devs.ics", body=CALENDAR)
        group = Group(GROUP_ID, "DC Remote Devs", "https://remotedevs.example.org/", url)
        for day, body in ((TODAY - timedelta(days=1), CALENDAR), (TODAY, feed)):
            server.route("/remote-devs.ics", body=body)
            now = datetime.combine(day, time(11), UTC)
            assert collect(store, [group], SITE, today=day, now=now, settings=FAST).failed == []
    now_ts = int(datetime.combine(TODAY, time(12), TZ).timestamp())
    site = folder / "site"
    build_site(store, FolderWriter(site), site=SITE, groups=[group], today=TODAY, now_ts=now_ts)
    yield site, store, now_ts
    store.close()


def soup(site: Path, path: str) -> BeautifulSoup:
    return BeautifulSoup((site / urls.output_file(path)).read_text(encoding="utf-8"), "html.parser")


def cards(page: BeautifulSoup, title: str) -> list:
    return [li for li in page.select("li.event") if li.select_one(".p-name").text == title]


def feed_titles(site: Path, path: str) -> list[str]:
    calendar = icalendar.Calendar.from_ical((site / urls.output_file(path)).read_bytes())
    return [str(v["SUMMARY"]) for v in calendar.walk("VEVENT")]


def test_the_virtual_page_shows_the_daily_standup_once_a_week(built):
    site, _, _ = built
    page = soup(site, urls.virtual())
    standups = cards(page, STANDUP)
    assert len(standups) == WEEKS  # not 90
    assert len(cards(page, OFFICE_HOURS)) == WEEKS  # weekly: every date, as before
    weeks = [li.find_previous("h2")["id"] for li in standups]
    assert weeks[:3] == ["2026-12-01", "2026-12-07", "2026-12-14"]  # today, then each Monday
    repeats = standups[0].select_one(".repeats")
    assert repeats.text.startswith("Repeats daily · All 90 dates")
    assert repeats.a["href"].startswith("/series/")
    assert {li.select_one(".repeats a")["href"] for li in standups} == {repeats.a["href"]}
    assert cards(page, OFFICE_HOURS)[0].select_one(".repeats") is None


def test_every_listing_page_calms_it(built):
    site, _, _ = built
    group = soup(site, urls.group(GROUP_ID))
    assert len(cards(group, STANDUP)) == WEEKS
    week = soup(site, urls.week("2026-W50"))
    assert len(cards(week, STANDUP)) == 1
    assert len(cards(week, OFFICE_HOURS)) == 1
    january = soup(site, urls.month("2027-01"))
    # W53 (Dec 28 to Jan 3) from the 1st, then W01 to W04 from their Mondays
    assert [li.find_previous("h2")["id"] for li in cards(january, STANDUP)] == [
        "2027-01-01", "2027-01-04", "2027-01-11", "2027-01-18", "2027-01-25",
    ]  # fmt: skip
    grid_titles = [t.text for t in january.select(".month-grid .titles li")]
    assert grid_titles.count(STANDUP) == 5


def test_the_series_page_lists_every_date_with_its_event_page(built):
    site, _, _ = built
    href = soup(site, urls.virtual()).select_one("li.event .repeats a")["href"]
    page = soup(site, href)
    assert page.h1.text == STANDUP
    assert "Repeats daily: 90 upcoming dates." in page.select_one(".intro").text
    dates = page.select("ul.series-dates li")
    assert len(dates) == 90
    links = [li.a["href"] for li in dates]
    assert all((site / urls.output_file(link)).is_file() for link in links)
    assert [h2.text for h2 in page.select("h2")] == [
        "December 2026", "January 2027", "February 2027",
    ]  # fmt: skip
    moved = [li.text for li in dates if "late start" in li.text]
    assert moved == ["Thursday, December 24, 11:00 am – 11:15 am: " + STANDUP + " (late start)"]


def test_the_newsletter_shows_it_once(built):
    site, _, _ = built
    html = soup(site, urls.newsletter_html())
    text = (site / urls.output_file(urls.newsletter_txt())).read_text(encoding="utf-8")
    headings = [h2.text for h2 in html.find_all("h2")]
    # the stand-up once, not on each of the seven days: then only Thursday's office hours
    assert headings == ["New since last week", "Tuesday, December 1", "Thursday, December 3"]
    new = []
    for sibling in html.find("h2").find_next_siblings():
        if sibling.name == "h2":
            break
        new.append(sibling.strong.text)
    assert new.count(STANDUP) == 1
    assert new.count(OFFICE_HOURS) == 1  # a new weekly series is one piece of news too
    listed = [s.text for s in html.find_all("strong")]
    assert listed.count(STANDUP) == 2  # once new, once in the week ahead (today)
    assert listed.count(OFFICE_HOURS) == 2  # once new, once on Thursday
    assert html.text.count("Repeats daily") == 2  # the new one says it too
    assert text.count(f"* {STANDUP}\n") == 2
    new_text = text.split("All new events:")[0]
    assert new_text.count(f"* {OFFICE_HOURS}\n") == 1
    assert "Thursday, December 3, 12:00 pm – 1:00 pm | Weekly" in new_text
    office_hours = next(p for p in html.find_all("p") if p.strong and OFFICE_HOURS in p.strong.text)
    assert "Thursday, December 3, 12:00 pm – 1:00 pm · Weekly" in office_hours.text


def test_the_feeds_and_the_api_keep_every_occurrence(built, monkeypatch):
    site, store, _ = built
    for path in (urls.events_ics(), urls.virtual_ics(), urls.group_ics(GROUP_ID)):
        titles = feed_titles(site, path)
        assert sum(t.startswith(STANDUP) for t in titles) == 90, path
    monkeypatch.setattr(api_app, "_runtime", Runtime(opened=store, clock=Clock(TODAY)))
    client, titles, cursor = Client(api_app.app), [], None
    while True:
        query = {"location_type": "virtual", **({"cursor": cursor} if cursor else {})}
        answer = json.loads(client.http.get(f"/api/events?{urlencode(query)}").body)
        titles += [e["title"] for e in answer["events"]]
        if not (cursor := answer["next_cursor"]):
            break
    assert sum(t.startswith(STANDUP) for t in titles) == 90


def test_listings_show_the_short_place_and_the_event_page_the_whole_address(built):
    site, _, _ = built
    card = cards(soup(site, urls.home()), MEETUP)[0]
    assert card.select_one(".p-location").text == "Capital One Hall, Tysons, VA"
    event_page = soup(site, card.select_one("a.u-url")["href"])
    whole = "Capital One Hall, 7750 Capital One Tower Rd, Tysons, VA 22102, USA"
    assert event_page.select_one(".p-location").text == whole
    text = (site / urls.output_file(urls.newsletter_txt())).read_text(encoding="utf-8")
    assert "| Capital One Hall, Tysons, VA" in text and whole not in text


def test_every_link_of_the_calm_site_resolves(built):
    site, _, _ = built
    broken, checked = broken_links(Site(site, SITE.base_url))
    assert checked > 1000
    assert broken == []


# --- in a real browser --------------------------------------------------------------------------

CHROMIUM = Path("/usr/bin/chromium")
AXE = Path(__file__).parent.parent / "node_modules/axe-core/axe.min.js"


@pytest.fixture(scope="module")
def served(built):
    from generator.preview import make_server

    httpd = make_server(built[0], port=0)
    threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_port}", built[0]
    httpd.shutdown()
    httpd.server_close()


@pytest.mark.browser
@pytest.mark.skipif(not (CHROMIUM.exists() and AXE.exists()), reason="needs chromium and axe-core")
@pytest.mark.parametrize("which", ["virtual", "series"])
def test_the_virtual_and_series_pages_are_clean_on_a_phone(served, which):
    playwright = pytest.importorskip("playwright.sync_api")
    base, site = served
    path = urls.virtual()
    if which == "series":
        path = soup(site, path).select_one("li.event .repeats a")["href"]
    with playwright.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        page = browser.new_page(viewport={"width": 360, "height": 740})
        problems: list[str] = []
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        assert page.goto(base + path).status == 200
        assert page.evaluate("document.documentElement.scrollWidth - window.innerWidth") <= 0
        page.evaluate(AXE.read_text(encoding="utf-8"))
        impacts = page.evaluate("async () => (await axe.run()).violations.map(v => v.impact)")
        browser.close()
    assert problems == []
    assert [i for i in impacts if i in ("serious", "critical")] == []
