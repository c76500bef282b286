"""Hostile feeds beside a good group, collected by the real `dctech` in a child process.

A child process, so that a collect that never ends or eats the machine (today's main on a
SECONDLY rule) fails the test by its timeout and address-space cap instead of hanging CI, and
so that its peak memory (the collector and its parse worker) can be read back.
"""

from __future__ import annotations

import json
import resource
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from conftest import FIXTURES, REPO

TODAY = "2026-12-01"
GOOD = FIXTURES / "collect" / "pydc_v1.ics"  # three Python DC meetups in December
GUARD_BYTES = 4 * 1024**3  # a runaway child fails here rather than taking the machine down
# The child's own peak is VmHWM, not RUSAGE_SELF: Linux carries ru_maxrss across execve, so a
# child of a large pytest worker would report the worker's size (a 500 MB xdist worker in CI).
# The parse worker is forked without exec, so RUSAGE_CHILDREN is its own peak.
RUNNER = """
import json, resource, sys
import dctech
code = dctech.main(sys.argv[1:])
status = open("/proc/self/status").read()
own = int(status.split("VmHWM:")[1].split()[0])
peak = [own, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss]
print(json.dumps({"peak_kb": peak}), file=sys.stderr)
sys.exit(code)
"""


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str
    peak_mb: float  # the collector's peak plus its parse worker's: an upper bound of the total


def project(tmp_path: Path, feed_server, feeds: dict[str, bytes]) -> Path:
    """A checkout with the good `pydc` group plus one group per hostile feed body."""
    groups = tmp_path / "_groups"
    groups.mkdir()
    for gid, body in {"pydc": GOOD.read_bytes(), **feeds}.items():
        url = feed_server.route(f"/{gid}.ics", body=body)
        (groups / f"{gid}.yaml").write_text(
            f"name: {gid}\nwebsite: https://example.org/{gid}/\nical: {url}\n"
        )
    (tmp_path / "config.yaml").write_text((REPO / "config.yaml").read_text())
    return tmp_path


def dctech(root: Path, *argv: str, timeout: float = 60) -> Run:
    """Run `dctech ARGV --store <root>/store.db` in a child; a timeout is a test failure."""
    args = [argv[0], "--store", f"sqlite:///{root}/store.db", "--config", f"{root}/config.yaml"]
    done = subprocess.run(
        [sys.executable, "-c", RUNNER, *args, *argv[1:]],
        cwd=root,
        env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin", "TZ": "UTC"},
        capture_output=True,
        text=True,
        timeout=timeout,
        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_AS, (GUARD_BYTES, GUARD_BYTES)),
    )
    lines = done.stderr.strip().splitlines()
    peak = json.loads(lines.pop())["peak_kb"] if lines and lines[-1].startswith("{") else [0, 0]
    return Run(done.returncode, done.stdout, "\n".join(lines), sum(peak) / 1024)


def collect(root: Path, timeout: float = 60) -> Run:
    return dctech(root, "collect", "--groups", f"{root}/_groups", "--today", TODAY, timeout=timeout)


def stored(root: Path) -> dict[str, list[dict]]:
    """What the store lists from TODAY on, by group."""
    run = dctech(root, "events", "--format", "json", "--today", TODAY)
    assert run.returncode == 0, run.stderr
    by_group: dict[str, list[dict]] = {}
    for event in json.loads(run.stdout):
        by_group.setdefault(event["group_id"], []).append(event)
    return by_group
