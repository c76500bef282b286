"""Issue 2: the DynamoDB store must not keep every group's feed health in ONE item.

The bug this pins: core/store/dynamodb.py's ``save_feed_states`` used to write a single
``_meta#feeds`` item holding a map of every group's FeedState. Measured by bench/system.py: ~213
bytes per healthy group (more with error messages), so DynamoDB's 400 KB item limit was reached
at ~1,900 groups. Past it, every collect failed at its very end (events already written, feed
states not saved, the render never triggered; the Lambda retry failed the same way and landed in
the dead-letter queue): the site stopped updating. The item also cost one WRU per KB on every run.
Now each group's record is its own item in the ``_meta#feeds`` partition; this test saves and
reads back 2,800 groups (100x bench/system.py's 28 groups, the scale docs/scaling.md covers).
"""

from __future__ import annotations

from store_backends import moto_backend

from core.models import FeedState

GROUPS = 2_800  # 100x today's groups


def healthy(group_id: str) -> FeedState:
    """A feed state as a successful daily collect leaves it (the shape bench/system.py saw)."""
    return FeedState(
        group_id,
        last_attempt="2026-12-01T10:00:05+00:00",
        last_success="2026-12-01T10:00:05+00:00",
        last_success_date="2026-12-01",
        last_parsed_date="2026-12-01",
        http_status=200,
        etag='"5f2b1c9e7a3d4b6c8e0f1a2b3c4d5e6f"',
        last_modified="Tue, 01 Dec 2026 09:00:00 GMT",
        events_parsed=14,
        vevents_in_source=8,
    )


def test_feed_health_of_2800_groups_is_saved_and_read_back():
    states = {f"group-{n:04d}": healthy(f"group-{n:04d}") for n in range(GROUPS)}
    with moto_backend(page_size=None) as backend:
        backend.store.save_feed_states(states)  # as one item: a ValidationException
        assert backend.store.load_feed_states() == states
