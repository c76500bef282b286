"""The render split across Lambda invocations by part of the site, under moto: the first
invocation fans out one asynchronous invocation per part (made synchronous here, with the same
JSON), and the parts together publish exactly what a whole build does, each with its own
manifest, never touching another part's files, invalidating only their own paths."""

from __future__ import annotations

import json
from dataclasses import replace
from types import SimpleNamespace

import boto3
import pytest
from fixtures.events import FEED_STATES, GROUPS, TODAY, load_events
from moto import mock_aws

from core.store.sqlite import SQLiteStore
from generator import lambda_handler, manifest
from generator.manifest import PARTS, is_manifest
from generator.writers import S3Writer

CONTEXT = SimpleNamespace(invoked_function_arn="arn:aws:lambda:us-east-1:123:function:render")


@pytest.fixture
def aws(tmp_path, monkeypatch):
    """Buckets in moto, the fixture events in a SQLite store, the fixture groups as files."""
    groups = tmp_path / "groups"
    groups.mkdir()
    for group in GROUPS:
        (groups / f"{group.group_id}.yaml").write_text(
            f"name: {group.name}\nwebsite: {group.website}\nical: {group.ical or ''}\n"
        )
    store = SQLiteStore(str(tmp_path / "events.db"))
    store.put_events(list(load_events().values()))
    store.save_feed_states(FEED_STATES)
    monkeypatch.setenv("DCTECH_STORE", f"sqlite:///{tmp_path / 'events.db'}")
    monkeypatch.setenv("DCTECH_GROUPS_DIR", str(groups))
    monkeypatch.setenv("DCTECH_TODAY", TODAY.isoformat())
    monkeypatch.setenv("DCTECH_BUCKET", "split")
    monkeypatch.delenv("DCTECH_BASE_URL", raising=False)
    monkeypatch.delenv("DCTECH_DISTRIBUTION_ID", raising=False)
    with mock_aws():
        s3 = boto3.client("s3")
        for bucket in ("split", "whole"):
            s3.create_bucket(Bucket=bucket)
        yield SimpleNamespace(s3=s3, store=store)


def run_split(monkeypatch, collect: dict | None = None) -> dict[str, dict]:
    """The collector's invocation of the render, then each invocation it queued; the reports
    by part."""
    queued: list[dict] = []
    monkeypatch.setattr(lambda_handler, "invoke", lambda function, payload: queued.append(payload))
    fanned = lambda_handler.handler({"collect": collect or {"new": 1}}, CONTEXT)
    assert fanned["parts"] == list(PARTS) and [p["part"] for p in queued] == list(PARTS)
    assert {p["now"] for p in queued} == {fanned["now"]}  # every part renders the same moment
    return {p["part"]: lambda_handler.handler(json.loads(json.dumps(p))) for p in queued}


def objects(s3, bucket: str) -> dict[str, bytes]:
    keys = [
        o["Key"]
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
        for o in page.get("Contents", [])
    ]
    return {k: s3.get_object(Bucket=bucket, Key=k)["Body"].read() for k in keys}


def site(s3, bucket: str) -> dict[str, bytes]:
    return {k: v for k, v in objects(s3, bucket).items() if not is_manifest(k)}


def test_the_parts_publish_what_a_whole_build_does(aws, monkeypatch, capsys):
    reports = run_split(monkeypatch, {"new": 3})
    monkeypatch.setenv("DCTECH_BUCKET", "whole")
    whole = lambda_handler.handler({"collect": {"new": 3}}, None)  # no context: the whole site
    assert site(aws.s3, "split") == site(aws.s3, "whole")
    assert sum(r["files_written"] for r in reports.values()) == whole["files_written"]
    stored = objects(aws.s3, "split")
    for part, report in reports.items():
        if report["files_written"]:  # each part that wrote anything records it in its own
            owned = manifest.parse(stored[manifest.file_of(part)])
            assert owned and all(manifest.part_of(path) == part for path in owned)
    logs = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert {log.get("part") for log in logs if "part" in log} >= set(PARTS)
    assert all(log["collect"] == {"new": 3} for log in logs)


