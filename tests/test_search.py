"""The search index (generator/search.py): Pagefind bundles of the upcoming events, one per month
(a busy one cut by week, a busy week by day), written through the writer under /search/pagefind/,
each made again only when what it indexes changed, bounded to the soonest SEARCH_CAP events, and
a clear error when Pagefind fails. tests/test_browser.py drives the page itself in Chromium."""

from __future__ import annotations

import gzip
import json
from dataclasses import replace
from datetime import date
from pathlib import Path

import boto3
import pytest
from bs4 import BeautifulSoup
from fixtures.events import (
    GROUPS,
    NOW_TS,
    SITE,
    TODAY,
    build_fixture_site,
    fixture_store,
    listed_events,
    load_events,
)
from moto import mock_aws

from core.store.sqlite import SQLiteStore
from generator import manifest, pagefind, search, search_page, urls
from generator.build import build_site
from generator.month_pages import month_id
from generator.pagefind import PagefindError
from generator.render import Renderer
from generator.writers import MANIFEST, S3Writer

BUNDLE = Path("search/pagefind")
SHARDS = ["2026-11", "2026-12", "2027-03"]  # the months the fixture's upcoming events start in


def current(site: Path) -> set[Path]:
    """The bundles' files this build made: an earlier index's stay a few days (the archive)."""
    entries = manifest.parse((site / MANIFEST).read_bytes())
    return {site / p for p, e in entries.items() if p.startswith(str(BUNDLE)) and not e.kept}


def records(site: Path) -> dict[str, dict]:
    """What the index holds, by result URL: each fragment, as the browser decodes it, with the
    shard (the month) it is in."""
    found = {}
    for path in current(site):
        if path.parent.name == "fragment":
            record = json.loads(gzip.decompress(path.read_bytes()).removeprefix(b"pagefind_dcd"))
            found[record["url"]] = record | {"shard": path.parent.parent.name}
    return found


def bundle(site: Path) -> dict[str, bytes]:
    files = (p for p in (site / BUNDLE).rglob("*") if p.is_file())
    return {str(p.relative_to(site)): p.read_bytes() for p in files}


def test_every_upcoming_event_is_indexed_in_its_months_bundle_with_what_results_show(tmp_path):
    build_fixture_site(tmp_path)
    assert sorted(p.name for p in (tmp_path / BUNDLE).iterdir()) == SHARDS
    entries = [
        json.loads((tmp_path / BUNDLE / w / "pagefind-entry.json").read_bytes()) for w in SHARDS
    ]
    listed = listed_events()
    assert sum(entry["languages"]["en"]["page_count"] for entry in entries) == len(listed)
    found = records(tmp_path)
    assert set(found) == {urls.event(e.event_id) for e in listed.values()}
    for event in listed.values():
        month = month_id(date.fromisoformat(event.start_datetime[:10]))
        assert found[urls.event(event.event_id)]["shard"] == month
    talk = found[urls.event(listed["pydc-december"].event_id)]
    assert talk["meta"] == {
        "title": "Python Night: Typing in Practice",
        "date": "Tuesday, December 1, 2026, 6:30 pm – 8:30 pm",
        "place": "1776 I St NW, Washington, DC",
        "group": "Python Users Group DC",
    }
    assert "Programming Languages" in talk["content"]  # its topic
    assert "Talks on typing, then pizza" in talk["content"]
    rust = found[urls.event(listed["cancelled-talk"].event_id)]
    assert rust["meta"]["cancelled"] == "Cancelled"
    rock = found[urls.event(listed["script-title"].event_id)]
    assert rock["meta"]["title"] == "Rock & Roll </script><script>alert(1)</script> Night"
    for shard in SHARDS:  # each bundle loads on its own: the search page's script picks the first
        names = {p.name for p in (tmp_path / BUNDLE / shard).iterdir()}
        assert {"pagefind.js", "pagefind-worker.js", "wasm.en.pagefind"} <= names
        assert not any(name.startswith(pagefind.UNUSED) for name in names)  # not used
    page = BeautifulSoup((tmp_path / "search/index.html").read_text(), "html.parser")
    bundles = page.select_one("form#search")["data-bundles"].split(" ")
    assert bundles == [urls.search_bundle(shard) for shard in SHARDS]
    script = tmp_path / urls.output_file(urls.search_script())
    assert script.read_bytes() == search.SCRIPT.read_bytes()


def test_a_changed_event_reindexes_only_its_month_and_leaves_the_other_months_untouched(
    tmp_path, monkeypatch
):
    indexed: list[list[str]] = []
    real = pagefind.Indexing.__init__

    def spy(self, shards, **kwargs):
        indexed.append(list(shards))
        real(self, shards, **kwargs)

    monkeypatch.setattr(pagefind.Indexing, "__init__", spy)
    store = fixture_store()
    build_fixture_site(tmp_path, store)
    before = bundle(tmp_path)
    again = build_fixture_site(tmp_path, store)
    assert again.files_written == 0 and bundle(tmp_path) == before
    assert indexed == [SHARDS]  # the rebuild indexed nothing
    others = [p for p in (tmp_path / BUNDLE).rglob("*") if p.is_file() and "2026-12" not in str(p)]
    stamps = {p: p.stat().st_mtime_ns for p in others}
    workshop = load_events()["submitted-workshop"]  # in 2026-12
    store.put_events([replace(workshop, title="Accessibility Workshop: screen readers")])
    build_fixture_site(tmp_path, store)
    assert indexed == [SHARDS, ["2026-12"]]
    assert {p: p.stat().st_mtime_ns for p in others} == stamps  # not written again
    after = {k: v for k, v in bundle(tmp_path).items() if tmp_path / k in current(tmp_path)}
    changed = {p for p in after if before.get(p) != after[p]}
    assert all(p.startswith(str(BUNDLE / "2026-12")) for p in changed)
    fragments = {p for p in changed if "/fragment/" in p}
    assert len(fragments) == 1  # the workshop's own record; the others are the same files
    assert str(BUNDLE / "2026-12/pagefind-entry.json") in changed
    found = records(tmp_path)
    assert found[urls.event(workshop.event_id)]["meta"]["title"].endswith("screen readers")
    assert len(found) == len(listed_events())  # the other months' records are still current


