"""Load and validate `_categories/`, `_groups/`, `_single_events/`, `_recurring_events/` and
`config.yaml`.

Pure apart from reading the files it is given. Every problem becomes a ConfigError naming the
file, the line and the key, and each loader reports all broken files at once, so a maintainer
fixes everything in one round instead of meeting one error per run.
"""

from __future__ import annotations

import datetime as dt
import difflib
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import quote as escape
from urllib.parse import unquote
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from core.errors import ConfigError, ConfigErrors, raise_if_any
from core.limits import (
    MAX_CONFIG_TEXT_CHARS,
    MAX_CONFIG_URL_CHARS,
    MAX_FIELD_CHARS,
    MIN_SKIP_PHRASE_CHARS,
)
from core.models import STATES, Category, Group, SiteConfig
from core.text import FEED_SCHEMES, clean_text, is_web_url, quote
from core.words import words
from core.yamldoc import YamlDoc, is_repo_path, load_all, parse_date, parse_time

__all__ = [
    "Catalogue",
    "ConfigError",
    "ConfigErrors",
    "RecurringEvent",
    "SingleEvent",
    "load_catalogue",
    "load_category",
    "load_group",
    "load_groups",
    "load_recurring_event",
    "load_single_event",
    "load_single_events",
    "load_site_config",
    "validate_all",
]

GROUP_ID = re.compile(r"[a-z0-9_-]+")
SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
GROUP_KEYS: tuple[str, ...] = ("name", "website", "ical", "active", "fallback_url", "suppress_urls")
GROUP_KEYS += ("submitted_by", "submitter_link", "categories")
GROUP_KEYS += ("suppress_uids", "skip_phrases", "aggregator")
SITE_KEYS = ("site_name", "tagline", "base_url", "timezone", "only_states")
SINGLE_KEYS: tuple[str, ...] = ("title", "date", "time", "end_date", "end_time", "url")
SINGLE_KEYS += ("location", "cost", "submitted_by", "submitter_link", "categories")
RECURRING_KEYS = (*SINGLE_KEYS, "rrule", "until", "count")
CATEGORY_KEYS = ("name", "description")
T = TypeVar("T")
RULE_EXAMPLE = "'FREQ=WEEKLY;BYDAY=TU' or 'FREQ=MONTHLY;BYDAY=2TH'"


@dataclass(frozen=True)
class SingleEvent:
    """One `_single_events/<name>.yaml`: a submitted event that no group feed carries."""

    title: str
    date: dt.date  # dt.: the field names shadow the types in the class body
    source_file: str
    time: dt.time | None = None
    end_date: dt.date | None = None
    end_time: dt.time | None = None
    url: str | None = None
    location: str | None = None
    cost: str | None = None
    submitted_by: str | None = None
    submitter_link: str | None = None
    categories: tuple[str, ...] = ()


@dataclass(frozen=True)
class RecurringEvent:
    """One `_recurring_events/<name>.yaml`: a series that no group feed carries. ``first`` is
    its first occurrence, written like a single event; ``rrule`` is RFC 5545 RRULE text without
    UNTIL or COUNT, which are ``until`` (a date, inclusive) and ``count``."""

    first: SingleEvent
    rrule: str
    until: dt.date | None = None
    count: int | None = None


@dataclass(frozen=True)
class Catalogue:
    """What the repository lists: topics, groups, single events and series, cross-checked."""

    categories: tuple[Category, ...]
    groups: tuple[Group, ...]
    single_events: tuple[SingleEvent, ...] = ()
    recurring_events: tuple[RecurringEvent, ...] = ()
    overrides: tuple[Override, ...] = ()


def load_category(path: str | Path) -> Category:
    """One topic file; its stem is the slug used in URLs and in `categories:` lists."""
    path = Path(path)
    doc = YamlDoc(path, CATEGORY_KEYS)
    if not SLUG.fullmatch(path.stem):
        better = re.sub(r"[^a-z0-9]+", "-", path.stem.lower()).strip("-") or "my-topic"
        rule = "may use only lowercase letters, digits and single '-'"
        doc.errors.append(
            ConfigError(path, f"the file name is the slug and {rule}: rename it {better}.yaml")
        )
    category = Category(
        slug=path.stem,
        name=doc.text("name", required=True) or "",
        description=doc.text("description", required=True) or "",
    )
    doc.check()
    return category


