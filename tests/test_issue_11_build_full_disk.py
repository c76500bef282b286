"""Issue 11, item 6: a build that fails (a full disk, S3 refusing) fails cleanly.

A folder: one line `error: cannot write PATH: REASON`, exit 2, no temporary or staging file
anywhere, and the site exactly as it was (never half old, half new). A bucket: the next publish
repairs whatever the failed one left, to exactly what a clean build publishes.
"""

from __future__ import annotations

import errno
import os
import shutil
import subprocess
import threading
from datetime import timedelta
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError
from fixtures.events import GROUPS, NOW_TS, SITE, TODAY, fixture_store
from moto import mock_aws

import dctech
from generator import lambda_handler, manifest
from generator.build import build_site
from generator.writers import MANIFEST, FolderWriter, S3Writer

REPO = Path(__file__).parent.parent
# A build a week later: most files change, some go (this week's page), some are new.
THIS_WEEK = {"today": TODAY, "now_ts": NOW_TS}
NEXT_WEEK = {"today": TODAY + timedelta(days=7), "now_ts": NOW_TS + 7 * 86400}
ENOSPC = OSError(errno.ENOSPC, "No space left on device")


@pytest.fixture
def project(tmp_path):
    """A store of the fixture events, a groups folder, and a site built for TODAY in site/."""
    fixture_store(str(tmp_path / "events.db")).close()
    (tmp_path / "groups").mkdir()
    for group in GROUPS:
        (tmp_path / "groups" / f"{group.group_id}.yaml").write_text(
            f"name: {group.name}\nwebsite: {group.website}\nactive: {str(group.active).lower()}\n"
        )
    (tmp_path / "work").mkdir()
    assert build(tmp_path, TODAY.isoformat()) == 0
    return tmp_path


def build(project: Path, today: str, *target: str) -> int:
    """`dctech build` of the project's store; into work/site unless given --out or --bucket."""
    return dctech.main(
        [
            "build",
            *("--store", f"sqlite:///{project}/events.db", "--groups", str(project / "groups")),
            *("--config", str(REPO / "config.yaml"), "--today", today),
            *(target or ("--out", str(project / "work" / "site"))),
        ]
    )


def tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def failing(real, first: int, last: float = float("inf")):
    """``real``, but calls number ``first`` to ``last`` fail with ENOSPC (a disk that fills)."""
    calls = []

    def call(*args, **kwargs):
        calls.append(args)
        if first <= len(calls) <= last:
            raise ENOSPC
        return real(*args, **kwargs)

    return call


def build_into(site: Path, store, when: dict) -> object:
    return build_site(store, FolderWriter(site), site=SITE, groups=GROUPS, **when)


def test_a_full_disk_is_one_line_exit_2_and_leaves_the_site_as_it_was(project, monkeypatch, capsys):
    site = project / "work" / "site"
    before = tree(site)
    capsys.readouterr()
    monkeypatch.setattr(Path, "write_bytes", failing(Path.write_bytes, 4))

    assert build(project, "2026-12-08") == 2

    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"error: cannot write {site}/")
    assert err.endswith(": No space left on device\n") and "Traceback" not in err
    assert tree(site) == before
    assert os.listdir(project / "work") == ["site"]  # no staging or backup folder
    assert not [p for p in project.rglob("*") if p.name.endswith(".tmp")]

    monkeypatch.undo()  # space again: the next build goes through
    assert build(project, "2026-12-08") == 0
    assert tree(site) != before and os.listdir(project / "work") == ["site"]


@pytest.mark.parametrize(
    ("owner", "name", "first", "last"),
    [
        (Path, "write_bytes", 7, 10**9),  # a page
        (os, "link", 30, 10**9),  # staging: the copy of the unchanged files
        (Path, "mkdir", 3, 10**9),  # staging: a folder
        (Path, "rename", 2, 2),  # the swap: the new site into place (the old one is put back)
    ],
)
def test_whatever_step_fails_the_folder_is_the_old_site_and_nothing_is_left(
    tmp_path, monkeypatch, owner, name, first, last
):
    site, store = tmp_path / "site", fixture_store()
    build_into(site, store, THIS_WEEK)
    (site / "notes.txt").write_text("someone else's")  # not ours: kept, never lost
    before = tree(site)
    monkeypatch.setattr(owner, name, failing(getattr(owner, name), first, last))

    with pytest.raises(OSError, match=r"^cannot .+: No space left on device$"):
        build_into(site, store, NEXT_WEEK)

    monkeypatch.undo()
    assert tree(site) == before
    assert os.listdir(tmp_path) == ["site"]
    build_into(site, store, NEXT_WEEK)
    assert tree(site) != before and (site / "notes.txt").read_text() == "someone else's"


