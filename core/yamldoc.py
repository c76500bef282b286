"""Reading one YAML mapping for validation: every problem is collected as a ConfigError that
names the file, the line and the key, with a hint that says how to fix it."""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from datetime import date, time
from pathlib import Path, PurePosixPath
from typing import TypeVar

import yaml
from yaml.reader import ReaderError

from core.errors import ConfigError, raise_if_any
from core.limits import (
    MAX_CONFIG_BYTES,
    MAX_CONFIG_DEPTH,
    MAX_CONFIG_LIST_ITEMS,
    MAX_CONFIG_TEXT_CHARS,
    MAX_CONFIG_URL_CHARS,
    QUOTE_CHARS,
)
from core.text import clean_text, is_web_url, quote, truncate

KEY_HINTS = dict.fromkeys(("id", "group_id"), "remove it: the file name is the group id")

_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_TIME_24 = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?")
_TIME_12 = re.compile(r"(\d{1,2})(?::(\d{2}))?\s*([ap])\.?\s*m\.?", re.IGNORECASE)
_KEY_LINE = re.compile(r"\s*([A-Za-z_][\w-]*)\s*:\s*(.*)")
_NO_ANCHORS = "YAML anchors and aliases (&name / *name) are not allowed: write the value out"
_PROBLEM_CHARS = 2 * QUOTE_CHARS  # PyYAML's own messages fit; a long tag quoted in one is cut

T = TypeVar("T")


class _Loader(yaml.SafeLoader):
    """Safe YAML that leaves dates as text, so a bad date becomes our error naming the key.

    It refuses anchors and aliases, deep nesting and huge values while composing, before any
    value is built: a "billion laughs" file of nested aliases would otherwise expand to
    gigabytes, and so would an error message quoting the value.
    """

    def __init__(self, text: str, path: Path) -> None:
        super().__init__(text)
        self.path = path
        self.depth = 0
        self.key: str | None = None  # the top-level key whose value is being composed

    def compose_node(self, parent: yaml.Node | None, index: object) -> yaml.Node | None:
        event = self.peek_event()  # a node's event: a scalar, a collection's start or an alias
        if self.depth == 1:
            self.key = _key_name(index.value) if isinstance(index, yaml.ScalarNode) else None
        if event.anchor is not None:  # an alias's anchor is the name it refers to
            self._refuse(event, _NO_ANCHORS)
        if isinstance(event, yaml.ScalarEvent) and len(event.value) > MAX_CONFIG_URL_CHARS:
            limit = f"no value may be longer than {MAX_CONFIG_URL_CHARS:,}"
            self._refuse(event, f"is {len(event.value):,} characters long; {limit}: shorten it")
        if self.depth > MAX_CONFIG_DEPTH:
            self._refuse(event, f"nests more than {MAX_CONFIG_DEPTH} levels deep: flatten it")
        self.depth += 1
        try:
            # types-PyYAML says ``index`` is an int; a mapping passes its key node
            return super().compose_node(parent, index)  # type: ignore[arg-type]
        finally:
            self.depth -= 1

    def _refuse(self, event: yaml.Event, message: str) -> None:
        line = event.start_mark.line + 1 if event.start_mark else None
        raise ConfigError(self.path, message, self.key, line)


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
            key, line = _key_name(key_node.value), key_node.start_mark.line + 1
            if key in self.lines:
                self.errors.append(ConfigError(path, "appears twice: keep one", key, line))
            self.lines.setdefault(key, line)
            if isinstance(value_node, yaml.ScalarNode):
                self.raw[key] = value_node.value
        for key in map(_key_name, self.data):
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

    def get(
        self,
        key: str,
        kind: type | tuple[type, ...],
        what: str,
        required: bool = False,
        limit: int = MAX_CONFIG_TEXT_CHARS,
    ):
        """The value if present, of the right type and, as written, at most ``limit`` characters
        with no control characters (text comes back cleaned); else None, with an error when
        due."""
        value = self.data.get(key)
        if value is None:
            if required:
                self.fail(key, f"is required: add a line '{key}: ...'")
            return None
        if not isinstance(value, kind) or isinstance(value, bool) != (kind is bool):
            self.fail(key, f"must be {what}, got {quote(value)}")
            return None
        if problem := _text_problem(self.raw.get(key, ""), limit):
            self.fail(key, problem)
            return None
        return clean_text(value) if isinstance(value, str) else value

    def text(
        self, key: str, required: bool = False, limit: int = MAX_CONFIG_TEXT_CHARS
    ) -> str | None:
        """Single-line text. A number here is YAML misreading unquoted text; one too long to
        quote back in the hint gets the plain type error from ``get``."""
        raw = self.raw.get(key, "")
        if isinstance(self.data.get(key), int | float) and len(raw) <= limit:  # bool is an int too
            hint = f"put it in quotes: {key}: '{raw}'"
            self.fail(key, f"must be text, but YAML read {raw} as {self.data[key]!r}; {hint}")
            return None
        value = self.get(key, str, "text", required, limit)
        if value is not None and not value.strip():
            self.fail(key, "must not be empty")
            return None
        return value.strip() if value is not None else None

    def url(self, key: str, required: bool = False, local_ok: bool = False) -> str | None:
        value = self.text(key, required, MAX_CONFIG_URL_CHARS)
        if value is None or is_web_url(value) or (local_ok and is_repo_path(value)):
            return value
        wanted = "an http(s) URL" + (" or a path relative to the repository" if local_ok else "")
        self.fail(key, f"must be {wanted}, got {quote(value)}")
        return None

    def text_list(
        self, key: str, what: str, limit: int = MAX_CONFIG_TEXT_CHARS
    ) -> list[str] | None:
        """A list of items each checked like a text value; None, with an error, if any is bad."""
        items = self.get(key, list, what)
        if items is None:
            return None
        if len(items) > MAX_CONFIG_LIST_ITEMS:
            cut = f"the limit is {MAX_CONFIG_LIST_ITEMS:,}: remove some"
            self.fail(key, f"has {len(items):,} items; {cut}")
            return None
        for number, item in enumerate(items, 1):
            if isinstance(item, str):
                problem = _text_problem(item, limit)
            else:
                problem = f"must be text, got {quote(item)}"
            if problem:
                self.fail(key, f"item {number} {problem}")
                return None
        return [clean_text(item).strip() for item in items]

    def parsed(
        self, key: str, parse: Callable[[str], T | None], example: str, required: bool = False
    ) -> T | None:
        """A date or time written as text. A number here is YAML misreading an unquoted time."""
        value = self.data.get(key)
        raw = self.raw.get(key, "")
        number = isinstance(value, int | float) and not isinstance(value, bool)
        if number and ":" in raw and len(raw) <= MAX_CONFIG_TEXT_CHARS:
            hint = f"put it in quotes: {key}: '{raw}'"
            self.fail(key, f"YAML read the unquoted {raw} as the number {value}; {hint}")
            return None
        text = self.get(key, str, f"like {example}", required)
        result = parse(text.strip()) if text is not None else None
        if text is not None and result is None:
            self.fail(key, f"must be like {example}, got {quote(text)}")
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


