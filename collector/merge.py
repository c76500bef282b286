"""Merge cross-posted events: the same event_id from several groups is stored once."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from core.models import Event


def merge_cross_posts(events: Iterable[Event]) -> list[Event]:
    """One event per event_id. The group whose id sorts first owns it (deterministic, so the
    item does not flap between groups from one run to the next); the others are listed in
    ``also_published_by``. Its topics are every copy's: a cross-post by an AI group is an AI
    event whoever owns it."""
    by_id: dict[str, list[Event]] = {}
    for event in events:
        by_id.setdefault(event.event_id, []).append(event)
    merged = []
    for copies in by_id.values():
        copies.sort(key=lambda e: e.group_id)
        primary, others = copies[0], copies[1:]
        seen = {primary.group_id}
        also = []
        for other in others:
            if other.group_id in seen:  # a feed listing the same occurrence twice
                continue
            seen.add(other.group_id)
            also.append(
                {
                    "group_id": other.group_id,
                    "group_name": other.group_name,
                    "group_website": other.group_website,
                }
            )
        topics = sorted({slug for copy in copies for slug in copy.categories})
        if also or topics != primary.categories:
            primary = replace(primary, also_published_by=also, categories=topics)
        merged.append(primary)
    return merged
