"""The repository carries its own design: docs/architecture.md covers what the next engineer
needs, and no tracked file cites a design document that lives outside the repository."""

from __future__ import annotations

import subprocess

from conftest import REPO

OUTSIDE = [name + ".md" for name in ("ARCHITECTURE", "CONVENTIONS", "TOOLCHAIN", "LAYOUT")]
OUTSIDE.append("shared/" + "design")
SECTIONS = ("The pipeline", "The data model", "Access paths", "The lifecycle", "The URL contract")
SECTIONS += ("Bounded work", "Errors", "Deployment", "Tests")


def tracked_files() -> list[str]:
    listed = subprocess.run(
        ["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True
    ).stdout.split()
    assert len(listed) > 50  # the checker reads the repository, not nothing
    return listed


def test_the_architecture_document_covers_the_design():
    text = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")
    headings = [line.lstrip("# ").strip() for line in text.splitlines() if line.startswith("## ")]
    assert [s for s in SECTIONS if not any(h.startswith(s) for h in headings)] == []
    for module in (
        "core/runtime.py",
        "core/store/schema.py",
        "generator/urls.py",
        "core/limits.py",
    ):
        assert module in text and (REPO / module).is_file(), module


def test_no_tracked_file_cites_a_document_outside_the_repository():
    citing = {}
    for name in tracked_files():
        path = REPO / name
        if not path.is_file() or path.suffix in (".ics", ".png", ".ico", ".jar"):
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            continue
        found = [doc for doc in OUTSIDE if doc in text]
        if found:
            citing[name] = found
    assert citing == {}
