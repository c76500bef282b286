"""Merge cross-posted events: one stored event per real event, however many groups post it.

Copies with the same event_id (normalised URL, title and start) are one event, whatever their
source. Then feed copies from different groups with the same start that collector/match.py
judges one event are merged too: the same meetup posted on Meetup and on Luma under two links,
or by a sponsor's calendar with "at Capital One Hall" added to the title.

The kept copy (its event_id, link, text and place are what is stored) is chosen by a rule of
the copies alone, so feed order never changes it and ids do not churn from run to run:

1. a group not marked ``aggregator: true`` over one marked (umbrella organisations and
   sponsors' calendars repost other groups' events);
2. the group's own copy over a co-host's or a reposter's (``Event.own_copy``, decided at parse
   by collector.match.own_copy): the VEVENT's ORGANIZER names the group (Luma sends it; a Luma
   link is on a shared platform, never on the group's site), or the link is a page of the
   group's website or fallback (meetup.com/pydc/events/311/ for pydc);
3. the group id, then the event_id, in sort order.

Every other group's copy is in ``also_published_by`` (its group id, name and website and its own
link, ``url``), in group id order; the topics are every copy's: a cross-post by an AI group is
an AI event whoever owns it. A group whose feed was not read this run (it failed, or answered
304) stays credited: each copy comes to the merge with the cross-posters its stored version
credited whose own copies this run did not read (``keep_credits``, for a fresh copy and for the
stored event a feed's 304 stands for alike), and those stay listed on the kept event, whichever
copy it is, with their groups' current topics (``topics``), as their copies would bring.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from itertools import chain

from collector.match import keys, same_event
from core.limits import MAX_CROSS_POST_CANDIDATES
from core.models import Event

FEED = "ical"  # only feed copies are matched by title; a submitted event merges by id alone

Copies = list[Event]  # one event_id's copies, best first


@dataclass
class Merged:
    events: list[Event]  # one per real event: the kept copies, less the held ones
    folded: dict[str, str] = field(default_factory=dict)  # another copy's event_id -> the kept's
    held: list[Event] = field(default_factory=list)  # the held copies kept, as merged


def merge_cross_posts(
    events: Iterable[Event],
    aggregators: Collection[str] = (),
    held: Iterable[Event] = (),
    topics: Mapping[str, Sequence[str]] | None = None,
) -> Merged:
    """One event per real event, by the rule above; ``aggregators``: the groups marked so;
    ``topics``: each group's, for the cross-posters a copy carries (see above).

    ``held``: stored events no fetch shows this run that stay listed (their feed failed, or
    they are in their grace period). They are candidates like any copy, so another group's copy
    of one folds into it instead of being listed anew; a held copy the rule keeps is in ``held``,
    not ``events`` (it is stored already, and its feed said nothing new, but its credits may
    have), one it does not keep is in ``folded``."""
    topics = topics or {}

    def rank(event: Event) -> tuple[bool, bool, str, str, str]:
        aggregator = event.group_id in aggregators
        return (aggregator, not event.own_copy, event.group_id, event.event_id, event.source_uid)

    stored = {(e.group_id, e.event_id) for e in held}
    by_id: dict[str, Copies] = defaultdict(list)
    for event in chain(events, held):
        by_id[event.event_id].append(event)
    same_id = sorted((sorted(c, key=rank) for c in by_id.values()), key=lambda c: rank(c[0]))
    by_start: dict[str, list[Copies]] = defaultdict(list)
    clusters: list[list[Copies]] = []
    for copies in same_id:
        if all(e.source_type == FEED for e in copies):
            by_start[copies[0].start_datetime].append(copies)
        else:
            clusters.append([copies])
    clusters += [cluster for bucket in by_start.values() for cluster in _clusters(bucket)]
    merged = Merged([])
    for cluster in clusters:
        kept = _one(sorted(chain(*cluster), key=rank), topics)
        if (kept.group_id, kept.event_id) in stored:
            merged.held.append(kept)
        else:
            merged.events.append(kept)
        ids = {copies[0].event_id for copies in cluster} - {kept.event_id}
        merged.folded.update(dict.fromkeys(sorted(ids), kept.event_id))
    return merged


def keep_credits(
    copies: Iterable[Event], stored: Mapping[str, Event], unread: Collection[str]
) -> list[Event]:
    """Each copy crediting the groups in ``unread`` that its stored version (by event_id)
    credited, and no other: their copies are not in this run's fetches (a feed that failed, or
    answered 304: a folded copy is not stored, so a 304 cannot stand for it), so an outage of a
    co-host's feed, or its feed unchanged, changes neither the event's ``also_published_by`` nor
    its topics. A group read this run credits itself again through its copy, if it has one."""
    kept = []
    for copy in copies:
        old = stored.get(copy.event_id)
        also = [a for a in (old.also_published_by if old else []) if a["group_id"] in unread]
        kept.append(
            replace(copy, also_published_by=also) if also != copy.also_published_by else copy
        )
    return kept


def _clusters(bucket: list[Copies]) -> list[list[Copies]]:
    """The events among one start's, best first: each joins the first earlier event that every
    copy so far matches (no group twice: one group's two events are two events), else stands
    alone. Candidates share a first word (collector.match.keys), at most
    MAX_CROSS_POST_CANDIDATES of them."""
    clusters: list[list[Copies]] = []
    by_key: dict[str, list[int]] = defaultdict(list)
    for copies in bucket:
        words = set().union(*(keys(e) for e in copies))
        candidates = sorted({i for word in words for i in by_key[word]})
        found = next(
            (i for i in candidates[:MAX_CROSS_POST_CANDIDATES] if _fits(clusters[i], copies)),
            None,
        )
        if found is None:
            found = len(clusters)
            clusters.append([])
        clusters[found].append(copies)
        for word in words:
            if found not in by_key[word]:
                by_key[word].append(found)
    return clusters


def _fits(cluster: list[Copies], copies: Copies) -> bool:
    groups = {e.group_id for e in copies}
    if any(groups & {e.group_id for e in member} for member in cluster):
        return False
    return all(any(same_event(a, b) for a in member for b in copies) for member in cluster)


def _one(copies: Copies, topics: Mapping[str, Sequence[str]]) -> Event:
    """The first copy, with every other group's copy listed once, then the cross-posters the
    copies carry that no copy here stands for, and the topics of all of them."""
    primary = copies[0]
    seen = {primary.group_id}
    also = []
    for other in sorted(copies[1:], key=lambda e: e.group_id):  # stable: the first of a group
        if other.group_id in seen:  # a feed listing the same occurrence twice
            continue
        seen.add(other.group_id)
        also.append(
            {
                "group_id": other.group_id,
                "group_name": other.group_name,
                "group_website": other.group_website,
                "url": other.url,
            }
        )
    slugs = {slug for copy in copies for slug in copy.categories}
    for entry in (entry for copy in copies for entry in copy.also_published_by):
        if entry["group_id"] not in seen:
            seen.add(entry["group_id"])
            also.append(entry)
            slugs.update(topics.get(entry["group_id"], ()))
    also.sort(key=lambda entry: entry["group_id"])
    merged = sorted(slugs)
    if also != primary.also_published_by or merged != primary.categories:
        primary = replace(primary, also_published_by=also, categories=merged)
    return primary
