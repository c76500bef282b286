"""Load and validate `_groups/*.yaml`, `_single_events/*.yaml` and `config.yaml`.

Pure apart from reading the files it is given. Every problem becomes a ConfigError naming the
file, the line and the key, and each loader reports all broken files at once, so a maintainer
fixes everything in one round instead of meeting one error per run.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, time
from pathlib import Path, PurePosixPath
from typing import Any, TypeVar
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from core.errors import ConfigError, ConfigErrors, raise_if_any
from core.models import STATES, Group, SiteConfig

__all__ = [
    "ConfigError",
    "ConfigErrors",
    "SingleEvent",
    "load_group",
    "load_groups",
    "load_single_event",
    "load_single_events",
    "load_site_config",
    "validate_all",
]

GROUP_ID = re.compile(r"[a-z0-9_-]+")
GROUP_KEYS = ("name", "website", "ical", "active", "fallback_url", "suppress_urls")
GROUP_KEYS += ("submitted_by", "submitter_link")
SITE_KEYS = ("site_name", "tagline", "base_url", "timezone", "only_states")
SINGLE_KEYS = ("title", "date", "time", "end_date", "end_time", "url", "location", "cost")
SINGLE_KEYS += ("submitted_by", "submitter_link")
KEY_HINTS = dict.fromkeys(("id", "group_id"), "remove it: the file name is the group id")

_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_TIME_24 = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?")
_TIME_12 = re.compile(r"(\d{1,2})(?::(\d{2}))?\s*([ap])\.?\s*m\.?", re.IGNORECASE)
_KEY_LINE = re.compile(r"\s*([A-Za-z_][\w-]*)\s*:\s*(.*)")

T = TypeVar("T")


class _Loader(yaml.SafeLoader):
    """Safe YAML that leaves dates as text, so a bad date becomes our error naming the key."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


@dataclass(frozen=True)
class SingleEvent:
    """One `_single_events/<name>.yaml`: a submitted event that no group feed carries."""

    title: str
    date: date
    source_file: str
    time: time | None = None
    end_date: date | None = None
    end_time: time | None = None
    url: str | None = None
    location: str | None = None
    cost: str | None = None
    submitted_by: str | None = None
    submitter_link: str | None = None


class _Doc:
    """One YAML mapping under validation; it collects every problem rather than stopping early."""

    def __init__(self, path: Path, allowed: tuple[str, ...], *, empty_ok: bool = False) -> None:
        self.path = path
        self.errors: list[ConfigError] = []
        self.lines: dict[str, int] = {}
        self.raw: dict[str, str] = {}
        self.data, pairs = _read_mapping(path, empty_ok)
        for key_node, value_node in pairs:
            key, line = str(key_node.value), key_node.start_mark.line + 1
            if key in self.lines:
                self.errors.append(ConfigError(path, "appears twice: keep one", key, line))
            self.lines.setdefault(key, line)
            if isinstance(value_node, yaml.ScalarNode):
                self.raw[key] = value_node.value
        for key in map(str, self.data):
            if key not in allowed:
                close = difflib.get_close_matches(key, allowed, n=1)
                hint = f"did you mean '{close[0]}'?" if close else "remove it or fix its spelling"
                hint = KEY_HINTS.get(key, hint)
                self.fail(key, f"unknown key; {hint} (allowed: {', '.join(allowed)})")

    def fail(self, key: str, message: str) -> None:
        self.errors.append(ConfigError(self.path, message, key, self.lines.get(key)))

    def check(self) -> None:
        """Raise every problem found, in line order."""
        raise_if_any(sorted(self.errors, key=lambda error: error.line or 0))

    def get(self, key: str, kind: type | tuple[type, ...], what: str, required: bool = False):
        """The value if present and of the right type; else None, with an error when due."""
        value = self.data.get(key)
        if value is None:
            if required:
                self.fail(key, f"is required: add a line '{key}: ...'")
            return None
        if not isinstance(value, kind) or isinstance(value, bool) != (kind is bool):
            self.fail(key, f"must be {what}, got {value!r}")
            return None
        return value

    def text(self, key: str, required: bool = False) -> str | None:
        raw = self.raw.get(key)
        if isinstance(self.data.get(key), int | float) and raw:  # bool is an int too
            hint = f"put it in quotes: {key}: '{raw}'"
            self.fail(key, f"must be text, but YAML read {raw} as {self.data[key]!r}; {hint}")
            return None
        value = self.get(key, str, "text", required)
        if value is not None and not value.strip():
            self.fail(key, "must not be empty")
            return None
        return value.strip() if value is not None else None

    def url(self, key: str, required: bool = False, local_ok: bool = False) -> str | None:
        value = self.text(key, required)
        if value is None or _is_web_url(value) or (local_ok and _is_repo_path(value)):
            return value
        wanted = "an http(s) URL" + (" or a path relative to the repository" if local_ok else "")
        self.fail(key, f"must be {wanted}, got {value!r}")
        return None

    def parsed(
        self, key: str, parse: Callable[[str], T | None], example: str, required: bool = False
    ) -> T | None:
        """A date or time written as text. A number here is YAML misreading an unquoted time."""
        value = self.data.get(key)
        raw = self.raw.get(key, "")
        if isinstance(value, int | float) and not isinstance(value, bool) and ":" in raw:
            hint = f"put it in quotes: {key}: '{raw}'"
            self.fail(key, f"YAML read the unquoted {raw} as the number {value}; {hint}")
            return None
        text = self.get(key, str, f"like {example}", required)
        result = parse(text.strip()) if text is not None else None
        if text is not None and result is None:
            self.fail(key, f"must be like {example}, got {text!r}")
        return result


