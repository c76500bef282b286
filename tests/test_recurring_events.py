"""Curated series without a feed: `_recurring_events/<name>.yaml`, checked by `dctech check`,
expanded over the window as a feed's series is, and listed like single events."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, date, datetime, time

import pytest
from conftest import REPO

import dctech
from collector.recurring import series_occurrences
from collector.run import collect
from core.config import RecurringEvent, SingleEvent, load_catalogue, load_recurring_event
from core.limits import MAX_OCCURRENCES_PER_SERIES
from core.models import RECURRING_EVENT, SINGLE_EVENTS_GROUP, SiteConfig
from core.store.sqlite import SQLiteStore

HACK_NIGHT = (
    "title: Civic Hack Night\ndate: '2026-03-03'\ntime: '18:30'\nend_time: '21:00'\n"
    "rrule: 'FREQ=WEEKLY;BYDAY=TU'\nlocation: 1100 13th St NW, Washington, DC 20005\n"
)


@pytest.fixture
def repo(tmp_path):
    """A checkout with no groups, one topic and a `_recurring_events/` folder."""
    for folder in ("_groups", "_single_events", "_recurring_events", "_categories"):
        (tmp_path / folder).mkdir()
    (tmp_path / "_categories" / "govtech.yaml").write_text("name: GovTech\ndescription: Gov\n")
    shutil.copy(REPO / "config.yaml", tmp_path / "config.yaml")
    return tmp_path


def series(repo, name: str, text: str) -> RecurringEvent:
    path = repo / "_recurring_events" / f"{name}.yaml"
    path.write_text(text)
    return load_recurring_event(path, topics={"govtech"})


def occurrences(spec: RecurringEvent, today: date) -> list[tuple[str, str, str]]:
    found = series_occurrences([spec], SiteConfig(), today).events
    return [(e.start_datetime, e.end_datetime, e.source_uid) for e in found]


def test_a_series_file_is_a_first_occurrence_and_a_rule(repo):
    spec = series(repo, "hack", HACK_NIGHT + "until: '2026-06-30'\ncategories: [govtech]\n")
    assert spec.rrule == "FREQ=WEEKLY;BYDAY=TU" and (spec.until, spec.count) == (
        date(2026, 6, 30),
        None,
    )
    assert spec.first.date == date(2026, 3, 3) and spec.first.source_file == "hack"
    assert spec.first.categories == ("govtech",)
    catalogue = load_catalogue(
        repo / "_groups", categories_dir=repo / "_categories", recurring_events_dir=repo / "_r"
    )
    assert catalogue.recurring_events == ()  # no such folder: no series
    catalogue = load_catalogue(
        repo / "_groups", None, repo / "_categories", repo / "_recurring_events"
    )
    assert catalogue.recurring_events == (spec,)


@pytest.mark.parametrize(
    ("lines", "key", "says"),
    [
        ("rrule: 'FREQ=WEEKLY;BYDAY=XX'", "rrule", "is not an RRULE ('Expected weekday abbrev"),
        ("rrule: 'FREQ=WEEKLY;BYDAY=TU;X-FOO=1'", "rrule", "(\"unknown parameter 'X-FOO'\")"),
        ("rrule: 'FREQ=MONTHLY;BYDAY=53MO'", "rrule", "is not an RRULE ('list index out"),
        ("rrule: 'BYDAY=TU'", "rrule", "has no FREQ: write it like 'FREQ=WEEKLY;BYDAY=TU'"),
        ("rrule: 'RRULE:FREQ=WEEKLY'", "rrule", "write only what follows 'RRULE:'"),
        ("rrule: 'FREQ=WEEKLY;COUNT=3'", "rrule", "must not hold COUNT: give it as the 'count'"),
        ("rrule: 'FREQ=DAILY;INTERVAL=0'", "rrule", "INTERVAL must be at least 1, got 0"),
        ("rrule: 'FREQ=WEEKLY;BYDAY=WE'", "rrule", "first occurs 2026-03-04, not 2026-03-03"),
        (
            "rrule: 'FREQ=DAILY;BYHOUR=9'",
            "rrule",
            "first occurs 2026-03-04 09:30, not 2026-03-03 18:30",
        ),
        ("rrule: 'FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30'", "rrule", "never occurs on or after"),
        ("rrule: 'FREQ=WEEKLY'\nuntil: June", "until", "must be like '2026-12-31', got 'June'"),
        ("rrule: 'FREQ=WEEKLY'\nuntil: '2026-03-01'", "until", "is before date (2026-03-01 <"),
        ("rrule: 'FREQ=WEEKLY'\ncount: 0", "count", "must be at least 1, got 0"),
        ("rrule: 'FREQ=WEEKLY'\ncount: ten", "count", "must be a whole number of occurrences"),
        ("rrule: 'FREQ=WEEKLY'\ncount: 3\nuntil: '2026-04-01'", "count", "cannot be given with"),
        ("rrule: 'FREQ=WEEKLY'\nrepeat: weekly", "repeat", "unknown key"),
        ("", "rrule", "is required: add a line 'rrule: ...'"),
    ],
)
def test_dctech_check_names_the_file_the_key_and_the_reason(repo, capsys, lines, key, says):
    (repo / "_recurring_events" / "hack.yaml").write_text(
        f"title: Hack Night\ndate: '2026-03-03'\ntime: '18:30'\n{lines}\n"
    )
    assert dctech.main(["check", "--config", str(repo / "config.yaml")]) == 1  # folder beside it
    (problem,) = capsys.readouterr().err.splitlines()
    assert problem.startswith(f"error: {repo / '_recurring_events' / 'hack.yaml'}:")
    assert f"key '{key}':" in problem and says in problem


def test_a_long_bad_rule_is_quoted_short(repo, capsys):
    (repo / "_recurring_events" / "x.yaml").write_text(
        f"title: X\ndate: '2026-03-03'\nrrule: 'FREQ=WEEKLY;INTERVAL={'x' * 400}'\n"
    )
    assert dctech.main(["check", "--config", str(repo / "config.yaml")]) == 1
    err = capsys.readouterr().err
    assert "key 'rrule': is not an RRULE (" in err and "…" in err and len(err) < 300


def test_check_takes_the_recurring_events_folder_like_collect(repo, tmp_path_factory, capsys):
    elsewhere = tmp_path_factory.mktemp("series")
    (elsewhere / "x.yaml").write_text("title: X\ndate: '2026-03-03'\n")
    argv = ["check", "--config", str(repo / "config.yaml"), "--recurring-events", str(elsewhere)]
    assert dctech.main(argv) == 1
    assert "x.yaml: key 'rrule': is required" in capsys.readouterr().err
    assert dctech.main(argv[:3]) == 0


def test_the_wall_clock_time_holds_across_the_march_dst_change(repo):
    found = occurrences(series(repo, "hack", HACK_NIGHT), date(2026, 3, 1))
    assert len(found) == 13  # the Tuesdays of 2026-03-01 .. 2026-05-29
    assert {(start[11:], end[11:]) for start, end, _ in found} == {("18:30:00", "21:00:00")}
    assert found[:2] == [  # clocks go forward on 2026-03-08: the UTC instant moves, not 18:30
        ("2026-03-03T18:30:00", "2026-03-03T21:00:00", "recurring:hack#2026-03-03T23:30:00Z"),
        ("2026-03-10T18:30:00", "2026-03-10T21:00:00", "recurring:hack#2026-03-10T22:30:00Z"),
    ]


def test_the_wall_clock_time_holds_across_the_november_dst_change(repo):
    text = HACK_NIGHT.replace("2026-03-03", "2026-10-20") + "count: 3\n"
    assert occurrences(series(repo, "hack", text), date(2026, 10, 15)) == [
        ("2026-10-20T18:30:00", "2026-10-20T21:00:00", "recurring:hack#2026-10-20T22:30:00Z"),
        ("2026-10-27T18:30:00", "2026-10-27T21:00:00", "recurring:hack#2026-10-27T22:30:00Z"),
        ("2026-11-03T18:30:00", "2026-11-03T21:00:00", "recurring:hack#2026-11-03T23:30:00Z"),
    ]


def test_until_is_inclusive_and_count_counts_from_date_not_from_today(repo):
    until = series(repo, "a", HACK_NIGHT + "until: '2026-03-24'\n")
    assert [s[:10] for s, _, _ in occurrences(until, date(2026, 3, 1))] == [
        "2026-03-03",
        "2026-03-10",
        "2026-03-17",
        "2026-03-24",
    ]
    counted = series(repo, "b", HACK_NIGHT + "count: 3\n")
    assert [s[:10] for s, _, _ in occurrences(counted, date(2026, 3, 11))] == [
        "2026-03-17"  # the third of three; the first two have passed
    ]


def test_an_all_day_monthly_series_has_its_topics_on_every_occurrence(repo):
    spec = series(
        repo,
        "hack-day",
        "title: Hack Day\ndate: '2026-03-12'\nrrule: 'FREQ=MONTHLY;BYDAY=2TH'\n"
        "location: Arlington, VA\ncategories: [govtech]\nsubmitted_by: Ada\n",
    )
    events = series_occurrences([spec], SiteConfig(), date(2026, 3, 1)).events
    assert [(e.start_datetime, e.end_datetime) for e in events] == [
        ("2026-03-12T00:00:00", "2026-03-13T00:00:00"),
        ("2026-04-09T00:00:00", "2026-04-10T00:00:00"),
        ("2026-05-14T00:00:00", "2026-05-15T00:00:00"),
    ]
    assert {(e.all_day, e.state, e.submitted_by, e.group_id, e.source_type) for e in events} == {
        (True, "VA", "Ada", SINGLE_EVENTS_GROUP, RECURRING_EVENT)
    }
    assert all(e.categories == ["govtech"] for e in events)
    assert events[0].source_uid == "recurring:hack-day#2026-03-12"
    assert len({e.event_id for e in events}) == 3


def test_a_series_outside_the_area_has_no_occurrences(repo):
    text = HACK_NIGHT.replace("Washington, DC 20005", "New York, NY 10001")
    assert occurrences(series(repo, "ny", text), date(2026, 3, 1)) == []


def test_a_sub_daily_rule_is_capped_like_a_feeds_and_the_cut_is_reported(repo):
    spec = series(repo, "ticker", HACK_NIGHT.replace("WEEKLY;BYDAY=TU", "HOURLY"))
    found = series_occurrences([spec], SiteConfig(), date(2026, 3, 1))
    assert len(found.events) == MAX_OCCURRENCES_PER_SERIES  # of 2,100-odd in the window
    assert found.cut == [f"ticker.yaml cut at {MAX_OCCURRENCES_PER_SERIES} occurrences"]
    store = SQLiteStore(repo / "events.db")
    summary = collect(
        store,
        [],
        SiteConfig(),
        today=date(2026, 3, 1),
        now=datetime(2026, 3, 1, 17, tzinfo=UTC),
        recurring_events=[spec],
    )
    assert summary.new == MAX_OCCURRENCES_PER_SERIES
    assert summary.to_dict()["cut"] == {SINGLE_EVENTS_GROUP: found.cut}


def dctech_in(repo, *argv: str) -> int:
    store, config = f"sqlite:///{repo}/store.db", str(repo / "config.yaml")
    return dctech.main([argv[0], "--store", store, "--config", config, *argv[1:]])


def collect_on(repo, day: str) -> int:
    folders = {"--groups": "_groups", "--single-events": "_single_events"}
    folders |= {"--recurring-events": "_recurring_events", "--categories": "_categories"}
    options = [arg for flag, path in folders.items() for arg in (flag, str(repo / path))]
    return dctech_in(repo, "collect", *options, "--today", day)


def test_collect_stores_the_occurrences_and_retires_those_of_a_removed_series(repo, capsys):
    (repo / "_recurring_events" / "hack.yaml").write_text(HACK_NIGHT + "submitted_by: Ada\n")
    (repo / "_single_events" / "summit.yaml").write_text("title: Summit\ndate: '2026-03-05'\n")
    assert collect_on(repo, "2026-03-01") == 0
    assert "events: 14 new" in capsys.readouterr().out  # 13 Tuesdays and the summit
    assert dctech_in(repo, "events", "--today", "2026-03-01", "--format", "json") == 0
    listed = json.loads(capsys.readouterr().out)
    hack = [e for e in listed if e["title"] == "Civic Hack Night"]
    assert len(hack) == 13 and hack[0]["start_datetime"] == "2026-03-03T18:30:00"
    assert {(e["source_type"], e["submitted_by"], e["group_id"]) for e in hack} == {
        ("recurring_event", "Ada", "_single")
    }
    (repo / "_recurring_events" / "hack.yaml").unlink()
    assert collect_on(repo, "2026-03-02") == 0  # seen yesterday: still listed for a day
    assert "0 dropped" in capsys.readouterr().out
    assert collect_on(repo, "2026-03-03") == 0
    assert "12 dropped" in capsys.readouterr().out  # the 3rd's is kept: it starts today
    dctech_in(repo, "events", "--today", "2026-03-04", "--format", "json")
    assert [e["title"] for e in json.loads(capsys.readouterr().out)] == ["Summit"]


def test_the_example_in_the_folders_readme_is_a_valid_series(repo):
    readme = (REPO / "_recurring_events" / "README.md").read_text(encoding="utf-8")
    example = readme.split("```yaml\n", 1)[1].split("```", 1)[0]
    spec = series(repo, "example", example)
    assert spec.first == SingleEvent(
        title="Civic Hack Night",
        date=date(2026, 3, 3),
        source_file="example",
        time=time(18, 30),
        end_time=time(21),
        url="https://example.org/hack-night",
        location="1100 13th St NW, Washington, DC 20005",
        cost="Free",
        submitted_by="Jane Doe",
        submitter_link="https://example.org/~jane",
        categories=("govtech",),
    )
    assert len(occurrences(spec, date(2026, 3, 1))) == 13
