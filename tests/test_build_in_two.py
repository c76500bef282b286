"""A large first build into a folder is shared with a forked process (generator.fork): the
child renders and writes most event pages and calendars, the parent the rest. It must make the
same site, byte for byte, with the same manifest and counts, as a build in one process; and a
failure on either side must fail the build and leave the folder as it was."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from fixtures.events import build_fixture_site

from generator import fork
from generator.build import CHILD_PARTS, BuildReport
from generator.render import Renderer
from generator.writers import WriteError

pytestmark = pytest.mark.skipif(not fork.CAN_FORK, reason="no fork() here")


def files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def forked(monkeypatch) -> list[int]:
    """Record the pid of each process a build forks."""
    pids: list[int] = []
    real = fork.Forked.__init__

    def spy(self, work):
        real(self, work)
        pids.append(self.pid)

    monkeypatch.setattr(fork.Forked, "__init__", spy)
    return pids


def test_processes_sharing_a_build_make_the_site_one_process_makes(tmp_path, monkeypatch):
    alone = build_fixture_site(tmp_path / "alone")
    pids = forked(monkeypatch)
    shared = build_fixture_site(tmp_path / "shared", fork_from=0)
    assert len(pids) == len(CHILD_PARTS) and os.getpid() not in pids
    assert files(tmp_path / "shared") == files(tmp_path / "alone")  # the manifests included
    same = ("files_written", "files_unchanged", "files_deleted", "pages", "events")
    assert {k: getattr(shared, k) for k in same} == {k: getattr(alone, k) for k in same}
    assert shared.files_rendered == alone.files_rendered > 0
    assert any(p.startswith("events/") for p in files(tmp_path / "shared"))


def test_a_rebuild_of_a_shared_build_renders_nothing_and_stays_in_one_process(
    tmp_path, monkeypatch
):
    """The child's digests were recorded: nothing it wrote is rendered again."""
    build_fixture_site(tmp_path, fork_from=0)
    before = files(tmp_path)
    pids = forked(monkeypatch)
    again: BuildReport = build_fixture_site(tmp_path, fork_from=0)
    assert pids == []  # a rebuild changes little: one process, no staging copy made
    assert (again.files_rendered, again.files_written, again.files_deleted) == (0, 0, 0)
    assert files(tmp_path) == before


def test_a_failure_in_the_child_fails_the_build_and_leaves_the_folder_as_it_was(
    tmp_path, monkeypatch
):
    out = tmp_path / "site"
    out.mkdir()
    (out / "keep.txt").write_text("not ours, before the build")
    real, parent = Renderer.render, os.getpid()

    def failing(self, page):
        if page.template == "event.html" and os.getpid() != parent:  # a child's
            raise WriteError(f"cannot write {page.path}: No space left on device")
        return real(self, page)

    monkeypatch.setattr(Renderer, "render", failing)
    with pytest.raises(WriteError, match="No space left on device"):
        build_fixture_site(out, fork_from=0)
    assert files(out) == {"keep.txt": b"not ours, before the build"}
    assert [p.name for p in tmp_path.iterdir()] == ["site"]  # no staging folder left


def test_a_failure_in_the_parent_stops_the_child(tmp_path, monkeypatch):
    pids = forked(monkeypatch)
    real = Renderer.render

    def failing(self, page):
        if page.template == "sitemap.xml":  # the parent's: the site part
            raise RuntimeError("the sitemap failed")
        return real(self, page)

    monkeypatch.setattr(Renderer, "render", failing)
    with pytest.raises(RuntimeError, match="the sitemap failed"):
        build_fixture_site(tmp_path / "site", fork_from=0)
    assert len(pids) == len(CHILD_PARTS)
    for pid in pids:
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)  # reaped: no zombie, no process left writing
    assert not (tmp_path / "site").exists() and list(tmp_path.iterdir()) == []


def test_a_child_that_dies_is_reported(tmp_path, monkeypatch):
    real, parent = Renderer.render, os.getpid()

    def dying(self, page):
        if page.template == "event.html" and os.getpid() != parent:
            os._exit(9)  # as the kernel's OOM killer would end it: no report
        return real(self, page)

    monkeypatch.setattr(Renderer, "render", dying)
    with pytest.raises(fork.ForkError, match=r"died \(exit code 9\) without a report"):
        build_fixture_site(tmp_path / "site", fork_from=0)
    assert list(tmp_path.iterdir()) == []