def _text_problem(value: str, limit: int) -> str | None:
    """Why text from a config file cannot go on a page or into a feed as is, or None.

    Control and bidi-override characters are refused, not stripped: they are invisible, so a
    reviewer cannot see that "Python DC" really reads otherwise.
    """
    if len(value) > limit:
        return f"is {len(value):,} characters long; the limit is {limit:,}: shorten it"
    unsafe = sorted(ch for ch in set(value) if not clean_text(ch, multiline=True))
    if unsafe:
        codes = ", ".join(f"U+{ord(ch):04X}" for ch in unsafe[:5])
        return f"contains invisible control characters ({codes}): remove them"
    return None


def _key_name(key: object) -> str:
    """A key as messages show it: an unknown key is a stranger's text like any value."""
    return clean_text(str(key), QUOTE_CHARS)


def _read_text(path: Path) -> str:
    """The file's text. One over MAX_CONFIG_BYTES is refused having read no more than that: a
    group file is ~300 bytes, and a huge one must cost nothing."""
    try:
        with path.open("rb") as file:
            data = file.read(MAX_CONFIG_BYTES + 1)
    except OSError as error:
        raise ConfigError(path, f"cannot be read: {error.strerror}") from None
    if len(data) > MAX_CONFIG_BYTES:
        limit = f"the limit for a configuration file is {MAX_CONFIG_BYTES:,} bytes"
        raise ConfigError(path, f"is too large: {limit}; shorten it")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(path, "is not UTF-8 text: save it as UTF-8") from None


def read_mapping(path: Path, empty_ok: bool) -> tuple[dict, list]:
    """The mapping in a YAML file, and its (key node, value node) pairs for lines and raw text."""
    text = _read_text(path)
    try:
        loader = _Loader(text, path)  # PyYAML checks every character here
    except ReaderError as error:
        line = text.count("\n", 0, error.position) + 1
        message = f"contains invisible control characters (U+{error.character:04X}): remove them"
        raise ConfigError(path, message, _line_key(text, line)[0], line) from None
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
    if node is None or not isinstance(data, dict):
        found = "the file is empty" if data is None else f"found {type(data).__name__}"
        raise ConfigError(path, f"must be a mapping of 'key: value' lines; {found}")
    return data, node.value


def _syntax_error(path: Path, text: str, error: yaml.MarkedYAMLError) -> ConfigError:
    """Name the line and, when it reads 'key: value', the key and how to quote the value."""
    mark = error.problem_mark or error.context_mark
    line = mark.line + 1 if mark else None
    key, value = _line_key(text, line)
    message = f"YAML syntax error: {truncate(str(error.problem or error.context), _PROBLEM_CHARS)}"
    if key and value:
        quoted = truncate(value.replace("'", "''"), QUOTE_CHARS)
        message += f"; put the value in quotes: {key}: '{quoted}'"
    return ConfigError(path, message, key, line)


def _line_key(text: str, line: int | None) -> tuple[str | None, str]:
    """The key and the value written on a line that reads 'key: value', else (None, '')."""
    lines = text.splitlines()
    match = _KEY_LINE.fullmatch(lines[line - 1]) if line and line <= len(lines) else None
    return (_key_name(match[1]), match[2].strip()) if match else (None, "")


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
