"""Golden files: the fixture events (tests/fixtures/events/) built on the fixture day must give
exactly the tree in tests/golden/, so every template or generator change shows up as a diff.

After an intended change, refresh the tree and review it:

    DCTECH_REFRESH_GOLDEN=1 .venv/bin/pytest tests/test_golden.py
    git diff --stat tests/golden
"""

from __future__ import annotations

import difflib
import os
import shutil
from pathlib import Path

from fixtures.events import build_fixture_site

from generator.writers import MANIFEST

GOLDEN = Path(__file__).parent / "golden"
KEEP = {".gitattributes"}  # golden-tree housekeeping, not site output


def tree(root: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(root)): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and path.name != MANIFEST and path.name not in KEEP
    }


def refresh(built: dict[str, bytes]) -> None:
    for path in GOLDEN.iterdir() if GOLDEN.exists() else ():
        if path.name not in KEEP:
            shutil.rmtree(path) if path.is_dir() else path.unlink()
    for name, data in built.items():
        target = GOLDEN / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


def test_the_fixture_site_matches_the_golden_tree(tmp_path):
    build_fixture_site(tmp_path)
    built = tree(tmp_path)
    if os.environ.get("DCTECH_REFRESH_GOLDEN"):
        refresh(built)
    golden = tree(GOLDEN)
    hint = "intended? refresh with DCTECH_REFRESH_GOLDEN=1 .venv/bin/pytest tests/test_golden.py"
    assert sorted(built) == sorted(golden), f"files added or removed ({hint})"
    for name, data in built.items():
        if data != golden[name]:
            diff = difflib.unified_diff(
                golden[name].decode().splitlines(),
                data.decode().splitlines(),
                f"golden/{name}",
                f"built/{name}",
                lineterm="",
            )
            raise AssertionError(f"{name} differs ({hint}):\n" + "\n".join(list(diff)[:60]))
