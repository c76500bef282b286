"""Issue 11, found in audit: `dctech serve --port 99999` ended in an OverflowError traceback,
and `dctech serve` started outside the repository's root answered every category request with
a 500 and said nothing. A port is range-checked by argparse; a missing topics folder is a note
at startup (those requests answer a JSON 503; other listings are unaffected)."""

from __future__ import annotations

import json
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
RUN = f"import sys; sys.path.insert(0, {str(REPO)!r}); import dctech; sys.exit(dctech.main())"


def dctech(*argv: str) -> list[str]:
    return [sys.executable, "-c", RUN, *argv]


@pytest.mark.parametrize("port", ["99999", "0", "-1", "http"])
def test_a_port_out_of_range_is_an_argparse_error(tmp_path, port):
    done = subprocess.run(
        dctech("serve", "--port", port, "--dir", str(tmp_path)),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert done.stderr.splitlines()[-1].endswith(
        f"argument --port: must be a port 1-65535, got {port!r}"
    )


def get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:
            return answer.status, json.load(answer)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def test_serve_outside_the_repository_says_category_requests_cannot_be_answered(tmp_path):
    SQLiteStore(str(tmp_path / "events.db")).close()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        dctech(
            "serve", "--port", str(port), "--dir", str(tmp_path), "--store", "sqlite:///events.db"
        ),
        cwd=tmp_path,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}/api/events"
        for _ in range(200):
            try:
                status, body = get(base)
                break
            except OSError:
                time.sleep(0.05)
        assert status == 200 and body["events"] == []
        status, body = get(base + "?category=ai")
        assert (status, body["error"]["code"]) == (503, "topics_unavailable")
    finally:
        server.terminate()
        _, stderr = server.communicate(timeout=10)
    assert stderr.splitlines()[0] == (
        "note: no topics folder _categories: /api/events?category= answers 503"
        " (run from the repository's root, or pass --categories)"
    )
