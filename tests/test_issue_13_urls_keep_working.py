"""Issue 13, item 4: URLs keep working. Builds over a year of days from the fixture store, into a
folder and into a bucket (moto): nothing the first build published goes missing within a year;
an ended event's page says so and leaves every listing and feed; a retitled or rescheduled
event's old page redirects to the new one; what was last produced over a year ago is gone. And
the collector records the moves the redirects come from."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import boto3
import pytest
from bs4 import BeautifulSoup
from conftest import FIXTURES
from fixtures.events import CATEGORIES, GROUPS, SITE, TODAY, fixture_store, load_events
from moto import mock_aws
from test_site_links import Site, broken_links

import dctech
from collector.fetch import FetchSettings
from collector.run import collect
from core.ids import make_event_id
from core.models import Event, Group
from core.query import EventFilter, list_events
from core.store.base import Move
from core.store.sqlite import SQLiteStore
from core.timeutil import ttl_for
from generator import manifest
from generator.archive import ENDED, SEARCH_INDEX, mark_of
from generator.build import BuildReport, build_site
from generator.writers import MANIFEST, FolderWriter, S3Writer, Writer

REFRESH = re.compile(r"0; url=(\S+)")


def noon(day: date) -> int:
    return int(datetime.combine(day, time(12), ZoneInfo(SITE.timezone)).astimezone(UTC).timestamp())


class Target:
    """Where the builds go, and what is published there, as files (a bucket is copied out into
    a folder, so the link check and the page reads are the same for both)."""

    def __init__(self, kind: str, tmp_path: Path) -> None:
        self.kind, self.folder = kind, tmp_path / "site"
        self.copy = tmp_path / "bucket-copy"
        self._got: dict[str, tuple[str, bytes]] = {}  # key -> (ETag, body) of the bucket's

    def writer(self) -> Writer:
        return FolderWriter(self.folder) if self.kind == "folder" else S3Writer("site")

    def files(self) -> dict[str, bytes]:
        if self.kind == "folder":
            found = {p.relative_to(self.folder).as_posix(): p for p in self.folder.rglob("*")}
            return {k: p.read_bytes() for k, p in found.items() if p.is_file()}
        client = boto3.client("s3")
        pages = client.get_paginator("list_objects_v2").paginate(Bucket="site")
        listed = {o["Key"]: o["ETag"] for page in pages for o in page.get("Contents", [])}
        self._got = {k: got for k, got in self._got.items() if listed.get(k) == got[0]}
        for key, etag in listed.items():  # only what changed since the last look is fetched
            if key not in self._got:
                self._got[key] = (etag, client.get_object(Bucket="site", Key=key)["Body"].read())
        return {k: body for k, (_, body) in self._got.items()}

    def site(self) -> Site:
        """The published files as a folder, for the link checker."""
        if self.kind == "folder":
            return Site(self.folder, SITE.base_url)
        shutil.rmtree(self.copy, ignore_errors=True)  # what the bucket no longer holds, gone
        for path, data in self.files().items():
            (self.copy / path).parent.mkdir(parents=True, exist_ok=True)
            (self.copy / path).write_bytes(data)
        return Site(self.copy, SITE.base_url)

    def page(self, path: str) -> BeautifulSoup:
        return BeautifulSoup(self.files()[path], "html.parser")

    def manifest(self) -> dict[str, manifest.Entry]:
        return manifest.parse(self.files()[MANIFEST])


@pytest.fixture(params=["folder", "s3"])
def target(request, tmp_path) -> Iterator[Target]:
    if request.param == "folder":
        yield Target("folder", tmp_path)
        return
    with mock_aws():
        boto3.client("s3").create_bucket(Bucket="site")
        yield Target("s3", tmp_path)


def build(target: Target, store: SQLiteStore, day: date) -> BuildReport:
    return build_site(
        store,
        target.writer(),
        site=SITE,
        groups=GROUPS,
        categories=CATEGORIES,
        today=day,
        now_ts=noon(day),
    )


def move(store: SQLiteStore, old: Event, day: date, **changes: str) -> Event:
    """What the collector does to a retitled or rescheduled event: the same group and
    source_uid under a new event_id; the old item deleted at once, the move recorded."""
    new = replace(old, **changes)
    new_id = make_event_id(new.url, new.title, new.start_datetime)
    new = replace(new, event_id=new_id, ttl=ttl_for(new.end_datetime, SITE.timezone))
    store.delete_events([old.key])
    store.put_events([new])
    store.save_moves(store.load_moves() | {old.event_id: Move(new.event_id, day.isoformat())})
    return new


def page(event: Event) -> str:
    return f"events/{event.event_id}/index.html"


def redirect_of(target: Target, path: str) -> tuple[str, str, str]:
    """A redirect page's meta refresh target, canonical URL and visible link."""
    soup = target.page(path)
    refresh = soup.find("meta", attrs={"http-equiv": "refresh"})
    assert refresh is not None, f"{path} is no redirect"
    found = REFRESH.fullmatch(refresh["content"])
    assert found is not None
    assert soup.find("meta", attrs={"name": "robots"})["content"] == "noindex"
    link = soup.main.find("a")["href"]
    return found.group(1), soup.find("link", rel="canonical")["href"], link