def _topics(doc: YamlDoc, known: Collection[str] | None) -> tuple[str, ...]:
    """The `categories:` list, each a known topic slug (``known`` None: any well-formed slug)."""
    slugs = doc.text_list("categories", "a list of topic slugs like [ai, cloud]") or []
    for slug in slugs:
        if not SLUG.fullmatch(slug):
            doc.fail("categories", f"{quote(slug)} is not a topic slug (like 'ai' or 'cloud')")
        elif known is not None and slug not in known:
            close = difflib.get_close_matches(slug, sorted(known), n=1, cutoff=0)  # the closest
            hint = f"did you mean '{close[0]}'?" if close else f"add _categories/{slug}.yaml"
            doc.fail("categories", f"unknown topic {quote(slug)}; {hint}")
    return tuple(dict.fromkeys(slugs))


def load_group(path: str | Path, topics: Collection[str] | None = None) -> Group:
    """One group file; its stem is the group_id. ``topics``: the known category slugs."""
    path = Path(path)
    doc = YamlDoc(path, GROUP_KEYS)
    if not GROUP_ID.fullmatch(path.stem):
        better = re.sub(r"[^a-z0-9_]+", "-", path.stem.lower()).strip("-") or "my-group"
        rule = "may use only lowercase letters, digits, '-' and '_'"
        message = f"the file name is the group_id and {rule}: rename it {better}.yaml"
        doc.errors.append(ConfigError(path, message))
    suppress = doc.text_list("suppress_urls", "a list of event URLs", MAX_CONFIG_URL_CHARS) or []
    active = doc.get("active", bool, "true or false")
    aggregator = doc.get("aggregator", bool, "true or false")
    group = Group(
        group_id=path.stem,
        name=doc.text("name", required=True) or "",
        website=doc.url("website", required=True) or "",
        ical=_feed(doc),
        active=True if active is None else active,
        fallback_url=doc.url("fallback_url"),
        suppress_urls=tuple(suppress),
        submitted_by=doc.text("submitted_by"),
        submitter_link=doc.url("submitter_link"),
        categories=_topics(doc, topics),
        suppress_uids=_items(doc, "suppress_uids", "a list of event UIDs", MAX_FIELD_CHARS),
        skip_phrases=_skip_phrases(doc),
        aggregator=bool(aggregator),
    )
    doc.check()
    return group


def _items(doc: YamlDoc, key: str, what: str, limit: int) -> tuple[str, ...]:
    """A list of non-empty text items, each written once."""
    items = doc.text_list(key, what, limit) or []
    for number, item in enumerate(items, 1):
        if not item:
            doc.fail(key, f"item {number} is empty: remove it")
            return ()
    return tuple(dict.fromkeys(items))


def _skip_phrases(doc: YamlDoc) -> tuple[str, ...]:
    """`skip_phrases`: each with at least MIN_SKIP_PHRASE_CHARS letters or digits, as phrases
    are compared (core.words): "!!" or "AI" would drop events by accident."""
    what = "a list of phrases like ['Reposted from']"
    phrases = doc.text_list("skip_phrases", what, MAX_CONFIG_TEXT_CHARS) or []
    for number, phrase in enumerate(phrases, 1):
        if len(words(phrase).replace(" ", "")) < MIN_SKIP_PHRASE_CHARS:
            short = f"needs at least {MIN_SKIP_PHRASE_CHARS} letters or digits"
            doc.fail("skip_phrases", f"item {number} {quote(phrase)} {short}: make it longer")
            return ()
    return tuple(dict.fromkeys(phrases))


def _feed(doc: YamlDoc) -> str | None:
    """`ical`: an http(s) URL, a webcal:// link as Google, Apple and Outlook give them out, or
    a path in this repository."""
    value = doc.text("ical", limit=MAX_CONFIG_URL_CHARS)
    if value is None or is_web_url(value, FEED_SCHEMES) or is_repo_path(value):
        return value
    wanted = "an http(s) or webcal:// URL or a path relative to the repository"
    doc.fail("ical", f"must be {wanted}, got {quote(value)}")
    return None


def load_groups(directory: str | Path, topics: Collection[str] | None = None) -> list[Group]:
    """Every `*.yaml` in the directory, sorted by group_id; all broken files reported at once."""
    groups, errors = load_all(Path(directory), partial(load_group, topics=topics), required=True)
    raise_if_any(errors)
    return sorted(groups, key=lambda group: group.group_id)


