"""Reading one YAML mapping for validation: every problem is collected as a ConfigError that
names the file, the line and the key, with a hint that says how to fix it."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from datetime import date, time
from pathlib import Path, PurePosixPath
from typing import TypeVar
from urllib.parse import urlsplit

import yaml

from core.errors import ConfigError, raise_if_any

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


class YamlDoc:
    """One YAML mapping under validation; it collects every problem rather than stopping early."""

    def __init__(self, path: Path, allowed: tuple[str, ...], *, empty_ok: bool = False) -> None:
        self.path = path
        self.errors: list[ConfigError] = []
        self.lines: dict[str, int] = {}
        self.raw: dict[str, str] = {}
        self.data, pairs = read_mapping(path, empty_ok)
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
        if value is None or is_web_url(value) or (local_ok and is_repo_path(value)):
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


def load_all(
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


def read_mapping(path: Path, empty_ok: bool) -> tuple[dict, list]:
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


def is_web_url(value: str) -> bool:
    parts = urlsplit(value)
    clean = not any(ch.isspace() for ch in value)
    return parts.scheme in ("http", "https") and bool(parts.hostname) and clean


def is_repo_path(value: str) -> bool:
    path = PurePosixPath(value)
    return not (_SCHEME.match(value) or path.is_absolute() or ".." in path.parts or "\\" in value)


def parse_date(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if _DATE.fullmatch(text) else None
    except ValueError:
        return None


def parse_time(text: str) -> time | None:
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
