"""The benchmarks still run: each at a tiny size, checked for the figures it exists to print.

The targets themselves are met in `make bench`, never asserted on time here.
"""

import re
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parent.parent / "bench"

pytestmark = pytest.mark.slow


def run(script: str, *args: str) -> str:
    done = subprocess.run(
        [sys.executable, str(BENCH / script), *args],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def test_collect_bench_reports_writes_per_run():
    out = run("collect.py", "--groups", "4", "--events", "3", "--latency", "0")
    first = next(line for line in out.splitlines() if line.startswith("first collect"))
    assert "groups ok 4" in first and "store writes" in first
    assert "peak RSS" in out


def test_api_bench_reports_latency_and_queries():
    out = run(
        "api.py",
        "--events", "300", "--requests", "30", "--moto-events", "60", "--moto-requests", "6",
    )  # fmt: skip
    assert "p50" in out and "p99" in out
    assert "Scan 0 in total" in out


def test_system_bench_counts_requests_per_scheduled_run():
    out = run(
        "system.py", "--scales", "1", "--backend", "moto", "--latency", "0", "--events", "2",
        "--api-calls", "7",
    )  # fmt: skip
    assert "== 28 groups (1x) ==" in out
    assert out.count("-- ") == 5, out  # the five scheduled runs
    assert "FAILED" not in out
    assert "same day, nothing changed" in out and "S3 PUT 0 " in out


def test_catalogue_bench_reports_collect_against_its_floor_and_a_build():
    out = run("catalogue.py", "--latency", "0", "--most", "2")
    groups = int(re.match(r"(\d+) groups on 3 hosts", out)[1])
    assert groups >= 145  # every group file in _groups/
    assert f"groups ok {groups}," in out  # and every feed was read
    assert "per-host latency floor" in out and "full build" in out and "peak RSS" in out


def test_build_bench_reports_full_builds_rebuilds_and_uploads():
    out = run("build.py", "60", "--s3", "20")
    assert "60 events: full build" in out and "peak RSS" in out
    rebuild = next(line for line in out.splitlines() if "no-change rebuild:" in line)
    assert "0 rendered, 0 written, 0 deleted" in rebuild
    assert "the files rewritten (all show it: True)" in out
    assert "20 events to moto S3, no-change rebuild: 0 PUTs" in out
