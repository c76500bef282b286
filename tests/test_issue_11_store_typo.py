"""Issue 11, item 7: a mistyped store path is an error for the commands that only read.

`--store sqlite:///nonexist/x.db` once made an empty database and reported 0 events. Now
`events`, `feeds` and `build` refuse it in one line naming the path (exit 2) and create nothing;
`collect` (and so `refresh`) still creates the store. `serve` creates nothing either, but serves
the site anyway with a note (its API answers 503 until the store exists; see
tests/test_serve_without_store.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest

import dctech
from generator import preview

REPO = Path(__file__).parent.parent
READ_ONLY = [["events"], ["feeds"], ["build", "--today", "2026-12-01"]]


@pytest.fixture
def checkout(tmp_path, monkeypatch):
    """An empty working folder: relative paths resolve here, as for a user in a checkout."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DCTECH_STORE", raising=False)
    (tmp_path / "_groups").mkdir()
    (tmp_path / "_single_events").mkdir()
    monkeypatch.setattr(preview, "serve", lambda *args, **kwargs: None)
    return tmp_path


@pytest.mark.parametrize("command", READ_ONLY, ids=lambda c: c[0])
def test_a_read_only_command_refuses_a_store_that_does_not_exist(checkout, command, capsys):
    config = ["--config", str(REPO / "config.yaml")]
    assert dctech.main([*command, *config, "--store", "sqlite:///nonexist/x.db"]) == 2
    assert capsys.readouterr().err == (
        "error: no event store at nonexist/x.db: run `dctech collect` first (or pass --store)\n"
    )
    assert sorted(p.name for p in checkout.iterdir()) == ["_groups", "_single_events"]

    # the default store too, and collect is what creates it
    assert dctech.main([*command, *config]) == 2
    assert "no event store at .dctech/events.db" in capsys.readouterr().err
    assert dctech.main(["collect", *config, "--today", "2026-12-01"]) == 0
    assert (checkout / ".dctech" / "events.db").is_file()
    assert dctech.main([*command, *config]) == 0


def test_serve_notes_a_store_that_does_not_exist_and_creates_nothing(checkout, capsys):
    config = ["--config", str(REPO / "config.yaml")]
    assert dctech.main(["serve", *config, "--store", "sqlite:///nonexist/x.db"]) == 0
    assert capsys.readouterr().out == (
        "note: the API has no store yet: no event store at nonexist/x.db: run `dctech collect`"
        " first (or pass --store)\n"
    )
    assert sorted(p.name for p in checkout.iterdir()) == ["_groups", "_single_events"]


def test_serve_still_refuses_a_store_url_it_cannot_use(checkout, capsys):
    config = ["--config", str(REPO / "config.yaml")]
    assert dctech.main(["serve", *config, "--store", "postgres://nowhere/x"]) == 2
    assert capsys.readouterr().err.startswith("error: ")
