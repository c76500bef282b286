"""The collector Lambda: the daily `dctech collect`, then an asynchronous render; and `probe`,
the same bundle's second handler, which reads one submitted group's feed for the API.

Configuration comes from the environment (core/runtime.py, the README's table); the code and
config ship in the Lambda bundle, the content folders come from the content bucket when the
environment names one (core/content.py).
"""

from __future__ import annotations

import json
import logging
from datetime import datetime

from collector.fetch import FetchSettings
from collector.run import collect
from core.content import content_run
from core.runtime import Runtime, from_environment

log = logging.getLogger("dctech.collector")
LOOPBACK = frozenset({"127.0.0.1"})  # the one private address a test's feeds may be on


def handler(event: dict | None, context: object = None, runtime: Runtime | None = None) -> dict:
    """Lambda calls ``handler(event, context)``: the runtime comes from the environment. A test
    or benchmark passes its own (the same, with its clock) to choose the day."""
    with content_run(runtime or from_environment()) as run:
        site = run.site
        catalogue = run.catalogue
        today, now = run.today_and_now()
        summary = collect(
            run.store(),
            catalogue.groups,
            site,
            today=today,
            now=now,
            single_events=catalogue.single_events,
            recurring_events=catalogue.recurring_events,
            overrides=catalogue.overrides,
            root=run.root,
            settings=public_fetch(run),
        )
    result = summary.to_dict()
    log.info("collect finished", extra={"summary": result})
    print(json.dumps(metrics_record(result, now)))
    if run.render_function:
        trigger_render(run.render_function, result)
    return result


def probe(event: dict, context: object = None, runtime: Runtime | None = None) -> dict:
    """Read the feed behind ``event["url"]`` once, under the collector's bounds (as `dctech
    add-group` does): {"feed", "lines", "events": [[date, title], ...]} or {"feed", "error"}.
    The API invokes it for a group submission and puts the answer in the pull request.

    The URL is a stranger's: it is fetched from public addresses only (``public_fetch``)."""
    from collector import discover
    from collector.parse import WINDOW_DAYS
    from collector.probe import Unreadable, read_calendar
    from core.models import Group

    given = str(event.get("url", ""))
    with runtime or from_environment() as run:
        site, (today, _) = run.site, run.today_and_now()
        fetch = public_fetch(run)
    try:
        source = discover.discover(given)
        draft = Group("submitted", "submitted", source.page or source.feed)
        _, feed = read_calendar(source.feed, draft, site, today, fetch=fetch)
    except (discover.NoFeed, Unreadable) as exc:
        return {"feed": given, "error": f"not readable: {exc}"}
    return {
        "feed": source.feed,
        "lines": discover.describe(feed, WINDOW_DAYS),
        "events": [[e.start_date, e.title] for e in feed.events],
    }


def public_fetch(run: Runtime) -> FetchSettings:
    """How a Lambda fetches feeds: from public addresses only (collector/public.py), so that
    neither a stranger's submitted URL nor a reviewed feed whose host later redirects or
    resolves inside (the runtime API on 127.0.0.1:9001) reaches past the internet; the tests'
    and benchmarks' runtimes let their loopback feed servers through (``loopback_feeds``)."""
    return FetchSettings(public_only=True, exempt=LOOPBACK if run.loopback_feeds else frozenset())


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