def assert_all_there_and_resolving(target: Target, first: dict[str, bytes]) -> None:
    """Every file of the first build is still published (but an earlier search index's, which
    nothing links and which goes after a week) and every link of the site resolves."""
    gone = [p for p in first.keys() - target.files().keys() if not p.startswith(SEARCH_INDEX)]
    assert sorted(gone) == []
    broken, checked = broken_links(target.site())
    assert checked > 500
    assert not broken, "\n".join(broken)


def test_a_year_of_builds_keeps_every_url_working(target):
    store = fixture_store()
    events = load_events()
    december, spring, alpha = (
        events["pydc-december"],
        events["spring-conference"],
        events["tie-alpha"],
    )

    build(target, store, TODAY)
    first = target.files()
    assert page(december) in first and page(spring) in first

    # December 2: Pydc's December meetup is over; the spring conference is retitled; the tie
    # event is retitled the day it happens.
    day2 = TODAY + timedelta(days=1)
    renamed = move(store, spring, day2, title="Cloud Native Spring Summit")
    alpha2 = move(store, alpha, day2, title="Alpha Builders Meetup (new room)")
    report = build(target, store, day2)
    assert report.files_deleted == 0
    again = build(target, store, day2)
    assert (again.files_written, again.files_rendered) == (0, 0), "nothing changed: none rendered"
    ended = target.page(page(december))
    assert "This event has ended" in ended.main.get_text()
    assert ended.find("h1").get_text(strip=True) == december.title
    files = target.files()
    listings = [p for p in files if p.endswith((".html", ".xml", ".ics", ".txt"))]
    listings = [p for p in listings if not p.startswith("events/")]
    showing = [p for p in listings if december.event_id.encode() in files[p]]
    assert showing == [], "an ended event is listed nowhere (its own page and .ics aside)"
    assert december.title.encode() not in files["events.ics"]
    assert files[f"events/{december.event_id}.ics"] == first[f"events/{december.event_id}.ics"]
    refresh, canonical, link = redirect_of(target, page(spring))
    assert refresh == link == f"/events/{renamed.event_id}/"
    assert canonical == SITE.base_url.rstrip("/") + f"/events/{renamed.event_id}/"
    assert renamed.title in target.page(page(spring)).main.get_text()
    moved_ics = files[f"events/{spring.event_id}.ics"]
    assert f"UID:{renamed.event_id}".encode() in moved_ics
    assert spring.title.encode() not in moved_ics, "an old .ics link adds the event as it is now"
    assert_all_there_and_resolving(target, first)

    # December 3: rescheduled again (a chain), and the retitled tie event is over.
    day3 = day2 + timedelta(days=1)
    later = move(
        store,
        renamed,
        day3,
        start_datetime="2027-03-22T18:00:00",
        end_datetime="2027-03-22T21:00:00",
    )
    build(target, store, day3)
    for old in (spring, renamed):
        assert redirect_of(target, page(old))[0] == f"/events/{later.event_id}/"
    assert redirect_of(target, page(alpha))[0] == f"/events/{alpha2.event_id}/"
    assert "This event has ended" in target.page(page(alpha2)).main.get_text()
    march = target.page("week/2027-W11/index.html").main.get_text()  # the week it left
    assert spring.title not in march and renamed.title not in march
    assert later.title in target.page("week/2027-W12/index.html").main.get_text()
    assert_all_there_and_resolving(target, first)

    # December 10: the December meetup's item has expired; its page stays as the ended page.
    day10 = TODAY + timedelta(days=9)
    before = target.files()
    report = build(target, store, day10)
    deleted = before.keys() - target.files().keys()
    assert report.files_kept > 0 and len(deleted) == report.files_deleted
    assert {p for p in deleted if not p.startswith(SEARCH_INDEX)} == set()  # December 2's
    assert "This event has ended" in target.page(page(december)).main.get_text()
    kept = target.manifest()
    entry = kept[page(december)]
    assert (mark_of(entry), entry.kept, entry.since) == (ENDED, "event ended", "2026-12-10")
    assert kept["week/2026-W49/index.html"].kept == "past week"
    assert_all_there_and_resolving(target, first)

    # The day after the rescheduled conference: its page says it is over.
    build(target, store, date(2027, 3, 23))
    assert "This event has ended" in target.page(page(later)).main.get_text()
    assert redirect_of(target, page(spring))[0] == f"/events/{later.event_id}/"

    # Within a year of its last production nothing has gone; a day past the year it has.
    year_on = date(2027, 11, 30)
    build(target, store, year_on)
    assert_all_there_and_resolving(target, first)
    report = build(target, store, date(2027, 12, 11))
    files = target.files()
    assert report.files_deleted > 0
    assert page(december) not in files and "week/2026-W49/index.html" not in files
    assert page(later) in files, "kept since 2027-11-30: still within its year"
    assert target.manifest()[page(later)].kept == "event ended"


