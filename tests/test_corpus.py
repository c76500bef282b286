"""Robustness on real-world calendars: ../shared/reference/ical-corpus (read in place, never
copied; see its README). Every file parses without an unexpected exception into sane events; a
FeedError is an allowed answer but must stay rare. "Today" is also taken from each file's first
event, so its events fall in the window and the conversion itself runs."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from collector.parse import FeedError, parse_feed
from core.models import Group, SiteConfig
from core.timeutil import parse_local

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "reference" / "ical-corpus"
if not CORPUS.is_dir():
    pytest.skip(f"no corpus at {CORPUS}", allow_module_level=True)

FILES = sorted(CORPUS.glob("*.ics"))
GROUP = Group("corpus", "Corpus", "https://example.org/corpus")
FIRST_START = re.compile(rb"BEGIN:VEVENT.*?DTSTART[^:\r\n]*:(\d{4})(\d{2})(\d{2})", re.DOTALL)


def first_day(body: bytes) -> date:
    match = FIRST_START.search(body)
    return date(*map(int, match.groups())) if match else date(2026, 12, 1)


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_corpus_file_parses_into_sane_events(path):
    body = path.read_bytes()
    for today in (first_day(body), date(2026, 12, 1)):
        try:
            events = parse_feed(body, GROUP, SiteConfig(), today).events
        except FeedError:
            return
        for event in events:
            start, end = parse_local(event.start_datetime), parse_local(event.end_datetime)
            assert start <= end, event
            assert end.date() >= today, event  # nothing that ended before today
            assert event.title and len(event.event_id) == 64
            assert event.state in (None, "DC", "MD", "VA")
            assert event.url.startswith(("http://", "https://"))
            if event.all_day:
                assert event.start_datetime.endswith("T00:00:00"), event


def test_few_corpus_files_are_rejected_outright():
    rejected = []
    for path in FILES:
        body = path.read_bytes()
        try:
            parse_feed(body, GROUP, SiteConfig(), first_day(body))
        except FeedError:
            rejected.append(path.name)
    assert len(rejected) <= len(FILES) // 10, rejected