def load_group(path: str | Path) -> Group:
    """One group file; its stem is the group_id."""
    path = Path(path)
    doc = _Doc(path, GROUP_KEYS)
    if not GROUP_ID.fullmatch(path.stem):
        better = re.sub(r"[^a-z0-9_-]+", "-", path.stem.lower()).strip("-") or "my-group"
        rule = "may use only lowercase letters, digits, '-' and '_'"
        message = f"the file name is the group_id and {rule}: rename it {better}.yaml"
        doc.errors.append(ConfigError(path, message))
    suppress = doc.get("suppress_urls", list, "a list of event URLs") or []
    if not all(isinstance(item, str) for item in suppress):
        doc.fail("suppress_urls", f"must be a list of event URLs (text), got {suppress!r}")
    active = doc.get("active", bool, "true or false")
    group = Group(
        group_id=path.stem,
        name=doc.text("name", required=True) or "",
        website=doc.url("website", required=True) or "",
        ical=doc.url("ical", local_ok=True),
        active=True if active is None else active,
        fallback_url=doc.url("fallback_url"),
        suppress_urls=tuple(str(item).strip() for item in suppress),
        submitted_by=doc.text("submitted_by"),
        submitter_link=doc.url("submitter_link"),
    )
    doc.check()
    return group


def load_groups(directory: str | Path) -> list[Group]:
    """Every `*.yaml` in the directory, sorted by group_id; all broken files reported at once."""
    groups, errors = _load_all(Path(directory), load_group, required=True)
    raise_if_any(errors)
    return sorted(groups, key=lambda group: group.group_id)


def load_site_config(path: str | Path = "config.yaml") -> SiteConfig:
    """Site settings; a missing or empty file means the defaults."""
    path = Path(path)
    if not path.exists():
        return SiteConfig()
    doc = _Doc(path, SITE_KEYS, empty_ok=True)
    values: dict[str, Any] = {
        "site_name": doc.text("site_name"),
        "tagline": doc.get("tagline", str, "text"),
        "base_url": (doc.url("base_url") or "").rstrip("/") or None,
        "timezone": doc.text("timezone"),
    }
    zone = values["timezone"]
    if zone is not None and not _is_zone(zone):
        doc.fail("timezone", f"must be a time zone name like 'America/New_York', got {zone!r}")
    states = doc.get("only_states", list, f"a list drawn from {', '.join(STATES)}")
    if states is not None and (not states or not all(state in STATES for state in states)):
        doc.fail("only_states", f"must list some of {', '.join(STATES)}, got {states!r}")
    elif states is not None:
        values["only_states"] = tuple(dict.fromkeys(states))
    doc.check()
    return replace(SiteConfig(), **{k: v for k, v in values.items() if v is not None})


def load_single_event(path: str | Path) -> SingleEvent:
    """One submitted event file."""
    path = Path(path)
    doc = _Doc(path, SINGLE_KEYS)
    start = doc.parsed("date", _parse_date, "'2026-12-01'", required=True)
    end = doc.parsed("end_date", _parse_date, "'2026-12-02'")
    start_time = doc.parsed("time", _parse_time, "'18:30' or '6:30 pm'")
    end_time = doc.parsed("end_time", _parse_time, "'20:00' or '8 pm'")
    cost = doc.get("cost", (str, int, float), "text like 'Free' or '$10'")
    if start and end and end < start:
        doc.fail("end_date", f"is before date ({end} < {start})")
    if end_time and "time" not in doc.data:
        doc.fail("end_time", "needs a start 'time' too (leave both out for an all-day event)")
    elif start_time and end_time and (end or start) == start and end_time < start_time:
        doc.fail("end_time", f"is before time on the same day ({end_time} < {start_time})")
    event = SingleEvent(
        title=doc.text("title", required=True) or "",
        date=start or date.min,
        source_file=path.stem,
        time=start_time,
        end_date=end,
        end_time=end_time,
        url=doc.url("url"),
        location=doc.text("location"),
        cost=doc.raw["cost"].strip() if cost is not None else None,  # as written: 10.50
        submitted_by=doc.text("submitted_by"),
        submitter_link=doc.url("submitter_link"),
    )
    doc.check()
    return event


