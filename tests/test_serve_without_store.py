"""`dctech serve` on a fresh checkout (a built site, no event store yet): the site is served,
and `/api/events` answers 503 `store_unavailable` in the one error shape until a store exists,
then answers from it without a restart."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from core.store.sqlite import SQLiteStore

REPO = Path(__file__).parent.parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read()


@pytest.fixture
def checkout(tmp_path) -> Path:
    """A checkout after `make demo`: a built `_site`, but no `.dctech/events.db`."""
    (tmp_path / "_site").mkdir()
    (tmp_path / "_site" / "index.html").write_text("<h1>DC Tech Events</h1>")
    (tmp_path / ".dctech").mkdir()
    return tmp_path


def test_serve_without_a_store_serves_the_site_and_a_503_api(checkout):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("DCTECH_")}
    env["PYTHONUNBUFFERED"] = "1"  # the note reaches the log before the server is stopped
    log = (checkout / "serve.log").open("w")
    command = [sys.executable, str(REPO / "dctech.py"), "serve", "--port", str(port)]
    server = subprocess.Popen(
        [*command, "--config", str(REPO / "config.yaml")],
        cwd=checkout,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                status, _, page = get(base + "/")
                break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.1)
        else:
            pytest.fail((checkout / "serve.log").read_text())
        assert status == 200 and b"DC Tech Events" in page

        status, headers, body = get(base + "/api/events")
        assert status == 503
        assert headers["Content-Type"].startswith("application/json")
        assert headers["Cache-Control"] == "no-store"
        assert json.loads(body) == {
            "error": {
                "code": "store_unavailable",
                "message": "no event store at .dctech/events.db: run `dctech collect` first"
                " (or pass --store)",
                "parameter": None,
            }
        }

        SQLiteStore(str(checkout / ".dctech" / "events.db")).close()  # the first collect
        status, _, body = get(base + "/api/events")
        assert status == 200 and json.loads(body) == {"events": [], "next_cursor": None}
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()
    output = (checkout / "serve.log").read_text()
    assert output.startswith(
        "note: the API has no store yet: no event store at .dctech/events.db: run `dctech"
        " collect` first (or pass --store)\n"
    )
