"""Issue 15: the collector and render Lambdas read the content folders from the content bucket
at the start of each run, and the API its topics (moto's S3), so adding a group is a content
deploy, never a Lambda rebuild."""

from __future__ import annotations

import json
from datetime import date

import boto3
import pytest
from chalice.test import Client
from conftest import FIXTURES, REPO
from moto import mock_aws

import api.app as api_app
from collector.lambda_handler import handler
from core.content import ContentError, download
from core.limits import MAX_CONFIG_BYTES
from core.runtime import Clock, Runtime
from core.store.sqlite import SQLiteStore
from generator.lambda_handler import handler as render

BUCKET = "dctech-content"


@pytest.fixture
def s3():
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=BUCKET)
        yield client


def put(s3, key: str, body: str | bytes) -> None:
    s3.put_object(Bucket=BUCKET, Key=key, Body=body.encode() if isinstance(body, str) else body)


def test_a_run_collects_the_groups_and_overrides_in_the_bucket(s3, tmp_path, feed_server):
    feed_server.route("/pydc.ics", body=(FIXTURES / "collect" / "pydc_v1.ics").read_bytes())
    put(
        s3,
        "_groups/pydc.yaml",
        f"name: Python DC\nwebsite: https://pydc.example/\nical: {feed_server.url('/pydc.ics')}\n",
    )
    put(s3, "_categories/ai.yaml", (REPO / "_categories" / "ai.yaml").read_text())
    put(s3, "_overrides/pydc/event_311@meetup.com.yaml", "hide: true\n")
    put(s3, "_overrides/README.md", "notes\n")
    store = tmp_path / "events.db"
    runtime = Runtime(
        store_url=f"sqlite:///{store}",
        clock=Clock(date(2026, 12, 1)),
        groups_dir=tmp_path / "not-used",  # the bundle's folders are replaced by the bucket's
        content_bucket=BUCKET,
        loopback_feeds=True,  # the feed server is on 127.0.0.1
    )
    summary = handler({}, runtime=runtime)
    assert summary["groups_ok"] == 1 and summary["groups_failed"] == 0
    opened = SQLiteStore(str(store))
    uids = {e.source_uid for e in opened.query_by_group("pydc")}
    opened.close()
    assert uids == {"event_312@meetup.com", "event_313@meetup.com"}, "311 is hidden"


@pytest.mark.parametrize(
    ("key", "body", "message"),
    [
        ("_groups/../../etc/x.yaml", "name: x\n", "not a content file name"),
        ("_groups/big.yaml", b"#" * (MAX_CONFIG_BYTES + 1), "larger than"),
        ("_groups/script.py", "print()\n", "not a content file name"),
    ],
)
def test_a_bucket_holding_what_no_checkout_would_is_refused(s3, tmp_path, key, body, message):
    put(s3, key, body)
    with pytest.raises(ContentError, match=message):
        download(s3, BUCKET, tmp_path)


def test_download_writes_the_checkout_layout(s3, tmp_path):
    put(s3, "_groups/a.yaml", "name: A\n")
    put(s3, "_overrides/a/uid%2Fx@y.yaml", "hide: true\n")
    assert download(s3, BUCKET, tmp_path) == 2
    assert (tmp_path / "_groups" / "a.yaml").read_text() == "name: A\n"
    assert (tmp_path / "_overrides" / "a" / "uid%2Fx@y.yaml").is_file()
    assert (tmp_path / "_single_events").is_dir()  # an empty folder reads as none


