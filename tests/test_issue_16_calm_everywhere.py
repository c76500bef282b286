"""Issue 16, item 4, on every kind of listing: an in-person series on working days, of a group
with a topic, is shown once a week labelled "Every weekday" with a link to all its dates on the
home page, its topic's, its state's, its group's and a month's, while those pages' calendars
keep every date. (tests/test_issue_16_calm_listings.py builds the online daily stand-up.)"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
from bs4 import BeautifulSoup
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
TITLE = "Python Coworking Breakfast"
WEEKS = 13  # ISO weeks 2026-W49 to 2027-W08: the 90 days from Tuesday, December 1
DATES = 64  # the working days among them
FEED = f"""BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Example//Calendar//EN
BEGIN:VEVENT
UID:weekday-breakfast@example.org
DTSTART;TZID=America/New_York:20261116T080000
DTEND;TZID=America/New_York:20261116T090000
RRULE:FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR
SUMMARY:{TITLE}
LOCATION:Ballston Quarter, 4238 Wilson Blvd, Arlington, VA 22203, USA
URL:https://pycoffee.example.org/breakfast
END:VEVENT
END:VCALENDAR
""".replace("\n", "\r\n").encode()


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    folder = tmp_path_factory.mktemp("weekday")
    store = open_store(f"sqlite:///{folder}/events.db")
    with FeedServer() as server:
        url = server.route("/pycoffee.ics", body=CALENDAR)
        group = Group(
            "pycoffee", "Py Coffee", "https://pycoffee.example.org/", url, categories=["python"]
        )
        for day, body in ((TODAY - timedelta(days=1), CALENDAR), (TODAY, FEED)):
            server.route("/pycoffee.ics", body=body)
            now = datetime.combine(day, time(11), UTC)
            settings = FetchSettings(retries=0, connect_timeout=1, read_timeout=1, deadline=5)
            assert collect(store, [group], SITE, today=day, now=now, settings=settings).failed == []
    now_ts = int(datetime.combine(TODAY, time(12), ZoneInfo(SITE.timezone)).timestamp())
    out = folder / "site"
    topics = [Category("python", "Python", "Python groups")]
    build_site(
        store, FolderWriter(out), site=SITE, groups=[group], categories=topics, today=TODAY,
        now_ts=now_ts,
    )  # fmt: skip
    store.close()
    return out


@pytest.mark.parametrize(
    ("path", "weeks"),
    [
        (urls.home(), WEEKS),
        (urls.topic("python"), WEEKS),
        (urls.location("VA"), WEEKS),
        (urls.group("pycoffee"), WEEKS),
        (urls.month("2027-01"), 5),  # W53 from the 1st, then W01 to W04 from their Mondays
    ],
)
def test_each_listing_shows_the_weekday_series_once_a_week(site, path, weeks):
    page = BeautifulSoup((site / urls.output_file(path)).read_text(encoding="utf-8"), "html.parser")
    cards = [li for li in page.select("li.event") if li.select_one(".p-name").text == TITLE]
    assert len(cards) == weeks
    labels = {li.select_one(".repeats").text.split(" · ")[0] for li in cards}
    assert labels == {"Every weekday"}
    (href,) = {li.select_one(".repeats a")["href"] for li in cards}
    assert (site / urls.output_file(href)).is_file()


@pytest.mark.parametrize(
    "path", [urls.events_ics(), urls.topic_ics("python"), urls.location_ics("VA")]
)
def test_their_calendars_keep_every_date(site, path):
    calendar = icalendar.Calendar.from_ical((site / urls.output_file(path)).read_bytes())
    assert sum(str(v["SUMMARY"]) == TITLE for v in calendar.walk("VEVENT")) == DATES
