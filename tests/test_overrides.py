"""Curation without touching feeds (issue 15): `_overrides/<group_id>/<uid>.yaml` hides,
corrects or marks as a duplicate one feed event, by its stable UID, at collect time; `dctech
check` validates the files and warns about one that matches nothing; `dctech hide` writes one;
`dctech events` shows what is corrected."""

from __future__ import annotations

import json
import shutil

import pytest
from conftest import FIXTURES
from store_backends import make_event

import dctech
from collector.overrides import apply_overrides, credit_duplicates
from core.config import ConfigError, Override, load_override, override_file

TODAY = "2026-12-01"


@pytest.fixture
def project(tmp_path, feed_server):
    feed_server.route("/pydc.ics", body=(FIXTURES / "collect" / "pydc_v1.ics").read_bytes())
    (tmp_path / "_groups").mkdir()
    (tmp_path / "_groups" / "pydc.yaml").write_text(
        "name: Python DC\nwebsite: https://www.meetup.com/pydc/\n"
        f"ical: {feed_server.url('/pydc.ics')}\n"
    )
    shutil.copy(FIXTURES.parent.parent / "config.yaml", tmp_path / "config.yaml")
    shutil.copytree(FIXTURES.parent.parent / "_categories", tmp_path / "_categories")
    (tmp_path / "_overrides" / "pydc").mkdir(parents=True)
    return tmp_path


def run(project, *argv):
    store = f"sqlite:///{project}/store.db"
    return dctech.main(
        [argv[0], "--store", store, "--config", str(project / "config.yaml"), *argv[1:]]
    )


def folders(project):
    return ("--groups", str(project / "_groups"), "--overrides", str(project / "_overrides"))


def override(project, uid, text):
    path = project / "_overrides" / override_file("pydc", uid)
    path.write_text(text)
    return path


def listed(project, capsys):
    capsys.readouterr()
    assert run(project, "events", "--today", TODAY, "--format", "json") == 0
    return {e["source_uid"]: e for e in json.loads(capsys.readouterr().out)}


def test_a_hidden_event_is_never_stored_and_a_corrected_one_is_stored_corrected(project, capsys):
    override(project, "event_311@meetup.com", "hide: true\n")
    override(
        project,
        "event_312@meetup.com",
        "title: Hack Night (moved to DC)\nlocation: MLK Library, 901 G St NW, Washington, DC\n"
        "categories: [ai]\n",
    )
    assert run(project, "collect", *folders(project), "--today", TODAY) == 0
    events = listed(project, capsys)
    assert "event_311@meetup.com" not in events
    hack = events["event_312@meetup.com"]
    assert hack["title"] == "Hack Night (moved to DC)"
    assert (hack["state"], hack["city"]) == ("DC", "Washington")
    assert hack["categories"] == ["ai"]
    assert "event_313@meetup.com" in events
    assert run(project, "events", "--today", TODAY, "--overrides", str(project / "_overrides")) == 0
    table = capsys.readouterr().out
    assert "[corrected] Hack Night (moved to DC)" in table
    assert "1 feed event(s) hidden or merged by the overrides" in table


def test_hide_writes_the_override_that_the_next_collect_applies(project, capsys):
    assert run(project, "collect", *folders(project), "--today", TODAY) == 0
    target = listed(project, capsys)["event_313@meetup.com"]
    argv = (
        "hide",
        target["event_id"],
        "--today",
        TODAY,
        "--overrides",
        str(project / "_overrides"),
    )
    assert run(project, *argv) == 0
    written = project / "_overrides" / "pydc" / "event_313@meetup.com.yaml"
    assert load_override(written).hide is True
    assert run(project, *argv) == 2, "an existing override is not overwritten"
    assert run(project, "collect", *folders(project), "--today", TODAY) == 0
    assert "event_313@meetup.com" not in listed(project, capsys)


def test_hide_refuses_an_unknown_event(project, capsys):
    assert run(project, "collect", *folders(project), "--today", TODAY) == 0
    assert run(project, "hide", "f" * 64, "--today", TODAY) == 2
    assert "no upcoming event" in capsys.readouterr().err


def test_check_validates_overrides_and_warns_about_one_matching_nothing(project, capsys):
    override(project, "event_999@meetup.com", "hide: true\n")
    (project / "_overrides" / "nosuchgroup").mkdir()
    (project / "_overrides" / "nosuchgroup" / "x.yaml").write_text("hide: true\n")
    assert run(project, "collect", *folders(project), "--today", TODAY) == 0
    capsys.readouterr()
    assert run(project, "check", *folders(project)) == 0
    err = capsys.readouterr().err
    assert "warning:" in err and "pydc/event_999@meetup.com.yaml: matched no event" in err
    assert "nosuchgroup/x.yaml: no group 'nosuchgroup'" in err
    override(project, "event_311@meetup.com", "hide: yes please\n")
    assert run(project, "check", *folders(project)) == 1
    assert (
        "event_311@meetup.com.yaml:1: key 'hide': must be true or false" in capsys.readouterr().err
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{}\n", "changes nothing"),
        ("hide: true\ntitle: x\n", "a hidden or duplicate event shows nothing"),
        ("duplicate_of: abc\n", "must be an event_id"),
        ("titel: x\n", "did you mean 'title'?"),
        ("url: javascript:alert(1)\n", "must be an http\\(s\\) URL"),
    ],
)
def test_bad_overrides_name_the_file_and_key(tmp_path, text, message):
    path = tmp_path / "pydc" / "uid.yaml"
    path.parent.mkdir()
    path.write_text(text)
    with pytest.raises(ConfigError, match=message):
        load_override(path, topics={"ai"})


