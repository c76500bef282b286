"""A client for the Pagefind binary's service mode (``pagefind --service``, the protocol Pagefind's
own Node and Python APIs speak), so an index is built from records in memory: no HTML files for
Pagefind to read and no bundle files to read back, which on a slow disk cost more than the
indexing itself.

A message is base64 JSON ending in a comma, with a ``message_id`` its answer repeats. Requests
stream in while a thread reads the answers, so neither pipe fills up and stalls the other end.
(The PyPI ``pagefind`` package wraps the same protocol, but reads one answer per 0.1 s.)
"""

from __future__ import annotations

import base64
import json
import subprocess
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pagefind_bin import get_executable

from core.errors import DctechError

LANGUAGE = "en"
# Not kept of a bundle: Pagefind's own UIs (the site has its own script) and the WebAssembly for
# pages of no language (every record is in LANGUAGE).
UNUSED = (
    "pagefind-ui.",
    "pagefind-modular-ui.",
    "pagefind-component-ui.",
    "pagefind-highlight.",
    "wasm.unknown.",
)


class PagefindError(DctechError):
    """Pagefind did not build the index; the message says why."""


@dataclass(frozen=True)
class Record:
    """One search result: its URL, the text searched and what a result shows (``meta``).
    No filters: Pagefind writes those in an order that changes from run to run, and the same
    records must give the same bundle."""

    url: str
    content: str
    meta: dict[str, str] = field(default_factory=dict)


class _Answers:
    """The answers read so far, by message_id; errors are kept whatever asked."""

    def __init__(self, stream: Any) -> None:
        self.by_id: dict[int, dict[str, Any]] = {}
        self.errors: list[str] = []
        self.ready = threading.Condition()
        self.closed = False
        self._thread = threading.Thread(target=self._read, args=(stream,), daemon=True)
        self._thread.start()

    def _read(self, stream: Any) -> None:
        pending = b""
        while chunk := stream.read1(1 << 20):
            *messages, pending = (pending + chunk).split(b",")
            with self.ready:
                for message in messages:
                    answer = json.loads(base64.b64decode(message))
                    payload = answer.get("payload") or {}
                    if payload.get("type") == "Error":
                        self.errors.append(str(payload.get("message")))
                    self.by_id[answer.get("message_id") or 0] = payload
                self.ready.notify_all()
        with self.ready:
            self.closed = True
            self.ready.notify_all()

    def wait(self, message_id: int, timeout: float) -> dict[str, Any]:
        """The answer to ``message_id`` once every message up to it is answered (Pagefind may
        answer out of order: the files are asked for only once every record is in)."""
        with self.ready:
            if not self.ready.wait_for(
                lambda: len(self.by_id) >= message_id or self.closed or self.errors, timeout
            ):
                raise PagefindError(f"Pagefind gave no answer in {timeout:.0f} s")
            if self.errors:
                raise PagefindError("Pagefind refused a request: " + self.errors[0])
            if message_id not in self.by_id:
                raise PagefindError("Pagefind stopped before it answered")
            return self.by_id[message_id]


class Indexing:
    """Pagefind building a bundle for each of ``shards`` (its records, by name) in the
    background, one after the other in one process of its own fed by a thread that mostly waits
    on pipes, so the build renders pages meanwhile: ``bundle()`` waits for the files but the
    UNUSED ones, by shard and by path inside its bundle (``pagefind.js``,
    ``fragment/en_....pf_fragment``, ...); ``cancel()`` stops it. ``timeout`` bounds each wait
    for an answer."""

    def __init__(self, shards: Mapping[str, Iterable[Record]], *, timeout: float = 300) -> None:
        try:
            self._process = subprocess.Popen(
                [str(get_executable()), "--service"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
            )
        except OSError as exc:
            raise PagefindError(f"cannot run Pagefind: {exc}") from exc
        self._files: dict[str, dict[str, bytes]] = {}
        self._error: BaseException | None = None
        work = {name: list(records) for name, records in shards.items()}
        self._thread = threading.Thread(
            target=self._run, args=(work, timeout), name="pagefind", daemon=True
        )
        self._thread.start()

    def bundle(self) -> dict[str, dict[str, bytes]]:
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._files

    def cancel(self) -> None:
        """Stop Pagefind and its feeder (after the build failed: never raises)."""
        self._process.kill()
        self._thread.join()

    def _run(self, shards: dict[str, list[Record]], timeout: float) -> None:
        try:
            self._files = _index(self._process, shards, timeout)
        except BaseException as exc:  # raised by bundle(), in the build's thread
            self._error = exc
        finally:
            self._process.kill()
            self._process.wait()


def _index(
    process: subprocess.Popen[bytes], shards: dict[str, list[Record]], timeout: float
) -> dict[str, dict[str, bytes]]:
    assert process.stdin is not None and process.stdout is not None
    answers = _Answers(process.stdout)
    sent = 0

    def send(payload: dict[str, Any], *, flush: bool = False) -> int:
        nonlocal sent
        sent += 1
        message = json.dumps({"message_id": sent, "payload": payload}).encode()
        assert process.stdin is not None
        process.stdin.write(base64.b64encode(message) + b",")
        if flush:
            process.stdin.flush()
        return sent

    def bundle(records: list[Record]) -> dict[str, bytes]:
        index = send({"type": "NewIndex", "config": {"force_language": LANGUAGE}}, flush=True)
        index_id = answers.wait(index, timeout)["index_id"]
        last = index
        for record in records:
            last = send(
                {
                    "type": "AddRecord",
                    "index_id": index_id,
                    "url": record.url,
                    "content": record.content,
                    "language": LANGUAGE,
                    "meta": record.meta,
                    "filters": None,
                    "sort": None,
                }
            )
        assert process.stdin is not None
        process.stdin.flush()
        answers.wait(last, timeout)  # every record is in before the files are asked for
        files = answers.wait(send({"type": "GetFiles", "index_id": index_id}, flush=True), timeout)
        answers.wait(send({"type": "DeleteIndex", "index_id": index_id}, flush=True), timeout)
        kept = (f for f in files["files"] if not f["path"].startswith(UNUSED))
        return {f["path"]: base64.b64decode(f["content"]) for f in kept}

    try:  # one shard at a time: Pagefind holds only one index, on one core
        return {name: bundle(records) for name, records in shards.items()}
    except (OSError, ValueError) as exc:  # a broken pipe; an answer that is no JSON
        raise PagefindError(f"Pagefind stopped before the index was built: {exc}") from exc
