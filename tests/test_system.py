"""The whole system under moto, as production wires it (issue 5, item 4).

The collector Lambda's handler runs on fixture feeds (Meetup, Google, Luma and an all-day
conference calendar) served over HTTP on 127.0.0.1, writes the DynamoDB table, and "invokes" the
render Lambda: its asynchronous trigger is replaced by an in-process call of the render handler
with the same JSON payload. The render writes the site into an S3 bucket, which is then read back:
keys, bodies, Content-Type and Cache-Control. Later runs change one feed, change nothing, and fail
one feed; botocore hooks count every S3 PUT and DynamoDB write request each run makes.

Each handler gets the runtime its environment gives, with the clock set to the daily run of
2026-12-01: the day the fixture feeds were written for, so they are served as they are.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import boto3
import icalendar
import pytest
from conftest import FIXTURES
from moto import mock_aws

import collector.lambda_handler as collector_lambda
import generator.lambda_handler as render_lambda
from core.runtime import Clock, Runtime, from_environment
from core.store.dynamodb import create_table

TABLE, BUCKET, BASE_URL = "DCTechEvents", "dctech-site", "https://dctech.example"
TODAY = date(2026, 12, 1)  # the "today" the fixture feeds were written for
CLOCK = Clock(datetime(2026, 12, 1, 10, tzinfo=UTC))  # the daily run on TODAY: 10:00 UTC
FEEDS = {  # group_id -> fixture feed
    "dc-python": "meetup.ics",
    "data-community-dc": "google.ics",
    "dc-ai-builders": "luma.ics",
    "dc-conferences": "allday_conference.ics",
}
HTML, ICS = "text/html; charset=utf-8", "text/calendar; charset=utf-8"
MANIFEST = ".dctech-manifest.json"


def fixture_feed(name: str) -> bytes:
    return (FIXTURES / "feeds" / name).read_bytes()


@dataclass
class Run:
    """What one scheduled run did: the collector's result, the payload it sent, the render's
    report, and the requests counted on the wire."""

    summary: dict
    payload: dict
    render: dict
    puts: list[str] = field(default_factory=list)  # S3 PutObject keys
    deletes: list[str] = field(default_factory=list)  # S3 keys deleted
    dynamodb: Counter[str] = field(default_factory=Counter)  # operation -> requests
    written: list[str] = field(default_factory=list)  # event_id of each item put/updated/deleted

    @property
    def item_writes(self) -> int:
        return len(self.written)

    @property
    def event_writes(self) -> list[str]:
        """Writes of event items (the rest is feed health, under `_meta#...` keys)."""
        return sorted(w for w in self.written if not w.startswith("_meta#"))

    @property
    def feed_health_writes(self) -> int:
        return self.item_writes - len(self.event_writes)


class System:
    """Table, bucket, group files and environment as the CDK stack sets them up."""

    def __init__(self, tmp_path: Path, server, monkeypatch: pytest.MonkeyPatch) -> None:
        self.server = server
        self.s3 = boto3.client("s3")
        self.dynamodb = boto3.client("dynamodb")
        create_table(TABLE, client=self.dynamodb)
        self.s3.create_bucket(Bucket=BUCKET)
        groups = tmp_path / "_groups"
        groups.mkdir()
        for group_id, name in FEEDS.items():
            url = self.serve(group_id, fixture_feed(name))
            (groups / f"{group_id}.yaml").write_text(
                f"name: {group_id.replace('-', ' ').title()}\n"
                f"website: https://example.org/{group_id}/\nical: {url}\n"
            )
        (tmp_path / "_single_events").mkdir()
        (tmp_path / "config.yaml").write_text(
            "site_name: DC Tech Events\nbase_url: https://dctech.events\n"
            "timezone: America/New_York\nonly_states: [DC, MD, VA]\n"
        )
        env = {
            "DCTECH_STORE": f"dynamodb://{TABLE}",
            "DCTECH_GROUPS_DIR": str(groups),
            "DCTECH_CONFIG": str(tmp_path / "config.yaml"),
            "DCTECH_SINGLE_EVENTS_DIR": str(tmp_path / "_single_events"),
            "DCTECH_RENDER_FUNCTION": "render",
            "DCTECH_BUCKET": BUCKET,
            "DCTECH_BASE_URL": BASE_URL,
        }
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        monkeypatch.delenv("DCTECH_DISTRIBUTION_ID", raising=False)
        self.renders: list[dict] = []
        monkeypatch.setattr(collector_lambda, "trigger_render", self._invoke_render)
        self._current: Run | None = None
        # The handlers make their clients from boto3's default session: count on a fresh one.
        session = boto3.Session()
        monkeypatch.setattr(boto3, "DEFAULT_SESSION", session)
        session.events.register("before-parameter-build.s3", self._s3_call)
        session.events.register("before-parameter-build.dynamodb", self._dynamodb_call)

    def serve(self, group_id: str, body: bytes, **behaviour: object) -> str:
        return self.server.route(f"/{group_id}.ics", body=body, **behaviour)

    def runtime(self) -> Runtime:
        """What a Lambda builds from the environment above, at the daily run's time, reading
        the feed server on 127.0.0.1."""
        return replace(from_environment(clock=CLOCK), loopback_feeds=True)

    def _invoke_render(self, function: str, summary: dict) -> None:
        """The asynchronous Lambda invoke, made synchronous: same function name, same JSON."""
        assert function == "render"
        payload = json.loads(json.dumps({"collect": summary}))
        self.renders.append(payload)
        self._render = render_lambda.handler(payload, None, self.runtime())

    def _s3_call(self, params: dict, model, **_: object) -> None:
        if self._current is None:
            return
        if model.name == "PutObject":
            self._current.puts.append(params["Key"])
        elif model.name == "DeleteObjects":
            self._current.deletes += [o["Key"] for o in params["Delete"]["Objects"]]

    def _dynamodb_call(self, params: dict, model, **_: object) -> None:
        if self._current is None:
            return
        self._current.dynamodb[model.name] += 1
        if model.name == "BatchWriteItem":
            requests = [r for rs in params["RequestItems"].values() for r in rs]
            items = [
                r.get("PutRequest", {}).get("Item") or r["DeleteRequest"]["Key"] for r in requests
            ]
        elif model.name in ("PutItem", "UpdateItem", "DeleteItem"):
            items = [params.get("Item") or params["Key"]]
        else:
            return
        self._current.written += [item["event_id"]["S"] for item in items]

    def run(self) -> Run:
        """One scheduled run: the collector handler, which triggers the render."""
        before = len(self.renders)
        self._current = Run({}, {}, {})
        try:
            summary = collector_lambda.handler({}, None, self.runtime())
        finally:
            run, self._current = self._current, None
        assert len(self.renders) == before + 1, "the collector did not trigger the render"
        run.summary, run.payload, run.render = summary, self.renders[-1], self._render
        return run

    def objects(self) -> dict[str, dict]:
        pages = self.s3.get_paginator("list_objects_v2").paginate(Bucket=BUCKET)
        return {o["Key"]: o for page in pages for o in page.get("Contents", [])}

    def body(self, key: str) -> bytes:
        return self.s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()

    def calendar(self, key: str) -> dict[str, str]:
        """UID -> SUMMARY of a published feed, parsed back with icalendar."""
        cal = icalendar.Calendar.from_ical(self.body(key))
        return {str(e["UID"]): str(e["SUMMARY"]) for e in cal.walk("VEVENT")}

    def stored(self) -> dict[str, dict]:
        """event_id -> item, straight from the table (a test may scan; the system never does)."""
        items = self.dynamodb.scan(TableName=TABLE)["Items"]
        return {
            i["event_id"]["S"]: {k: next(iter(v.values())) for k, v in i.items()}
            for i in items
            if not i["event_id"]["S"].startswith("_meta#")
        }


@pytest.fixture
def system(tmp_path, feed_server, monkeypatch):
    with mock_aws():
        yield System(tmp_path, feed_server, monkeypatch)


def max_age(cache_control: str) -> int:
    return int(re.search(r"max-age=(\d+)", cache_control)[1])


def iso_week(start_datetime: str) -> str:
    year, week, _ = date.fromisoformat(start_datetime[:10]).isocalendar()
    return f"week/{year}-W{week:02d}/index.html"


def test_collect_triggers_the_render_which_publishes_the_site(system):
    first = system.run()

    # The collector's summary is what the render received.
    assert first.payload == {"collect": first.summary}
    assert first.summary["groups_ok"] == 4 and first.summary["groups_failed"] == 0
    stored = system.stored()
    assert first.summary["new"] == len(stored) >= 12
    assert first.summary["writes"] == first.item_writes
    assert first.event_writes == sorted(stored)  # each event written once
    assert 1 <= first.feed_health_writes <= len(FEEDS)  # feed health: small records
    assert "Scan" not in first.dynamodb
    assert first.render["events"] == len(stored)

    objects = system.objects()
    assert sorted(first.puts) == sorted(objects)  # every object, each uploaded once
    assert first.render["files_written"] == len(objects) - 1  # all but the manifest
    for key in ("index.html", "virtual/index.html", "locations/index.html",
                "locations/DC/index.html", "locations/VA/index.html", "locations/MD/index.html",
                "groups/index.html", "events.ics", "virtual/events.ics", "locations/DC/events.ics",
                "sitemap.xml", "404.html", "newsletter.html", "newsletter.txt"):  # fmt: skip
        assert key in objects, key
    for group_id in FEEDS:
        assert f"groups/{group_id}/events.ics" in objects
    weeks = {iso_week(item["start_datetime"]) for item in stored.values()}
    assert weeks <= set(objects)  # a page for every week that has events

    # events.ics lists exactly the stored events, UID = event_id; one feed per event.
    feed = system.calendar("events.ics")
    assert set(feed) == set(stored)
    assert {"Python Project Night", "AI Builders Demo Night", "Capital Dev Summit 2026",
            "Data Science DC: December Talks"} <= set(feed.values())  # fmt: skip
    for event_id, item in stored.items():
        assert system.calendar(f"events/{event_id}.ics") == {event_id: item["title"]}
    assert set(system.calendar("groups/dc-python/events.ics")) == {
        i for i, item in stored.items() if item["group_id"] == "dc-python"
    }
    sitemap = system.body("sitemap.xml").decode()
    assert f"<loc>{BASE_URL}/</loc>" in sitemap and "https://dctech.events" not in sitemap

    # Content types and caching as CloudFront will serve them.
    css = [k for k in objects if k.startswith("static/") and k.endswith(".css")]
    assert len(css) == 1 and re.fullmatch(r"static/site\.[0-9a-f]{8,}\.css", css[0])
    expected = {
        "index.html": HTML, "virtual/index.html": HTML, sorted(weeks)[0]: HTML,
        "locations/DC/index.html": HTML, "groups/index.html": HTML, "404.html": HTML,
        "events.ics": ICS, f"events/{next(iter(stored))}.ics": ICS,
        "sitemap.xml": "application/xml; charset=utf-8", css[0]: "text/css; charset=utf-8",
    }  # fmt: skip
    for key, content_type in expected.items():
        head = system.s3.head_object(Bucket=BUCKET, Key=key)
        assert head["ContentType"] == content_type, key
        if key == css[0]:  # fingerprinted: cached for a year, never revalidated
            assert max_age(head["CacheControl"]) >= 365 * 86400, key
            assert "immutable" in head["CacheControl"]
        else:  # pages and feeds follow the daily rebuild
            assert max_age(head["CacheControl"]) <= 3600, key
            assert "immutable" not in head["CacheControl"]

    # Retitle one event in one feed: only the objects whose bytes change are uploaded.
    luma = fixture_feed("luma.ics")
    system.serve("dc-ai-builders", luma.replace(b"Capital Factory", b"Capital Factory (2nd floor)"))
    changed = system.run()
    assert changed.summary["new"] == 1 and changed.summary["dropped"] == 1  # retired at once
    assert changed.summary["updated"] == 0 and changed.summary["unchanged"] == len(stored) - 1
    after = system.objects()
    (old_id,) = set(stored) - set(system.stored())
    (new_id,) = set(system.stored()) - set(stored)
    assert changed.summary["writes"] == changed.item_writes
    assert changed.event_writes == sorted([old_id, new_id])  # a put and a delete, nothing else
    assert changed.feed_health_writes <= len(FEEDS) + 1  # feed health, and the retitle's move
    assert changed.deletes == []  # nothing published goes: the old page redirects to the new one
    redirect = system.body(f"events/{old_id}/index.html").decode()
    assert 'http-equiv="refresh"' in redirect and f"/events/{new_id}/" in redirect
    differs = {k for k, o in after.items() if objects.get(k, {}).get("ETag") != o["ETag"]}
    assert sorted(changed.puts) == sorted(differs)  # nothing identical was re-put
    assert len(changed.puts) == len(set(changed.puts))
    new_start = system.stored()[new_id]["start_datetime"]
    assert {"index.html", "events.ics", "locations/VA/index.html", "locations/VA/events.ics",
            "groups/dc-ai-builders/events.ics", f"events/{new_id}.ics",
            iso_week(new_start)} <= differs  # fmt: skip
    untouched = {css[0], "404.html", "groups/index.html", "virtual/index.html",
                 "locations/MD/index.html", "groups/dc-python/events.ics"}  # fmt: skip
    assert not untouched & differs
    for key in set(objects) & set(after) - differs:  # not re-put: same object, same timestamp
        assert after[key]["LastModified"] == objects[key]["LastModified"], key
    assert changed.render["files_written"] + 1 == len(changed.puts)  # + the manifest
    assert len(changed.puts) <= len(objects) // 3
    assert "Capital Factory (2nd floor)" in system.calendar("events.ics")[new_id]

    # Nothing changed (same day): no upload at all; DynamoDB writes only feed health records.
    quiet = system.run()
    assert quiet.puts == [] and quiet.deletes == []
    assert (quiet.render["files_written"], quiet.render["files_deleted"]) == (0, 0)
    assert quiet.summary["writes"] == quiet.item_writes
    assert quiet.event_writes == [] and quiet.feed_health_writes <= len(FEEDS)
    assert quiet.dynamodb["UpdateItem"] == 0 and "Scan" not in quiet.dynamodb
    assert {k: o["ETag"] for k, o in system.objects().items()} == {
        k: o["ETag"] for k, o in after.items()
    }


def test_a_failing_feed_keeps_its_events_on_the_site(system):
    system.run()
    python_ids = {i for i, e in system.stored().items() if e["group_id"] == "dc-python"}
    assert python_ids and python_ids <= set(system.calendar("events.ics"))
    # The feed last succeeded three days ago: past the grace period for events a *successful*
    # fetch no longer shows.
    three_days_ago = (TODAY - timedelta(days=3)).isoformat()
    for event_id, item in system.stored().items():
        if event_id in python_ids:
            system.dynamodb.update_item(
                TableName=TABLE,
                Key={"event_id": {"S": event_id}, "start_datetime": {"S": item["start_datetime"]}},
                UpdateExpression="SET last_seen_date = :d",
                ExpressionAttributeValues={":d": {"S": three_days_ago}},
            )

    system.serve("dc-python", b"Internal Server Error", content_type="text/plain", status=500)
    failed = system.run()
    assert failed.summary["groups_failed"] == 1 and failed.summary["groups_ok"] == 3
    assert "500" in failed.summary["failures"]["dc-python"]
    assert failed.payload["collect"]["failures"] == failed.summary["failures"]
    assert failed.summary["dropped"] == 0 and failed.event_writes == []  # same day: no touches
    assert python_ids <= set(system.stored())  # nothing of the failed group was touched
    assert all(system.stored()[i]["last_seen_date"] == three_days_ago for i in python_ids)
    assert python_ids <= set(system.calendar("events.ics"))
    assert set(system.calendar("groups/dc-python/events.ics")) == python_ids
    # the site is unchanged but for the pages reporting the feed's health
    assert sorted(failed.puts) == [".dctech-manifest.json", "groups/dc-python/index.html",
                                   "groups/index.html"]  # fmt: skip
    assert "Feed failing since" in system.body("groups/dc-python/index.html").decode()

    # Control: the same feed answering successfully without those events does retire them.
    system.serve("dc-python", fixture_feed("meetup.ics").split(b"BEGIN:VEVENT")[0]
                 + b"END:VCALENDAR\r\n")  # fmt: skip
    emptied = system.run()
    assert emptied.summary["groups_failed"] == 0 and emptied.summary["dropped"] == len(python_ids)
    assert not python_ids & set(system.stored())
    assert not python_ids & set(system.calendar("events.ics"))