def test_a_site_rendered_in_parts_keeps_its_urls_too(tmp_path):
    """The render split by part of the site (generator.manifest.PARTS), one writer each: a
    moved event's old page (in one part) redirects to its new page (in another), an ended
    event's page is rendered again in its own."""
    with mock_aws():
        boto3.client("s3").create_bucket(Bucket="site")
        target, store = Target("s3", tmp_path), fixture_store()
        events = load_events()
        spring, december = events["spring-conference"], events["pydc-december"]

        def build_in_parts(day: date) -> None:
            for part in manifest.PARTS:
                writer = S3Writer("site", part=part)
                options = {"site": SITE, "groups": GROUPS, "categories": CATEGORIES}
                build_site(store, writer, today=day, now_ts=noon(day), **options)

        build_in_parts(TODAY)
        first = target.files()
        day2 = TODAY + timedelta(days=1)
        renamed = move(store, spring, day2, title="Cloud Native Spring Summit")
        assert manifest.part_of(page(renamed)) != manifest.part_of(page(spring))
        build_in_parts(day2)
        assert redirect_of(target, page(spring))[0] == f"/events/{renamed.event_id}/"
        assert "This event has ended" in target.page(page(december)).main.get_text()
        assert_all_there_and_resolving(target, first)


def test_a_removed_group_feed_is_emptied_for_its_subscribers(tmp_path):
    target = Target("folder", tmp_path)
    store = fixture_store()
    build(target, store, TODAY)
    feed = "groups/md-code/events.ics"
    assert b"BEGIN:VEVENT" in target.files()[feed]
    gone = [g for g in GROUPS if g.group_id != "md-code"]
    writer = target.writer()
    options = {"site": SITE, "categories": CATEGORIES, "today": TODAY, "now_ts": noon(TODAY)}
    build_site(store, writer, groups=gone, **options)
    emptied = target.files()[feed]
    assert b"BEGIN:VCALENDAR" in emptied and b"BEGIN:VEVENT" not in emptied
    assert target.manifest()["groups/md-code/index.html"].kept == "group no longer listed"
    build_site(store, target.writer(), groups=gone, **options | {"today": TODAY + timedelta(1)})
    assert target.files()[feed] == emptied
    assert target.manifest()[feed].kept == "feed emptied"


