"""The parse worker: a feed that overruns its CPU, clock or memory allowance fails alone, with
a reason, and the next feed is parsed by a fresh worker."""

from __future__ import annotations

import time
from datetime import date

import pytest
from conftest import FIXTURES

from collector.parse import FeedError
from collector.sandbox import CAN_FORK, FeedParser
from core.models import Group, SiteConfig

pytestmark = pytest.mark.skipif(not CAN_FORK, reason="the worker needs fork")

GROUP = Group("pydc", "Python DC", "https://www.meetup.com/pydc/")
SITE = SiteConfig()
TODAY = date(2026, 12, 1)
GOOD = (FIXTURES / "collect" / "pydc_v1.ics").read_bytes()
# dateutil walks a rule from its DTSTART: a SECONDLY rule begun in 1990 needs a billion steps
# before its first occurrence in the window, all inside one call that Python cannot interrupt
SLOW = (FIXTURES / "hostile" / "secondly.ics").read_bytes().replace(b"20261201T14", b"19900101T14")


def test_a_parse_past_its_cpu_time_is_killed_and_the_next_feed_still_parses():
    with FeedParser(cpu_seconds=1) as parser:
        started = time.perf_counter()
        with pytest.raises(FeedError, match=r"more than 1 s of CPU time.*stored events are kept"):
            parser.parse(SLOW, GROUP, SITE, TODAY)
        assert time.perf_counter() - started < 10
        assert len(parser.parse(GOOD, GROUP, SITE, TODAY).events) == 3


def test_a_parse_past_its_wall_clock_time_is_killed():
    with FeedParser(cpu_seconds=60, wall_seconds=0.5) as parser:
        with pytest.raises(FeedError, match=r"more than 0.5 s: skipped"):
            parser.parse(SLOW, GROUP, SITE, TODAY)
        assert len(parser.parse(GOOD, GROUP, SITE, TODAY).events) == 3


def test_a_parse_past_its_memory_allowance_fails_alone():
    description = "DESCRIPTION:" + "lorem ipsum " * 400
    vevent = GOOD.split(b"BEGIN:VEVENT")[1].split(b"END:VEVENT")[0].decode()
    many = "".join(
        f"BEGIN:VEVENT{vevent.replace('UID:', f'UID:{n}-')}{description}\r\nEND:VEVENT\r\n"
        for n in range(1_500)
    )
    body = GOOD.decode().replace("END:VCALENDAR", many + "END:VCALENDAR").encode()
    with FeedParser(memory_mb=16) as parser:
        with pytest.raises(FeedError, match=r"memory|crashed"):
            parser.parse(body, GROUP, SITE, TODAY)
        assert len(parser.parse(GOOD, GROUP, SITE, TODAY).events) == 3
    with FeedParser() as parser:  # the same feed within the real allowance
        assert len(parser.parse(body, GROUP, SITE, TODAY).events) == 1_503