def load_catalogue(
    groups_dir: str | Path,
    single_events_dir: str | Path | None = None,
    categories_dir: str | Path | None = None,
    recurring_events_dir: str | Path | None = None,
    overrides_dir: str | Path | None = None,
) -> Catalogue:
    """Topics first, then the groups, single events and series that name them; every problem in
    every file is reported at once. No categories folder means no topics (and any named is
    unknown); no single or recurring events folder means none of them."""
    categories, errors = _load_categories(categories_dir)
    known = {c.slug for c in categories}
    groups, group_errors = load_all(
        Path(groups_dir), partial(load_group, topics=known), required=True
    )
    singles, single_errors = _load_optional(single_events_dir, load_single_event, known)
    series, series_errors = _load_optional(recurring_events_dir, load_recurring_event, known)
    overrides, override_errors = load_overrides(overrides_dir, known)
    raise_if_any(errors + group_errors + single_errors + series_errors + override_errors)
    return Catalogue(
        tuple(categories),
        tuple(sorted(groups, key=lambda group: group.group_id)),
        tuple(sorted(singles, key=_single_order)),
        tuple(sorted(series, key=lambda s: _single_order(s.first))),
        tuple(overrides),
    )


def _load_optional(
    directory: str | Path | None, load: Callable[..., T], topics: Collection[str]
) -> tuple[list[T], list[ConfigError]]:
    """The files of a folder that may be absent (a bundle without it has none of them)."""
    if directory is None:
        return [], []
    return load_all(Path(directory), partial(load, topics=topics), required=False)


def _load_categories(directory: str | Path | None) -> tuple[list[Category], list[ConfigError]]:
    if directory is None:
        return [], []
    categories, errors = load_all(Path(directory), load_category, required=False)
    return sorted(categories, key=lambda c: c.slug), errors


def load_site_config(path: str | Path = "config.yaml") -> SiteConfig:
    """Site settings; a missing or empty file means the defaults."""
    path = Path(path)
    if not path.exists():
        return SiteConfig()
    doc = YamlDoc(path, SITE_KEYS, empty_ok=True)
    values: dict[str, Any] = {
        "site_name": doc.text("site_name"),
        "tagline": doc.get("tagline", str, "text"),
        "base_url": (doc.url("base_url") or "").rstrip("/") or None,
        "timezone": doc.text("timezone"),
    }
    zone = values["timezone"]
    if zone is not None and not _is_zone(zone):
        message = f"must be a time zone name like 'America/New_York', got {quote(zone)}"
        doc.fail("timezone", message)
    states = doc.text_list("only_states", f"a list drawn from {', '.join(STATES)}")
    if states is not None and (not states or not all(state in STATES for state in states)):
        doc.fail("only_states", f"must list some of {', '.join(STATES)}, got {quote(states)}")
    elif states is not None:
        values["only_states"] = tuple(dict.fromkeys(states))
    doc.check()
    return replace(SiteConfig(), **{k: v for k, v in values.items() if v is not None})


def load_single_event(path: str | Path, topics: Collection[str] | None = None) -> SingleEvent:
    """One submitted event file. ``topics``: the known category slugs."""
    doc = YamlDoc(Path(path), SINGLE_KEYS)
    event = _single_event(doc, topics)
    doc.check()
    return event


def _single_event(doc: YamlDoc, topics: Collection[str] | None) -> SingleEvent:
    """The single-event keys of ``doc``, checked (problems stay in ``doc``)."""
    start = doc.parsed("date", parse_date, "'2026-12-01'", required=True)
    end = doc.parsed("end_date", parse_date, "'2026-12-02'")
    start_time = doc.parsed("time", parse_time, "'18:30' or '6:30 pm'")
    end_time = doc.parsed("end_time", parse_time, "'20:00' or '8 pm'")
    cost = doc.get("cost", (str, int, float), "text like 'Free' or '$10'")
    if start and end and end < start:
        doc.fail("end_date", f"is before date ({end} < {start})")
    if end_time and "time" not in doc.data:
        doc.fail("end_time", "needs a start 'time' too (leave both out for an all-day event)")
    elif start_time and end_time and (end or start) == start and end_time < start_time:
        doc.fail("end_time", f"is before time on the same day ({end_time} < {start_time})")
    return SingleEvent(
        title=doc.text("title", required=True) or "",
        date=start or dt.date.min,
        source_file=doc.path.stem,
        time=start_time,
        end_date=end,
        end_time=end_time,
        url=doc.url("url"),
        location=doc.text("location"),
        cost=clean_text(doc.raw["cost"]).strip() if cost is not None else None,  # as written
        submitted_by=doc.text("submitted_by"),
        submitter_link=doc.url("submitter_link"),
        categories=_topics(doc, topics),
    )


