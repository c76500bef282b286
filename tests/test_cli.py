"""`dctech` as a user runs it: exit codes, what it prints, and errors that name file and key."""

from __future__ import annotations

import json
import shutil

import pytest
from conftest import FIXTURES

import dctech


@pytest.fixture
def project(tmp_path, feed_server):
    """A checkout: two groups (one feed down), a single event, a config file."""
    feed_server.route("/pydc.ics", body=(FIXTURES / "collect" / "pydc_v1.ics").read_bytes())
    feed_server.route("/down.ics", status=404)
    (tmp_path / "_groups").mkdir()
    (tmp_path / "_groups" / "pydc.yaml").write_text(
        "name: Python DC\nwebsite: https://www.meetup.com/pydc/\n"
        f"ical: {feed_server.url('/pydc.ics')}\n"
    )
    (tmp_path / "_groups" / "down.yaml").write_text(
        f"name: Down\nwebsite: https://example.org/\nical: {feed_server.url('/down.ics')}\n"
    )
    (tmp_path / "_single_events").mkdir()
    (tmp_path / "_single_events" / "summit.yaml").write_text(
        "title: DC Cloud Summit\ndate: '2026-12-05'\ntime: '9:00 am'\nend_time: '17:00'\n"
        "location: 1000 Wilson Blvd, Arlington, VA 22209\nurl: https://example.org/summit\n"
        "submitted_by: Ada\n"
    )
    shutil.copy(FIXTURES.parent.parent / "config.yaml", tmp_path / "config.yaml")
    return tmp_path


def dctech_in(project, *argv):
    store = f"sqlite:///{project}/store.db"
    return dctech.main(
        [argv[0], "--store", store, "--config", str(project / "config.yaml"), *argv[1:]]
    )


def collect_args(project):
    return (
        "--groups",
        str(project / "_groups"),
        "--single-events",
        str(project / "_single_events"),
        "--today",
        "2026-12-01",
    )


def test_collect_reports_each_feed_and_a_summary_and_exits_0_despite_a_failure(project, capsys):
    assert dctech_in(project, "collect", *collect_args(project)) == 0
    out = capsys.readouterr().out
    assert "down" in out and "FAILED: HTTP 404" in out
    assert "groups: 1 ok, 1 failed | events: 4 new, 0 updated, 0 unchanged, 0 dropped" in out
    assert "warning: 1 feed(s) failed" in out


def test_strict_collect_exits_1_when_a_feed_failed(project):
    assert dctech_in(project, "collect", *collect_args(project), "--strict") == 1


def test_events_lists_what_the_store_holds_including_single_events(project, capsys):
    dctech_in(project, "collect", *collect_args(project))
    capsys.readouterr()
    assert dctech_in(project, "events", "--today", "2026-12-01", "--format", "json") == 0
    events = json.loads(capsys.readouterr().out)
    summit = next(e for e in events if e["title"] == "DC Cloud Summit")
    assert summit["source_type"] == "single_event" and summit["submitted_by"] == "Ada"
    assert (summit["start_datetime"], summit["end_datetime"]) == (
        "2026-12-05T09:00:00",
        "2026-12-05T17:00:00",
    )
    assert summit["state"] == "VA"
    assert [e["start_datetime"] for e in events] == sorted(e["start_datetime"] for e in events)
    dctech_in(project, "events", "--today", "2026-12-01")
    assert "4 upcoming events" in capsys.readouterr().out


def test_feeds_shows_health(project, capsys):
    dctech_in(project, "collect", *collect_args(project))
    capsys.readouterr()
    dctech_in(project, "feeds", "--format", "json")
    states = {s["group_id"]: s for s in json.loads(capsys.readouterr().out)}
    assert states["down"]["error"] == "HTTP 404" and states["pydc"]["events_parsed"] == 3


def test_invalid_group_file_names_file_and_key_and_exits_2(project, capsys):
    (project / "_groups" / "bad.yaml").write_text("name: Bad\nwebsite: ftp://example.org\n")
    assert dctech_in(project, "collect", *collect_args(project)) == 2
    err = capsys.readouterr().err
    assert "bad.yaml" in err and "website" in err


def test_unquoted_time_in_a_single_event_is_a_clear_error(project, capsys):
    (project / "_single_events" / "summit.yaml").write_text(
        "title: X\ndate: '2026-12-05'\ntime: 10:00\n"
    )
    assert dctech_in(project, "collect", *collect_args(project)) == 2
    err = capsys.readouterr().err
    assert "summit.yaml" in err and "time" in err and "'10:00'" in err


def test_unknown_store_url_is_a_clear_error(project, capsys):
    assert dctech.main(["events", "--store", "postgres://x"]) == 2
    assert "sqlite:///PATH" in capsys.readouterr().err


def test_check_lists_every_problem(project, capsys):
    (project / "_groups" / "bad.yaml").write_text("name: Bad\nwebsite: ftp://example.org\n")
    (project / "_groups" / "worse.yaml").write_text("name: Worse\nwebsit: https://x.org\n")
    assert dctech_in(project, "check") == 1
    err = capsys.readouterr().err
    assert "bad.yaml" in err and "worse.yaml" in err
