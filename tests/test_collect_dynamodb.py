"""The collector against DynamoDB (moto): what each run costs in requests. An unchanged event
costs one small UpdateItem a day, a same-day re-run only the feed-health write, and no run
ever scans."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, time, timedelta

from conftest import FIXTURES
from store_backends import moto_backend

from collector.fetch import FetchSettings
from collector.run import collect
from core.models import Group, SiteConfig

TODAY = date(2026, 12, 1)


def run(store, groups, day):
    now = datetime.combine(day, time(17), UTC)
    return collect(
        store, groups, SiteConfig(), today=day, now=now, settings=FetchSettings(retries=0)
    )


def test_daily_costs_on_dynamodb(feed_server):
    body = (FIXTURES / "collect" / "pydc_v1.ics").read_bytes()
    feed_server.route("/pydc.ics", body=body)  # no validators: a full fetch every time
    groups = [
        Group("pydc", "Python DC", "https://www.meetup.com/pydc/", feed_server.url("/pydc.ics"))
    ]
    with moto_backend(page_size=None) as backend:
        first = run(backend.store, groups, TODAY)
        assert first.new == 3 and first.writes == 4  # 3 events + feed health
        assert "BatchWriteItem" in backend.calls

        backend.calls.clear()
        next_day = run(backend.store, groups, TODAY + timedelta(days=1))
        calls = Counter(backend.calls)
        assert next_day.unchanged == 3 and next_day.writes == 4
        assert calls["UpdateItem"] == 3  # one small update per unchanged event
        assert calls["BatchWriteItem"] == 1 and calls["PutItem"] == 0  # the feed-health record

        backend.calls.clear()
        again = run(backend.store, groups, TODAY + timedelta(days=1))
        assert again.writes == 1 and Counter(backend.calls)["UpdateItem"] == 0
        assert "Scan" not in backend.calls