def load_recurring_event(path: str | Path, topics: Collection[str] | None = None) -> RecurringEvent:
    """One curated series: a single event's keys for its first occurrence, plus the rule."""
    doc = YamlDoc(Path(path), RECURRING_KEYS)
    first = _single_event(doc, topics)
    until = doc.parsed("until", parse_date, "'2026-12-31'")
    count = doc.get("count", int, "a whole number of occurrences like 10")
    if count is not None and count < 1:
        doc.fail("count", f"must be at least 1, got {count}")
    if until is not None and count is not None:
        doc.fail("count", "cannot be given with until: keep one of them")
    if until and until < first.date:
        doc.fail("until", f"is before date ({until} < {first.date})")
    rule = doc.text("rrule", required=True)
    if rule is not None:
        settled = not {"date", "time"} & {e.field for e in doc.errors}
        start = dt.datetime.combine(first.date, first.time or dt.time()) if settled else None
        if problem := _rule_problem(rule, start):
            doc.fail("rrule", problem)
    doc.check()
    return RecurringEvent(first, rule or "", until, count)


def _rule_problem(text: str, start: dt.datetime | None) -> str | None:
    """Why ``text`` cannot be this series' RRULE, or None. It is read as the collector reads it
    (icalendar's parser, then dateutil's, as recurring-ical-events does), and ``start`` (the
    first occurrence, when date and time are valid) must be the rule's first occurrence: RFC
    5545 leaves a series whose DTSTART is off its rule undefined."""
    import icalendar  # only when there is a series to check: most commands have none
    from dateutil.rrule import rrulestr  # type: ignore[import-untyped]

    if text.upper().startswith("RRULE:"):
        return f"write only what follows 'RRULE:', like {RULE_EXAMPLE}"
    try:
        parts = icalendar.vRecur.from_ical(text)
    except ValueError as error:
        return f"is not an RRULE ({quote(str(error))}): write it like {RULE_EXAMPLE}"
    if "FREQ" not in parts:
        return f"has no FREQ: write it like {RULE_EXAMPLE}"
    for part in ("UNTIL", "COUNT"):
        if part in parts:
            return f"must not hold {part}: give it as the '{part.lower()}' key instead"
    if any(n < 1 for n in parts.get("INTERVAL", [])):
        return f"INTERVAL must be at least 1, got {parts['INTERVAL'][0]}"
    try:  # a rule that never occurs is sought up to the year 9999: seconds, then the error
        rule = rrulestr(parts.to_ical().decode(), dtstart=start or dt.datetime(2000, 1, 1))
        first = rule.after(start, inc=True) if start else None
    except Exception as error:  # dateutil's errors on a bad rule are not all ValueError
        return f"is not an RRULE ({quote(str(error))}): write it like {RULE_EXAMPLE}"
    if start is None:
        return None
    if first is None:
        return f"never occurs on or after date ({start:%Y-%m-%d}): check the BY... parts"
    if first != start:
        shown = "%Y-%m-%d" if first.time() == start.time() else "%Y-%m-%d %H:%M"
        found = f"first occurs {first:{shown}}, not {start:{shown}}"
        return f"{found}: make date (and time) the series' first occurrence"
    return None


def load_single_events(
    directory: str | Path, topics: Collection[str] | None = None
) -> list[SingleEvent]:
    """Every `*.yaml` in the directory (none if it is missing), in date order."""
    load = partial(load_single_event, topics=topics)
    events, errors = load_all(Path(directory), load, required=False)
    raise_if_any(errors)
    return sorted(events, key=_single_order)


def _single_order(event: SingleEvent) -> tuple[dt.date, dt.time, str]:
    return (event.date, event.time or dt.time.min, event.source_file)