def load_single_events(directory: str | Path) -> list[SingleEvent]:
    """Every `*.yaml` in the directory (none if it is missing), in date order."""
    events, errors = _load_all(Path(directory), load_single_event, required=False)
    raise_if_any(errors)
    return sorted(events, key=lambda e: (e.date, e.time or time.min, e.source_file))


def validate_all(root: str | Path = ".") -> list[ConfigError]:
    """Every problem in a checkout's config.yaml, _groups/ and _single_events/; empty if none.

    Also checks what only the repository root can tell: that a local `ical` path exists.
    """
    root = Path(root)
    problems: list[ConfigError] = []
    try:
        load_site_config(root / "config.yaml")
    except ConfigError as error:
        problems.extend(error.problems())
    groups, errors = _load_all(root / "_groups", load_group, required=True)
    problems += errors + _load_all(root / "_single_events", load_single_event, required=False)[1]
    for group in groups:
        if group.ical and not _is_web_url(group.ical) and not (root / group.ical).is_file():
            path = root / "_groups" / f"{group.group_id}.yaml"
            problems.append(ConfigError(path, f"local feed {group.ical!r} not found", "ical"))
    return [one for problem in problems for one in problem.problems()]


def _load_all(
    directory: Path, load: Callable[[Path], T], *, required: bool
) -> tuple[list[T], list[ConfigError]]:
    """What every file holds and what is wrong in each, so one run can report them all."""
    if not directory.is_dir():
        return [], [ConfigError(directory, "directory not found")] if required else []
    items: list[T] = []
    errors = [
        ConfigError(path, f"rename it {path.stem}.yaml: only .yaml files are read")
        for path in sorted(directory.glob("*.yml"))
    ]
    for path in sorted(directory.glob("*.yaml")):
        try:
            items.append(load(path))
        except ConfigError as error:
            errors.append(error)
    return items, errors


def _read_mapping(path: Path, empty_ok: bool) -> tuple[dict, list]:
    """The mapping in a YAML file, and its (key node, value node) pairs for lines and raw text."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ConfigError(path, "is not UTF-8 text: save it as UTF-8") from None
    except OSError as error:
        raise ConfigError(path, f"cannot be read: {error.strerror}") from None
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except yaml.MarkedYAMLError as error:
        raise _syntax_error(path, text, error) from None
    except (yaml.YAMLError, ValueError) as error:
        raise ConfigError(path, f"is not valid YAML: {error}") from None
    finally:
        loader.dispose()
    if data is None and empty_ok:
        return {}, []
    if not isinstance(data, dict):
        found = "the file is empty" if data is None else f"found {type(data).__name__}"
        raise ConfigError(path, f"must be a mapping of 'key: value' lines; {found}")
    return data, node.value


def _syntax_error(path: Path, text: str, error: yaml.MarkedYAMLError) -> ConfigError:
    """Name the line and, when it reads 'key: value', the key and how to quote the value."""
    mark = error.problem_mark or error.context_mark
    lines = text.splitlines()
    line = mark.line + 1 if mark else None
    match = _KEY_LINE.fullmatch(lines[line - 1]) if line and line <= len(lines) else None
    message = f"YAML syntax error: {error.problem or error.context}"
    if match and match[2].strip():
        quoted = match[2].strip().replace("'", "''")
        message += f"; put the value in quotes: {match[1]}: '{quoted}'"
    return ConfigError(path, message, match[1] if match else None, line)


def _is_web_url(value: str) -> bool:
    parts = urlsplit(value)
    clean = not any(ch.isspace() for ch in value)
    return parts.scheme in ("http", "https") and bool(parts.hostname) and clean


def _is_repo_path(value: str) -> bool:
    path = PurePosixPath(value)
    return not (_SCHEME.match(value) or path.is_absolute() or ".." in path.parts or "\\" in value)


def _is_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _parse_date(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if _DATE.fullmatch(text) else None
    except ValueError:
        return None


def _parse_time(text: str) -> time | None:
    """'18:30', '18:30:00', '6:30 pm', '6pm', '6:30 p.m.'."""
    if match := _TIME_24.fullmatch(text):
        hour, minute, second = int(match[1]), int(match[2]), int(match[3] or 0)
    elif (match := _TIME_12.fullmatch(text)) and 1 <= int(match[1]) <= 12:
        hour = int(match[1]) % 12 + (12 if match[3].lower() == "p" else 0)
        minute, second = int(match[2] or 0), 0
    else:
        return None
    try:
        return time(hour, minute, second)
    except ValueError:
        return None
