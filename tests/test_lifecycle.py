"""The "last seen" rules (docs/architecture.md), as pure functions of (stored, fetched, today)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

from core.ids import make_event_id
from core.lifecycle import plan, still_listed_when_absent
from core.models import CANCELLED, Event
from core.timeutil import ttl_for

TODAY = date(2026, 12, 1)
NOW = "2026-12-01T17:00:00+00:00"
TZ = "America/New_York"


def event(title="Python Night", start="2026-12-03T18:30:00", group="pydc", **kw) -> Event:
    url = kw.pop("url", "https://www.meetup.com/pydc/events/1/")
    return Event(
        event_id=make_event_id(url, title, start),
        start_datetime=start,
        end_datetime=start[:11] + "21:00:00",
        title=title,
        group_id=group,
        group_name=group.upper(),
        group_website=f"https://example.org/{group}",
        url=url,
        source_uid=kw.pop("source_uid", f"uid-{title}"),
        **kw,
    )


def stored(e: Event, last_seen: str, created="2026-11-01T00:00:00+00:00") -> Event:
    return replace(
        e,
        last_seen_date=last_seen,
        ttl=ttl_for(e.end_datetime, TZ),
        created_at=created,
        updated_at=created,
    )


def run(fetched, old, groups=("pydc",)):
    return plan(fetched, {e.event_id: e for e in old}, groups, today=TODAY, now_iso=NOW, tz=TZ)


def test_first_seen_is_created_with_last_seen_today_and_ttl_a_week_after_end():
    e = event()
    result = run([e], [])
    assert result.new == 1 and len(result.put) == 1
    created = result.put[0]
    assert created.last_seen_date == "2026-12-01"
    assert created.created_at == created.updated_at == NOW
    # Ends 2026-12-03 21:00 EST = 2026-12-04 02:00 UTC; expires 7 days later.
    assert created.ttl == int(datetime(2026, 12, 11, 2, 0, tzinfo=UTC).timestamp())


def test_unchanged_event_costs_one_touch_and_keeps_created_at():
    e = event()
    result = run([e], [stored(e, "2026-11-30")])
    assert result.put == [] and result.unchanged == 1
    assert [(t.event_id, t.last_seen_date) for t in result.touch] == [(e.event_id, "2026-12-01")]


def test_unchanged_event_already_seen_today_costs_nothing():
    e = event()
    result = run([e], [stored(e, "2026-12-01")])
    assert (result.put, result.touch, result.delete) == ([], [], [])


def test_changed_content_is_a_full_update_keeping_created_at():
    e = event()
    result = run([replace(e, location="MLK Library")], [stored(e, "2026-11-30")])
    assert result.updated == 1
    assert result.put[0].location == "MLK Library"
    assert result.put[0].created_at == "2026-11-01T00:00:00+00:00"
    assert result.put[0].updated_at == NOW


def test_absent_event_seen_yesterday_stays_in_grace():
    old = stored(event(), "2026-11-30")
    assert run([], [old]).delete == []


def test_absent_event_past_grace_is_retired():
    old = stored(event(), "2026-11-29")
    result = run([], [old])
    assert result.delete == [old.key] and result.dropped == 1


def test_absent_event_starting_today_is_remembered_all_day():
    old = stored(event(start="2026-12-01T19:00:00"), "2026-11-20")
    assert still_listed_when_absent(old, TODAY)
    assert run([], [old]).delete == []


def test_events_of_groups_not_refetched_are_untouched():
    """A failed fetch changes nothing: its group is not among the refetched ones."""
    old = stored(event(group="broken"), "2026-11-01")
    assert run([], [old], groups=("pydc",)).delete == []


def test_rescheduled_event_retires_the_old_item_at_once():
    old = stored(event(start="2026-12-03T18:30:00", source_uid="meetup-42"), "2026-12-01")
    moved = event(start="2026-12-04T18:30:00", source_uid="meetup-42")
    result = run([moved], [old])
    assert result.new == 1 and result.delete == [old.key]


def test_cancelled_event_never_listed_is_not_stored():
    result = run([event(status=CANCELLED)], [])
    assert result.put == [] and result.skipped_cancelled == 1


def test_cancelled_event_already_listed_stays_marked_cancelled():
    e = event()
    result = run([replace(e, status=CANCELLED)], [stored(e, "2026-11-30")])
    assert [p.status for p in result.put] == [CANCELLED]