def test_the_render_builds_the_group_pages_of_the_groups_in_the_bucket(s3, tmp_path):
    """A group merged and deployed to the content bucket has its page at the next render, with
    no Lambda rebuild: the render reads the catalogue from the bucket, not from its bundle."""
    site = "dctech-site"
    s3.create_bucket(Bucket=site)
    put(s3, "_groups/bucket-only.yaml", "name: Only In The Bucket\nwebsite: https://b.example/\n")
    put(s3, "_categories/ai.yaml", (REPO / "_categories" / "ai.yaml").read_text())
    runtime = Runtime(
        store_url=f"sqlite:///{tmp_path / 'events.db'}",
        clock=Clock(date(2026, 12, 1)),
        groups_dir=tmp_path / "not-used",  # the bundle ships no content
        categories_dir=tmp_path / "not-used",
        content_bucket=BUCKET,
        loopback_feeds=True,  # the feed server is on 127.0.0.1
        bucket=site,
    )
    render({"part": "groups"}, runtime=runtime)
    keys = {o["Key"] for o in s3.list_objects_v2(Bucket=site)["Contents"]}
    assert "groups/bucket-only/index.html" in keys
    index = s3.get_object(Bucket=site, Key="groups/index.html")["Body"].read().decode()
    assert "Only In The Bucket" in index


@pytest.fixture
def api(s3, tmp_path, monkeypatch):
    """The API reading its topics (the AI one) from the content bucket, on a clock the test
    moves (``clock[0]``); a cold container before and after."""
    put(s3, "_categories/ai.yaml", "name: AI\ndescription: Machines\n")
    monkeypatch.setenv("DCTECH_CONTENT_BUCKET", BUCKET)
    monkeypatch.setenv("DCTECH_CATEGORIES_DIR", str(tmp_path / "not-used"))
    monkeypatch.setenv("DCTECH_STORE", f"sqlite:///{tmp_path / 'events.db'}")
    clock = [1000.0]
    monkeypatch.setattr(api_app.time, "monotonic", lambda: clock[0])
    client = Client(api_app.app)
    api_app.configure(None)
    try:
        yield client, clock
    finally:
        api_app.configure(None)


def test_the_api_reads_its_topics_from_the_bucket_and_again_when_they_are_old(s3, api):
    """The API bundle ships no `_categories`: a warm container downloads them, keeps them for
    CONTENT_SECONDS, then downloads them again (and drops the old copy)."""
    client, clock = api

    def status(topic: str) -> int:
        return client.http.get(f"/api/events?category={topic}").status_code

    assert (status("ai"), status("robots")) == (200, 400)
    first = api_app.runtime().categories_dir
    put(s3, "_categories/robots.yaml", "name: Robots\ndescription: Bots\n")
    clock[0] += api_app.CONTENT_SECONDS  # not yet stale
    assert status("robots") == 400
    clock[0] += 1
    assert status("robots") == 200
    assert not first.exists(), "the old download is removed"


def test_the_api_answers_from_its_copy_while_the_bucket_cannot_be_read(s3, api):
    """A failed refresh keeps the topics already read (and is tried again later); with no copy
    at all a ``category`` is a JSON 503 and every other listing still answers: never a 500."""
    client, clock = api

    def get(query: str):
        return client.http.get(f"/api/events?{query}")

    assert get("category=ai").status_code == 200
    s3.delete_object(Bucket=BUCKET, Key="_categories/ai.yaml")
    s3.delete_bucket(Bucket=BUCKET)  # the refresh fails from now on
    clock[0] += api_app.CONTENT_SECONDS + 1
    assert get("category=ai").status_code == 200, "the earlier copy still answers"
    api_app.configure(None)  # a cold container: nothing read yet
    unavailable = get("category=ai")
    assert unavailable.status_code == 503
    assert json.loads(unavailable.body)["error"]["code"] == "topics_unavailable"
    assert get("state=DC").status_code == 200


def test_a_lambda_run_leaves_no_copy_of_the_content_behind(s3, tmp_path, monkeypatch):
    """A warm container runs day after day: each run's download is removed at its end."""
    monkeypatch.setattr("tempfile.tempdir", str(tmp_path / "scratch"))
    (tmp_path / "scratch").mkdir()
    put(s3, "_categories/ai.yaml", (REPO / "_categories" / "ai.yaml").read_text())
    runtime = Runtime(
        store_url=f"sqlite:///{tmp_path / 'events.db'}",
        clock=Clock(date(2026, 12, 1)),
        content_bucket=BUCKET,
        loopback_feeds=True,  # the feed server is on 127.0.0.1
    )
    handler({}, runtime=runtime)
    assert list((tmp_path / "scratch").iterdir()) == []
