"""Issue 11, found in audit: the parse worker's memory ceiling was re-based on what it held
before each feed, and it kept what hungry feeds left behind, so its ceiling ratcheted up feed
after feed (after ten hungry feeds the worker peaked at 896 MB, past the Lambda's 512 MB) and a
third identical hungry feed was let through. The ceiling is now fixed at fork, and a worker
is replaced after a failed feed."""

from __future__ import annotations

import hostile

HUNGRY = 3  # the third was let through before the fix


def hungry_feed() -> bytes:
    """2 MB: one event with a million categories, which icalendar holds as a million objects."""
    return (
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//x//EN\r\nBEGIN:VEVENT\r\nUID:h@x\r\n"
        "DTSTART:20261202T180000Z\r\nDURATION:PT1H\r\nSUMMARY:Hungry\r\n"
        f"CATEGORIES:a{',a' * 1_000_000}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    ).encode()


def test_hungry_feeds_each_fail_alone_and_the_worker_does_not_grow(tmp_path, feed_server):
    feeds = {f"hungry{n}": hungry_feed() for n in range(HUNGRY)}
    root = hostile.project(tmp_path, feed_server, feeds)
    run = hostile.collect(root, timeout=120)

    assert run.returncode == 0, run.stderr
    assert run.stdout.count("more than 256 MB of memory") == HUNGRY, run.stdout
    print(f"peak {run.peak_mb:.0f} MB")
    assert run.peak_mb < 512  # the collector Lambda's memory: collector plus worker
    events = hostile.stored(root)
    assert len(events["pydc"]) == 3
    assert not any(gid.startswith("hungry") for gid in events)
