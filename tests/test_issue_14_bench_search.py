"""Issue 14: bench/search.py still runs (at a tiny size) and prints the figures it exists for:
the index made from nothing, the same index again (reused: nothing written), and one changed
event (its shard's bundle made again)."""

import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"

pytestmark = pytest.mark.slow


def test_search_bench_reports_a_made_and_a_reused_index():
    done = subprocess.run(
        [sys.executable, str(BENCH / "search.py"), "--sizes", "40"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    made, again, changed = done.stdout.splitlines()
    assert made.startswith("    40 events, 40 indexed in ") and "MB" in made
    assert again.strip().startswith("the same index again") and again.endswith("0 written")
    assert changed.strip().startswith("one changed event") and "its shard" in changed
