"""The "last seen" rules as pure functions of (stored, fetched, today).

A successful fetch creates or refreshes what it shows; what it no longer shows keeps being listed
while it starts today or was seen yesterday (grace), then is retired. A source_uid that reappears
under a new event_id (retitled, rescheduled) retires the old item at once. A failed fetch is never
passed in here, so it changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta

from core.models import Event, Touch
from core.timeutil import ttl_for


@dataclass
class Plan:
    """The writes one collect needs, and what they mean for the summary."""

    put: list[Event] = field(default_factory=list)
    touch: list[Touch] = field(default_factory=list)
    delete: list[tuple[str, str]] = field(default_factory=list)
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    dropped: int = 0
    skipped_cancelled: int = 0


def still_listed_when_absent(event: Event, today: date) -> bool:
    """Grace period and same-day memory for an event missing from a successful fetch."""
    yesterday = (today - timedelta(days=1)).isoformat()
    return event.start_date == today.isoformat() or event.last_seen_date >= yesterday


def plan(
    fetched: Iterable[Event],
    stored: dict[str, Event],
    refetched_groups: Iterable[str],
    *,
    today: date,
    now_iso: str,
    tz: str,
) -> Plan:
    """Decide every write.

    ``fetched``: events from this run's successful fetches, already merged (one per event_id).
    ``stored``: the stored events that may be affected: those of the groups fetched successfully
    (``refetched_groups``) plus any stored item sharing an event_id with a fetched one.
    """
    result = Plan()
    today_iso = today.isoformat()
    fetched_by_id = {e.event_id: e for e in fetched}
    for event in fetched_by_id.values():
        _plan_seen(result, event, stored.get(event.event_id), today_iso, now_iso, tz)

    groups = set(refetched_groups)
    live_uids = {(e.group_id, e.source_uid) for e in fetched_by_id.values() if e.source_uid}
    for old in stored.values():
        if old.event_id in fetched_by_id or old.group_id not in groups:
            continue
        superseded = old.source_uid and (old.group_id, old.source_uid) in live_uids
        if not superseded and still_listed_when_absent(old, today):
            continue
        result.delete.append(old.key)
        result.dropped += 1
    return result


def _plan_seen(
    result: Plan, event: Event, old: Event | None, today: str, now_iso: str, tz: str
) -> None:
    ttl = ttl_for(event.end_datetime, tz)
    if old is None:
        if event.cancelled:  # never listed: a cancellation is news to no one
            result.skipped_cancelled += 1
            return
        result.put.append(
            replace(event, last_seen_date=today, ttl=ttl, created_at=now_iso, updated_at=now_iso)
        )
        result.new += 1
    elif event.content() != old.content():
        result.put.append(
            replace(
                event, last_seen_date=today, ttl=ttl, created_at=old.created_at, updated_at=now_iso
            )
        )
        result.updated += 1
    else:
        result.unchanged += 1
        if old.last_seen_date != today or old.ttl != ttl:
            result.touch.append(Touch(event.event_id, event.start_datetime, today, ttl, now_iso))
