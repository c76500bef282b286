"""Folder builds where the staging copy or the swap is impossible, and what a killed build left.

A mount point (a docker volume, a tmpfs at `_site`) cannot be renamed away, hard links fail
across filesystems, a parent may not be writable: the build then writes in place, each file
replaced atomically, and never leaves a temporary file. Staging and backup folders that a
killed build left beside the target are swept by the next build, which succeeds.
"""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from fixtures.events import GROUPS, NOW_TS, SITE, TODAY, fixture_store

from generator import manifest
from generator.build import build_site
from generator.writers import MANIFEST, FolderWriter, WriteError

THIS_WEEK = {"today": TODAY, "now_ts": NOW_TS}
NEXT_WEEK = {"today": TODAY + timedelta(days=7), "now_ts": NOW_TS + 7 * 86400}


def tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def build_into(site: Path, store, when: dict) -> object:
    return build_site(store, FolderWriter(site), site=SITE, groups=GROUPS, **when)


@pytest.fixture
def clean(tmp_path):
    """What this week's build then next week's leave in a folder staged the usual way (last
    week's pages kept, as the archive keeps them), to compare a fallback build with."""
    site, store = tmp_path / "clean" / "site", fixture_store()
    build_into(site, store, THIS_WEEK)
    build_into(site, store, NEXT_WEEK)
    return tree(site)


def failing_for(real, path: Path, code: int):
    """``real`` (os.link or os.rename), failing with ``code`` for anything under ``path``."""

    def call(source, *args, **kwargs):
        if Path(source).is_relative_to(path):
            raise OSError(code, os.strerror(code))
        return real(source, *args, **kwargs)

    return call


@pytest.fixture
def mount_point(tmp_path):
    """A real tmpfs mounted at the site folder itself (needs root; skipped elsewhere)."""
    site = tmp_path / "site"
    site.mkdir()
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("mounting a tmpfs needs root")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(site)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield site
    finally:
        subprocess.run(["umount", str(site)], check=True)


def test_a_mount_point_builds_in_place_twice(mount_point, clean):
    store = fixture_store()
    build_into(mount_point, store, THIS_WEEK)
    assert os.path.ismount(mount_point)
    build_into(mount_point, store, NEXT_WEEK)
    assert os.path.ismount(mount_point)
    assert tree(mount_point) == clean  # as a staged build: nothing stray, nothing missing
    assert sorted(os.listdir(mount_point.parent)) == ["clean", "site"]


@pytest.mark.parametrize(
    ("function", "code"),
    [("link", errno.EXDEV), ("link", errno.EPERM), ("rename", errno.EBUSY)],
)
def test_no_hard_links_or_no_swap_falls_back_in_place(tmp_path, monkeypatch, clean, function, code):
    site, store = tmp_path / "site", fixture_store()
    build_into(site, store, THIS_WEEK)
    (site / "notes.txt").write_text("someone else's")
    monkeypatch.setattr(os, function, failing_for(getattr(os, function), site, code))

    build_into(site, store, NEXT_WEEK)

    monkeypatch.undo()
    assert tree(site) == clean | {"notes.txt": b"someone else's"}
    assert sorted(os.listdir(tmp_path)) == ["clean", "site"]  # no staging or backup left


def test_a_parent_we_may_not_write_falls_back_in_place(tmp_path, monkeypatch, clean):
    site, store = tmp_path / "site", fixture_store()
    build_into(site, store, THIS_WEEK)
    real_mkdir = Path.mkdir

    def mkdir(self, *args, **kwargs):
        if self.parent == tmp_path and self.name.startswith(".site."):
            raise PermissionError(errno.EACCES, "Permission denied")
        return real_mkdir(self, *args, **kwargs)

    monkeypatch.setattr(Path, "mkdir", mkdir)
    build_into(site, store, NEXT_WEEK)
    monkeypatch.undo()
    assert tree(site) == clean
    assert sorted(os.listdir(tmp_path)) == ["clean", "site"]


@pytest.mark.parametrize("pid", [os.getpid(), 99999999], ids=["repeated-pid", "dead-pid"])
def test_what_a_killed_build_left_is_swept_and_the_build_succeeds(tmp_path, clean, pid):
    site, store = tmp_path / "site", fixture_store()
    build_into(site, store, THIS_WEEK)
    left = [
        f".site.old-{pid}",  # killed between the two renames (the old naming)
        f".site.staging-{pid}",
        f".site.old-{pid}-1a2b3c4d",  # and the new naming
        f".site.staging-{pid}-5e6f7a8b",
    ]
    for name in left:
        shutil.copytree(site, tmp_path / name)
    (tmp_path / ".other.staging-1").mkdir()  # not ours: another folder's
    (tmp_path / ".site.notes").write_text("not ours either")

    build_into(site, store, NEXT_WEEK)

    assert tree(site) == clean
    assert sorted(os.listdir(tmp_path)) == [".other.staging-1", ".site.notes", "clean", "site"]


def test_a_live_build_s_staging_is_left_alone(tmp_path):
    parent = os.getppid()  # alive, and not this process
    (tmp_path / f".site.staging-{parent}-00000000").mkdir()
    build_into(tmp_path / "site", fixture_store(), THIS_WEEK)
    assert (tmp_path / f".site.staging-{parent}-00000000").is_dir()


def test_a_failure_mid_build_in_place_leaves_no_temporary_file(mount_or_not, monkeypatch, clean):
    site, store = mount_or_not, fixture_store()
    build_into(site, store, THIS_WEEK)
    before = tree(site)
    real_replace, calls = os.replace, []

    def replace(source, target):
        calls.append(target)
        if len(calls) == 5:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_replace(source, target)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(WriteError, match=r"^cannot write .+: No space left on device$"):
        build_into(site, store, NEXT_WEEK)
    monkeypatch.undo()

    assert not [p for p in site.rglob("*") if p.name.endswith(".tmp")]
    assert sorted(os.listdir(site.parent)) == ["clean", "site"]
    after = tree(site)
    assert after != before  # in place: a mix of old and new files until the next build
    owned = manifest.parse(after[MANIFEST])
    assert owned.keys() >= manifest.parse(before[MANIFEST]).keys()  # the new ones are owned too

    build_into(site, store, NEXT_WEEK)  # the next build repairs it
    assert tree(site) == clean


@pytest.fixture(params=["mount", "no-links"])
def mount_or_not(request, tmp_path, monkeypatch):
    """A site folder built in place: a real mount point, or one where hard links fail."""
    if request.param == "mount":
        return request.getfixturevalue("mount_point")
    site = tmp_path / "site"
    monkeypatch.setattr(os, "link", failing_for(os.link, site, errno.EXDEV))
    return site
