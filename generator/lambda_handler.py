"""The render Lambda: `dctech build --bucket` with its configuration from the environment.

``DCTECH_STORE`` (store URL), ``DCTECH_BUCKET`` (required), ``DCTECH_GROUPS_DIR`` and
``DCTECH_CONFIG`` (default: the bundled ``_groups`` and ``config.yaml``), ``DCTECH_BASE_URL``
(optional override of the configured base URL), ``DCTECH_DISTRIBUTION_ID`` (optional: the
CloudFront distribution to invalidate when files changed). The collector invokes it after each
collect with ``{"collect": <its summary>}``, which is logged beside the build report.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from core.config import load_groups, load_site_config
from core.store import open_store, store_url
from generator.build import build_site
from generator.writers import S3Writer

BUNDLE = Path(__file__).resolve().parent.parent
log = logging.getLogger("dctech.render")


def handler(event: dict | None, context: object = None) -> dict:
    bucket = os.environ.get("DCTECH_BUCKET")
    if not bucket:
        raise RuntimeError("DCTECH_BUCKET is not set: the render Lambda publishes to that bucket")
    site = load_site_config(os.environ.get("DCTECH_CONFIG", BUNDLE / "config.yaml"))
    if os.environ.get("DCTECH_BASE_URL"):
        site = replace(site, base_url=os.environ["DCTECH_BASE_URL"].rstrip("/"))
    groups = load_groups(os.environ.get("DCTECH_GROUPS_DIR", BUNDLE / "_groups"))
    now = datetime.now(UTC)
    store = open_store(store_url())
    try:
        report = build_site(
            store,
            S3Writer(bucket),
            site=site,
            groups=groups,
            today=now.astimezone(ZoneInfo(site.timezone)).date(),
            now_ts=int(now.timestamp()),
        )
    finally:
        store.close()
    distribution = os.environ.get("DCTECH_DISTRIBUTION_ID")
    if distribution and (report.files_written or report.files_deleted):
        invalidate(distribution, reference=now.isoformat())
    log.info("%s", report)
    print(json.dumps({"render": report.to_dict(), "collect": (event or {}).get("collect")}))
    return report.to_dict()


def invalidate(distribution: str, *, reference: str) -> None:
    """Drop CloudFront's cached copies. One wildcard path: a single invalidation path per build,
    however many files changed (pages also expire within minutes by their Cache-Control)."""
    import boto3

    boto3.client("cloudfront").create_invalidation(
        DistributionId=distribution,
        InvalidationBatch={"Paths": {"Quantity": 1, "Items": ["/*"]}, "CallerReference": reference},
    )
