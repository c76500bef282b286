"""Issue 11, item 7: `dctech serve` on a port another server holds says so in one line (exit 2),
instead of a traceback."""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

from core.store.sqlite import SQLiteStore

REPO = Path(__file__).parent.parent


def test_a_busy_port_is_a_one_line_error(tmp_path):
    SQLiteStore(str(tmp_path / "events.db")).close()
    with socket.socket() as other_server:
        other_server.bind(("127.0.0.1", 0))
        other_server.listen()
        port = other_server.getsockname()[1]
        done = subprocess.run(
            [
                *(sys.executable, "-c", "import dctech, sys; sys.exit(dctech.main())", "serve"),
                *("--port", str(port), "--dir", str(tmp_path)),
                *("--store", f"sqlite:///{tmp_path}/events.db"),
            ],
            cwd=REPO,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.stderr == f"error: port {port} is in use: stop the other server or pass --port N\n"
    assert done.returncode == 2
