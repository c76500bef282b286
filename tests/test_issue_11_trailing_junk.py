"""Issue 11: bytes after END:VCALENDAR (a CMS footer, a proxy's banner) made the whole feed
be rejected as malformed."""

from __future__ import annotations

from datetime import date

from conftest import FIXTURES

from collector.parse import parse_feed
from core.models import Group, SiteConfig

GROUP = Group("pydc", "Python DC", "https://www.meetup.com/pydc/")


def test_junk_after_the_calendar_is_ignored():
    feed = (FIXTURES / "collect" / "pydc_v1.ics").read_bytes()
    junk = feed + b"\r\n<!-- page generated in 0.03s -->\r\n<div>Powered by WordPress</div>\r\n"
    parsed = parse_feed(junk, GROUP, SiteConfig(), date(2026, 12, 1))
    clean = parse_feed(feed, GROUP, SiteConfig(), date(2026, 12, 1))
    assert [e.event_id for e in parsed.events] == [e.event_id for e in clean.events]
    assert len(parsed.events) == 3
