"""Issue 11: a feed event with no DTEND was published with DTEND == DTSTART in every .ics file
(RFC 5545 wants DTEND after DTSTART; calendar apps draw a zero-length sliver)."""

from __future__ import annotations

import hostile
import icalendar
from conftest import FIXTURES


def test_events_without_an_end_are_published_with_a_real_duration(tmp_path, feed_server):
    root = hostile.project(tmp_path, feed_server, {})
    feed_server.route("/pydc.ics", body=(FIXTURES / "feeds" / "no_dtend.ics").read_bytes())
    assert hostile.collect(root).returncode == 0
    site = root / "_site"
    build = ("build", "--groups", f"{root}/_groups", "--out", str(site), "--today", hostile.TODAY)
    assert hostile.dctech(root, *build).returncode == 0

    for path in [site / "events.ics", *sorted((site / "events").glob("*.ics"))]:
        vevents = icalendar.Calendar.from_ical(path.read_bytes()).walk("VEVENT")
        assert vevents, path
        for vevent in vevents:
            assert vevent["DTEND"].dt > vevent["DTSTART"].dt, (path, str(vevent["SUMMARY"]))
    titles = {
        str(v["SUMMARY"])
        for v in icalendar.Calendar.from_ical((site / "events.ics").read_bytes()).walk("VEVENT")
    }
    assert "Open Studio" in titles  # the timed event that has neither DTEND nor DURATION
