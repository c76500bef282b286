"""The repository's content folders from S3: the first step of every Lambda that reads them.

CDK deploys `_groups/`, `_categories/`, `_single_events/`, `_recurring_events/` and
`_overrides/` to a private bucket on every content deploy, and no Lambda bundle ships them, so a
merged group file is collected and rendered the next morning without a Lambda rebuild. A
collector or render run downloads them into a fresh scratch folder and reads them from there
(the API only `_categories/`, for its forms and the listing's ``category``), bounded: what a
stranger's pull request could put in the bucket is at most MAX_OBJECTS files of
MAX_CONFIG_BYTES each, under the names the loaders read.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

from core.errors import DctechError
from core.limits import MAX_CONFIG_BYTES
from core.runtime import Runtime

RUNTIME_FIELD = {  # each folder, and the Runtime field that names where it is read
    "_groups": "groups_dir",
    "_categories": "categories_dir",
    "_single_events": "single_events_dir",
    "_recurring_events": "recurring_events_dir",
    "_overrides": "overrides_dir",
}
FOLDERS = tuple(RUNTIME_FIELD)
MAX_OBJECTS = 5_000  # ~150 groups today
# A folder's file, or (for _overrides/) a file in a group's folder: no "..", no absolute path.
KEY = re.compile(r"(_[a-z_]+)/(?:[a-z0-9_-]+/)?[A-Za-z0-9@%+._-]+\.(?:yaml|yml|md)")


class ContentError(DctechError):
    """The content bucket cannot be read, or holds what no checkout would."""


def with_content(run: Runtime, client: Any = None, folders: Sequence[str] = FOLDERS) -> Runtime:
    """``run`` reading ``folders`` from its bucket, downloaded now into a scratch folder the
    caller removes (``scratch``); unchanged without a bucket. Whatever stops the download (S3's
    errors, a full disk) is a ContentError, and nothing is left behind."""
    if not run.content_bucket:
        return run
    into = Path(tempfile.mkdtemp(prefix="dctech-content-"))
    try:
        download(client or _s3(), run.content_bucket, into, folders)
    except Exception as error:  # S3's errors, the disk's: no partial copy is read
        shutil.rmtree(into, ignore_errors=True)
        if isinstance(error, ContentError):
            raise
        bucket = run.content_bucket
        raise ContentError(f"s3://{bucket}: cannot read the content: {error}") from error
    moved: dict[str, Any] = {RUNTIME_FIELD[folder]: into / folder for folder in folders}
    return replace(run, **moved)


@contextmanager
def content_run(run: Runtime) -> Iterator[Runtime]:
    """One Lambda run on the content of its bucket: ``run`` reading the downloaded copy, open
    for the ``with`` block, the copy removed after it (a warm container keeps its /tmp from run
    to run)."""
    current = with_content(run)
    try:
        with current:
            yield current
    finally:
        if current is not run:
            shutil.rmtree(scratch(current), ignore_errors=True)


def scratch(run: Runtime, folders: Sequence[str] = FOLDERS) -> Path:
    """The scratch folder ``with_content`` downloaded ``folders`` into."""
    return Path(getattr(run, RUNTIME_FIELD[folders[0]])).parent


def download(client: Any, bucket: str, into: Path, folders: Sequence[str] = FOLDERS) -> int:
    """Every content file of ``folders`` in ``bucket`` under ``into``, as in a checkout; how
    many."""
    count = 0
    for folder in folders:
        (into / folder).mkdir(parents=True, exist_ok=True)
        pages = client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=f"{folder}/")
        for item in (o for page in pages for o in page.get("Contents", [])):
            key, size = item["Key"], item["Size"]
            match = KEY.fullmatch(key)
            if not match or match[1] != folder or ".." in key:
                raise ContentError(f"s3://{bucket}/{key}: not a content file name")
            if size > MAX_CONFIG_BYTES:
                raise ContentError(f"s3://{bucket}/{key}: larger than {MAX_CONFIG_BYTES:,} bytes")
            count += 1
            if count > MAX_OBJECTS:
                raise ContentError(f"s3://{bucket} holds more than {MAX_OBJECTS:,} content files")
            target = into / key
            target.parent.mkdir(parents=True, exist_ok=True)
            body = client.get_object(Bucket=bucket, Key=key)["Body"].read(MAX_CONFIG_BYTES + 1)
            target.write_bytes(body)
    return count


def _s3() -> Any:
    import boto3  # only when a bucket is named: a checkout's run never loads it

    return boto3.client("s3")
