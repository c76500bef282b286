"""Issue 14, item 1: one rule of "new" for a Meetup series too. Meetup exports each date of a
series as its own VEVENT with its own UID; when a new date rolls into its feed, the /new/ page
and the Atom feeds knew it for a date of an old series (generator.series) but the collector
stored it as first seen that day, so `/api/events?added_since=` listed it as new. The collector
now takes its series' first_seen (core.series, the rule the generator uses), so the API agrees
with the page."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import feedparser
from bs4 import BeautifulSoup
from chalice.test import Client
from feed_server import CALENDAR, FeedServer
from test_new import event, run, seen

import api.app as api_app
from collector.fetch import FetchSettings
from collector.run import collect
from core.models import Group, SiteConfig
from core.runtime import Clock, Runtime
from core.store import open_store
from generator import urls
from generator.build import build_site
from generator.writers import FolderWriter

SITE = SiteConfig()
TZ = ZoneInfo(SITE.timezone)
FAST = FetchSettings(retries=0, connect_timeout=1, read_timeout=1, deadline=5)
DAY1 = date(2026, 12, 1)  # the stand-up's first dates are listed: news
DAY2 = date(2026, 12, 2)  # its next date rolls in (no news) beside a new talk (news)
STANDUP = "Data Stand-up"
TALK = "Typing in Practice"
TALK_AT = "20261215T183000"


def standup(day: date, first_seen: str = "", first_import: bool = False):
    """A date of a Meetup stand-up: its own UID, the series' title, time and place."""
    start = f"{day}T08:30:00"
    one = replace(event(STANDUP, start, f"standup-{day}@meetup.com"), location="MLK Library, DC")
    return seen(one, first_seen, first_import) if first_seen else one


def test_a_date_rolling_into_a_meetup_series_takes_the_series_first_seen():
    dates = [DAY1 + timedelta(days=n) for n in range(4)]
    rolled = standup(DAY1 + timedelta(days=4))
    for first_import in (False, True):
        stored = [standup(d, "2026-11-20", first_import) for d in dates]
        (put,) = run([*map(standup, dates), rolled], stored).put
        assert put.event_id == rolled.event_id
        assert (put.first_seen, put.first_import) == ("2026-11-20", first_import)


def test_one_offs_that_make_no_series_stay_news():
    """Two alike are no series (MIN_DATES), nor are dates a week apart: the generator lists
    each of them on /new/ too."""
    for gap, known in ((1, 1), (7, 3)):
        dates = [DAY1 + timedelta(days=gap * n) for n in range(known + 1)]
        stored = [standup(d, "2026-11-20") for d in dates[:-1]]
        (put,) = run([standup(d) for d in dates], stored).put
        assert put.first_seen == DAY1.isoformat()


def ics(*events: tuple[str, str, str]) -> bytes:
    """A Meetup-style calendar: (uid, local start, title) each its own VEVENT."""
    body = "".join(
        "BEGIN:VEVENT\r\n"
        f"UID:{uid}\r\nDTSTAMP:20261101T000000Z\r\n"
        f"DTSTART;TZID=America/New_York:{start}\r\nDTEND;TZID=America/New_York:{start[:9]}230000\r\n"
        f"SUMMARY:{title}\r\nLOCATION:MLK Library\\, 901 G St NW\\, Washington\\, DC 20001\r\n"
        f"URL:https://www.meetup.com/pydc/events/{uid.split('@')[0]}/\r\nEND:VEVENT\r\n"
        for uid, start, title in events
    )
    return CALENDAR.replace(b"END:VCALENDAR", body.encode() + b"END:VCALENDAR")


def titles(listing: BeautifulSoup) -> list[str]:
    return [li.select_one(".p-name").text for li in listing.select("li.event")]


def test_the_api_added_since_agrees_with_the_new_page_and_feed(tmp_path, monkeypatch):
    store = open_store(f"sqlite:///{tmp_path}/events.db")
    first = [(f"s{n}@meetup.com", f"202612{n + 3:02d}T083000", STANDUP) for n in range(4)]
    later = [("s4@meetup.com", "20261207T083000", STANDUP), ("t1@meetup.com", TALK_AT, TALK)]
    days = ((DAY1 - timedelta(days=1), CALENDAR), (DAY1, ics(*first)), (DAY2, ics(*first, *later)))
    with FeedServer() as server:
        url = server.route("/pydc.ics", body=CALENDAR)
        group = Group("pydc", "Python DC", "https://www.meetup.com/pydc/", url)
        for day, body in days:
            server.route("/pydc.ics", body=body)
            now = datetime.combine(day, time(11), UTC)
            assert collect(store, [group], SITE, today=day, now=now, settings=FAST).failed == []
    out = tmp_path / "site"
    now_ts = int(datetime.combine(DAY2, time(12), TZ).timestamp())
    build_site(
        store, FolderWriter(out), site=SITE, groups=[group], categories=[], today=DAY2,
        now_ts=now_ts,
    )  # fmt: skip

    page = BeautifulSoup((out / urls.output_file(urls.new())).read_text(), "html.parser")
    added = {h.text: titles(h.find_next("ul")) for h in page.select("h2")}
    assert added == {"Added Wednesday, December 2": [TALK], "Added Tuesday, December 1": [STANDUP]}
    feed = feedparser.parse((out / urls.output_file(urls.new_atom())).read_bytes())
    assert [e.title for e in feed.entries] == [TALK, STANDUP]

    monkeypatch.setattr(api_app, "_runtime", Runtime(opened=store, clock=Clock(DAY2)))
    with Client(api_app.app) as client:
        answer = client.http.get(f"/api/events?added_since={DAY2}&limit=500")
    listed = json.loads(answer.body)["events"]
    assert [(e["title"], e["first_seen"]) for e in listed] == [(TALK, DAY2.isoformat())]
    store.close()