@pytest.fixture
def tmpfs(tmp_path):
    """A real, small filesystem (needs root and mount rights; skipped elsewhere)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("mounting a tmpfs needs root")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", str(mount)], check=True)


def test_a_really_full_disk(project, tmpfs, capsys):
    site = tmpfs / "site"
    assert build(project, TODAY.isoformat(), "--out", str(site)) == 0
    before = tree(site)
    with (tmpfs / "filler").open("wb", buffering=0) as filler:  # to the last block
        try:
            while True:
                filler.write(b"\0" * 65536)
                filler.flush()
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
    capsys.readouterr()

    assert build(project, "2026-12-08", "--out", str(site)) == 2

    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.endswith(": No space left on device\n")
    assert tree(site) == before
    assert sorted(os.listdir(tmpfs)) == ["filler", "site"]
    (tmpfs / "filler").unlink()
    assert build(project, "2026-12-08", "--out", str(site)) == 0


# S3: a publish that fails midway, and the next one that repairs it.


@pytest.fixture
def s3():
    with mock_aws():
        client = boto3.client("s3")
        for bucket in ("site", "clean"):
            client.create_bucket(Bucket=bucket)
        yield client


def objects(client, bucket: str) -> dict[str, bytes]:
    keys = [
        o["Key"]
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket)
        for o in page.get("Contents", [])
    ]
    return {k: client.get_object(Bucket=bucket, Key=k)["Body"].read() for k in keys}


def live(client, bucket: str) -> dict[str, bytes]:
    """The files the last build produced (the manifest's entries not kept from earlier ones)."""
    files = objects(client, bucket)
    entries = manifest.parse(files.pop(MANIFEST))
    return {path: data for path, data in files.items() if not entries[path].kept}


def publish(bucket: str, when: dict, *, fault: tuple[int, float] | None = None):
    writer = S3Writer(bucket)
    if fault:
        writer.client.meta.events.register("before-call.s3.PutObject", s3_fault(*fault))
    return build_site(fixture_store(), writer, site=SITE, groups=GROUPS, **when)


def s3_fault(first: int, last: float = float("inf")):
    """A PutObject hook: S3 refuses the puts numbered first to last."""
    count, lock = [0], threading.Lock()

    def hook(**_):
        with lock:
            count[0] += 1
            refused = first <= count[0] <= last
        if refused:
            raise ClientError(
                {"Error": {"Code": "InternalError", "Message": "We encountered an internal error"}},
                "PutObject",
            )

    return hook


@pytest.mark.parametrize(
    ("fault", "repair"),
    [
        ((10, 10), THIS_WEEK),  # one put refused; by the next build the data went back
        ((10, float("inf")), NEXT_WEEK),  # S3 down for the rest of the build; the same again
    ],
)
def test_the_next_publish_repairs_a_failed_one(s3, fault, repair):
    publish("site", THIS_WEEK)
    with pytest.raises(OSError, match=r"^cannot write s3://site/\S+: An error occurred"):
        publish("site", NEXT_WEEK, fault=fault)
    before = objects(s3, "site")
    for when in (THIS_WEEK, NEXT_WEEK, repair):  # the same builds, none failing
        publish("clean", when)
    assert live(s3, "site") != live(s3, "clean")  # part old, part new

    report = publish("site", repair)
    assert live(s3, "site") == live(s3, "clean")  # what the repair produces: same keys, bytes
    assert objects(s3, "site").keys() >= before.keys()  # and what was published stays (archive)
    assert report.files_written > 0
    assert publish("site", repair).files_written == 0


def test_the_cli_and_the_render_lambda_report_a_failed_publish_in_one_line(
    project, s3, monkeypatch, capsys
):
    real_client = boto3.client

    def client(service, *args, **kwargs):
        made = real_client(service, *args, **kwargs)
        if service == "s3":
            made.meta.events.register("before-call.s3.PutObject", s3_fault(5))
        return made

    monkeypatch.setattr(boto3, "client", client)
    capsys.readouterr()
    assert build(project, TODAY.isoformat(), "--bucket", "site") == 2
    err = capsys.readouterr().err
    assert err.startswith("error: cannot write s3://site/") and err.count("\n") == 1
    assert "(InternalError) when calling the PutObject operation" in err

    monkeypatch.setenv("DCTECH_STORE", f"sqlite:///{project}/events.db")
    monkeypatch.setenv("DCTECH_BUCKET", "site")
    monkeypatch.setenv("DCTECH_GROUPS_DIR", str(project / "groups"))
    monkeypatch.delenv("DCTECH_DISTRIBUTION_ID", raising=False)
    with pytest.raises(OSError) as failed:  # a WriteError
        lambda_handler.handler({}, None)
    assert str(failed.value).startswith("cannot write s3://site/") and "\n" not in str(failed.value)
