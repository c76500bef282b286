"""The render Lambda: `dctech build --bucket` with its configuration from the environment, split
across invocations by part of the site.

The variables (core/runtime.py, the README's table): the store, the bucket (required), the
content bucket the groups and topics (the whole catalogue, cross-checked) are downloaded from at
the start of every invocation (core/content.py, as the collector does: no bundle ships
content), the config (default: the bundled one), the base URL (default: the configured one) and
the CloudFront distribution to invalidate when files changed (optional). The collector invokes
it after each collect with ``{"collect": <its summary>}``. That invocation renders nothing: it
invokes this function again, asynchronously, once per part of the site
(``generator.manifest.PARTS``: the event pages and calendars in 16 parts by event_id, the group
pages, the rest), with ``{"part": ..., "now": <its clock>, "collect": ...}``, so that every part
renders the same day, each has a whole invocation's time, and a failed part is retried alone
(Lambda's retries, then the dead-letter queue). A part has its own writer and manifest: it never
reads, writes or prunes another part's files, and invalidates CloudFront for its own paths when
it changed any. Called without a Lambda context and without a part (a test, a benchmark, the
whole-system test), it renders the whole site in one go.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime

from core.content import content_run
from core.runtime import BUCKET, Clock, Runtime, from_environment
from generator.build import build_site
from generator.manifest import FOLDERS, PARTS
from generator.writers import S3Writer

log = logging.getLogger("dctech.render")


def handler(event: dict | None, context: object = None, runtime: Runtime | None = None) -> dict:
    """Lambda calls ``handler(event, context)``: the runtime comes from the environment, its
    clock pinned to ``event["now"]`` when the first invocation gave one. A test or benchmark
    passes its own runtime (with its clock) to choose the day."""
    event = event or {}
    part = event.get("part")
    pinned = Clock(datetime.fromisoformat(event["now"])) if event.get("now") else None
    with content_run(runtime or from_environment(clock=pinned)) as run:
        if not run.bucket:
            raise RuntimeError(
                f"{BUCKET.name} is not set: the render Lambda publishes to that bucket"
            )
        today, now = run.today_and_now()
        function = getattr(context, "invoked_function_arn", None)
        if part is None and function:
            for each in PARTS:
                invoke(function, {**event, "part": each, "now": now.isoformat()})
            fanned = {"parts": list(PARTS), "now": now.isoformat()}
            print(json.dumps({"render": fanned, "collect": event.get("collect")}))
            return fanned
        report = build_site(
            run.store(),
            S3Writer(run.bucket, part=part),
            site=run.site,
            groups=run.catalogue.groups,
            categories=run.catalogue.categories,
            today=today,
            now_ts=int(now.timestamp()),
        )
    if run.distribution_id and (report.files_written or report.files_deleted):
        invalidate(run.distribution_id, reference=f"{now.isoformat()} {part}", part=part)
    log.info("%s", report)
    print(json.dumps({"render": report.to_dict(), "part": part, "collect": event.get("collect")}))
    return report.to_dict()


def invoke(function: str, payload: dict) -> None:
    """Invoke ``function`` asynchronously with ``payload`` (Lambda queues it, and retries it
    on failure)."""
    import boto3

    boto3.client("lambda").invoke(
        FunctionName=function, InvocationType="Event", Payload=json.dumps(payload)
    )


def invalidate(distribution: str, *, reference: str, part: str | None = None) -> None:
    """Drop CloudFront's cached copies of a part's files (of the whole site for the site part
    or a whole build). One wildcard path per part that changed, however many of its files did
    (pages also expire within minutes by their Cache-Control)."""
    import boto3

    folder = FOLDERS.get(part or "")
    path = f"/{folder}*" if folder else "/*"
    boto3.client("cloudfront").create_invalidation(
        DistributionId=distribution,
        InvalidationBatch={"Paths": {"Quantity": 1, "Items": [path]}, "CallerReference": reference},
    )
