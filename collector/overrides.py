"""Curators' overrides (`_overrides/<group_id>/<uid>.yaml`, core.config.Override), applied to
what the feeds gave before the cross-post merge and the lifecycle plan: so a hidden event is
never stored, a corrected one is stored corrected, and the lifecycle treats both as the feed
showing them that way.

An override names a feed event by its group and ``source_uid``; one naming a series' UID
(without ``#RECURRENCE-ID``) applies to each of its occurrences. A corrected title, location,
URL or topic list keeps the event's id, so its page and calendar entry stay where they were.
A corrected URL on the group's own site makes the copy the group's own (collector.match
.own_copy), as that link in the feed would have, so a cross-post keeps it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from collector.location import classify
from collector.match import own_copy
from core.config import Override
from core.lifecycle import Plan
from core.models import Event, Group
from core.text import clean_text


@dataclass
class Applied:
    """What the overrides did: the events to keep, the duplicates dropped (their group, by the
    event_id they repeat) and the override files that matched an event."""

    events: list[Event]
    duplicates: dict[str, list[Event]] = field(default_factory=dict)
    matched: set[str] = field(default_factory=set)  # Override.source_file


def rules_digest(group: Group, overrides: Sequence[Override]) -> str:
    """What decides which of a group's feed events are stored, and how, beyond the feed: its
    noise rules and its overrides (not where their files are: the content bucket's copy is in a
    new folder each run). A feed's 304 stands for the events last stored, made by the rules of
    that parse; when these changed, the feed must be read whole again, or a removed override or
    rule would stay in force until the feed itself changed."""
    own = sorted(
        repr({k: v for k, v in asdict(o).items() if k != "source_file"})
        for o in overrides
        if o.group_id == group.group_id
    )
    rules = (group.skip_phrases, group.suppress_urls, group.suppress_uids, own)
    return hashlib.sha256(repr(rules).encode()).hexdigest()[:16]


def _find(by_key: Mapping[tuple[str, str], Override], event: Event) -> Override | None:
    """The override of the event itself, else of its series."""
    if not event.source_uid:
        return None
    series = event.source_uid.split("#")[0]
    return by_key.get((event.group_id, event.source_uid)) or by_key.get((event.group_id, series))


def apply_overrides(
    events: Iterable[Event], overrides: Sequence[Override], groups: Mapping[str, Group]
) -> Applied:
    """``groups``: the events' groups by id, whose sites tell an own copy by its link."""
    by_key = {(o.group_id, o.source_uid): o for o in overrides}
    applied = Applied([])
    for event in events:
        override = _find(by_key, event)
        if override is None:
            applied.events.append(event)
            continue
        applied.matched.add(override.source_file)
        if override.duplicate_of:
            applied.duplicates.setdefault(override.duplicate_of, []).append(event)
        elif not override.hide:
            applied.events.append(corrected(event, override, groups.get(event.group_id)))
    return applied


def corrected(event: Event, override: Override, group: Group | None) -> Event:
    """The event as the curator wrote it: a new location is classified again (virtual or in
    person, city and state), as a feed's would be; a new link on the group's site makes the
    copy its own, and one elsewhere leaves what the feed showed (its organiser still counts)."""
    changes: dict[str, Any] = {}
    if override.title:
        changes["title"] = clean_text(override.title)
    if override.url:
        changes["url"] = override.url
        if group is not None and own_copy(override.url, "", group):
            changes["own_copy"] = True
    if override.categories is not None:
        changes["categories"] = sorted(override.categories)
    if override.location:
        place = classify(override.location, event.description)
        changes |= {
            "location": override.location,
            "location_type": place.location_type,
            "city": place.city,
            "state": place.state,
        }
    return replace(event, **changes)


def credit_duplicates(merged: list[Event], duplicates: dict[str, list[Event]]) -> list[Event]:
    """Each event another was marked a duplicate of lists that one's group as also publishing
    it and takes its topics, as a cross-post would (collector/merge.py: the union, sorted)."""
    if not duplicates:
        return merged
    credited = []
    for event in merged:
        copies = duplicates.get(event.event_id, [])
        listed = {event.group_id, *(a["group_id"] for a in event.also_published_by)}
        extra = []
        for d in copies:  # one entry per group, as merge lists them
            if d.group_id not in listed:
                listed.add(d.group_id)
                names = {"group_name": d.group_name, "group_website": d.group_website}
                extra.append({"group_id": d.group_id, **names})
        topics = sorted({*event.categories, *(slug for d in copies for slug in d.categories)})
        if extra or topics != event.categories:
            event = replace(
                event, also_published_by=[*event.also_published_by, *extra], categories=topics
            )
        credited.append(event)
    return credited


def retire_hidden(
    plan: Plan, stored: Mapping[str, Event], overrides: Sequence[Override], refetched: Sequence[str]
) -> None:
    """A stored event an override now hides goes at once: the grace an event missing from its
    feed gets would keep it listed for another day."""
    hidden = {(o.group_id, o.source_uid): o for o in overrides if o.hide or o.duplicate_of}
    groups, deleting = set(refetched), set(plan.delete)
    for old in stored.values():
        if old.group_id in groups and old.key not in deleting and _find(hidden, old):
            plan.delete.append(old.key)
            plan.dropped += 1


def unmatched(overrides: Sequence[Override], group_id: str, matched: set[str]) -> list[str]:
    """The group's override files that matched nothing in its feed: stale, or mistyped."""
    return sorted(
        o.source_file for o in overrides if o.group_id == group_id and o.source_file not in matched
    )
