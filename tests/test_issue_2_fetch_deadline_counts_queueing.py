"""Issue 2: a feed's deadline must not run while it waits for a per-host slot.

The bug this pins: collector/fetch.py's ``_fetch_url`` used to set ``deadline = time.monotonic()
+ settings.deadline`` *before* acquiring ``host_slot(...)``, and ``_attempt`` then passed
``min(timeout, deadline - now)`` to requests. A feed that queued behind others on the same host
for longer than the deadline got a negative timeout, and requests raised
``ValueError('Invalid timeout (-0.2, -0.2)...')``, reported as "unexpected error: ValueError(...)":
the feed failed without ever being requested. Found by bench/system.py at 2,800 groups on one host
(32 workers, 24 slots per host, 200 ms per answer): 8 feeds failed that way on every run, and in
production most feeds are on one host (meetup.com). Queueing behind other feeds is not the feed's
fault: the deadline now starts with the feed's first request.
"""

from __future__ import annotations

from collector.fetch import FeedRequest, FetchSettings, fetch_all


def test_waiting_for_a_host_slot_does_not_use_up_a_feeds_deadline(feed_server):
    feeds = [FeedRequest(f"g{n}", feed_server.route(f"/g{n}.ics", latency=0.4)) for n in range(4)]
    settings = FetchSettings(max_workers=4, per_host=1, deadline=1.0, retries=0)
    results = fetch_all(feeds, settings=settings)  # 4 x 0.4 s, one at a time: 1.6 s in all
    errors = {gid: r.error for gid, r in results.items() if not r.ok}
    assert not any("ValueError" in (e or "") for e in errors.values()), errors
    assert errors == {}  # each feed needed 0.4 s of its own 1 s deadline
