"""The composition root (core/runtime.py): one runtime for the CLI, the Lambdas and the API, with
every environment variable read in one place, a clock a test can set, and the base URL rule
(a folder build is a preview linking to `dctech serve`, a bucket build links to base_url)."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import boto3
import pytest
from chalice.test import Client
from fixtures.events import GROUPS, TODAY, fixture_store
from moto import mock_aws

import api.app as api_app
import dctech
from core.errors import DctechError
from core.models import Event
from core.runtime import (
    BUNDLE,
    ENVIRONMENT,
    PREVIEW_URL,
    Clock,
    Runtime,
    from_environment,
    pinned_today,
)
from core.store import DEFAULT_STORE_URL
from core.store.sqlite import SQLiteStore
from generator import preview
from generator.writers import MANIFEST

REPO = Path(__file__).parent.parent
NEW_YORK, AUCKLAND = "America/New_York", "Pacific/Auckland"
NEW_YORK_ZONE, AUCKLAND_ZONE = ZoneInfo(NEW_YORK), ZoneInfo(AUCKLAND)


def settings(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(text)
    return path


def test_the_clock_is_real_unless_pinned_to_a_day_or_an_instant():
    before = datetime.now(UTC)
    today, now = Clock().read(NEW_YORK_ZONE)
    assert before <= now <= datetime.now(UTC) and now.tzinfo == UTC
    assert today == now.astimezone(NEW_YORK_ZONE).date()

    # --today and DCTECH_TODAY: noon of that day in the site timezone
    assert Clock(TODAY).read(NEW_YORK_ZONE) == (TODAY, datetime(2026, 12, 1, 17, tzinfo=UTC))
    # an instant: "today" is its date in the site timezone (10 pm in New York, 4 pm next day
    # in Auckland)
    late = datetime(2026, 12, 2, 3, tzinfo=UTC)
    assert Clock(late).read(NEW_YORK_ZONE) == (date(2026, 12, 1), late)
    assert Clock(late).read(AUCKLAND_ZONE)[0] == date(2026, 12, 2)


def fields(runtime: Runtime) -> dict[str, object]:
    return {f.name: getattr(runtime, f.name) for f in dataclasses.fields(runtime)}


def test_unset_variables_give_the_bundle_and_the_defaults():
    runtime = from_environment({})
    assert runtime.config == BUNDLE / "config.yaml" == REPO / "config.yaml"
    assert runtime.groups_dir == BUNDLE / "_groups" and runtime.root == BUNDLE
    assert runtime.single_events_dir == BUNDLE / "_single_events"
    assert runtime.store_url == DEFAULT_STORE_URL and runtime.clock == Clock()
    assert (runtime.bucket, runtime.render_function, runtime.distribution_id) == (None,) * 3
    assert fields(from_environment({v.name: "" for v in ENVIRONMENT})) == fields(runtime)


@pytest.mark.parametrize("variable", [v for v in ENVIRONMENT if not v.external], ids=str)
def test_every_variable_of_the_list_is_read(variable):
    value = "2026-12-01" if variable.name == "DCTECH_TODAY" else "/somewhere/else"
    assert fields(from_environment({variable.name: value})) != fields(from_environment({}))


def test_a_bad_pinned_day_names_the_variable():
    assert pinned_today({"DCTECH_TODAY": "2026-12-01"}) == TODAY
    with pytest.raises(DctechError, match="DCTECH_TODAY must be a date YYYY-MM-DD, got '12/01'"):
        pinned_today({"DCTECH_TODAY": "12/01"})


def test_links_point_at_the_preview_server_unless_the_site_is_published(tmp_path):
    config = settings(tmp_path, "base_url: https://example.org/dc\n")
    assert Runtime(config=config).site.base_url == PREVIEW_URL == "http://127.0.0.1:8000"
    assert Runtime(config=config, bucket="site").site.base_url == "https://example.org/dc"
    for bucket in (None, "site"):
        given = Runtime(config=config, bucket=bucket, base_url="https://staging.example/")
        assert given.site.base_url == "https://staging.example"
    # the render Lambda: a bucket, and DCTECH_BASE_URL over the configured base_url
    env = {"DCTECH_CONFIG": str(config), "DCTECH_BUCKET": "site"}
    assert from_environment(env).site.base_url == "https://example.org/dc"
    env["DCTECH_BASE_URL"] = "https://cdn.example/"
    assert from_environment(env).site.base_url == "https://cdn.example"


def test_settings_are_read_on_first_use_and_the_store_opened_once(tmp_path):
    broken = settings(tmp_path, "timezone: [not, a, zone]\n")
    with Runtime(config=broken, store_url=f"sqlite:///{tmp_path}/events.db") as runtime:
        assert runtime.opened is None
        store = runtime.store()  # `dctech feeds` needs no settings: a broken file is no matter
        assert runtime.store() is store and runtime.opened is store
        with pytest.raises(DctechError, match="timezone"):
            runtime.today_and_now()
    assert runtime.opened is None  # closed with the run


def test_the_runtime_needs_neither_boto3_nor_a_yaml_parser_to_import():
    """The API ships core/ alone; only a config file that exists brings in the YAML parser."""
    probe = (
        "import sys, core.runtime\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in {'boto3', 'botocore', 'yaml'}))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"


# --- the CLI: folder builds are previews, bucket builds are the site ----------------------------


@pytest.fixture
def project(tmp_path):
    fixture_store(str(tmp_path / "events.db")).close()
    (tmp_path / "groups").mkdir()
    for group in GROUPS:
        (tmp_path / "groups" / f"{group.group_id}.yaml").write_text(
            f"name: {group.name}\nwebsite: {group.website}\nactive: {str(group.active).lower()}\n"
        )
    return tmp_path


def build(project: Path, *target: str) -> int:
    return dctech.main(
        [
            "build",
            *("--store", f"sqlite:///{project}/events.db", "--groups", str(project / "groups")),
            *("--config", str(REPO / "config.yaml"), "--today", TODAY.isoformat()),
            *target,
        ]
    )


def test_a_folder_build_links_to_the_preview_server_and_a_bucket_build_to_base_url(project):
    assert build(project, "--out", str(project / "preview")) == 0
    home = (project / "preview" / "index.html").read_text()
    assert '<link rel="canonical" href="http://127.0.0.1:8000/">' in home
    assert "webcal://127.0.0.1:8000/events.ics" in home and "dctech.events" not in home

    assert build(project, "--out", str(project / "given"), "--base-url", "https://x.example") == 0
    given = (project / "given" / "index.html").read_text()
    assert '<link rel="canonical" href="https://x.example/">' in given

    with mock_aws():
        s3 = boto3.client("s3")
        s3.create_bucket(Bucket="site")
        assert build(project, "--bucket", "site") == 0
        keys = [o["Key"] for o in s3.list_objects_v2(Bucket="site")["Contents"]]
        published = {k: s3.get_object(Bucket="site", Key=k)["Body"].read() for k in keys}
    assert b'<link rel="canonical" href="https://dctech.events/">' in published["index.html"]
    # the same files, but for where their absolute links point
    folder = {
        str(p.relative_to(project / "preview")): p.read_bytes()
        for p in (project / "preview").rglob("*")
        if p.is_file() and p.name != MANIFEST
    }
    for preview_link, site_link in (
        (b"http://127.0.0.1:8000", b"https://dctech.events"),
        (b"webcal://127.0.0.1:8000", b"webcal://dctech.events"),
        (b"webcal%3A%2F%2F127.0.0.1%3A8000", b"webcal%3A%2F%2Fdctech.events"),  # in a link
        (b"http%3A%2F%2F127.0.0.1%3A8000", b"https%3A%2F%2Fdctech.events"),  # Outlook's
    ):
        folder = {key: body.replace(preview_link, site_link) for key, body in folder.items()}
    assert folder == {key: body for key, body in published.items() if key != MANIFEST}


# --- the API: its runtime, handed in by `dctech serve` or built from the environment ------------


def two_days_store(path: Path) -> SQLiteStore:
    store = SQLiteStore(str(path))
    store.put_events(
        [
            Event(
                event_id=event_id,
                start_datetime=f"{day}T18:00:00",
                end_datetime=f"{day}T21:00:00",
                title=event_id,
                group_id="alpha",
                group_name="Alpha",
                group_website="https://alpha.example",
            )
            for event_id, day in (("first", "2026-12-01"), ("second", "2026-12-02"))
        ]
    )
    return store


def listed(client: Client) -> list[str]:
    response = client.http.get("/api/events")
    assert response.status_code == 200, response.body
    return [e["event_id"] for e in json.loads(response.body)["events"]]


@pytest.mark.parametrize(("zone", "expected"), [(NEW_YORK, ["first", "second"]),
                                                 (AUCKLAND, ["second"])])  # fmt: skip
def test_the_api_takes_its_timezone_from_config_yaml(tmp_path, monkeypatch, zone, expected):
    """At 12:00 UTC on 2026-12-01 it is still the 1st in New York, already the 2nd in Auckland:
    the default window starts on the day of the configured timezone."""
    two_days_store(tmp_path / "events.db").close()
    env = {
        "DCTECH_CONFIG": str(settings(tmp_path, f"timezone: {zone}\n")),
        "DCTECH_STORE": f"sqlite:///{tmp_path}/events.db",
    }
    runtime = from_environment(env, clock=Clock(datetime(2026, 12, 1, 12, tzinfo=UTC)))
    monkeypatch.setattr(api_app, "_runtime", runtime)
    assert listed(Client(api_app.app)) == expected
    runtime.close()


def test_the_api_builds_its_runtime_from_the_environment_once(tmp_path, monkeypatch):
    two_days_store(tmp_path / "events.db").close()
    monkeypatch.setattr(api_app, "_runtime", None)
    monkeypatch.setenv("DCTECH_STORE", f"sqlite:///{tmp_path}/events.db")
    monkeypatch.setenv("DCTECH_TODAY", "2026-12-02")
    assert listed(Client(api_app.app)) == ["second"]
    built = api_app.runtime()
    assert listed(Client(api_app.app)) == ["second"] and api_app.runtime() is built
    built.close()


def test_serve_hands_its_runtime_to_the_api_in_process(tmp_path, monkeypatch):
    """No environment variable carries the store: the API answers from the command's."""
    two_days_store(tmp_path / "events.db").close()
    monkeypatch.delenv("DCTECH_STORE", raising=False)
    monkeypatch.setenv("DCTECH_TODAY", "2026-12-02")  # pins the served API, as in Lambda
    monkeypatch.setattr(api_app, "_runtime", None)
    answers = []

    def serve(directory, *, port, api_handler):
        answers.append(api_handler("/api/events", {}))
        assert "DCTECH_STORE" not in os.environ

    monkeypatch.setattr(preview, "serve", serve)
    store = f"sqlite:///{tmp_path}/events.db"
    config = str(settings(tmp_path, f"timezone: {NEW_YORK}\n"))
    assert dctech.main(["serve", "--store", store, "--config", config]) == 0
    ((status, _, body),) = answers
    assert status == 200 and [e["event_id"] for e in json.loads(body)["events"]] == ["second"]
