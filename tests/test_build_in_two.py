"""A large first build into a folder is shared with forked processes (generator.fork): one works
out half of the events' costly display data (``generator.views.COSTLY``) first, then another
renders and writes most event pages and calendars while the parent does the rest. It must make
the same site, byte for byte, with the same manifest and counts, as a build in one process; and
a failure on any side must fail the build and leave the folder as it was."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from fixtures.events import (
    CATEGORIES,
    GROUPS,
    NOW_TS,
    SITE,
    TODAY,
    build_fixture_site,
    fixture_store,
)

from generator import build, fork, pages
from generator.build import CHILD_PARTS, BuildReport
from generator.manifest import EVENT_PARTS
from generator.render import Renderer
from generator.writers import FolderWriter, WriteError

pytestmark = pytest.mark.skipif(not fork.CAN_FORK, reason="no fork() here")
FORKS = 1 + len(CHILD_PARTS)  # the display data's, then each renderer's


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
    assert len(pids) == FORKS and os.getpid() not in pids
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
    assert len(pids) == FORKS
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


def test_a_failure_working_out_the_display_data_fails_the_build(tmp_path, monkeypatch):
    parent, real = os.getpid(), build.costly

    def failing(view):
        if os.getpid() != parent:
            raise ValueError(f"cannot sanitise the description of {view.event.event_id}")
        return real(view)

    monkeypatch.setattr(build, "costly", failing)
    with pytest.raises(ValueError, match="cannot sanitise the description"):
        build_fixture_site(tmp_path / "site", fork_from=0)
    assert list(tmp_path.iterdir()) == []


def test_both_cores_give_each_answer_in_order_and_the_childs_error():
    parent = os.getpid()
    assert fork.on_both_cores(range(7), lambda n: (n * n, os.getpid() == parent)) == [
        (n * n, n < 3) for n in range(7)
    ]

    def odd_fails(n):
        if n % 2:
            raise ValueError(f"{n} is odd")
        return n

    with pytest.raises(ValueError, match="5 is odd"):  # 1 and 3 are the parent's: 1 first
        fork.on_both_cores([0, 2, 4, 5], odd_fails)
    with pytest.raises(ValueError, match="1 is odd"):
        fork.on_both_cores([0, 1, 2, 4], odd_fails)


def test_a_share_of_event_pages_plans_no_listing(tmp_path, monkeypatch):
    """A writer of event pages only (a forked renderer, a render invocation of one part) makes
    no listing, group or topic page: only the sitemap's writer needs every page planned."""
    planned: list[str] = []
    for family in ("week_pages", "month_pages", "group_pages", "topic_pages", "series_pages"):
        real = getattr(pages, family)

        def spy(*args, _real=real, _name=family, **kwargs):
            planned.append(_name)
            return _real(*args, **kwargs)

        monkeypatch.setattr(pages, family, spy)
    writer = FolderWriter(tmp_path / "part")
    writer.only([EVENT_PARTS[0]])  # as a forked renderer's is
    report = build.build_site(
        fixture_store(), writer, site=SITE, groups=GROUPS, categories=CATEGORIES, today=TODAY,
        now_ts=NOW_TS, fork_from=10**9,
    )  # fmt: skip
    assert planned == [] and report.pages > 0
    whole = build_fixture_site(tmp_path / "whole")
    assert (
        sorted(set(planned))
        == ["group_pages", "month_pages", "series_pages", "topic_pages", "week_pages"]
        and whole.pages > report.pages
    )