# --- the collector records the moves ---------------------------------------------------------
FAST = FetchSettings(retries=0, connect_timeout=1, read_timeout=1, deadline=2)
PYDC = (FIXTURES / "collect" / "pydc_v1.ics").read_bytes()


def collect_on(store, groups, day: date):
    return collect(
        store, groups, SITE, today=day, now=datetime.combine(day, time(17), UTC), settings=FAST
    )


def hack_night(store: SQLiteStore, day: date) -> Event:
    listed = list_events(store, EventFilter(start=day), now_ts=noon(day))
    return next(e for e in listed if e.source_uid == "event_312@meetup.com")


def test_a_retitled_event_is_recorded_as_a_move_and_its_old_page_redirects(feed_server, tmp_path):
    feed_server.route("/pydc.ics", body=PYDC)
    groups = [
        Group("pydc", "Python DC", "https://www.meetup.com/pydc/", feed_server.url("/pydc.ics"))
    ]
    store = SQLiteStore(str(tmp_path / "events.db"))
    store.save_moves({"ancient": Move("older", "2025-12-01")})  # a year old on the first collect
    collect_on(store, groups, TODAY)
    assert store.load_moves() == {}, "a move a year old is forgotten"
    first = hack_night(store, TODAY)
    target = Target("folder", tmp_path)
    build_site(store, target.writer(), site=SITE, groups=groups, today=TODAY, now_ts=noon(TODAY))
    assert page(first) in target.files()

    day2 = TODAY + timedelta(days=1)
    feed_server.route(
        "/pydc.ics",
        body=PYDC.replace(b"SUMMARY:Hack Night", b"SUMMARY:Hack Night: Holiday Edition"),
    )
    summary = collect_on(store, groups, day2)
    retitled = hack_night(store, day2)
    assert retitled.title == "Hack Night: Holiday Edition" and summary.dropped == 1
    assert store.load_moves() == {first.event_id: Move(retitled.event_id, "2026-12-02")}
    build_site(store, target.writer(), site=SITE, groups=groups, today=day2, now_ts=noon(day2))
    assert redirect_of(target, page(first))[0] == f"/events/{retitled.event_id}/"

    day3 = day2 + timedelta(days=1)
    feed_server.route("/pydc.ics", body=PYDC)  # and back: the first id is live again
    collect_on(store, groups, day3)
    assert store.load_moves() == {retitled.event_id: Move(first.event_id, "2026-12-03")}
    build_site(store, target.writer(), site=SITE, groups=groups, today=day3, now_ts=noon(day3))
    assert redirect_of(target, page(retitled))[0] == f"/events/{first.event_id}/"
    assert target.page(page(first)).find("meta", attrs={"http-equiv": "refresh"}) is None


def test_dctech_build_says_how_many_files_it_kept(tmp_path, capsys):
    store = f"sqlite:///{tmp_path}/events.db"
    fixture_store(f"{tmp_path}/events.db").close()
    config = str(Path(dctech.__file__).parent / "config.yaml")
    for day in ("2026-12-01", "2026-12-02"):
        argv = ["build", "--store", store, "--config", config, "--out", str(tmp_path / "site")]
        assert dctech.main([*argv, "--today", day]) == 0
    last = capsys.readouterr().out.strip().splitlines()[-1]
    found = re.search(r"(\d+) deleted, (\d+) kept$", last)
    assert found is not None, last
    assert found.groups()[0] == "0" and int(found.groups()[1]) > 0  # the ended events' .ics
