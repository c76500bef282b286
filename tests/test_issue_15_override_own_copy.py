"""Issue 15 item 5: a curator's corrected `url` is evidence of whose copy an event is, as the
feed's own link would have been (collector.match.own_copy). Correcting a group's link to a page
of its own website makes its copy the one a cross-post keeps, with the corrected link; a
correction to another site takes nothing away from a copy the feed showed as the group's own."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from store_backends import make_event

import dctech
from collector.merge import merge_cross_posts
from collector.overrides import apply_overrides
from core.config import Override, override_file
from core.models import Group

REPO = Path(__file__).parent.parent
TODAY = "2026-12-01"
START = "2026-12-05T18:00:00"
PYDC = Group("pydc", "Python DC", "https://www.meetup.com/pydc/")
OWN_PAGE = "https://www.meetup.com/pydc/events/311/"


def copies(own: bool = False) -> list:
    """The same event (one event_id) from a co-host and from pydc, pydc's link off its site."""
    cohost = make_event("e1", START, group_id="aaa", url="https://lu.ma/x")
    pydc = make_event(
        "e1",
        START,
        group_id="pydc",
        group_name=PYDC.name,
        group_website=PYDC.website,
        url="https://lu.ma/x",
        source_uid="311@meetup.com",
        own_copy=own,
    )
    return [cohost, pydc]


def test_a_url_corrected_to_the_groups_own_page_makes_its_copy_the_kept_one():
    fix = Override("pydc", "311@meetup.com", "pydc/311@meetup.com.yaml", url=OWN_PAGE)
    applied = apply_overrides(copies(), [fix], {"pydc": PYDC})
    (kept,) = merge_cross_posts(applied.events).events
    assert (kept.group_id, kept.url, kept.own_copy) == ("pydc", OWN_PAGE, True)
    assert [a["group_id"] for a in kept.also_published_by] == ["aaa"]


def test_a_url_corrected_elsewhere_keeps_what_the_feed_showed():
    elsewhere = "https://www.eventbrite.com/e/311"
    fix = Override("pydc", "311@meetup.com", "pydc/311@meetup.com.yaml", url=elsewhere)
    for own in (True, False):
        applied = apply_overrides(copies(own), [fix], {"pydc": PYDC})
        pydc = next(e for e in applied.events if e.group_id == "pydc")
        assert (pydc.url, pydc.own_copy) == (elsewhere, own)


def feed(uid: str) -> bytes:
    """One cross-posted event, its link on neither group's site: the same event_id from both."""
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\n"
        f"UID:{uid}\r\nDTSTART:20261210T230000Z\r\nDTEND:20261211T010000Z\r\n"
        "SUMMARY:Rust Night\r\nLOCATION:1 Main St\\, Washington\\, DC\r\n"
        "URL:https://lu.ma/rust-night\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    ).encode()


def test_collect_keeps_the_copy_whose_link_a_curator_put_on_its_groups_site(
    tmp_path, feed_server, capsys
):
    groups = tmp_path / "_groups"
    groups.mkdir()
    for group_id, website in (("aaa", "https://aaa.example.org/"), ("pydc", PYDC.website)):
        url = feed_server.route(f"/{group_id}.ics", body=feed(f"{group_id}-1@x"))
        (groups / f"{group_id}.yaml").write_text(
            f"name: {group_id}\nwebsite: {website}\nical: {url}\n"
        )
    shutil.copy(REPO / "config.yaml", tmp_path / "config.yaml")
    shutil.copytree(REPO / "_categories", tmp_path / "_categories")
    overrides = tmp_path / "_overrides"
    overrides.mkdir()  # a named folder must exist (an empty one is no overrides)
    base = ["--store", f"sqlite:///{tmp_path}/store.db", "--config", str(tmp_path / "config.yaml")]
    collect = ["collect", *base, "--groups", str(groups), "--overrides", str(overrides)]
    events = ["events", *base, "--today", TODAY, "--format", "json"]

    def kept() -> tuple[str, str]:
        assert dctech.main([*collect, "--today", TODAY]) == 0
        capsys.readouterr()
        assert dctech.main(events) == 0
        (event,) = json.loads(capsys.readouterr().out)
        return event["group_id"], event["url"]

    assert kept() == ("aaa", "https://lu.ma/rust-night"), "neither copy is the group's own"
    (overrides / "pydc").mkdir()
    (overrides / override_file("pydc", "pydc-1@x")).write_text(f"url: {OWN_PAGE}\n")
    assert kept() == ("pydc", OWN_PAGE)
