"""Issue 11, item 7: a reader that closes the pipe early (`dctech events --format json | head
-1`) ends the command quietly: no BrokenPipeError traceback, the status a shell gives a filter
that SIGPIPE stopped (141)."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from fixtures.events import listed_events

from core.store.sqlite import SQLiteStore

REPO = Path(__file__).parent.parent


@pytest.fixture
def store(tmp_path) -> str:
    """Far more events than a pipe buffers (64 KiB): the command is still writing when the
    reader goes."""
    store = SQLiteStore(str(tmp_path / "events.db"))
    events = list(listed_events().values())
    store.put_events(
        [replace(e, event_id=f"{e.event_id[:56]}{n:08d}") for n in range(60) for e in events]
    )
    store.close()
    return f"sqlite:///{tmp_path}/events.db"


@pytest.mark.parametrize("output", ["json", "table"])
def test_a_reader_that_stops_early_gets_no_traceback(store, output):
    command = [sys.executable, "-c", "import dctech, sys; sys.exit(dctech.main())", "events"]
    options = ["--format", output, "--store", store, "--today", "2026-12-01"]
    with subprocess.Popen(
        [*command, *options, "--config", str(REPO / "config.yaml")],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    ) as child:
        assert child.stdout.readline()  # `head -1`
        child.stdout.close()
        err = child.stderr.read().decode()
        status = child.wait(timeout=60)
    assert err == ""
    assert status == 141
