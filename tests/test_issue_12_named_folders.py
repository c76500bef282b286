"""Found in review: `--groups` naming no folder was an error, but `--single-events`,
`--recurring-events`, `--categories` and `--overrides` naming none read as an empty folder. A
typo in `collect --single-events` then retired every stored single event, and one in
`--categories` came out as an "unknown topic" error for each group. A folder named on the
command line must exist; only an absent default folder means none of its files."""

from __future__ import annotations

import pytest

import dctech
from core.models import SINGLE_EVENTS_GROUP
from core.store.sqlite import SQLiteStore

OPTIONS = ["--groups", "--single-events", "--categories", "--recurring-events", "--overrides"]


def checkout(tmp_path):
    (tmp_path / "_groups").mkdir()
    (tmp_path / "_single_events").mkdir()
    (tmp_path / "_single_events" / "workshop.yaml").write_text(
        "title: Accessibility Workshop\ndate: '2026-12-10'\ntime: '10:00'\n"
        "url: https://example.org/workshop\nlocation: 1100 13th St NW, Washington, DC 20005\n"
    )
    store = f"sqlite:///{tmp_path}/events.db"
    common = ["--store", store, "--today", "2026-12-01", "--groups", str(tmp_path / "_groups")]
    return store, common


def titles(tmp_path):
    store = SQLiteStore(str(tmp_path / "events.db"))
    try:
        return [e.title for e in store.query_by_group(SINGLE_EVENTS_GROUP)]
    finally:
        store.close()


def test_a_mistyped_single_events_folder_stops_collect_and_keeps_the_stored_events(
    tmp_path, capsys
):
    _, common = checkout(tmp_path)
    singles = ["--single-events", str(tmp_path / "_single_events")]
    assert dctech.main(["collect", *common, *singles]) == 0
    assert titles(tmp_path) == ["Accessibility Workshop"]
    with pytest.raises(SystemExit) as stopped:
        dctech.main(["collect", *common, "--single-events", str(tmp_path / "_single_event")])
    assert stopped.value.code == 2
    assert "--single-events: no such folder" in capsys.readouterr().err
    assert titles(tmp_path) == ["Accessibility Workshop"]


@pytest.mark.parametrize("command", ["collect", "build", "refresh", "check"])
@pytest.mark.parametrize("option", OPTIONS)
def test_every_folder_option_must_name_a_folder(tmp_path, capsys, command, option):
    _, common = checkout(tmp_path)
    argv = [command, *common, option, str(tmp_path / "missing")]
    if command == "check":
        argv = [a for a in argv if a not in common[2:4]]  # check takes no --today
    with pytest.raises(SystemExit) as stopped:
        dctech.main(argv)
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert f"argument {option}: no such folder: " in err and "missing" in err


@pytest.mark.parametrize(
    "argv",
    [
        ["events", "--overrides"],  # a typo would show no "[corrected]" marks
        ["hide", "abc123", "--overrides"],  # a typo would write the override where none reads it
        ["add-group", "https://example.org/feed.ics", "--groups"],  # or the group file
    ],
    ids=["events", "hide", "add-group"],
)
def test_the_other_commands_folder_options_must_name_a_folder(tmp_path, capsys, argv):
    with pytest.raises(SystemExit) as stopped:
        dctech.main([*argv, str(tmp_path / "missing")])
    assert stopped.value.code == 2
    assert f"argument {argv[-1]}: no such folder: " in capsys.readouterr().err
