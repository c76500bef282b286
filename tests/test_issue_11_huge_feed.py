"""Issue 11: a 7.9 MB local feed with 100,000 VEVENTs stored 92,856 events for one group and
took 39 s. Now a feed past MAX_VEVENTS_IN_SOURCE is refused before it is parsed, its group's
stored events stay, and the other groups update."""

from __future__ import annotations

import time

import hostile
from conftest import FIXTURES

from core.limits import MAX_VEVENTS_IN_SOURCE


def flood(count: int) -> bytes:
    """The probe's shape: short one-off events, about 74 bytes each."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Flood//EN"]
    for n in range(count):
        day = 1 + n % 28
        lines += ["BEGIN:VEVENT", f"UID:{n}", f"DTSTART:202612{day:02d}T230000Z", "SUMMARY:x"]
        lines.append("END:VEVENT")
    return ("\r\n".join([*lines, "END:VCALENDAR"]) + "\r\n").encode()


def test_a_feed_of_100000_events_is_refused_fast_and_loses_nothing(tmp_path, feed_server):
    novajs = (FIXTURES / "collect" / "novajs.ics").read_bytes()
    root = hostile.project(tmp_path, feed_server, {"novajs": novajs})
    assert hostile.collect(root).returncode == 0
    before = hostile.stored(root)
    assert before["novajs"]

    feed_server.route("/novajs.ics", body=flood(100_000))
    started = time.perf_counter()
    run = hostile.collect(root)
    elapsed = time.perf_counter() - started

    assert run.returncode == 0, run.stderr
    assert elapsed < 10
    assert f"at most {MAX_VEVENTS_IN_SOURCE:,} are read" in run.stdout
    assert "groups: 1 ok, 1 failed" in run.stdout
    after = hostile.stored(root)
    ids = lambda by_group: sorted(e["event_id"] for es in by_group.values() for e in es)  # noqa: E731
    assert ids(after) == ids(before)  # (novajs cross-posts one of pydc's meetups)
    assert after == before  # the good group's feed is unchanged; novajs's copy stays kept
    [cross_post] = [e for e in after["novajs"] if e["also_published_by"]]
    assert [c["group_id"] for c in cross_post["also_published_by"]] == ["pydc"]
