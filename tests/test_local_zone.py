"""No code reads the machine's time zone: every time is the site's zone (config.yaml) or UTC.

`make test` runs the suite once under TZ=Pacific/Auckland (far from both UTC and New York, its
daylight saving in the other season), where code that leans on the local zone gives wrong days
and hours. This check finds the calls that would, where a test happens not to reach them.
"""

from __future__ import annotations

import ast
from pathlib import Path

REPO = Path(__file__).parent.parent
CODE = ("core", "collector", "generator", "api", "infra", "bench", "dctech.py")
NOT_OURS = ("api/vendor/", "api/chalicelib/", "infra/cdk.out/")
LOCAL_ONLY = {"utcnow", "utcfromtimestamp", "localtime", "mktime", "ctime", "tzset"}
NEED_AN_ARGUMENT = {"now", "astimezone"}  # with no zone given: the machine's


def sources() -> list[Path]:
    found = []
    for name in CODE:
        path = REPO / name
        found += [path] if path.is_file() else sorted(path.rglob("*.py"))
    return [p for p in found if not str(p.relative_to(REPO)).startswith(NOT_OURS)]


def local_zone_calls(path: Path, root: Path = REPO) -> list[str]:
    """``file:line call`` (the file relative to ``root``) for each call that reads the
    machine's zone."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        name, given = node.func.attr, len(node.args) + len(node.keywords)
        naive = (
            name in LOCAL_ONLY
            or (name in NEED_AN_ARGUMENT and given == 0)
            or (name == "today" and given == 0)  # date.today(), datetime.today()
            or (name == "fromtimestamp" and given < 2)  # no tz: a local wall time
        )
        if naive:
            found.append(f"{path.relative_to(root)}:{node.lineno} .{name}()")
    return found


def test_no_code_reads_the_machines_time_zone():
    assert len(sources()) > 100
    assert [call for path in sources() for call in local_zone_calls(path)] == []


def test_the_checker_sees_each_local_zone_call(tmp_path):
    """Guard against a checker that passes because it finds nothing."""
    probe = tmp_path / "probe.py"
    probe.write_text(
        "datetime.now()\ndatetime.now(UTC)\ndate.today()\nclock.today(tz)\nd.astimezone()\n"
        "d.astimezone(UTC)\ndatetime.fromtimestamp(1)\ndatetime.fromtimestamp(1, UTC)\n"
        "datetime.fromtimestamp(1, tz=UTC)\ntime.localtime()\ndatetime.utcnow()\n"
    )
    assert local_zone_calls(probe, tmp_path) == [
        "probe.py:1 .now()",
        "probe.py:3 .today()",
        "probe.py:5 .astimezone()",
        "probe.py:7 .fromtimestamp()",
        "probe.py:10 .localtime()",
        "probe.py:11 .utcnow()",
    ]
