"""Config loading: good files round-trip; every bad one names the file, the key and the fix."""

from __future__ import annotations

from datetime import date, time
from pathlib import Path

import pytest

from core.config import (
    ConfigError,
    ConfigErrors,
    SingleEvent,
    load_group,
    load_groups,
    load_single_event,
    load_single_events,
    load_site_config,
    validate_all,
)
from core.models import Group, SiteConfig

FIXTURES = Path(__file__).parent / "fixtures"
GROUPS_GOOD = FIXTURES / "groups_good"
GROUPS_BAD = FIXTURES / "groups_bad"
SINGLES_GOOD = FIXTURES / "single_events_good"
SINGLES_BAD = FIXTURES / "single_events_bad"


def _error(load, path: Path) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        load(path)
    return caught.value


def test_groups_round_trip():
    assert load_groups(GROUPS_GOOD) == [
        Group(
            group_id="full-group",
            name="Full Group: Every Key",
            website="https://www.meetup.com/full-group/",
            ical="https://www.meetup.com/full-group/events/ical/",
            active=True,
            fallback_url="https://www.meetup.com/full-group/events/",
            suppress_urls=(
                "https://www.meetup.com/full-group/events/111/",
                "https://www.meetup.com/full-group/events/222/",
            ),
            submitted_by="Jane Doe",
            submitter_link="https://example.org/jane",
        ),
        Group(
            group_id="local_feed",
            name="Local Feed Group",
            website="https://example.org/local",
            ical="tests/fixtures/feeds/local.ics",
            active=False,
        ),
        Group(group_id="minimal", name="Minimal Group", website="https://example.org/"),
    ]


@pytest.mark.parametrize(
    ("filename", "key", "line", "says"),
    [
        ("colon_in_name.yaml", "name", 1, "put the value in quotes: name: 'DC Python: Monthly"),
        ("unknown_key.yaml", "tags", 3, "unknown key"),
        ("wrong_type.yaml", "active", 3, "must be true or false, got 'maybe'"),
        ("bad_url.yaml", "website", 2, "must be an http(s) URL, got 'ftp://example.org/'"),
        ("javascript_url.yaml", "fallback_url", 3, "got 'javascript:alert(1)'"),
        ("feed_outside_repo.yaml", "ical", 3, "or a path relative to the repository"),
        ("missing_name.yaml", "name", None, "is required"),
        ("suppress_not_list.yaml", "suppress_urls", 3, "must be a list of event URLs"),
        ("duplicate_key.yaml", "name", 3, "appears twice"),
    ],
)
def test_bad_group_names_file_line_and_key(filename, key, line, says):
    path = GROUPS_BAD / filename
    error = _error(load_group, path)
    assert (error.path, error.field, error.line) == (path, key, line)
    assert str(error).startswith(f"{path}:{line}:" if line else f"{path}:")
    assert f"key '{key}':" in str(error)
    assert says in str(error)


@pytest.mark.parametrize(
    ("filename", "says"),
    [
        ("DC Bad.Stem.yaml", "rename it dc-bad-stem.yaml"),
        ("empty.yaml", "the file is empty"),
        ("list_top_level.yaml", "must be a mapping"),
    ],
)
def test_bad_group_file_names_the_file(filename, says):
    path = GROUPS_BAD / filename
    error = _error(load_group, path)
    assert error.path == path
    assert str(error).startswith(f"{path}: ")
    assert says in str(error)


def test_unknown_key_suggests_the_likely_one(tmp_path):
    path = tmp_path / "typo.yaml"
    path.write_text("name: Typo\nwebsit: https://example.org/\nid: typo\n")
    error = _error(load_group, path)
    assert isinstance(error, ConfigErrors)
    messages = [str(problem) for problem in error.problems()]
    assert any("key 'websit': unknown key; did you mean 'website'?" in m for m in messages)
    assert any("key 'id':" in m and "the file name is the group id" in m for m in messages)
    assert any("key 'website': is required" in m for m in messages)


def test_number_or_boolean_where_text_is_expected(tmp_path):
    path = tmp_path / "numbers.yaml"
    path.write_text("name: 1776\nwebsite: https://example.org/\nsubmitted_by: yes\n")
    messages = [str(problem) for problem in _error(load_group, path).problems()]
    assert messages == [
        f"{path}:1: key 'name': must be text, but YAML read 1776 as 1776; "
        "put it in quotes: name: '1776'",
        f"{path}:3: key 'submitted_by': must be text, but YAML read yes as True; "
        "put it in quotes: submitted_by: 'yes'",
    ]


def test_load_groups_reports_every_broken_file_at_once():
    error = _error(load_groups, GROUPS_BAD)
    assert isinstance(error, ConfigErrors)
    reported = {problem.path.name for problem in error.problems()}
    assert reported == {path.name for path in GROUPS_BAD.iterdir()}
    assert "rename it wrong_extension.yaml" in str(error)
    assert str(error).startswith(f"{len(error.problems())} configuration problems:\n")


def test_missing_groups_directory_is_an_error(tmp_path):
    assert "directory not found" in str(_error(load_groups, tmp_path / "nope"))


def test_single_events_round_trip_in_date_order():
    assert load_single_events(SINGLES_GOOD) == [
        SingleEvent(
            title="Evening Talk",
            date=date(2026, 11, 30),
            source_file="pm-time",
            time=time(18, 30),
            end_time=time(20, 0),
            cost="10.50",
        ),
        SingleEvent(
            title="Civic Hack Night: Open Data",
            date=date(2026, 12, 1),
            source_file="unquoted-date",
            time=time(18, 30),
            end_time=time(21, 0),
            url="https://example.org/hack-night",
            location="1100 13th St NW, Washington, DC 20005",
            cost="Free",
            submitted_by="Jane Doe",
            submitter_link="https://example.org/jane",
        ),
        SingleEvent(
            title="Two-Day Conference",
            date=date(2026, 12, 3),
            source_file="all-day-conference",
            end_date=date(2026, 12, 4),
            location="Arlington, VA",
        ),
    ]


