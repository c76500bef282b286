"""A rebuild renders exactly the files whose inputs changed, and never leaves a stale one.

Each case builds the fixture site, changes one input (an event, the daily touch, the day, the
month in the nav, the stylesheet, a template, the site settings, a topic's or a group's name,
the code), rebuilds over it and checks two things: the rebuilt folder is byte for byte what a
fresh build of the changed inputs gives (no stale file), and the files rendered again are
exactly the files whose bytes changed (nothing else is rendered). The events are the fixture's
from two days on, so no event ends between builds (the archive's kept pages are another
matter: tests/test_archive*.py). The search bundle is left out: Pagefind does not give the same
bytes twice for the same records, so it is remade only when they change (generator.search).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from functools import partial
from pathlib import Path

import pytest
from fixtures.events import CATEGORIES, FEED_STATES, GROUPS, NOW_TS, SITE, TODAY, load_events

from core.models import Touch
from core.store.sqlite import SQLiteStore
from generator import build as build_module
from generator import digest, manifest
from generator.build import build_site
from generator.digest import Lazy, plain_digest, stable_bytes
from generator.manifest import is_manifest
from generator.render import TEMPLATES, Renderer
from generator.views import TOUCHED, make_view
from generator.writers import FolderWriter

REPO = Path(__file__).resolve().parent.parent
SEARCH = "search/pagefind/"
LATER = TODAY + timedelta(days=2)


class Recording(FolderWriter):
    """A folder writer that notes the files rendered (those written with a digest)."""

    def __init__(self, path: Path) -> None:
        super().__init__(path)
        self.rendered: set[str] = set()

    def write(self, path: str, data: bytes, *, digest: str | None = None) -> None:
        if digest is not None and not path.startswith(SEARCH):
            self.rendered.add(path)
        super().write(path, data, digest=digest)


def upcoming() -> list:
    """The fixture events that start after LATER: none of them ends between these builds."""
    return [e for e in load_events().values() if e.start_date > LATER.isoformat()]


def store_of(events: list) -> SQLiteStore:
    store = SQLiteStore(":memory:")
    store.put_events(events)
    store.save_feed_states(FEED_STATES)
    return store


def build(out: Path, store: SQLiteStore, _before_=None, **overrides: object) -> set[str]:
    """Build into ``out`` (after calling ``_before_``: a change to the templates); the files
    rendered."""
    if _before_ is not None:
        _before_()
    writer = Recording(out)
    options = {"site": SITE, "groups": GROUPS, "categories": CATEGORIES, "today": TODAY}
    build_site(store, writer, **options | {"now_ts": NOW_TS} | overrides)
    return writer.rendered


def tree(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in folder.rglob("*")
        if p.is_file()
        and not is_manifest(p.name)
        and not str(p.relative_to(folder)).startswith(SEARCH)
    }


def kept(folder: Path) -> set[str]:
    """What the manifests record as kept: published before, no longer produced (the archive)."""
    entries: dict = {}
    for path in folder.glob(".dctech-manifest*.json"):
        entries |= manifest.parse(path.read_bytes())
    return {path for path, entry in entries.items() if entry.kept}


def check(
    tmp_path: Path, before: dict, after: dict, *, also: Callable[[str], bool] = lambda p: False
) -> set[str]:
    """Build with ``before``, rebuild with ``after`` (each: a store and build_site's options),
    compare with a fresh build of ``after``; return the files that changed. Every file that
    changed was rendered; a file rendered to the same bytes must be one ``also`` allows (it
    shows the changed input, though not where its bytes would change)."""
    site = tmp_path / "site"
    build(site, **before)
    old = tree(site)
    rendered = build(site, **after)
    new = tree(site)
    fresh = tmp_path / "fresh"
    build(fresh, **after)
    assert {p: new.get(p) for p in tree(fresh)} == tree(fresh), "a file is stale or missing"
    assert new.keys() - tree(fresh).keys() <= kept(site)  # what else is there, the archive kept
    changed = {path for path, data in new.items() if old.get(path) != data}
    assert {p for p in changed if not p.startswith("static/")} <= rendered  # assets: not rendered
    same = rendered - changed
    assert all(also(path) for path in same), sorted(p for p in same if not also(p))
    return changed


def mentions(folder: Path, *needles: str) -> Callable[[str], bool]:
    """Does the file at a path (in ``folder``, now) show any of ``needles``?"""
    return lambda path: any(n.encode() in (folder / path).read_bytes() for n in needles)


def test_a_rebuild_in_another_process_renders_nothing(tmp_path):
    """The digests depend on nothing but the inputs: not on the process (hash seeds differ)."""
    script = (
        "import sys; sys.path[:0] = [sys.argv[1], sys.argv[1] + '/tests']\n"
        "from fixtures.events import build_fixture_site\n"
        "from pathlib import Path\n"
        "r = build_fixture_site(Path(sys.argv[2]))\n"
        "print(r.files_rendered, r.files_written)\n"
    )
    runs = []
    for seed in ("1", "2"):
        done = subprocess.run(
            [sys.executable, "-c", script, str(REPO), str(tmp_path / "site")],
            capture_output=True,
            text=True,
            check=True,
            env=os.environ | {"PYTHONHASHSEED": seed},
        )
        runs.append(done.stdout.split())
    assert int(runs[0][0]) > 50
    assert runs[1] == ["0", "0"]


def test_an_event_whose_title_changed_rerenders_the_pages_that_show_it(tmp_path):
    events = upcoming()
    target = next(e for e in events if e.group_id == "civic-tech")
    retitled = [replace(e, title="Civic hack: a new title") if e is target else e for e in events]
    changed = check(tmp_path, {"store": store_of(events)}, {"store": store_of(retitled)})
    assert f"events/{target.event_id}/index.html" in changed
    assert f"events/{target.event_id}.ics" in changed
    assert "groups/civic-tech/index.html" in changed and "events.ics" in changed
    assert not any(p.startswith("events/") and target.event_id not in p for p in changed)


def test_a_description_changed_rerenders_what_shows_it(tmp_path):
    events = upcoming()
    target = events[0]
    edited = [replace(e, description="**Bring** a laptop.") if e is target else e for e in events]
    shows = mentions(tmp_path / "site", target.title)  # the newsletter has no description
    changed = check(tmp_path, {"store": store_of(events)}, {"store": store_of(edited)}, also=shows)
    assert f"events/{target.event_id}/index.html" in changed


def touch(event, day: str, ttl: int):
    """The event after the collector's daily "still seen" touch (core.models.Touch)."""
    seen = Touch(event.event_id, event.start_datetime, day, ttl)
    return replace(event, **{name: getattr(seen, name) for name in TOUCHED})


def test_the_daily_touch_rerenders_nothing(tmp_path):
    events = upcoming()
    touched = [touch(e, "2026-12-01", e.ttl + 86400) for e in events]
    assert check(tmp_path, {"store": store_of(events)}, {"store": store_of(touched)}) == set()


def test_a_new_updated_at_rerenders_what_prints_it(tmp_path):
    """The sitemap's lastmod and the Atom entries' updated show an event's updated_at (its
    content's last change): a page's digest covers what its context carries for it."""
    events = upcoming()
    edited = [replace(e, updated_at="2026-12-01T23:00:00+00:00") for e in events]
    # every event changed: its token covers updated_at, so whatever shows one is made again
    anything = lambda path: True  # noqa: E731
    changed = check(
        tmp_path, {"store": store_of(events)}, {"store": store_of(edited)}, also=anything
    )
    assert "sitemap.xml" in changed


def test_the_next_day_rerenders_what_says_what_day_it_is(tmp_path):
    day_after = {"today": TODAY + timedelta(days=1), "now_ts": NOW_TS + 86400}
    store = store_of(upcoming())
    # the index of groups is given each feed's health, but shows only whether it is failing
    index = "groups/index.html".__eq__
    changed = check(tmp_path, {"store": store}, {"store": store, **day_after}, also=index)
    assert "groups/pydc/index.html" in changed  # "Updated today" is now "Updated yesterday"
    assert not any(p.startswith("events/") for p in changed)


def test_a_new_month_rerenders_every_page_for_the_nav(tmp_path):
    days = TODAY.replace(day=1) + timedelta(days=31) - TODAY  # the 1st of the next month
    later = {"today": TODAY + days, "now_ts": NOW_TS + days.days * 86400}
    events = [e for e in upcoming() if e.start_date > (TODAY + days).isoformat()]
    changed = check(tmp_path, {"store": store_of(events)}, {"store": store_of(events), **later})
    assert {p for p in tree(tmp_path / "fresh") if p.endswith(".html")} <= changed


@pytest.fixture
def templates(tmp_path, monkeypatch):
    """A copy of templates/ that the build renders with, to change."""
    copy = tmp_path / "templates"
    shutil.copytree(TEMPLATES, copy)
    monkeypatch.setattr(build_module, "Renderer", partial(Renderer, templates=copy))
    return copy


def test_a_new_stylesheet_rerenders_every_page(tmp_path, templates):
    store = store_of(upcoming())
    css = templates / "static" / "site.css"
    restyle = {"store": store, "_before_": lambda: css.write_text("body { color: black }\n")}
    changed = check(tmp_path, {"store": store}, restyle)
    styled = {p for p, data in tree(tmp_path / "fresh").items() if b"/static/site." in data}
    assert len(styled) > 20 and styled <= changed


def test_a_changed_template_rerenders_everything(tmp_path, templates):
    """A template or the code changes at a deploy: the whole site is rendered once (a page
    may use any template, and the search index its own), and only what changed is written."""
    store = store_of(upcoming())
    page = templates / "event.html"
    edit = lambda: page.write_text(page.read_text().replace("About this event", "About it"))  # noqa: E731
    site = tmp_path / "site"
    everything = build(site, store)
    changed = check(
        tmp_path, {"store": store}, {"store": store, "_before_": edit}, also=everything.__contains__
    )
    assert changed and all(p.startswith("events/") and p.endswith("/index.html") for p in changed)


def test_changed_site_settings_rerender_what_shows_them(tmp_path):
    store = store_of(upcoming())
    renamed = replace(SITE, tagline="Every tech event in the DMV")
    # a page reads the settings whole (`site`), as Atom feeds do: they are made again; the
    # calendars, which read none but the timezone (through the events' times), are not
    reads_site = lambda path: not path.endswith(".ics")  # noqa: E731
    changed = check(tmp_path, {"store": store}, {"store": store, "site": renamed}, also=reads_site)
    assert "index.html" in changed


def test_a_renamed_topic_rerenders_its_badges(tmp_path):
    store = store_of(upcoming())
    renamed = [replace(c, name="Cloud and Ops") if c.slug == "cloud" else c for c in CATEGORIES]
    # an event's view carries its badges: what lists one of its events is made again
    tagged = [e.title for e in upcoming() if "cloud" in e.categories]
    shows = mentions(tmp_path / "site", *tagged)
    changed = check(tmp_path, {"store": store}, {"store": store, "categories": renamed}, also=shows)
    assert "topics/cloud/index.html" in changed and "topics/index.html" in changed


def test_a_renamed_group_rerenders_its_pages(tmp_path):
    store = store_of(upcoming())
    renamed = [
        replace(g, name="Civic Hackers") if g.group_id == "civic-tech" else g for g in GROUPS
    ]
    changed = check(tmp_path, {"store": store}, {"store": store, "groups": renamed})
    assert "groups/civic-tech/index.html" in changed and "groups/index.html" in changed


def test_new_code_rerenders_everything(tmp_path, monkeypatch):
    store = store_of(upcoming())
    site = tmp_path / "site"
    everything = build(site, store)
    monkeypatch.setattr(digest, "_version", lambda library: "a new version")
    assert build(site, store) == everything


def test_the_code_digest_follows_every_source_file(tmp_path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "a.py").write_text("A = 1\n")
    before = digest.source_digest([tmp_path / "pkg"])
    (tmp_path / "pkg" / "a.py").write_text("A = 2\n")
    assert digest.source_digest([tmp_path / "pkg"]) != before


def test_no_template_reads_what_the_daily_touch_changes():
    """A view's token leaves out updated_at, last_seen_date and ttl (the touch moves them
    daily): a template reading them through an event would go stale. What needs one (the
    sitemap's lastmod) gets it in its page's context, which the page's digest covers."""
    for path in TEMPLATES.rglob("*.*"):
        if path.suffix in {".html", ".xml", ".txt"}:
            text = path.read_text()
            for name in ("updated_at", "last_seen_date", "ttl"):
                assert f".{name}" not in text, (path.name, name)


def test_what_cannot_be_digested_fails_the_build_rather_than_go_stale():
    with pytest.raises(TypeError):
        stable_bytes({"rows": (n for n in range(3))})  # a generator: its items would not count
    with pytest.raises(TypeError, match="module-level"):
        Lazy(lambda: 1)
    with pytest.raises(TypeError, match="no plain data"):
        plain_digest((1, object()))  # its repr is its address: every build would differ
    assert stable_bytes({"a": [1, "x"]}) == stable_bytes({"a": [1, "x"]})
    assert stable_bytes(Lazy(str.upper, "x")) != stable_bytes(Lazy(str.upper, "y"))
    assert str(Lazy(str.upper, "x")) == "X"


def test_touches_leave_the_view_token_alone():
    event = upcoming()[0]
    touched = touch(event, "2026-12-09", 1)
    assert touched != event

    def view(e):
        return make_view(e, site=SITE, tz=__import__("zoneinfo").ZoneInfo(SITE.timezone),
                         root="", today=TODAY, topics={}, image="https://x/card.png")  # fmt: skip

    assert view(touched).token == view(event).token
    assert view(replace(event, title="Other")).token != view(event).token
