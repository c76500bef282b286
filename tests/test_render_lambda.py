"""The render Lambda end to end under moto: a DynamoDB store, an S3 bucket, the handler invoked
as AWS would, the published objects listed and checked; a second run uploads nothing."""

from __future__ import annotations

import json
import textwrap
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import boto3
import pytest
from fixtures.events import SITE, TODAY, load_events
from moto import mock_aws

from collector.run import collect
from core.config import load_groups
from core.store import open_store
from core.store.dynamodb import create_table
from core.timeutil import format_local, parse_local, ttl_for
from generator import lambda_handler

TABLE, BUCKET = "DCTechEvents", "dctech-site"


def fixture_events_from_today():
    """The fixture events moved so that their 'today' is the real one (the handler reads the
    clock, as in production)."""
    delta = datetime.now(ZoneInfo(SITE.timezone)).date() - TODAY

    def shift(value: str) -> str:
        return format_local(parse_local(value) + delta)

    return [
        replace(
            e,
            start_datetime=shift(e.start_datetime),
            end_datetime=shift(e.end_datetime),
            ttl=ttl_for(shift(e.end_datetime), SITE.timezone) if e.ttl > 10**6 else e.ttl,
        )
        for e in load_events().values()
    ]


@pytest.fixture
def aws(monkeypatch):
    with mock_aws():
        create_table(TABLE)
        s3 = boto3.client("s3")
        s3.create_bucket(Bucket=BUCKET)
        monkeypatch.setenv("DCTECH_STORE", f"dynamodb://{TABLE}")
        monkeypatch.setenv("DCTECH_BUCKET", BUCKET)
        monkeypatch.delenv("DCTECH_GROUPS_DIR", raising=False)  # the bundled _groups
        monkeypatch.delenv("DCTECH_BASE_URL", raising=False)
        monkeypatch.delenv("DCTECH_DISTRIBUTION_ID", raising=False)
        yield s3


def listing(s3) -> dict[str, dict]:
    return {o["Key"]: o for o in s3.list_objects_v2(Bucket=BUCKET, MaxKeys=1000)["Contents"]}


def test_handler_publishes_the_site_to_s3_and_a_rerun_uploads_nothing(aws, capsys):
    store = open_store(f"dynamodb://{TABLE}")
    store.put_events(fixture_events_from_today())
    report = lambda_handler.handler({"collect": {"new": 18, "groups_failed": 0}}, None)

    objects = listing(aws)
    assert report["files_written"] == len(objects) - 1  # all but the manifest
    assert report["events"] == 16 and report["files_deleted"] == 0
    for key in ("index.html", "virtual/index.html", "events.ics", "locations/DC/events.ics",
                "sitemap.xml", "404.html", "newsletter.txt", "groups/index.html"):  # fmt: skip
        assert key in objects, key
    assert sum(k.startswith("week/") for k in objects) >= 13
    assert sum(k.startswith("events/") and k.endswith(".ics") for k in objects) == 16
    assert sum(k.startswith("events/") and k.endswith("/index.html") for k in objects) == 16
    css = next(k for k in objects if k.startswith("static/site."))
    card = next(k for k in objects if k.startswith("static/card."))

    def head(key: str) -> dict:
        return aws.head_object(Bucket=BUCKET, Key=key)

    assert head("index.html")["ContentType"] == "text/html; charset=utf-8"
    assert head("events.ics")["ContentType"] == "text/calendar; charset=utf-8"
    assert head("sitemap.xml")["ContentType"] == "application/xml; charset=utf-8"
    assert head(css)["ContentType"] == "text/css; charset=utf-8"
    assert head(css)["CacheControl"] == "public, max-age=31536000, immutable"
    assert head(card)["ContentType"] == "image/png"
    assert head(card)["CacheControl"] == "public, max-age=31536000, immutable"
    assert head("index.html")["CacheControl"] == "public, max-age=300"
    assert head("events.ics")["CacheControl"] == "public, max-age=900"
    log = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert log["collect"] == {"new": 18, "groups_failed": 0}
    assert log["render"]["files_written"] == report["files_written"]

    again = lambda_handler.handler({}, None)
    assert (again["files_written"], again["files_deleted"]) == (0, 0)
    after = listing(aws)
    assert {k: o["ETag"] for k, o in after.items()} == {k: o["ETag"] for k, o in objects.items()}
    assert all(after[k]["LastModified"] == o["LastModified"] for k, o in objects.items())


