"""The render Lambda: `dctech build --bucket` with its configuration from the environment.

The variables (core/runtime.py, the README's table): the store, the bucket (required), the
groups and config (default: the bundled ones), the base URL (default: the configured one) and
the CloudFront distribution to invalidate when files changed (optional). The collector invokes
it after each collect with ``{"collect": <its summary>}``, which is logged beside the build
report.
"""

from __future__ import annotations

import json
import logging

from core.runtime import BUCKET, Runtime, from_environment
from generator.build import build_site
from generator.writers import S3Writer

log = logging.getLogger("dctech.render")


def handler(event: dict | None, context: object = None, runtime: Runtime | None = None) -> dict:
    """Lambda calls ``handler(event, context)``: the runtime comes from the environment. A test
    or benchmark passes its own (the same, with its clock) to choose the day."""
    with runtime or from_environment() as run:
        if not run.bucket:
            raise RuntimeError(
                f"{BUCKET.name} is not set: the render Lambda publishes to that bucket"
            )
        today, now = run.today_and_now()
        report = build_site(
            run.store(),
            S3Writer(run.bucket),
            site=run.site,
            groups=run.catalogue.groups,
            categories=run.catalogue.categories,
            today=today,
            now_ts=int(now.timestamp()),
        )
    if run.distribution_id and (report.files_written or report.files_deleted):
        invalidate(run.distribution_id, reference=now.isoformat())
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
