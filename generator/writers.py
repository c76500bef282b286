"""Where a build goes: a local folder or an S3 bucket, with one behaviour.

Both receive the same files byte for byte; both skip a file whose target already holds identical
bytes (a rebuild with no data change writes nothing), and both delete the files they wrote in an
earlier build that this build no longer produces (an emptied week page). Ownership is recorded in
a manifest (``.dctech-manifest.json``) beside the files, so nothing else is ever touched.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from abc import ABC, abstractmethod
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from generator.media import cache_control, content_type

MANIFEST = ".dctech-manifest.json"


@dataclass(frozen=True)
class WriteStats:
    written: int
    unchanged: int
    deleted: int


class Writer(ABC):
    """Counting, manifest and stale-file removal; subclasses only store and compare bytes."""

    def __init__(self) -> None:
        self._produced: set[str] = set()
        self.written = self.unchanged = 0

    def write(self, path: str, data: bytes) -> None:
        parts = PurePosixPath(path).parts
        if not parts or path.startswith("/") or ".." in parts or path == MANIFEST:
            raise ValueError(f"not a site-relative output path: {path!r}")
        if path in self._produced:
            raise ValueError(f"{path} produced twice in one build")
        self._produced.add(path)
        if self._holds(path, data):
            self.unchanged += 1
        else:
            self._put(path, data)
            self.written += 1

    def finish(self) -> WriteStats:
        """Once every write has landed: remove what earlier builds wrote and this one did not,
        and record the new manifest. A failed write raises before anything is deleted."""
        self._flush()
        owned = set(json.loads(self._get(MANIFEST) or b"[]"))
        stale = sorted(owned - self._produced)
        self._remove(stale)
        if owned != self._produced:
            self._put(MANIFEST, json.dumps(sorted(self._produced), indent=0).encode("utf-8"))
            self._flush()
        return WriteStats(self.written, self.unchanged, len(stale))

    @abstractmethod
    def _holds(self, path: str, data: bytes) -> bool:
        """Does the target already contain exactly these bytes?"""

    @abstractmethod
    def _get(self, path: str) -> bytes | None: ...

    @abstractmethod
    def _put(self, path: str, data: bytes) -> None: ...

    @abstractmethod
    def _remove(self, paths: list[str]) -> None: ...

    @abstractmethod
    def _flush(self) -> None:
        """Wait for writes still in flight."""


class FolderWriter(Writer):
    def __init__(self, path: str | os.PathLike[str]) -> None:
        super().__init__()
        self.root = Path(path)

    def _holds(self, path: str, data: bytes) -> bool:
        target = self.root / path
        try:
            return target.stat().st_size == len(data) and target.read_bytes() == data
        except OSError:
            return False

    def _get(self, path: str) -> bytes | None:
        try:
            return (self.root / path).read_bytes()
        except FileNotFoundError:
            return None

    def _put(self, path: str, data: bytes) -> None:
        target = self.root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        temporary = target.with_name(f".{target.name}.tmp")
        temporary.write_bytes(data)
        os.replace(temporary, target)  # readers never see a half-written page

    def _remove(self, paths: list[str]) -> None:
        for path in paths:
            target = self.root / path
            target.unlink(missing_ok=True)
            for parent in target.parents:  # drop folders the deletion emptied
                if parent == self.root or any(parent.iterdir()):
                    break
                parent.rmdir()

    def _flush(self) -> None:
        """Nothing in flight: folder writes are synchronous."""


class S3Writer(Writer):
    """Uploads with Content-Type and Cache-Control per file; compares content by MD5 against the
    ETags of one listing of the prefix, so unchanged files cost no request at all."""

    WORKERS = 8
    IN_FLIGHT = 32  # bounds memory: at most this many bodies wait for upload

    def __init__(self, bucket: str, prefix: str = "") -> None:
        super().__init__()
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self._client = None
        self._etags: dict[str, str] | None = None
        self._pool: ThreadPoolExecutor | None = None
        self._slots = threading.BoundedSemaphore(self.IN_FLIGHT)
        self._pending: list[Future[None]] = []

    @property
    def client(self):
        if self._client is None:  # lazily: a client made at import escapes moto and Lambda init
            import boto3

            self._client = boto3.client("s3")
        return self._client

    def _existing(self) -> dict[str, str]:
        if self._etags is None:
            self._etags = {}
            pages = self.client.get_paginator("list_objects_v2")
            for page in pages.paginate(Bucket=self.bucket, Prefix=self.prefix):
                for item in page.get("Contents", []):
                    self._etags[item["Key"]] = item["ETag"].strip('"')
        return self._etags

    def _holds(self, path: str, data: bytes) -> bool:
        return (
            self._existing().get(self.prefix + path)
            == hashlib.md5(data, usedforsecurity=False).hexdigest()
        )

    def _get(self, path: str) -> bytes | None:
        if self.prefix + path not in self._existing():
            return None
        return self.client.get_object(Bucket=self.bucket, Key=self.prefix + path)["Body"].read()

    def _put(self, path: str, data: bytes) -> None:
        if self._pool is None:
            self._pool = ThreadPoolExecutor(self.WORKERS, thread_name_prefix="s3-put")
        self._slots.acquire()
        future = self._pool.submit(self._upload, path, data)
        future.add_done_callback(lambda _: self._slots.release())
        self._pending.append(future)

    def _upload(self, path: str, data: bytes) -> None:
        self.client.put_object(
            Bucket=self.bucket,
            Key=self.prefix + path,
            Body=data,
            ContentType=content_type(path),
            CacheControl=cache_control(path),
        )

    def _remove(self, paths: list[str]) -> None:
        for start in range(0, len(paths), 1000):  # the DeleteObjects limit
            keys = [{"Key": self.prefix + p} for p in paths[start : start + 1000]]
            self.client.delete_objects(Bucket=self.bucket, Delete={"Objects": keys, "Quiet": True})

    def _flush(self) -> None:
        for future in self._pending:
            future.result()  # re-raises an upload's error
        self._pending.clear()
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None


def open_writer(out: str | None, bucket: str | None) -> Writer:
    """The writer the command line asked for: ``--out DIR`` or ``--bucket NAME``."""
    if bool(out) == bool(bucket):
        raise ValueError("give exactly one of an output folder or an S3 bucket")
    return S3Writer(bucket) if bucket else FolderWriter(out)
