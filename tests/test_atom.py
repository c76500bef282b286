"""The Atom feeds of what is new (generator/atom.py), read back with feedparser: every element
RFC 4287 requires, the entries the one "new" rule picks (newest first, at most 50), ids that a
move keeps, the same bytes for the same data, and a <link rel="alternate"> on each page that
has a feed."""

from __future__ import annotations

import hashlib
from dataclasses import replace
from datetime import date, timedelta
from html import unescape
from pathlib import Path

import feedparser
import pytest
from bs4 import BeautifulSoup
from fixtures.events import (
    CATEGORIES,
    GROUPS,
    SITE,
    TODAY,
    build_fixture_site,
    fixture_store,
    listed_events,
)

from generator import urls
from generator.atom import MAX_ENTRIES

BASE = SITE.base_url
WINDOW = (TODAY - timedelta(days=13)).isoformat()  # new: first listed 2026-11-18 or later


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site")
    build_fixture_site(out)
    return out


def read(site: Path, url: str) -> feedparser.FeedParserDict:
    parsed = feedparser.parse((site / urls.output_file(url)).read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    return parsed


def new_events(wanted=lambda e: True) -> list:
    """The contract read plainly: listed, first seen in the window, not a first import;
    newest first, then in start order."""
    chosen = [
        e
        for e in listed_events().values()
        if e.first_seen >= WINDOW and not e.first_import and wanted(e)
    ]
    chosen.sort(key=lambda e: (e.start_datetime, e.event_id))
    return sorted(chosen, key=lambda e: e.first_seen, reverse=True)


def entry_id(event) -> str:
    """The contract: a tag URI of the group and a digest of the feed UID; else the page."""
    if not event.source_uid:
        return BASE + urls.event(event.event_id)
    digest = hashlib.sha256(event.source_uid.encode()).hexdigest()[:16]
    return f"tag:dctech.events,2026:{event.group_id}/{digest}"


def feeds_of_the_site() -> dict[str, tuple[str, object]]:
    """Every Atom feed: url -> (the page it narrows, which fixture events belong in it)."""
    feeds = {urls.new_atom(): (urls.new(), lambda e: True)}
    for state in SITE.only_states:
        feeds[urls.location_atom(state)] = (
            urls.location(state),
            lambda e, s=state: e.state == s and e.location_type != "virtual",
        )
    for topic in CATEGORIES:
        feeds[urls.topic_atom(topic.slug)] = (
            urls.topic(topic.slug),
            lambda e, t=topic.slug: t in e.categories,
        )
    for group in (g for g in GROUPS if g.active):
        feeds[urls.group_atom(group.group_id)] = (
            urls.group(group.group_id),
            lambda e, g=group.group_id: (
                g == e.group_id or g in {a["group_id"] for a in e.also_published_by}
            ),
        )
    return feeds


def test_the_site_publishes_exactly_these_feeds(site):
    published = {"/" + str(p.relative_to(site)) for p in site.rglob("*.atom")}
    assert published == set(feeds_of_the_site())


@pytest.mark.parametrize("url", sorted(feeds_of_the_site()))
def test_each_feed_has_every_required_element_and_the_new_events(site, url):
    page, wanted = feeds_of_the_site()[url]
    parsed = read(site, url)
    feed = parsed.feed
    assert feed.id == BASE + url
    assert feed.title.startswith(SITE.site_name + ": ")
    assert feed.updated_parsed is not None
    assert feed.author_detail.name == SITE.site_name
    links = {(link.rel, link.href) for link in feed.links}
    assert ("self", BASE + url) in links and ("alternate", BASE + page) in links
    expected = new_events(wanted)
    assert [e.id for e in parsed.entries] == [entry_id(x) for x in expected]
    for entry, event in zip(parsed.entries, expected, strict=True):
        assert entry.title == ("[Cancelled] " if event.cancelled else "") + event.title
        assert entry.link == BASE + urls.event(event.event_id)
        assert entry.published.startswith(event.first_seen)
        assert entry.updated == event.updated_at
        assert entry.updated_parsed >= entry.published_parsed
        assert entry.summary_detail.type == "text/html"  # the text escaped: it shows as text
        assert event.location in unescape(entry.summary)
    if expected:  # the feed changed when its latest entry did
        assert feed.updated == max(e.updated_at for e in expected)
    else:
        assert feed.updated.startswith("1970-01-01")


def test_the_site_feed_holds_the_expected_cases(site):
    entries = read(site, urls.new_atom()).entries
    titles = [e.title for e in entries]
    assert "[Cancelled] Intro to Rust (cancelled)" in titles
    assert "Lunch & Learn: Observability" not in titles  # a group's first import
    assert "DC Winter Tech Summit" not in titles  # first listed a month ago
    assert "Civic Hack Weekend" not in titles  # stored before first_seen existed
    rock = next(e for e in entries if e.title.startswith("Rock & Roll"))
    assert rock.title == "Rock & Roll </script><script>alert(1)</script> Night"  # text, escaped
    talk = next(e for e in entries if e.title.startswith("Python Night"))
    assert unescape(talk.summary) == (
        "Tuesday, December 1, 2026, 6:30 pm – 8:30 pm · 1776 I St NW, Washington, DC"
        " · Python Users Group DC"
    )


def test_at_most_fifty_entries_newest_first(tmp_path):
    store = fixture_store()
    base = listed_events()["pydc-december"]
    many = [
        replace(
            base,
            event_id=f"bulk{n:03d}",
            title=f"Bulk {n:03d}",
            first_seen=(TODAY - timedelta(days=n % 10)).isoformat(),
        )
        for n in range(70)
    ]
    store.put_events(many)
    build_fixture_site(tmp_path, store)
    entries = read(tmp_path, urls.new_atom()).entries
    assert len(entries) == MAX_ENTRIES
    seen = [e.published[:10] for e in entries]
    assert seen == sorted(seen, reverse=True) and seen[0] == TODAY.isoformat()
    assert len(read(tmp_path, urls.group_atom("pydc")).entries) == MAX_ENTRIES


def test_a_retitled_and_rescheduled_event_keeps_its_entry_id(tmp_path):
    """A move gives the event a new event_id, so a new page; the collector keeps its group,
    UID and first_seen (core.lifecycle), and a feed reader must not show it as new again."""
    store = fixture_store()
    old = listed_events()["pydc-december"]
    build_fixture_site(tmp_path, store)
    before = read(tmp_path, urls.new_atom()).entries
    (was,) = [e for e in before if e.link == BASE + urls.event(old.event_id)]
    moved = replace(
        old,
        event_id="pydc-december-moved",
        title="Python Night: Typing, Moved to Wednesday",
        start_datetime="2026-12-02T18:30:00",
        end_datetime="2026-12-02T20:30:00",
    )
    store.put_events([moved])
    store.delete_events([old.key])
    build_fixture_site(tmp_path, store)
    after = read(tmp_path, urls.new_atom()).entries
    (now,) = [e for e in after if e.title == moved.title]
    assert now.link == BASE + urls.event(moved.event_id) != was.link
    assert now.id == was.id == entry_id(old)
    assert now.id.startswith("tag:dctech.events,2026:pydc/")


def test_the_same_data_gives_the_same_bytes_and_a_rebuild_writes_nothing(tmp_path):
    first = build_fixture_site(tmp_path)
    before = {p: p.read_bytes() for p in tmp_path.rglob("*.atom")}
    again = build_fixture_site(tmp_path)
    assert first.files_written > 0 and again.files_written == 0
    assert {p: p.read_bytes() for p in tmp_path.rglob("*.atom")} == before


def test_a_later_day_drops_what_is_no_longer_new(tmp_path):
    build_fixture_site(tmp_path, today=date(2026, 12, 4))  # the window from 2026-11-21
    titles = [e.title for e in read(tmp_path, urls.new_atom()).entries]
    assert "DevFest Capital Region" in (tmp_path / "index.html").read_text()  # still on
    assert "DevFest Capital Region" not in titles  # first listed 2026-11-20
    assert "Accessibility Workshop" in titles


def test_each_page_with_a_feed_names_it_and_no_other_page_does(site):
    alternates = {page: url for url, (page, _) in feeds_of_the_site().items()}
    alternates[urls.home()] = urls.new_atom()
    for path in sorted(site.rglob("*.html")):
        relative = str(path.relative_to(site))
        page = "/" + relative.removesuffix("index.html")
        soup = BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")
        links = soup.select('head link[rel="alternate"][type="application/atom+xml"]')
        if page in alternates:
            assert [link["href"] for link in links] == [alternates[page]], relative
            assert links[0]["title"] == read(site, alternates[page]).feed.title
        else:
            assert links == [], relative