@pytest.mark.parametrize(
    ("filename", "key", "says"),
    [
        ("unquoted_time.yaml", "time", "as the number 600; put it in quotes: time: '10:00'"),
        ("colon_in_title.yaml", "title", "put the value in quotes: title: 'Workshop: Intro"),
        ("bad_date.yaml", "date", "must be like '2026-12-01', got '12/01/2026'"),
        ("impossible_date.yaml", "date", "got '2026-02-30'"),
        ("bad_time.yaml", "time", "got '25:00'"),
        ("end_before_start.yaml", "end_date", "is before date"),
        ("javascript_url.yaml", "url", "must be an http(s) URL, got 'javascript:alert(1)'"),
        ("missing_title.yaml", "title", "is required"),
        ("unknown_key.yaml", "venue", "unknown key"),
    ],
)
def test_bad_single_event_names_file_and_key(filename, key, says):
    path = SINGLES_BAD / filename
    error = _error(load_single_event, path)
    assert (error.path, error.field) == (path, key)
    assert str(path) in str(error)
    assert f"key '{key}':" in str(error)
    assert says in str(error)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("'9:05'", time(9, 5)),
        ("'18:30:15'", time(18, 30, 15)),
        ("6pm", time(18, 0)),
        ("12:15 am", time(0, 15)),
        ("12 noon", None),
        ("13 pm", None),
        ("'10:60'", None),
    ],
)
def test_time_formats(tmp_path, text, expected):
    path = tmp_path / "talk.yaml"
    path.write_text(f"title: Talk\ndate: '2026-12-01'\ntime: {text}\n")
    if expected is None:
        assert _error(load_single_event, path).field == "time"
    else:
        assert load_single_event(path).time == expected


def test_end_time_rules(tmp_path):
    path = tmp_path / "talk.yaml"
    path.write_text("title: T\ndate: '2026-12-01'\nend_time: '20:00'\n")
    assert "needs a start 'time'" in str(_error(load_single_event, path))
    path.write_text("title: T\ndate: '2026-12-01'\ntime: '20:00'\nend_time: '19:00'\n")
    assert "is before time" in str(_error(load_single_event, path))
    path.write_text(
        "title: T\ndate: '2026-12-01'\nend_date: '2026-12-02'\ntime: '20:00'\nend_time: '01:00'\n"
    )
    assert load_single_event(path).end_time == time(1, 0)


def test_missing_single_events_directory_means_none(tmp_path):
    assert load_single_events(tmp_path / "nope") == []


def test_site_config_round_trip_and_defaults(tmp_path):
    assert load_site_config(tmp_path / "missing.yaml") == SiteConfig()
    path = tmp_path / "config.yaml"
    path.write_text("")
    assert load_site_config(path) == SiteConfig()
    path.write_text(
        "site_name: Test Events\ntagline: ''\nbase_url: https://test.example/\n"
        "timezone: America/Chicago\nonly_states: [VA, DC, VA]\n"
    )
    assert load_site_config(path) == SiteConfig(
        site_name="Test Events",
        tagline="",
        base_url="https://test.example",
        timezone="America/Chicago",
        only_states=("VA", "DC"),
    )


@pytest.mark.parametrize(
    ("text", "key", "says"),
    [
        ("timezone: Mars/Olympus_Mons\n", "timezone", "must be a time zone name"),
        ("timezone: ../../etc/passwd\n", "timezone", "must be a time zone name"),
        ("only_states: [DC, NY]\n", "only_states", "must list some of DC, MD, VA"),
        ("only_states: []\n", "only_states", "must list some of DC, MD, VA"),
        ("only_states: DC\n", "only_states", "must be a list"),
        ("base_url: javascript:alert(1)\n", "base_url", "must be an http(s) URL"),
        ("site_name: Site\ntheme: dark\n", "theme", "unknown key"),
    ],
)
def test_bad_site_config_names_file_and_key(tmp_path, text, key, says):
    path = tmp_path / "config.yaml"
    path.write_text(text)
    error = _error(load_site_config, path)
    assert (error.path, error.field) == (path, key)
    assert f"config.yaml:{error.line}: key '{key}':" in str(error)
    assert says in str(error)


def test_validate_all_reports_every_problem_in_a_checkout(tmp_path):
    (tmp_path / "_groups").mkdir()
    (tmp_path / "_single_events").mkdir()
    (tmp_path / "config.yaml").write_text("timezone: Nowhere/Land\n")
    (tmp_path / "_groups" / "broken.yaml").write_text("name: Broken\nwebsite: ftp://x\n")
    (tmp_path / "_groups" / "local.yaml").write_text(
        "name: Local\nwebsite: https://example.org/\nical: feeds/missing.ics\n"
    )
    talk = "title: T\ndate: 2026-12-01\ntime: 10:00\n"
    (tmp_path / "_single_events" / "talk.yaml").write_text(talk)
    found = {(p.path.relative_to(tmp_path).as_posix(), p.field) for p in validate_all(tmp_path)}
    assert found == {
        ("config.yaml", "timezone"),
        ("_groups/broken.yaml", "website"),
        ("_groups/local.yaml", "ical"),
        ("_single_events/talk.yaml", "time"),
    }
    (tmp_path / "feeds").mkdir()
    (tmp_path / "feeds" / "missing.ics").write_text("BEGIN:VCALENDAR\nEND:VCALENDAR\n")
    assert len(validate_all(tmp_path)) == 3
