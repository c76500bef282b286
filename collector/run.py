"""One collect: fetch every active group's feed, parse, merge, and apply the lifecycle rules.

A failed fetch or an unparseable feed is reported for its group and changes nothing stored for
it (save a cross-post copy that a better-ranked copy now replaces, and the topics, which the
group files give: _retopic_held); every other group still updates, and its copies of the
failed group's stored events fold into them (core.lifecycle.held).
Feeds are parsed in a worker process (collector/sandbox.py), so a feed that overruns its CPU or
memory allowance fails alone.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

from collector.fetch import FeedRequest, FetchResult, FetchSettings, fetch_all
from collector.merge import keep_credits, merge_cross_posts
from collector.noise import REASONS
from collector.overrides import (
    apply_overrides,
    credit_duplicates,
    retire_hidden,
    rules_digest,
    unmatched,
)
from collector.parse import FeedError, from_group_file
from collector.recurring import series_occurrences
from collector.sandbox import FeedParser
from collector.single import single_event
from core import lifecycle
from core.config import Override, RecurringEvent, SingleEvent
from core.models import SINGLE_EVENTS_GROUP, Event, FeedState, Group, SiteConfig
from core.store.base import MOVES_KEPT_DAYS, EventStore, Move

REVALIDATE_DAYS = 7  # after this long, fetch in full so recurrences roll into the window


@dataclass
class GroupOutcome:
    group_id: str
    status: str  # "ok", "unchanged" (HTTP 304) or "failed"
    events: int = 0
    error: str | None = None
    cut: list[str] = field(default_factory=list)  # what a limit cut from the feed, in words
    unreachable: bool = False  # failed before any server answered (no network, DNS, TLS)
    skipped: dict[str, int] = field(default_factory=dict)  # dropped by the group's own rules
    note: str | None = None  # reached otherwise than as written: "over http:// (...)"


@dataclass
class CollectSummary:
    outcomes: list[GroupOutcome] = field(default_factory=list)
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    dropped: int = 0
    writes: int = 0
    series_cut: list[str] = field(default_factory=list)  # what the cap cut from curated series

    @property
    def failed(self) -> list[GroupOutcome]:
        return [o for o in self.outcomes if o.status == "failed"]

    def to_dict(self) -> dict[str, object]:
        return {
            "groups_ok": len(self.outcomes) - len(self.failed),
            "groups_failed": len(self.failed),
            "failures": {o.group_id: o.error for o in self.failed},
            "cut": {o.group_id: o.cut for o in self.outcomes if o.cut}
            | ({SINGLE_EVENTS_GROUP: self.series_cut} if self.series_cut else {}),
            "skipped": {o.group_id: o.skipped for o in self.outcomes if o.skipped},
            "notes": {o.group_id: o.note for o in self.outcomes if o.note},
            "new": self.new,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "dropped": self.dropped,
            "writes": self.writes,
        }


def collect(
    store: EventStore,
    groups: Sequence[Group],
    site: SiteConfig,
    *,
    today: date,
    now: datetime,
    single_events: Sequence[SingleEvent] = (),
    recurring_events: Sequence[RecurringEvent] = (),
    overrides: Sequence[Override] = (),
    root: Path = Path("."),
    settings: FetchSettings | None = None,
    on_fetched: Callable[[FetchResult], None] | None = None,
) -> CollectSummary:
    """Bring the store up to date with the feeds; ``today`` and ``now`` (UTC) are inputs."""
    writes_before = store.writes
    now_iso = now.isoformat(timespec="seconds")
    active = {g.group_id: g for g in groups if g.active and g.ical}
    states = store.load_feed_states()
    previous = {gid: s.last_success_date for gid, s in states.items()}
    fetched: list[Event] = []
    outcomes: dict[str, GroupOutcome] = {}
    rules = {gid: rules_digest(g, overrides) for gid, g in active.items()}  # see _request

    with FeedParser() as parser:

        def read(result: FetchResult) -> None:
            """Parse each feed as it arrives, so parsing overlaps the other fetches' latency."""
            state = states.setdefault(result.group_id, FeedState(result.group_id))
            group = active[result.group_id]
            outcome = _read_feed(group, result, state, parser, site, today, now_iso, fetched)
            if outcome.status == "ok":
                state.rules = rules[result.group_id]
            outcomes[result.group_id] = outcome
            result.body = None  # parsed: fetch_all keeps its results until every feed is in
            if on_fetched:
                on_fetched(result)

        fetch_all(
            [_request(g, states.get(gid), today, rules[gid]) for gid, g in active.items()],
            settings=settings or FetchSettings(),
            root=root,
            on_result=read,
        )
    summary = CollectSummary(outcomes=[outcomes[gid] for gid in active])
    refetched = [o.group_id for o in summary.outcomes if o.status != "failed"]
    stored = _group_events(store, [*active, SINGLE_EVENTS_GROUP])
    unread = {o.group_id for o in summary.outcomes if o.status != "ok"}  # no copies this run
    for outcome in summary.outcomes:
        if outcome.status == "unchanged":
            gid = outcome.group_id
            fetched.extend(_still_in_feed(stored.values(), active[gid], previous.get(gid)))

    singles = [e for e in (single_event(s, site) for s in single_events) if e is not None]
    series = series_occurrences(recurring_events, site, today)  # the same partition as singles
    fetched.extend(singles + series.events)
    refetched.append(SINGLE_EVENTS_GROUP)
    summary.series_cut = series.cut

    # Curators' corrections, before all else.
    curated = apply_overrides(fetched, overrides, active)
    for outcome in summary.outcomes:
        if outcome.status == "ok":  # a full parse: it shows which overrides still match
            state = states[outcome.group_id]
            state.unmatched_overrides = unmatched(overrides, outcome.group_id, curated.matched)
    held = lifecycle.held(stored.values(), curated.events, refetched, today)
    # A copy credits only the unread groups it credited before (a read group credits itself
    # through its copy, if it has one), a fresh copy and one whose feed failed alike; an event
    # in its grace day, gone from its own read feed, stays as it was stored for that day.
    down = [event for event in held if event.group_id in unread]
    graced = [event for event in held if event.group_id not in unread]
    merge = merge_cross_posts(
        keep_credits(curated.events, stored, unread),
        {g.group_id for g in groups if g.aggregator},
        keep_credits(down, stored, unread) + graced,
        {g.group_id: g.categories for g in groups},
    )
    stored.update(store.get_events([e.key for e in merge.events if e.event_id not in stored]))
    merged = credit_duplicates(merge.events, curated.duplicates)
    plan = lifecycle.plan(
        merged,
        stored,
        refetched,
        today=today,
        now_iso=now_iso,
        tz=site.timezone,
        first_imports=_first_imports(refetched, previous),
    )
    _retire_folded(plan, stored, merge.folded)
    retire_hidden(plan, stored, overrides, refetched)
    _retopic_held(plan, stored, merge.held, groups, overrides, now_iso)
    store.put_events(plan.put)
    store.touch_events(plan.touch)
    store.delete_events(plan.delete)
    store.save_feed_states(states)
    store.save_topic_owners(_topic_owners(store, stored, plan, refetched, groups))
    _record_moves(store, stored, plan, merged, merge.folded, today)
    store.expire(int(now.timestamp()))  # housekeeping: not in summary.writes (see EventStore)

    summary.new, summary.updated, summary.dropped = plan.new, plan.updated, plan.dropped
    summary.unchanged = plan.unchanged
    summary.writes = store.writes - writes_before
    return summary


