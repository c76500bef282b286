"""Issue 11: NUL bytes and U+202E (right-to-left override) in feed text reached every page and
.ics file, and a 100,000-character SUMMARY was rendered in full on every listing (a 477 KB page
for 7 events)."""

from __future__ import annotations

import hostile
import icalendar
from conftest import FIXTURES

from core.limits import MAX_TITLE_CHARS

UNSAFE = ("\x00", "\u202e", "\x1b", "\x85")


def spoofed(feed: bytes) -> bytes:
    """pydc's feed with control and bidi characters in its text, one entity-encoded, and one
    title of 100,000 characters."""
    text = feed.decode()
    text = text.replace("SUMMARY:", "SUMMARY:\x00Py\u202eCD nohtyP &#x202E;\x1b[31m", 1)
    text = text.replace("LOCATION:", "LOCATION:\u202eMLK\x00 ", 1)
    text = text.replace("DESCRIPTION:", "DESCRIPTION:line one\x07\\nline two\u2066 ", 1)
    parts = text.rsplit("SUMMARY:", 1)
    return (parts[0] + "SUMMARY:" + "Long " * 20_000 + parts[1]).encode()


def test_control_and_bidi_characters_never_reach_the_site(tmp_path, feed_server):
    feed = spoofed((FIXTURES / "collect" / "pydc_v1.ics").read_bytes())
    root = hostile.project(tmp_path, feed_server, {})
    feed_server.route("/pydc.ics", body=feed)
    assert hostile.collect(root).returncode == 0
    events = hostile.stored(root)["pydc"]
    assert len(events) == 3
    for event in events:
        for name in ("title", "location", "description"):
            assert not any(ch in event[name] for ch in UNSAFE), (name, event[name][:80])
        assert len(event["title"]) <= MAX_TITLE_CHARS
    assert events[0]["title"].startswith("PyCD nohtyP [31m")
    assert any(e["title"].endswith("Long…") for e in events)
    assert "line one\nline two" in events[0]["description"]

    site = root / "_site"
    build = ("build", "--groups", f"{root}/_groups", "--out", str(site), "--today", hostile.TODAY)
    run = hostile.dctech(root, *build)
    assert run.returncode == 0, run.stderr
    for page in site.rglob("*"):
        if page.suffix in (".html", ".ics", ".txt", ".xml"):
            text = page.read_text(encoding="utf-8")
            assert not any(ch in text for ch in UNSAFE), page
    assert (site / "index.html").stat().st_size < 60_000
    calendar = icalendar.Calendar.from_ical((site / "events.ics").read_bytes())
    assert all(len(str(e["SUMMARY"])) <= MAX_TITLE_CHARS for e in calendar.walk("VEVENT"))
