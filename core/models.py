"""Plain dataclasses for the domain: groups, site settings, events, their refreshes and feed
health."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

IN_PERSON = "in_person"
VIRTUAL = "virtual"
STATES = ("DC", "MD", "VA")
NO_STATE_PARTITION = "ALL"  # DateIndex partition for events with no known state (virtual ones too)

SINGLE_EVENT = "single_event"  # source_type of events from _single_events/*.yaml
SINGLE_EVENTS_GROUP = "_single"  # their group_id (GroupIndex partition); they show "submitted by"
RECURRING_EVENT = "recurring_event"  # source_type of _recurring_events/ occurrences (group _single)

CONFIRMED = "confirmed"
CANCELLED = "cancelled"


@dataclass(frozen=True)
class Category:
    """One `_categories/<slug>.yaml`: a topic visitors browse by (AI, cybersecurity, ...)."""

    slug: str
    name: str
    description: str


@dataclass(frozen=True)
class Group:
    """One `_groups/<group_id>.yaml` file, validated."""

    group_id: str
    name: str
    website: str
    ical: str | None = None
    active: bool = True
    fallback_url: str | None = None
    suppress_urls: tuple[str, ...] = ()
    submitted_by: str | None = None
    submitter_link: str | None = None
    categories: tuple[str, ...] = ()  # topic slugs
    suppress_uids: tuple[str, ...] = ()  # feed UIDs to ignore (a series' or "UID#occurrence")
    skip_phrases: tuple[str, ...] = ()  # drop events whose title or description says one
    aggregator: bool = False  # reposts others' events: its copy of a cross-post is kept last


@dataclass(frozen=True)
class SiteConfig:
    """`config.yaml`: site-wide settings."""

    site_name: str = "DC Tech Events"
    tagline: str = "Tech meetups, conferences and workshops in and around Washington, DC"
    base_url: str = "https://dctech.events"  # where links point (a preview's is its server)
    canonical_url: str = ""  # config.yaml's base_url, the site's identity; "" = base_url
    timezone: str = "America/New_York"
    only_states: tuple[str, ...] = STATES


@dataclass
class Event:
    """A stored event: the attributes of the design (docs/architecture.md).

    Times are wall-clock in the site timezone, ``YYYY-MM-DDTHH:MM:SS``; ``state`` is None when
    unknown and always for virtual events (stores map that to the ``ALL`` DateIndex partition,
    where listings of virtual events look).
    """

    event_id: str
    start_datetime: str
    end_datetime: str
    title: str
    group_id: str
    group_name: str
    group_website: str
    description: str = ""
    url: str = ""
    location: str = ""
    location_type: str = IN_PERSON
    city: str | None = None
    state: str | None = None
    cost: str | None = None
    source_type: str = "ical"
    last_seen_date: str = ""
    ttl: int = 0
    created_at: str = ""
    updated_at: str = ""
    submitted_by: str | None = None
    submitter_link: str | None = None
    also_published_by: list[dict[str, str]] = field(default_factory=list)
    all_day: bool = False
    source_uid: str = ""
    status: str = CONFIRMED
    categories: list[str] = field(default_factory=list)  # topic slugs, sorted (see merge)
    first_seen: str = ""  # YYYY-MM-DD: the collect that first listed it ("": stored before this)
    first_import: bool = False  # came in its group's first successful fetch: never "new"
    own_copy: bool = False  # its group organises it, as the feed says (collector.match.own_copy)

    @property
    def key(self) -> tuple[str, str]:
        """The table's primary key (partition, sort)."""
        return (self.event_id, self.start_datetime)

    @property
    def start_date(self) -> str:
        return self.start_datetime[:10]

    @property
    def end_date(self) -> str:
        return self.end_datetime[:10]

    @property
    def cancelled(self) -> bool:
        return self.status == CANCELLED

    def to_dict(self) -> dict[str, Any]:
        """The stored attributes. Shallow (no deep copy: ``asdict`` cost a fifth of a collect)."""
        return {name: getattr(self, name) for name in EVENT_FIELDS}

    @classmethod
    def from_dict(cls, data: dict[str, Any], shared: dict[str, str] | None = None) -> Event:
        """Build from stored attributes, ignoring unknown ones (forward compatible reads).
        ``shared``, one table for the events of one read: the attributes many events have alike
        (``SHARED``) are then one string each, not one per event (a quarter of what a listing
        of events holds)."""
        values = {k: v for k, v in data.items() if k in _NAMES}
        if shared is not None:
            for name in SHARED:
                if isinstance(value := values.get(name), str):
                    values[name] = shared.setdefault(value, value)
            if isinstance(topics := values.get("categories"), list):
                values["categories"] = [shared.setdefault(t, t) for t in topics]
        return cls(**values)

    def content(self) -> dict[str, Any]:
        """What the feed decides: everything but the lifecycle bookkeeping.

        Two versions of an event with equal content need only a cheap "still seen" update.
        """
        data = self.to_dict()
        for name in BOOKKEEPING:
            data.pop(name)
        return data


EVENT_FIELDS = tuple(f.name for f in fields(Event))
_NAMES = frozenset(EVENT_FIELDS)
SHARED = (
    "group_id", "group_name", "group_website", "location_type", "city", "state", "cost",
    "source_type", "last_seen_date", "created_at", "updated_at", "status", "first_seen",
)  # fmt: skip
BOOKKEEPING = ("last_seen_date", "ttl", "created_at", "updated_at", "first_seen", "first_import")


@dataclass(frozen=True)
class Touch:
    """A "still seen" refresh: the only attributes a daily collect changes on an unchanged event.
    Not ``updated_at``: that is when the event's content last changed, which the sitemap's
    lastmod, the Atom entries and the render cache rely on.

    Here rather than in core.store, so the lifecycle rules that plan touches need no store."""

    event_id: str
    start_datetime: str
    last_seen_date: str
    ttl: int


@dataclass
class FeedState:
    """Health and HTTP cache validators of one group's feed, kept in the store."""

    group_id: str
    last_attempt: str = ""  # UTC timestamps
    last_success: str = ""
    last_success_date: str = ""  # the collect's `today` at the last successful fetch
    last_parsed_date: str = ""  # the collect's `today` at the last full (not 304) parse
    http_status: int | None = None
    error: str | None = None
    failing_since: str = ""  # the collect's `today` of the first failure since the last success
    etag: str | None = None
    last_modified: str | None = None
    events_parsed: int = 0
    vevents_in_source: int = 0
    cut: list[str] = field(default_factory=list)  # what a limit cut at the last full parse
    unmatched_overrides: list[str] = field(default_factory=list)  # _overrides/ files no event had
    skipped: dict[str, int] = field(default_factory=dict)  # dropped by the group's own rules
    # at the last full parse: "skip_phrases" and "suppressed" (suppress_urls, suppress_uids)
    note: str | None = None  # how the last attempt reached the feed when not as written: a
    # webcal:// feed "over http:// (https:// failed: ...)", in clear text
    rules: str = ""  # the group's noise rules and overrides at the last full parse (a digest)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FeedState:
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})