def _request(group: Group, state: FeedState | None, today: date, rules: str) -> FeedRequest:
    """Conditional GET only while the last full parse is recent (see REVALIDATE_DAYS) and was
    made under the group's noise rules and overrides as they are now (``rules``)."""
    fresh = (
        state
        and state.last_parsed_date
        and (date.fromisoformat(state.last_parsed_date) > today - timedelta(days=REVALIDATE_DAYS))
        and state.rules == rules
    )
    return FeedRequest(
        group_id=group.group_id,
        source=group.ical or "",
        etag=state.etag if fresh and state else None,
        last_modified=state.last_modified if fresh and state else None,
    )


def _read_feed(
    group: Group,
    result: FetchResult,
    state: FeedState,
    parser: FeedParser,
    site: SiteConfig,
    today: date,
    now_iso: str,
    fetched: list[Event],
) -> GroupOutcome:
    """Parse one fetch result into ``fetched`` and record the feed's health in ``state``."""
    state.last_attempt = now_iso
    state.http_status = result.http_status
    state.note = result.note
    if not result.ok:
        _failed(state, result.error, today)
        unreachable = result.http_status is None and bool(urlsplit(group.ical or "").hostname)
        return GroupOutcome(group.group_id, "failed", error=result.error, unreachable=unreachable)
    if not result.not_modified:
        try:
            parsed = parser.parse(result.body or b"", group, site, today)
        except FeedError as exc:
            _failed(state, str(exc), today)
            return GroupOutcome(group.group_id, "failed", error=str(exc))
        fetched.extend(parsed.events)
        state.events_parsed = len(parsed.events)
        state.vevents_in_source = parsed.vevents_in_source
        state.cut = parsed.cut
        state.skipped = {r: parsed.skipped[r] for r in REASONS if r in parsed.skipped}
        state.last_parsed_date = today.isoformat()
        state.etag, state.last_modified = result.etag, result.last_modified
    state.error, state.failing_since = None, ""
    state.last_success = now_iso
    state.last_success_date = today.isoformat()
    status = "unchanged" if result.not_modified else "ok"
    return GroupOutcome(
        group.group_id,
        status,
        events=state.events_parsed,
        cut=state.cut,
        skipped=state.skipped,
        note=result.note,
    )