def test_a_file_name_round_trips_any_uid(tmp_path):
    uid = "abc/def ghi@google.com#2026-12-03T23:30:00Z"
    path = tmp_path / override_file("pydc", uid)
    path.parent.mkdir()
    path.write_text("hide: true\n")
    assert "/" not in path.name and load_override(path).source_uid == uid


def test_a_series_uid_covers_every_occurrence_and_duplicates_credit_the_original():
    series = [
        make_event(f"s{i}", f"2026-12-0{i}T18:00:00", source_uid=f"weekly@x#2026-12-0{i}")
        for i in (1, 2)
    ]
    original = make_event("orig", "2026-12-05T18:00:00", group_id="aaa", source_uid="o@x")
    repeat = make_event("rep", "2026-12-05T18:00:00", source_uid="r@x")
    overrides = [
        Override("dc-python", "weekly@x", "dc-python/weekly@x.yaml", hide=True),
        Override("dc-python", "r@x", "dc-python/r@x.yaml", duplicate_of="orig"),
    ]
    applied = apply_overrides([*series, original, repeat], overrides, {})
    assert [e.event_id for e in applied.events] == ["orig"]
    assert applied.matched == {"dc-python/weekly@x.yaml", "dc-python/r@x.yaml"}
    (credited,) = credit_duplicates(applied.events, applied.duplicates)
    assert [a["group_id"] for a in credited.also_published_by] == ["dc-python"]


def test_a_duplicates_group_adds_its_topics_to_the_kept_event_as_a_cross_post_would():
    """Issue 12 item 2: an event's topics are its group's and every cross-poster's; a duplicate
    marked by hand is a cross-post (the union, sorted, as collector/merge.py takes it)."""
    kept = make_event("orig", "2026-12-05T18:00:00", group_id="aaa", categories=["data", "ai"])
    first = make_event("rep1", "2026-12-05T18:00:00", source_uid="r1@x", categories=["python"])
    second = make_event(
        "rep2", "2026-12-05T18:00:00", group_id="zzz", source_uid="r2@x", categories=["cloud"]
    )
    again = make_event("rep3", "2026-12-05T18:00:00", source_uid="r3@x", categories=["python"])
    overrides = [
        Override("dc-python", "r1@x", "dc-python/r1@x.yaml", duplicate_of="orig"),
        Override("zzz", "r2@x", "zzz/r2@x.yaml", duplicate_of="orig"),
        Override("dc-python", "r3@x", "dc-python/r3@x.yaml", duplicate_of="orig"),
    ]
    applied = apply_overrides([kept, first, second, again], overrides, {})
    (credited,) = credit_duplicates(applied.events, applied.duplicates)
    assert credited.categories == ["ai", "cloud", "data", "python"]
    assert [a["group_id"] for a in credited.also_published_by] == ["dc-python", "zzz"]
    lone = make_event("lone", "2026-12-06T18:00:00", categories=["ai"])
    assert credit_duplicates([lone], applied.duplicates) == [lone]  # untouched: no duplicate


def test_a_duplicate_marked_by_hand_brings_its_groups_topics_through_collect(
    project, feed_server, capsys
):
    (project / "_groups" / "pydc.yaml").write_text(
        "name: Python DC\nwebsite: https://www.meetup.com/pydc/\n"
        f"ical: {feed_server.url('/pydc.ics')}\ncategories: [programming-languages]\n"
    )
    feed_server.route("/other.ics", body=OTHER_FEED)
    (project / "_groups" / "other.yaml").write_text(
        "name: Other\nwebsite: https://other.example.org/\n"
        f"ical: {feed_server.url('/other.ics')}\ncategories: [ai, data]\n"
    )
    assert run(project, "collect", *folders(project), "--today", TODAY) == 0
    kept = listed(project, capsys)["event_311@meetup.com"]
    assert kept["categories"] == ["programming-languages"]
    path = project / "_overrides" / override_file("other", "dup@other")
    path.parent.mkdir()
    path.write_text(f"duplicate_of: {kept['event_id']}\n")
    assert run(project, "collect", *folders(project), "--today", TODAY) == 0
    events = listed(project, capsys)
    assert "dup@other" not in events
    kept = events["event_311@meetup.com"]
    assert kept["categories"] == ["ai", "data", "programming-languages"]
    assert [a["group_id"] for a in kept["also_published_by"]] == ["other"]


OTHER_FEED = (
    b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\nUID:dup@other\r\n"
    b"DTSTART:20261210T230000Z\r\nDTEND:20261211T010000Z\r\nSUMMARY:Someone else's copy\r\n"
    b"LOCATION:1 Main St\\, Washington\\, DC\r\nURL:https://other.example.org/e/1\r\n"
    b"END:VEVENT\r\nEND:VCALENDAR\r\n"
)
