"""Folder builds where the staging copy or the swap is impossible, and what a killed build left.

A mount point (a docker volume, a tmpfs at `_site`) cannot be renamed away, hard links fail
across filesystems, a parent may not be writable: the build then stages inside the folder
(`.dctech-staging-…`) and moves its files into place only once it has succeeded, so a build
that fails leaves the folder byte for byte as it was, and no staging folder or temporary file.
Only a failure during that move (an I/O error) leaves a mix, owned by the manifest, which the
next build repairs. Staging and backup folders that a killed build left beside the target, or
inside it, are swept by the next build, which succeeds.
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
from generator.writers import MANIFEST, STAGING, FolderWriter, WriteError

THIS_WEEK = {"today": TODAY, "now_ts": NOW_TS}
NEXT_WEEK = {"today": TODAY + timedelta(days=7), "now_ts": NOW_TS + 7 * 86400}


def tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def build_into(site: Path, store, when: dict) -> object:
    return build_site(store, FolderWriter(site), site=SITE, groups=GROUPS, **when)


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    """What this week's build then next week's leave in a folder staged the usual way (last
    week's pages kept, as the archive keeps them), to compare a fallback build with."""
    site, store = tmp_path_factory.mktemp("clean") / "site", fixture_store()
    build_into(site, store, THIS_WEEK)
    build_into(site, store, NEXT_WEEK)
    return tree(site)


def staged_inside(site: Path) -> list[str]:
    return [name for name in os.listdir(site) if name.startswith(STAGING)]


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


def test_a_mount_point_is_staged_inside_and_builds_twice(mount_point, clean):
    store = fixture_store()
    build_into(mount_point, store, THIS_WEEK)
    assert os.path.ismount(mount_point)
    build_into(mount_point, store, NEXT_WEEK)
    assert os.path.ismount(mount_point)
    assert tree(mount_point) == clean  # as a staged build: nothing stray, nothing missing
    assert sorted(os.listdir(mount_point.parent)) == ["site"]
    assert staged_inside(mount_point) == []


def test_a_full_mount_point_is_left_as_it_was(mount_point, clean):
    """A real full disk: the tmpfs filled but for a little, so next week's pages cannot all be
    written. The site is then byte for byte last week's, and the staging folder gone."""
    store = fixture_store()
    build_into(mount_point, store, THIS_WEEK)
    before = tree(mount_point)
    free = os.statvfs(mount_point)
    with open(mount_point / "filler", "wb") as out:
        out.write(b"\0" * (free.f_bavail * free.f_frsize - 16 * 1024))
    before["filler"] = (mount_point / "filler").read_bytes()

    with pytest.raises(WriteError, match=r"^cannot write .+: No space left on device$"):
        build_into(mount_point, store, NEXT_WEEK)

    assert tree(mount_point) == before
    assert staged_inside(mount_point) == []
    (mount_point / "filler").unlink()
    build_into(mount_point, store, NEXT_WEEK)
    assert tree(mount_point) == clean


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
    assert sorted(os.listdir(tmp_path)) == ["site"]  # no staging or backup left
    assert staged_inside(site) == []


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
    assert sorted(os.listdir(tmp_path)) == ["site"]
    assert staged_inside(site) == []


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
    inside = site / f"{STAGING}{pid}-9c0d1e2f"  # a build staged inside, killed
    shutil.copytree(site, inside / "site", ignore=shutil.ignore_patterns(".dctech-*"))

    build_into(site, store, NEXT_WEEK)

    assert tree(site) == clean
    assert sorted(os.listdir(tmp_path)) == [".other.staging-1", ".site.notes", "site"]


@pytest.mark.parametrize("pid", [os.getpid(), 99999999], ids=["repeated-pid", "dead-pid"])
def test_a_killed_build_s_staging_inside_a_mount_point_is_swept(mount_or_not, clean, pid):
    site, store = mount_or_not, fixture_store()
    build_into(site, store, THIS_WEEK)
    inside = site / f"{STAGING}{pid}-9c0d1e2f"
    shutil.copytree(site, inside / "site", ignore=shutil.ignore_patterns(".dctech-*"))

    build_into(site, store, NEXT_WEEK)

    assert tree(site) == clean
    assert staged_inside(site) == []


def test_a_live_build_s_staging_is_left_alone(tmp_path):
    parent = os.getppid()  # alive, and not this process
    (tmp_path / f".site.staging-{parent}-00000000").mkdir()
    build_into(tmp_path / "site", fixture_store(), THIS_WEEK)
    assert (tmp_path / f".site.staging-{parent}-00000000").is_dir()


def failing_after(writes: int, monkeypatch) -> list[str]:
    """Make the writer's ``writes + 1``-th file write fail as a full disk does (the paths it
    was asked to write are returned, as they come)."""
    real_put, calls = FolderWriter._put, []

    def put(self, path, data):
        calls.append(path)
        if len(calls) > writes:
            error = OSError(errno.ENOSPC, "No space left on device")
            raise WriteError(f"cannot write {self.root / path}: {error.strerror}") from error
        return real_put(self, path, data)

    monkeypatch.setattr(FolderWriter, "_put", put)
    return calls


@pytest.mark.parametrize("writes", [5, 40])
def test_a_failure_mid_build_leaves_the_site_as_it_was(mount_or_not, monkeypatch, clean, writes):
    site, store = mount_or_not, fixture_store()
    build_into(site, store, THIS_WEEK)
    before = tree(site)
    calls = failing_after(writes, monkeypatch)

    with pytest.raises(WriteError, match=r"^cannot write .+: No space left on device$"):
        build_into(site, store, NEXT_WEEK)
    monkeypatch.undo()

    assert len(calls) == writes + 1  # some files were written before the failure
    assert tree(site) == before  # byte for byte: not one new file in, nor the manifest
    assert staged_inside(site) == []
    assert not [p for p in site.rglob("*") if p.name.endswith(".tmp")]
    assert sorted(os.listdir(site.parent)) == ["site"]

    build_into(site, store, NEXT_WEEK)
    assert tree(site) == clean


def test_a_failed_first_build_leaves_no_folder(tmp_path, monkeypatch):
    """Staging inside a folder that did not exist: a failed build does not leave it, empty."""
    site = tmp_path / "site"
    monkeypatch.setattr(os, "link", failing_for(os.link, site, errno.EXDEV))
    real_mkdir = Path.mkdir

    def mkdir(self, *args, **kwargs):  # the parent is not ours to stage in
        if self.parent == tmp_path and self.name.startswith(".site."):
            raise PermissionError(errno.EACCES, "Permission denied")
        return real_mkdir(self, *args, **kwargs)

    monkeypatch.setattr(Path, "mkdir", mkdir)
    failing_after(5, monkeypatch)
    with pytest.raises(WriteError, match="No space left on device"):
        build_into(site, fixture_store(), THIS_WEEK)
    assert os.listdir(tmp_path) == []


def test_a_failure_during_the_move_is_owned_and_repaired(mount_or_not, monkeypatch, clean):
    """The move renames files into place: an I/O error there leaves a mix of old and new
    files (as a kill then would), every one owned by the manifest, no digest of a changed file
    kept, and no staging folder; the next build repairs it."""
    site, store = mount_or_not, fixture_store()
    build_into(site, store, THIS_WEEK)
    before = tree(site)
    real_replace, calls = os.replace, []

    def replace(source, target):
        if STAGING in str(source):  # the move: 5 files in, then an I/O error
            calls.append(target)
            if len(calls) == 5:
                raise OSError(errno.EIO, "Input/output error")
        return real_replace(source, target)

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(WriteError, match=r"^cannot replace the files of .+: Input/output error$"):
        build_into(site, store, NEXT_WEEK)
    monkeypatch.undo()

    assert not [p for p in site.rglob("*") if p.name.endswith(".tmp")]
    assert staged_inside(site) == []
    assert sorted(os.listdir(site.parent)) == ["site"]
    after = tree(site)
    assert after != before  # some new files are in
    owned = manifest.parse(after[MANIFEST])
    assert owned.keys() >= manifest.parse(before[MANIFEST]).keys()  # the new ones are owned too
    assert owned.keys() >= {path for path in after if not manifest.is_manifest(path)}
    changed = {p for p in after.keys() & before.keys() if after[p] != before[p]}
    assert changed - {MANIFEST} and not any(owned[p].digest for p in changed if p in owned)

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