def _failed(state: FeedState, error: str | None, today: date) -> None:
    """Record a failed fetch; the first one since the last success dates the outage."""
    state.error = error
    state.failing_since = state.failing_since or today.isoformat()


def _first_imports(refetched: Sequence[str], previous: Mapping[str, str]) -> list[str]:
    """The groups fetched with success for the first time (no earlier success on record): what
    they bring is not news. Single events and curated series have no feed: theirs is the first
    import when no group has ever been fetched with success (a new store)."""
    first = [g for g in refetched if g != SINGLE_EVENTS_GROUP and not previous.get(g)]
    return first + ([SINGLE_EVENTS_GROUP] if not any(previous.values()) else [])


def _record_moves(
    store: EventStore,
    stored: Mapping[str, Event],
    plan: lifecycle.Plan,
    fetched: Sequence[Event],
    folded: Mapping[str, str],
    today: date,
) -> None:
    """Remember where each item the plan retires for a new event_id went (same group and
    source_uid: retitled or rescheduled; or a stored copy now folded into another copy's event,
    as when the organiser's own copy appears beside an aggregator's), so the site redirects the
    old id's page. A move older than MOVES_KEPT_DAYS goes, and so does one whose old id is in
    the feeds again."""
    live = {(e.group_id, e.source_uid): e.event_id for e in fetched if e.source_uid}
    ids = {e.event_id for e in fetched}
    since = (today - timedelta(days=MOVES_KEPT_DAYS)).isoformat()
    known = store.load_moves()
    moves = {old: move for old, move in known.items() if move.on > since and old not in ids}
    for event_id, _ in plan.delete:
        old = stored[event_id]
        new = folded.get(event_id) or (
            live.get((old.group_id, old.source_uid)) if old.source_uid else None
        )
        if new and new != event_id:
            moves[event_id] = Move(new, today.isoformat())
    if moves != known:
        store.save_moves(moves)