def distribution() -> str:
    """A CloudFront distribution in moto (the render invalidates it after a change)."""
    origin = {
        "Id": "site",
        "DomainName": f"{BUCKET}.s3.amazonaws.com",
        "S3OriginConfig": {"OriginAccessIdentity": ""},
    }
    behaviour = {
        "TargetOriginId": "site",
        "ViewerProtocolPolicy": "redirect-to-https",
        "MinTTL": 0,
        "ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}},
        "TrustedSigners": {"Enabled": False, "Quantity": 0},
    }
    config = {
        "CallerReference": "test",
        "Comment": "",
        "Enabled": True,
        "Origins": {"Quantity": 1, "Items": [origin]},
        "DefaultCacheBehavior": behaviour,
    }
    created = boto3.client("cloudfront").create_distribution(DistributionConfig=config)
    return created["Distribution"]["Id"]


def test_cloudfront_is_invalidated_only_when_files_changed(aws, monkeypatch):
    cloudfront = boto3.client("cloudfront")
    monkeypatch.setenv("DCTECH_DISTRIBUTION_ID", distribution_id := distribution())

    def invalidations() -> list[list[str]]:
        listing = cloudfront.list_invalidations(DistributionId=distribution_id)["InvalidationList"]
        batches = [
            cloudfront.get_invalidation(DistributionId=distribution_id, Id=item["Id"])
            for item in listing.get("Items", [])
        ]
        return [b["Invalidation"]["InvalidationBatch"]["Paths"]["Items"] for b in batches]

    lambda_handler.handler(None, None)
    assert invalidations() == [["/*"]]
    lambda_handler.handler(None, None)  # nothing changed: nothing to invalidate
    assert invalidations() == [["/*"]]


def test_base_url_override_and_missing_bucket(aws, monkeypatch):
    monkeypatch.setenv("DCTECH_BASE_URL", "https://staging.dctech.events/")
    lambda_handler.handler(None, None)
    home = aws.get_object(Bucket=BUCKET, Key="index.html")["Body"].read().decode()
    assert '<link rel="canonical" href="https://staging.dctech.events/">' in home
    monkeypatch.delenv("DCTECH_BUCKET")
    with pytest.raises(RuntimeError, match="DCTECH_BUCKET"):
        lambda_handler.handler(None, None)


def test_events_collected_by_the_collector_are_published(aws, tmp_path, monkeypatch):
    now = datetime.now(UTC)
    tomorrow = now.astimezone(ZoneInfo(SITE.timezone)).date() + timedelta(days=1)
    (tmp_path / "feed.ics").write_text(
        textwrap.dedent(f"""\
            BEGIN:VCALENDAR
            VERSION:2.0
            PRODID:-//test//EN
            BEGIN:VEVENT
            UID:lambda-test-1
            DTSTART;TZID=America/New_York:{tomorrow:%Y%m%d}T183000
            DTEND;TZID=America/New_York:{tomorrow:%Y%m%d}T203000
            SUMMARY:Collected Meetup
            LOCATION:1 Main St NW, Washington, DC 20001
            URL:https://example.org/collected
            END:VEVENT
            END:VCALENDAR
            """).replace("\n", "\r\n")
    )
    groups_dir = tmp_path / "groups"
    groups_dir.mkdir()
    (groups_dir / "test-group.yaml").write_text(
        "name: Test Group\nwebsite: https://example.org/\nical: feed.ics\n"
    )
    monkeypatch.setenv("DCTECH_GROUPS_DIR", str(groups_dir))
    store = open_store(f"dynamodb://{TABLE}")
    summary = collect(
        store, load_groups(groups_dir), SITE, today=tomorrow - timedelta(days=1), now=now,
        root=tmp_path,
    )  # fmt: skip
    assert summary.new == 1
    lambda_handler.handler({"collect": summary.to_dict()}, None)
    feed = aws.get_object(Bucket=BUCKET, Key="groups/test-group/events.ics")["Body"].read()
    assert b"SUMMARY:Collected Meetup" in feed
    assert f"DTSTART:{tomorrow:%Y%m%d}T2".encode() in feed  # 6:30 pm Eastern, in UTC