def test_a_busy_month_is_a_bundle_a_week_and_a_busy_week_a_bundle_a_day(tmp_path, monkeypatch):
    monkeypatch.setattr(search_page, "SHARD_EVENTS", 12)  # December: 13 in 2026-W49, 1 in W50
    build_fixture_site(tmp_path)
    events = listed_events().values()
    busy = [e for e in events if "2026-12-01" <= e.start_datetime < "2026-12-07"]
    days = sorted({e.start_datetime[:10] for e in busy})
    shards = ["2026-11", *days, "2026-12-W50", "2027-03"]
    assert sorted(p.name for p in (tmp_path / BUNDLE).iterdir()) == sorted(shards)
    found = records(tmp_path)
    assert all(found[urls.event(e.event_id)]["shard"] == e.start_datetime[:10] for e in busy)
    page = BeautifulSoup((tmp_path / "search/index.html").read_text(), "html.parser")
    bundles = page.select_one("form#search")["data-bundles"].split(" ")
    assert bundles == [urls.search_bundle(shard) for shard in shards]  # in start order


def test_only_the_soonest_events_up_to_the_cap_are_indexed_and_the_page_says_so(
    tmp_path, monkeypatch
):
    monkeypatch.setattr(search_page, "SEARCH_CAP", 5)
    build_fixture_site(tmp_path)
    soonest = sorted(listed_events().values(), key=lambda e: (e.start_datetime, e.event_id))[:5]
    assert set(records(tmp_path)) == {urls.event(e.event_id) for e in soonest}
    assert sorted(p.name for p in (tmp_path / BUNDLE).iterdir()) == ["2026-11", "2026-12"]
    page = BeautifulSoup((tmp_path / "search/index.html").read_text(), "html.parser")
    intro = page.select_one("p.intro").get_text()
    assert intro.startswith("Search the 5 upcoming events") and "later events" in intro


def test_a_site_with_nothing_to_search_says_so_and_builds(tmp_path):
    build_fixture_site(tmp_path, SQLiteStore(":memory:"))
    page = BeautifulSoup((tmp_path / "search/index.html").read_text(), "html.parser")
    assert page.find("form") is None and page.find("script", src=True) is None
    assert "nothing to search" in page.select_one("p.empty").get_text()
    assert not (tmp_path / BUNDLE).exists()


def test_a_failed_index_is_a_clear_error_and_leaves_the_folder_as_it_was(tmp_path, monkeypatch):
    store = fixture_store()
    build_fixture_site(tmp_path, store)
    before = {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()}
    store.put_events([replace(load_events()["devfest"], title="DevFest 2026")])
    monkeypatch.setattr(pagefind, "get_executable", lambda: Path("/bin/false"))
    with pytest.raises(PagefindError, match=r"^Pagefind stopped before"):
        build_fixture_site(tmp_path, store)
    assert {p: p.read_bytes() for p in tmp_path.rglob("*") if p.is_file()} == before


def test_the_index_is_built_while_pages_render_and_a_failed_render_stops_it(tmp_path, monkeypatch):
    started: list[pagefind.Indexing] = []
    real = pagefind.Indexing.__init__

    def spy(self, shards, **kwargs):
        real(self, shards, **kwargs)
        started.append(self)

    monkeypatch.setattr(pagefind.Indexing, "__init__", spy)

    def failing(self, page):
        assert started, "Pagefind starts before the first page renders"
        raise RuntimeError(f"cannot render {page.url}")

    monkeypatch.setattr(Renderer, "render", failing)
    with pytest.raises(RuntimeError, match="cannot render"):
        build_fixture_site(tmp_path / "site")
    (indexing,) = started
    assert not indexing._thread.is_alive()  # stopped with the build, not left running
    assert indexing._process.returncode is not None  # killed and reaped
    assert not (tmp_path / "site").exists()


def test_the_bundle_goes_to_s3_with_its_types_and_a_rebuild_uploads_nothing():
    with mock_aws():
        s3 = boto3.client("s3")
        s3.create_bucket(Bucket="site")
        options = {"site": SITE, "groups": GROUPS, "today": TODAY, "now_ts": NOW_TS}
        store = fixture_store()
        first = build_site(store, S3Writer("site"), **options)
        keys = {o["Key"] for o in s3.list_objects_v2(Bucket="site")["Contents"]}
        assert "search/pagefind/2026-12/pagefind-entry.json" in keys
        assert "search/search.js" in keys
        js = s3.head_object(Bucket="site", Key="search/pagefind/2027-03/pagefind.js")
        assert js["ContentType"].startswith("text/javascript")
        again = build_site(store, S3Writer("site"), **options)
        assert first.files_written > 0 and again.files_written == 0