def test_a_second_round_uploads_nothing_and_a_change_touches_only_its_parts(aws, monkeypatch):
    run_split(monkeypatch)
    again = run_split(monkeypatch)
    assert all(r["files_written"] == r["files_deleted"] == 0 for r in again.values())
    event = load_events()["submitted-workshop"]
    aws.store.put_events([replace(event, title="Accessibility Workshop (room 2)")])
    changed = {part for part, r in run_split(monkeypatch).items() if r["files_written"]}
    assert changed == {"site", manifest.part_of(f"events/{event.event_id}.ics")}  # no group


def test_a_part_never_reads_writes_or_prunes_another_parts_files(aws):
    whole = S3Writer("split")
    for path in ("index.html", "events/0abc/index.html", "events/0abc.ics", "events/a1.ics"):
        whole.write(path, b"x", digest="d")
    whole.finish()

    part = S3Writer("split", part="events-a")
    assert part.previous().keys() == {"events/a1.ics"}
    with pytest.raises(ValueError, match="not in the part"):
        part.write("events/0abc.ics", b"y")
    assert part.finish().deleted == 1  # its own file, produced no more
    left = objects(aws.s3, "split")
    assert {"index.html", "events/0abc/index.html", "events/0abc.ics"} <= left.keys()
    assert "events/a1.ics" not in left
    assert manifest.parse(left[manifest.file_of("events-a")]) == {}

    site = S3Writer("split", part="site")  # the root keeps the parts that have no file yet
    site.write("index.html", b"x", digest="d")
    site.finish()
    root = manifest.parse(objects(aws.s3, "split")[manifest.ROOT])
    assert root.keys() == {"index.html", "events/0abc/index.html", "events/0abc.ics"}  # not a1

    again = S3Writer("split")  # a whole build reads them all, and tidies as one
    assert again.previous().keys() == {"index.html", "events/0abc/index.html", "events/0abc.ics"}
    again.write("index.html", b"x", digest="d")
    assert again.finish().deleted == 2
    assert manifest.file_of("events-a") not in objects(aws.s3, "split")  # folded into the root


def test_the_parts_render_the_moment_the_first_invocation_saw(aws, monkeypatch):
    queued: list[dict] = []
    monkeypatch.setattr(lambda_handler, "invoke", lambda function, payload: queued.append(payload))
    lambda_handler.handler({}, CONTEXT)
    monkeypatch.setenv("DCTECH_TODAY", "2026-12-09")  # the parts run later: same day anyway
    lambda_handler.handler(next(p for p in queued if p["part"] == "site"))
    home = objects(aws.s3, "split")["index.html"].decode()
    assert load_events()["pydc-december"].title in home  # on December 1, over by the 9th


def distribution() -> str:
    origin = {"Id": "s", "DomainName": "split.s3.amazonaws.com", "S3OriginConfig": {}}
    config = {
        "CallerReference": "test",
        "Comment": "",
        "Enabled": True,
        "Origins": {
            "Quantity": 1,
            "Items": [origin | {"S3OriginConfig": {"OriginAccessIdentity": ""}}],
        },
        "DefaultCacheBehavior": {
            "TargetOriginId": "s",
            "ViewerProtocolPolicy": "redirect-to-https",
            "MinTTL": 0,
            "ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}},
            "TrustedSigners": {"Enabled": False, "Quantity": 0},
        },
    }
    return boto3.client("cloudfront").create_distribution(DistributionConfig=config)[
        "Distribution"
    ]["Id"]


def test_each_part_that_changed_invalidates_its_own_paths(aws, monkeypatch):
    cloudfront = boto3.client("cloudfront")
    monkeypatch.setenv("DCTECH_DISTRIBUTION_ID", distribution_id := distribution())

    def paths() -> list[str]:
        listing = cloudfront.list_invalidations(DistributionId=distribution_id)
        return sorted(
            path
            for item in listing["InvalidationList"].get("Items", [])
            for path in cloudfront.get_invalidation(DistributionId=distribution_id, Id=item["Id"])[
                "Invalidation"
            ]["InvalidationBatch"]["Paths"]["Items"]
        )

    reports = run_split(monkeypatch)
    wrote = {part for part, r in reports.items() if r["files_written"]}
    expected = sorted("/*" if part == "site" else f"/{manifest.FOLDERS[part]}*" for part in wrote)
    assert paths() == expected
    run_split(monkeypatch)  # nothing changed: nothing more to invalidate
    assert paths() == expected
