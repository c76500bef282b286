"""The "last seen" rules as pure functions of (stored, fetched, today).

A successful fetch creates or refreshes what it shows; what it no longer shows keeps being listed
while it starts today or was seen yesterday (grace), then is retired. A source_uid that reappears
under a new event_id (retitled, rescheduled) retires the old item at once. A failed fetch is never
passed in here, so it changes nothing.

"New" is decided here too: an event is first seen the day the calendar first lists it, and keeps
that day (``first_seen``) when a retitle or reschedule moves it to a new event_id, so a moved
event is not news; an occurrence a series rolls into the window takes the series' day, so only a
new series is (a series as ``core.series`` finds it: a UID's, or a Meetup group's one-offs
alike, as the generator shows it once). What a group's first successful fetch brings is marked
``first_import`` and never counts as new (adding a group is not news about each of its events).
Events stored before ``first_seen`` existed have it empty and are never new: when they were
first listed is unknown.
``is_new`` and ``added_since`` are the one rule the /new/ page, the Atom feeds, the API and the
newsletter share.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import TypeVar

from core.models import Event, Touch
from core.series import series_keys, stored_series
from core.timeutil import ttl_for

K = TypeVar("K")
NEW_DAYS = 14  # the /new/ page and the Atom feeds
WEEK_DAYS = 7  # "New this week" on the home page, "New since last week" in the newsletter


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


def added_since(event: Event, day: date) -> bool:
    """First listed on ``day`` or later, and not in its group's first import."""
    return bool(event.first_seen) and not event.first_import and event.first_seen >= day.isoformat()


def window_start(today: date, days: int) -> date:
    """The first of the ``days`` days that end with ``today``."""
    return today - timedelta(days=days - 1)


def is_new(event: Event, today: date, days: int = NEW_DAYS) -> bool:
    """First listed within the last ``days`` days, ``today`` included."""
    return added_since(event, window_start(today, days))


def plan(
    fetched: Iterable[Event],
    stored: dict[str, Event],
    refetched_groups: Iterable[str],
    *,
    today: date,
    now_iso: str,
    tz: str,
    first_imports: Iterable[str] = (),
) -> Plan:
    """Decide every write.

    ``fetched``: events from this run's successful fetches, already merged (one per event_id).
    ``stored``: the stored events that may be affected: those of the groups fetched successfully
    (``refetched_groups``) plus any stored item sharing an event_id with a fetched one.
    ``first_imports``: the groups whose fetch this run is their first successful one.
    """
    result = Plan()
    today_iso = today.isoformat()
    fetched_by_id = {e.event_id: e for e in fetched}
    listed = _first_listed(fetched_by_id, stored, today_iso, set(first_imports))
    for event in fetched_by_id.values():
        old = stored.get(event.event_id)
        _plan_seen(result, event, old, listed[event.event_id], today_iso, now_iso, tz)

    groups = set(refetched_groups)
    live_uids = _live_uids(fetched_by_id.values())
    for old in stored.values():
        if old.event_id in fetched_by_id or old.group_id not in groups:
            continue
        if not _kept_absent(old, live_uids, today):
            result.delete.append(old.key)
            result.dropped += 1
    return result


def held(
    stored: Iterable[Event], fetched: Iterable[Event], refetched_groups: Iterable[str], today: date
) -> list[Event]:
    """The stored events this run's fetches do not show that stay listed: a failed group's
    (even one sharing its event_id with another group's copy), and those ``plan`` keeps in their
    grace period. The cross-post merge takes them as candidates, so while the kept copy's feed
    is down another group's copy folds into it instead of being listed anew."""
    fetched = list(fetched)
    ids, live_uids, groups = (
        {e.event_id for e in fetched},
        _live_uids(fetched),
        set(refetched_groups),
    )
    return [
        old
        for old in stored
        if old.group_id not in groups
        or (old.event_id not in ids and _kept_absent(old, live_uids, today))
    ]


def _live_uids(fetched: Iterable[Event]) -> set[tuple[str, str]]:
    return {(e.group_id, e.source_uid) for e in fetched if e.source_uid}


def _kept_absent(old: Event, live_uids: set[tuple[str, str]], today: date) -> bool:
    """An event missing from its group's successful fetch stays listed for the grace period,
    unless its source_uid is in the feed under a new event_id (moved or retitled)."""
    superseded = old.source_uid and (old.group_id, old.source_uid) in live_uids
    return not superseded and still_listed_when_absent(old, today)


def _first_listed(
    fetched: dict[str, Event], stored: dict[str, Event], today: str, first_imports: set[str]
) -> dict[str, tuple[str, bool]]:
    """(first_seen, first_import) for each fetched event: its stored version's; else that of the
    stored item it supersedes (same group and source_uid, which the fetch no longer shows under
    the old event_id: moved or retitled); else that of its series (``core.series``: a UID's, or
    Meetup's one-offs alike; a date rolling into the window is no news unless the series is);
    else today's, marked when its group is in its first import. Where several items match, the
    earliest counts."""
    moved: dict[tuple[str, str], Event] = {}
    series: dict[str, Event] = {}
    for old in stored.values():
        key = (old.group_id, old.source_uid)
        again = fetched.get(old.event_id)
        if old.source_uid and not (again and (again.group_id, again.source_uid) == key):
            _keep_earliest(moved, key, old)
        _keep_earliest(series, stored_series(old), old)
    keys = series_keys(fetched.values())
    listed = {}
    for event_id, event in fetched.items():
        found = (
            stored.get(event_id)
            or moved.get((event.group_id, event.source_uid))
            or series.get(keys.get(event_id, ""))
        )
        if found is None:
            listed[event_id] = (today, event.group_id in first_imports)
        else:
            listed[event_id] = (found.first_seen, found.first_import)
    return listed


def _keep_earliest(found: dict[K, Event], key: K, old: Event) -> None:
    if key not in found or old.first_seen < found[key].first_seen:
        found[key] = old


def _plan_seen(
    result: Plan,
    event: Event,
    old: Event | None,
    listed: tuple[str, bool],
    today: str,
    now_iso: str,
    tz: str,
) -> None:
    ttl = ttl_for(event.end_datetime, tz)
    first_seen, first_import = listed
    if old is None:
        if event.cancelled:  # never listed: a cancellation is news to no one
            result.skipped_cancelled += 1
            return
        result.put.append(
            replace(
                event,
                last_seen_date=today,
                ttl=ttl,
                created_at=now_iso,
                updated_at=now_iso,
                first_seen=first_seen,
                first_import=first_import,
            )
        )
        result.new += 1
    elif event.content() != old.content():
        result.put.append(
            replace(
                event,
                last_seen_date=today,
                ttl=ttl,
                created_at=old.created_at,
                updated_at=now_iso,
                first_seen=first_seen,
                first_import=first_import,
            )
        )
        result.updated += 1
    else:
        result.unchanged += 1
        if old.last_seen_date != today or old.ttl != ttl:
            result.touch.append(Touch(event.event_id, event.start_datetime, today, ttl))
