"""The API outside Lambda: the in-process adapter `dctech serve` uses, `chalice local`, and the
packaging step that must give a self-contained Lambda artifact from a checkout."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import zipfile
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from chalice.test import Client

import api.app as api_app
from api.local import handle
from api.package import API, package
from core.models import Event
from core.runtime import Clock, Runtime
from core.store.sqlite import SQLiteStore

TODAY = "2026-12-01"


def sample(event_id: str, start: str, state: str | None) -> Event:
    return Event(
        event_id=event_id,
        start_datetime=start,
        end_datetime=start[:11] + "21:00:00",
        title=f"Meetup {event_id}",
        group_id="alpha",
        group_name="Alpha",
        group_website="https://alpha.example",
        state=state,
    )


@pytest.fixture
def db(tmp_path) -> Path:
    path = tmp_path / "events.db"
    store = SQLiteStore(str(path))
    store.put_events(
        [
            sample("one", "2026-12-01T18:00:00", "DC"),
            sample("two", "2026-12-02T18:00:00", "VA"),
            sample("old", "2026-11-20T18:00:00", "DC"),
        ]
    )
    store.close()
    return path


@pytest.fixture
def served(db):
    """The app as `dctech serve` sets it up: configured with the command's runtime."""
    runtime = Runtime(store_url=f"sqlite:///{db}", clock=Clock(date.fromisoformat(TODAY)))
    api_app.configure(runtime)
    yield runtime
    api_app.configure(None)
    runtime.close()


def test_handle_answers_like_the_app_itself(served):
    status, headers, body = handle("/api/events", {"state": "VA"})
    direct = Client(api_app.app).http.get("/api/events?state=VA")
    assert status == 200 and body == direct.body
    assert [e["event_id"] for e in json.loads(body)["events"]] == ["two"]
    assert headers["Content-Type"] == "application/json; charset=utf-8"
    assert headers["Cache-Control"] == "public, max-age=300"
    assert headers["ETag"] == direct.headers["ETag"]


def test_handle_opens_the_store_once(served):
    handle("/api/events", {})
    opened = served.opened
    handle("/api/events", {"limit": "1"})
    assert opened is not None and served.opened is opened


def test_handle_serves_concurrent_requests_each_their_own_answer(served):
    """The preview server may call from several threads; Chalice keeps one current request."""
    queries = [{"state": s} for s in ("DC", "VA", "MD")] * 20
    expected = [handle("/api/events", q)[2] for q in queries]
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads often, to give a race its chance
    try:
        with ThreadPoolExecutor(max_workers=8) as pool:
            answers = list(pool.map(lambda q: handle("/api/events", q)[2], queries))
    finally:
        sys.setswitchinterval(interval)
    assert answers == expected


def test_category_is_checked_against_the_topics_of_the_runtime_given(db, tmp_path):
    """`dctech serve` answers from its own `_categories` (--categories); a request without
    category never reads them, so a missing folder fails only category requests, with a JSON 503."""
    topics = tmp_path / "topics"
    topics.mkdir()
    (topics / "robots.yaml").write_text("name: Robots\ndescription: Robot events\n")
    store = SQLiteStore(str(db))
    store.put_events([replace(sample("bot", "2026-12-03T18:00:00", "DC"), categories=["robots"])])
    store.save_topic_owners({"robots": ["alpha"]})
    store.close()
    clock = Clock(date.fromisoformat(TODAY))
    for folder in (topics, tmp_path / "missing"):
        runtime = Runtime(store_url=f"sqlite:///{db}", clock=clock, categories_dir=folder)
        api_app.configure(runtime)
        try:
            assert handle("/api/events", {"state": "DC"})[0] == 200
            status, _, body = handle("/api/events", {"category": "robots"})
            if folder == topics:
                assert status == 200
                assert [e["event_id"] for e in json.loads(body)["events"]] == ["bot"]
                status, _, body = handle("/api/events", {"category": "ai"})
                assert (status, json.loads(body)["error"]["message"]) == (
                    400,
                    "category must be one of robots",
                )
            else:
                assert (status, json.loads(body)["error"]["code"]) == (503, "topics_unavailable")
        finally:
            api_app.configure(None)
            runtime.close()


def test_handle_encodes_the_query_and_reports_errors_in_the_api_shape(served):
    status, _, body = handle("/api/events", {"group_id": "a b&c=d"})
    assert status == 400
    assert json.loads(body)["error"]["parameter"] == "group_id"


@pytest.mark.parametrize("path", ["/api/nothing", "/api/events/x/y", "/api"])
def test_handle_unknown_paths_are_404_in_the_api_shape(served, path):
    status, headers, body = handle(path, {})
    assert status == 404
    assert json.loads(body)["error"]["code"] == "not_found"
    assert headers["Access-Control-Allow-Origin"] == "*"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# `chalice local` imports from api/vendor/, which packaging makes again: the two tests share a
# file, and `make test` hands a whole file to one worker (--dist loadfile).
@pytest.mark.slow
def test_chalice_local_serves_the_api(db, tmp_path):
    port = free_port()
    env = {
        "PATH": str(Path(sys.executable).parent),
        "DCTECH_STORE": f"sqlite:///{db}",
        "DCTECH_TODAY": TODAY,
        "AWS_DEFAULT_REGION": "us-east-1",
        "PYTHONDONTWRITEBYTECODE": "1",  # no __pycache__ in api/vendor/ for a package to ship
    }
    chalice = str(Path(sys.executable).parent / "chalice")
    log = (tmp_path / "chalice.log").open("w")
    server = subprocess.Popen(
        [chalice, "local", "--no-autoreload", "--port", str(port)],
        cwd=API,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        url = f"http://127.0.0.1:{port}/api/events?state=DC"
        for _ in range(100):
            try:
                with urllib.request.urlopen(url, timeout=5) as response:
                    listed = json.load(response)
                    break
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.1)
        else:
            pytest.fail((tmp_path / "chalice.log").read_text())
        assert [e["event_id"] for e in listed["events"]] == ["one"]
        assert response.headers["Access-Control-Allow-Origin"] == "*"
    finally:
        server.terminate()
        server.wait(timeout=10)


@pytest.mark.slow
def test_package_builds_a_self_contained_lambda_artifact(tmp_path):
    artifact = package(tmp_path / "out")
    names = set(zipfile.ZipFile(artifact).namelist())
    assert {"app.py", "core/query.py", "core/store/__init__.py", "chalice/app.py"} <= names
    assert {"api/write.py", "templates/submit.html", "_categories/ai.yaml"} <= names
    assert not {n for n in names if n.startswith(("tests/", "collector/", "generator/"))}
    assert not {"api/app.py", "api/local.py", "api/package.py"} & names
    assert not {n for n in names if "__pycache__" in n}
    assert (tmp_path / "out" / "sam.json").exists()

    # Import the app from the unpacked zip alone: no site-packages, no checkout on the path.
    unpacked = tmp_path / "unpacked"
    zipfile.ZipFile(artifact).extractall(unpacked)
    probe = (
        "import sys; sys.path.insert(0, sys.argv[1]); import app, core; "
        "assert core.__file__.startswith(sys.argv[1]), core.__file__; "
        "print(sorted(app.app.routes))"
    )
    result = subprocess.run(
        [sys.executable, "-S", "-I", "-c", probe, str(unpacked)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "/api/events" in result.stdout