def _retire_folded(
    plan: lifecycle.Plan, stored: Mapping[str, Event], folded: Mapping[str, str]
) -> None:
    """A stored copy now merged into another copy's event (the organiser's own copy appeared
    beside a sponsor's) goes at once, as a retitled event does: its feed still lists it, so
    the grace for an event missing from its feed would list it twice for a day. So does a held
    copy (its feed failed today) the rule no longer keeps: the other copy lists it."""
    deleting = set(plan.delete)
    for event_id in folded:
        old = stored.get(event_id)
        if old is not None and old.key not in deleting:
            plan.delete.append(old.key)
            plan.dropped += 1


def _retopic_held(
    plan: lifecycle.Plan,
    stored: Mapping[str, Event],
    held: Iterable[Event],
    groups: Sequence[Group],
    overrides: Sequence[Override],
    now_iso: str,
) -> None:
    """A held event (its feed failed, or it is in its grace period) keeps what its feed last
    said, but its topics come from the group files: its group's as they are now (or its
    override's), and those of every group credited with it (``held`` is as merged), as a parse
    and the merge would give it. So a topic edited while a feed is down shows at the next
    collect rather than when the feed is back. A single event's topics are its own file's."""
    by_id = {g.group_id: g for g in groups}
    writing = set(plan.delete) | {e.key for e in plan.put}
    for event in held:
        group = by_id.get(event.group_id)
        if group is None or event.key in writing:
            continue
        own = apply_overrides([replace(event, categories=list(group.categories))], overrides, by_id)
        if not own.events:  # hidden, or marked a duplicate: retire_hidden's, once it is read
            continue
        credited = (by_id[a["group_id"]] for a in event.also_published_by if a["group_id"] in by_id)
        slugs = set(own.events[0].categories).union(*(g.categories for g in credited))
        old = stored[event.event_id]
        fresh = replace(old, also_published_by=event.also_published_by, categories=sorted(slugs))
        if fresh.content() != old.content():
            plan.put.append(replace(fresh, updated_at=now_iso))
            plan.updated += 1


def _group_events(store: EventStore, groups: Sequence[str]) -> dict[str, Event]:
    """The groups' stored items (GroupIndex): what the lifecycle may touch for a refetched
    group, and what a failed group keeps listed (candidates for the cross-post merge). Items
    sharing a key with a fetched event of another group are added once the merge is known."""
    stored: dict[str, Event] = {}
    for gid in groups:
        stored.update((e.event_id, e) for e in store.query_by_group(gid))
    return stored


def _topic_owners(
    store: EventStore,
    stored: Mapping[str, Event],
    plan: lifecycle.Plan,
    refetched: Sequence[str],
    groups: Sequence[Group],
) -> dict[str, list[str]]:
    """Each topic's owner partitions once this run's writes are in (what ``category=`` listings
    read). A refetched partition holds what it held, less what the plan deleted or replaced,
    plus what it put; any other that may hold events (a failed or inactive group's, or one the
    last record named: a group since removed) is read again."""
    replaced = set(plan.delete) | {e.key for e in plan.put}
    read = set(refetched)
    held = [e for e in stored.values() if e.group_id in read and e.key not in replaced]
    held += plan.put
    unread = {g.group_id for g in groups}.union(*store.load_topic_owners().values()) - read
    held += [e for gid in sorted(unread) for e in store.query_by_group(gid)]
    owners: dict[str, set[str]] = {}
    for event in held:
        for slug in event.categories:
            owners.setdefault(slug, set()).add(event.group_id)
    return {slug: sorted(gids) for slug, gids in sorted(owners.items())}


def _still_in_feed(stored: Iterable[Event], group: Group, seen_on: str | None) -> list[Event]:
    """A feed that answered 304 still shows exactly what its last successful fetch showed: the
    events last seen that day. Treating them as fetched lets the usual rules touch them and
    retire the rest.

    What an event takes from the group's file rather than the feed (its topics above all) is
    taken again from the file as it is now, as a parse would (collector/parse.py), so that the
    overrides and the merge then do what they do for a fresh copy (its cross-posters too:
    ``collector.merge.keep_credits``)."""
    return [
        replace(event, **from_group_file(group))
        for event in stored
        if event.group_id == group.group_id and event.last_seen_date == seen_on
    ]