def validate_all(
    root: str | Path = ".",
    *,
    config: str | Path | None = None,
    groups_dir: str | Path | None = None,
    single_events_dir: str | Path | None = None,
    categories_dir: str | Path | None = None,
    recurring_events_dir: str | Path | None = None,
    overrides_dir: str | Path | None = None,
) -> list[ConfigError]:
    """Every problem in a checkout's settings, topics, groups, single events and series; empty
    if none. The folders default to the checkout's `_groups/`, `_single_events/`,
    `_categories/` and `_recurring_events/`.

    Also checks what only the repository root can tell: that a local `ical` path exists.
    """
    root = Path(root)
    problems: list[ConfigError] = []
    try:
        load_site_config(config or root / "config.yaml")
    except ConfigError as error:
        problems.extend(error.problems())
    categories, errors = _load_categories(categories_dir or root / "_categories")
    known = {c.slug for c in categories}
    groups, group_errors = load_all(
        Path(groups_dir or root / "_groups"), partial(load_group, topics=known), required=True
    )
    singles_dir = single_events_dir or root / "_single_events"
    series_dir = recurring_events_dir or root / "_recurring_events"
    problems += errors + group_errors
    problems += _load_optional(singles_dir, load_single_event, known)[1]
    problems += _load_optional(series_dir, load_recurring_event, known)[1]
    problems += load_overrides(overrides_dir or root / "_overrides", known)[1]
    for group in groups:
        if group.ical and is_repo_path(group.ical) and not (root / group.ical).is_file():
            path = Path(groups_dir or root / "_groups") / f"{group.group_id}.yaml"
            problems.append(ConfigError(path, f"local feed {quote(group.ical)} not found", "ical"))
    return [one for problem in problems for one in problem.problems()]


def _is_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):  # OSError: 'America', a 300-char name
        return False
    return True


OVERRIDE_KEYS = ("hide", "title", "location", "url", "categories", "duplicate_of")
EVENT_ID = re.compile(r"[0-9a-f]{64}")


@dataclass(frozen=True)
class Override:
    """One `_overrides/<group_id>/<uid>.yaml`: a curator's change to one feed event, found by
    the feed's stable UID (``source_uid``; the file name is it with unsafe characters
    %-escaped, `dctech hide` writes it). A UID without ``#`` also matches every occurrence of
    that series. Applied at collect time by collector/overrides.py."""

    group_id: str
    source_uid: str
    source_file: str
    hide: bool = False
    title: str | None = None
    location: str | None = None
    url: str | None = None
    categories: tuple[str, ...] | None = None
    duplicate_of: str | None = None  # the event_id this one repeats: it is dropped


def override_file(group_id: str, source_uid: str) -> str:
    """The path, inside `_overrides/`, of the override for ``source_uid`` of a group."""
    return f"{group_id}/{escape(source_uid, safe='@.+-_')}.yaml"


def load_override(path: str | Path, topics: Collection[str] | None = None) -> Override:
    path = Path(path)
    doc = YamlDoc(path, OVERRIDE_KEYS)
    if not GROUP_ID.fullmatch(path.parent.name):
        doc.errors.append(ConfigError(path, "the folder must be named after a group_id"))
    hide = doc.get("hide", bool, "true or false") or False
    duplicate = doc.text("duplicate_of")
    if duplicate is not None and not EVENT_ID.fullmatch(duplicate):
        doc.fail("duplicate_of", f"must be an event_id (64 hex digits), got {quote(duplicate)}")
    changes = [k for k in ("title", "location", "url", "categories") if k in doc.data]
    if not (hide or duplicate or changes):
        doc.errors.append(
            ConfigError(path, "changes nothing: give hide, duplicate_of or a corrected field")
        )
    if (hide or duplicate) and changes:
        doc.fail(changes[0], "a hidden or duplicate event shows nothing: remove the corrections")
    override = Override(
        group_id=path.parent.name,
        source_uid=unquote(path.stem),
        source_file=f"{path.parent.name}/{path.name}",
        hide=hide,
        title=doc.text("title"),
        location=doc.text("location"),
        url=doc.url("url"),
        categories=_topics(doc, topics) if "categories" in doc.data else None,
        duplicate_of=duplicate,
    )
    doc.check()
    return override


def load_overrides(
    directory: str | Path | None, topics: Collection[str] | None = None
) -> tuple[list[Override], list[ConfigError]]:
    """Every override, one folder per group; no folder means none."""
    if directory is None or not Path(directory).is_dir():
        return [], []
    found: list[Override] = []
    errors: list[ConfigError] = []
    for folder in sorted(p for p in Path(directory).iterdir() if p.is_dir()):
        items, problems = load_all(folder, partial(load_override, topics=topics), required=False)
        found += items
        errors += problems
    return found, errors
