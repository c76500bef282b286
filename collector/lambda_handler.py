"""The collector Lambda: the daily `dctech collect`, then an asynchronous render.

Configuration comes from the environment (see the README's table); the code, groups and config
ship in the Lambda bundle.
"""

from __future__ import annotations

import json
import logging
import os
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from collector.run import collect
from core.config import load_groups, load_single_events, load_site_config
from core.store import open_store, store_url

BUNDLE = Path(__file__).resolve().parent.parent
log = logging.getLogger("dctech.collector")


def handler(event: dict | None, context: object = None) -> dict:
    site = load_site_config(os.environ.get("DCTECH_CONFIG", BUNDLE / "config.yaml"))
    groups = load_groups(os.environ.get("DCTECH_GROUPS_DIR", BUNDLE / "_groups"))
    singles_dir = Path(os.environ.get("DCTECH_SINGLE_EVENTS_DIR", BUNDLE / "_single_events"))
    singles = load_single_events(singles_dir) if singles_dir.is_dir() else []
    now = datetime.now(UTC)
    store = open_store(store_url())
    try:
        summary = collect(
            store,
            groups,
            site,
            today=now.astimezone(ZoneInfo(site.timezone)).date(),
            now=now,
            single_events=singles,
            root=BUNDLE,
        )
    finally:
        store.close()
    result = summary.to_dict()
    log.info("collect finished", extra={"summary": result})
    print(json.dumps(metrics_record(result, now)))
    function = os.environ.get("DCTECH_RENDER_FUNCTION")
    if function:
        trigger_render(function, result)
    return result


def metrics_record(summary: dict, now: datetime) -> dict:
    """A CloudWatch Embedded Metric Format line: the failed-feed alarm reads FailedFeedShare."""
    feeds = summary["groups_ok"] + summary["groups_failed"]
    share = 100.0 * summary["groups_failed"] / feeds if feeds else 0.0
    return {
        "_aws": {
            "Timestamp": int(now.timestamp() * 1000),
            "CloudWatchMetrics": [
                {
                    "Namespace": "DCTechEvents",
                    "Dimensions": [[]],
                    "Metrics": [
                        {"Name": "FailedFeedShare", "Unit": "Percent"},
                        {"Name": "FailedFeeds", "Unit": "Count"},
                        {"Name": "Feeds", "Unit": "Count"},
                        {"Name": "StoreWrites", "Unit": "Count"},
                    ],
                }
            ],
        },
        "FailedFeedShare": share,
        "FailedFeeds": summary["groups_failed"],
        "Feeds": feeds,
        "StoreWrites": summary["writes"],
    }


def trigger_render(function: str, summary: dict) -> None:
    """Invoke the render Lambda asynchronously with the run's summary."""
    import boto3

    boto3.client("lambda").invoke(
        FunctionName=function, InvocationType="Event", Payload=json.dumps({"collect": summary})
    )
